package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

var opsClaim = keyfactor.Claim{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: "pki-ops", ProviderAuthenticationScheme: "Keycloak",
	Description: "PKI operators"}

func ExampleClaimsService_List() {
	srv, client := exampleClient()
	defer srv.Close()
	for c, err := range client.Claims.List(context.Background(), keyfactor.ListClaimsOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.ID, c.ClaimType, c.ClaimValue, c.ProviderAuthenticationScheme)
	}
	// Output:
	// 1 User KEYFACTOR\admin Active Directory
}

func ExampleClaimsService_Get() {
	srv, client := exampleClient()
	defer srv.Close()
	c, err := client.Claims.Get(context.Background(), 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.ClaimType, c.ClaimValue, c.Provider.AuthenticationScheme)
	// Output:
	// User KEYFACTOR\admin Active Directory
}

func ExampleClaimsService_Find() {
	srv, client := exampleClient()
	defer srv.Close()
	if _, err := client.Claims.Create(context.Background(), opsClaim); err != nil {
		log.Fatal(err)
	}
	c, err := client.Claims.Find(context.Background(), keyfactor.ClaimOAuthRole, "pki-ops", "Keycloak")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.ID, c.Description)
	_, err = client.Claims.Find(context.Background(), keyfactor.ClaimOAuthRole, "pki-ops", "Okta")
	fmt.Println(errors.Is(err, keyfactor.ErrNotFound))
	// Output:
	// 2 PKI operators
	// true
}

func ExampleClaimsService_Create() {
	srv, client := exampleClient()
	defer srv.Close()
	c, err := client.Claims.Create(context.Background(), opsClaim)
	if err != nil {
		log.Fatal(err) // a lost answer is reconciled: never a second claim
	}
	fmt.Println(c.ID, c.ClaimType, c.ClaimValue)
	// Output:
	// 2 OAuthRole pki-ops
}

func ExampleClaimsService_SetDescription() {
	srv, client := exampleClient()
	defer srv.Close()
	c, _ := client.Claims.Create(context.Background(), opsClaim)
	c, err := client.Claims.SetDescription(context.Background(), c.ID, "PKI operators, EU")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Description)
	// Output:
	// PKI operators, EU
}

func ExampleClaimsService_Delete() {
	srv, client := exampleClient()
	defer srv.Close()
	c, _ := client.Claims.Create(context.Background(), opsClaim)
	fmt.Println(client.Claims.Delete(context.Background(), c.ID))
	fmt.Println(client.Claims.Delete(context.Background(), 1) != nil) // the administrator's role holds claim 1
	// Output:
	// <nil>
	// true
}

func ExampleClaimsService_Roles() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "d",
		Claims: []keyfactortest.Claim{{Type: keyfactortest.ClaimOAuthRole, Value: "pki-ops", Scheme: "Keycloak"}}})
	roles, err := client.Claims.Roles(context.Background(), opsClaim)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range roles {
		fmt.Println(r.ID, r.Name)
	}
	// Output:
	// 2 PKI Operators
}

func ExampleRolesService_AddClaim() {
	srv, client := exampleClient()
	defer srv.Close()
	id := srv.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "d", Permissions: []string{"/portal/read/"}})
	for range 2 { // the second adds nothing: the role holds the claim
		role, err := client.Roles.AddClaim(context.Background(), id, opsClaim)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(len(role.Claims), role.Permissions)
	}
	// Output:
	// 1 [/portal/read/]
	// 1 [/portal/read/]
}

func ExampleRolesService_RemoveClaim() {
	srv, client := exampleClient()
	defer srv.Close()
	id := srv.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "d",
		Claims: []keyfactortest.Claim{{Type: keyfactortest.ClaimOAuthRole, Value: "PKI-Ops", Scheme: "Keycloak"}}})
	role, err := client.Roles.RemoveClaim(context.Background(), id, opsClaim) // values compare ignoring case
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(role.Claims))
	// Output:
	// 0
}

func ExampleCollectionsService_List() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddCollection(keyfactortest.Collection{Name: "Web Servers", Query: `TemplateName -eq "WebServer"`})
	for c, err := range client.Collections.List(context.Background(), keyfactor.ListCollectionsOptions{Query: `Name -startswith "Web"`}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d %s %q\n", c.ID, c.Name, c.Query) // reads never return Query
	}
	// Output:
	// 1 Web Servers ""
}

func ExampleCollectionsService_Get() {
	srv, client := exampleClient()
	defer srv.Close()
	id := srv.AddCollection(keyfactortest.Collection{Name: "Web Servers", Query: `TemplateName -eq "WebServer"`})
	c, err := client.Collections.Get(context.Background(), id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Name, c.Content)
	// Output:
	// Web Servers TemplateName -eq "WebServer"
}

func ExampleCollectionsService_GetByName() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddCollection(keyfactortest.Collection{Name: "Web Servers"})
	c, err := client.Collections.GetByName(context.Background(), "Web Servers")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.ID, keyfactor.CollectionPermission("read", c.ID))
	// Output:
	// 1 /certificates/collections/read/1/
}

func ExampleCollectionsService_Create() {
	srv, client := exampleClient()
	defer srv.Close()
	c, err := client.Collections.Create(context.Background(), keyfactor.CreateCollectionRequest{Name: "Web Servers",
		Query: `TemplateName -eq "WebServer"`})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.ID, c.Query) // the create's answer echoes Query
	// Output:
	// 1 TemplateName -eq "WebServer"
}

func ExampleCollectionsService_Update() {
	srv, client := exampleClient()
	defer srv.Close()
	const query = `TemplateName -eq "WebServer"`
	id := srv.AddCollection(keyfactortest.Collection{Name: "Web Servers", Query: query})
	// A full replace: the query is carried over from where it was written.
	c, err := client.Collections.Update(context.Background(), keyfactor.UpdateCollectionRequest{ID: id, Name: "Web Servers",
		Description: "every web server certificate", Query: query, ShowOnDashboard: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Description, c.ShowOnDashboard, c.Query)
	// Output:
	// every web server certificate true TemplateName -eq "WebServer"
}

func ExampleCollectionsService_Copy() {
	srv, client := exampleClient()
	defer srv.Close()
	id := srv.AddCollection(keyfactortest.Collection{Name: "Web Servers", Query: `TemplateName -eq "WebServer"`})
	c, err := client.Collections.Copy(context.Background(), keyfactor.CopyCollectionRequest{CopyFromID: id, Name: "Web Servers EU"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Name, c.Query)
	// Output:
	// Web Servers EU TemplateName -eq "WebServer"
}

func ExampleCollectionsService_Delete() {
	srv, client := exampleClient()
	defer srv.Close()
	id := srv.AddCollection(keyfactortest.Collection{Name: "Retired"})
	fmt.Println(client.Collections.Delete(context.Background(), id))
	// Output:
	// <nil>
}

func ExampleContainersService_List() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddContainer(keyfactortest.Container{Name: "IIS Farm", CertStoreType: 5, IntervalMinutes: 60})
	for c, err := range client.Containers.List(context.Background(), keyfactor.ListContainersOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.ID, c.Name, c.Schedule)
	}
	// Output:
	// 1 IIS Farm */60 * * * *
}

func ExampleContainersService_Get() {
	srv, client := exampleClient()
	defer srv.Close()
	id := srv.AddContainer(keyfactortest.Container{Name: "IIS Farm", CertStoreType: 5, IntervalMinutes: 60})
	c, err := client.Containers.Get(context.Background(), id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Name, c.Schedule) // a single GET answers the schedule as an object
	// Output:
	// IIS Farm {"Interval":{"Minutes":60}}
}

func ExampleContainersService_GetByName() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddContainer(keyfactortest.Container{Name: "IIS Farm"})
	c, err := client.Containers.GetByName(context.Background(), "IIS Farm")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(keyfactor.ContainerPermission("change_owner", c.ID))
	// Output:
	// /certificate_stores/change_owner/1/
}
