package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func ExampleRolesService_List() {
	srv, client := exampleClient()
	defer srv.Close()
	for _, name := range []string{"PKI Operators", "PKI Auditors", "Web Team"} {
		srv.AddRole(keyfactortest.Role{Name: name, Description: "d"})
	}

	// Every page is read as the loop needs it; breaking out stops reading.
	for role, err := range client.Roles.List(context.Background(), keyfactor.ListRolesOptions{Query: `Name -startswith "PKI"`}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(role.ID, role.Name)
	}
	// Output:
	// 3 PKI Auditors
	// 2 PKI Operators
}

func ExampleRolesService_GetByName() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "Operators of the issuing CAs",
		Permissions: []string{"/portal/read/"}})

	role, err := client.Roles.GetByName(context.Background(), "PKI Operators")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(role.ID, role.Description, role.Permissions)

	_, err = client.Roles.GetByName(context.Background(), "pki operators") // names match exactly
	fmt.Println(errors.Is(err, keyfactor.ErrNotFound))
	// Output:
	// 2 Operators of the issuing CAs [/portal/read/]
	// true
}

func ExampleRolesService_Update() {
	srv, client := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	role, err := client.Roles.Create(ctx, keyfactor.CreateRoleRequest{Name: "PKI Operators", Description: "d",
		Permissions: []string{"/portal/read/"},
		Claims:      []keyfactor.Claim{{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: "pki-ops", ProviderAuthenticationScheme: "Keycloak"}}})
	if err != nil {
		log.Fatal(err)
	}

	// Update replaces the whole role: send everything it should keep.
	updated, err := client.Roles.Update(ctx, keyfactor.UpdateRoleRequest{ID: role.ID, Name: role.Name,
		Description: "Operators of the issuing CAs", Permissions: role.Permissions, Claims: role.Claims})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(updated.Description, updated.Permissions, len(updated.Claims))

	// Leaving Permissions or Claims nil would wipe them on the server.
	_, err = client.Roles.Update(ctx, keyfactor.UpdateRoleRequest{ID: role.ID, Name: role.Name, Description: "d"})
	fmt.Println(errors.Is(err, keyfactor.ErrValidation))
	// Output:
	// Operators of the issuing CAs [/portal/read/] 1
	// true
}

func ExampleRolesService_Modify() {
	srv, client := exampleClient()
	defer srv.Close()
	id := srv.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "d", Permissions: []string{"/portal/read/"},
		Claims: []keyfactortest.Claim{{Type: keyfactortest.ClaimOAuthRole, Value: "pki-ops", Scheme: "Keycloak"}}})

	// Read, change, write back, verify: everything not changed is kept.
	role, err := client.Roles.Modify(context.Background(), id, func(r *keyfactor.Role) error {
		if !slices.Contains(r.Permissions, "/auditing/read/") {
			r.Permissions = append(r.Permissions, "/auditing/read/")
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(role.Permissions, role.Claims[0].ClaimValue)
	// Output:
	// [/portal/read/ /auditing/read/] pki-ops
}

func ExampleRolesService_Delete() {
	srv, client := exampleClient()
	defer srv.Close()
	id := srv.AddRole(keyfactortest.Role{Name: "Temporary", Description: "d"})

	fmt.Println(client.Roles.Delete(context.Background(), id))
	err := client.Roles.Delete(context.Background(), id)
	fmt.Println(errors.Is(err, keyfactor.ErrNotFound))
	// Output:
	// <nil>
	// true
}

func ExampleRolesService_Plan() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "Operators", Permissions: []string{"/portal/read/"}})

	plan, err := client.Roles.Plan(context.Background(), keyfactor.CreateRoleRequest{Name: "PKI Operators",
		Description: "Operators of the issuing CAs", Permissions: []string{"/portal/read/", "/auditing/read/"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plan.Action)
	for _, c := range plan.Changes {
		fmt.Printf("%s: %v -> %v %v\n", c.Field, c.Old, c.New, c.Added)
	}
	// Output:
	// update
	// Description: Operators -> Operators of the issuing CAs []
	// Permissions: <nil> -> <nil> [/auditing/read/]
}

func ExampleRolesService_Apply() {
	srv, client := exampleClient()
	defer srv.Close()
	desired := keyfactor.CreateRoleRequest{Name: "PKI Operators", Description: "Operators of the issuing CAs",
		Permissions: []string{"/portal/read/"}}

	for range 2 { // a nightly job: the first run creates, the second does nothing
		plan, role, err := client.Roles.Apply(context.Background(), desired)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(plan.Action, role.ID)
	}
	// Output:
	// create 2
	// none 2
}
