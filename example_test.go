package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// exampleClient starts a fake Keyfactor Command and returns a Client for it.
// Against a real server, only the Config differs.
func exampleClient() (*keyfactortest.Server, *keyfactor.Client) {
	srv := keyfactortest.NewServer()
	client, err := keyfactor.NewClient(keyfactor.Config{
		BaseURL:           srv.URL,
		AllowInsecureHTTP: true, // the fake serves plain http
		Auth:              keyfactor.BasicAuth{Username: keyfactortest.AdminUser, Password: keyfactortest.AdminPassword},
	})
	if err != nil {
		log.Fatal(err)
	}
	return srv, client
}

func ExampleCertificatesService_UpdateOwner() {
	srv, client := exampleClient()
	defer srv.Close()
	ops := srv.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "Operators of the issuing CAs"})
	srv.AddCertificate(keyfactortest.Certificate{ID: 42, CollectionIDs: []int{5}})

	ctx := context.Background()
	err := client.Certificates.UpdateOwner(ctx, 42, keyfactor.UpdateOwnerRequest{
		NewRoleName:  keyfactor.Ptr("PKI Operators"),
		CollectionID: 5, // authorize through collection 5's permissions
	})
	if err != nil {
		log.Fatal(err)
	}
	owner, _ := srv.Owner(42)
	fmt.Println("owner is PKI Operators:", owner == ops)

	// Bad input is refused before anything is sent.
	err = client.Certificates.UpdateOwner(ctx, 42, keyfactor.UpdateOwnerRequest{})
	fmt.Println(err)
	// Output:
	// owner is PKI Operators: true
	// keyfactor: Certificates.UpdateOwner: invalid request: NewRoleID: set NewRoleID or NewRoleName (to remove the owner use ClearOwner)
}

func ExampleCertificatesService_ClearOwner() {
	srv, client := exampleClient()
	defer srv.Close()
	ops := srv.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "d"})
	srv.AddCertificate(keyfactortest.Certificate{ID: 42, OwnerRoleID: ops})
	srv.AddCertificate(keyfactortest.Certificate{ID: 43, OwnerRoleID: ops, OwnerRequired: true})

	ctx := context.Background()
	if err := client.Certificates.ClearOwner(ctx, 42, keyfactor.OwnerScope{}); err != nil {
		log.Fatal(err)
	}
	_, hasOwner := srv.Owner(42)
	fmt.Println("certificate 42 has an owner:", hasOwner)

	// A policy that requires an owner makes the server refuse.
	err := client.Certificates.ClearOwner(ctx, 43, keyfactor.OwnerScope{})
	var apiErr *keyfactor.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message)
	}
	// Output:
	// certificate 42 has an owner: false
	// 400 The certificate owner role cannot be removed because a Certificate Owner Role is required by policy.
}

func ExampleRolesService_Create() {
	srv, client := exampleClient()
	defer srv.Close()

	role, err := client.Roles.Create(context.Background(), keyfactor.CreateRoleRequest{
		Name:        "PKI Operators",
		Description: "Operators of the issuing CAs",
		Permissions: []string{"/portal/read/", keyfactor.CollectionPermission("change_owner", 5)},
		Claims: []keyfactor.Claim{
			{ClaimType: keyfactor.ClaimOAuthRole, ClaimValue: "pki-operators", ProviderAuthenticationScheme: "Keycloak"},
			{ClaimType: keyfactor.ClaimGroup, ClaimValue: `KEYEXAMPLE\PKI Operators`, ProviderAuthenticationScheme: "Active Directory"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(role.ID, role.Name, role.Permissions)
	for _, c := range role.Claims {
		fmt.Println(c.ClaimType, c.ClaimValue, c.ProviderAuthenticationScheme)
	}

	// Every problem is reported at once, and nothing is sent.
	_, err = client.Roles.Create(context.Background(), keyfactor.CreateRoleRequest{
		Name:        "Broken",
		Permissions: []string{"/certificates/", "/certificates/collections/read/"},
	})
	fmt.Println(err)
	// Output:
	// 2 PKI Operators [/portal/read/ /certificates/collections/change_owner/5/]
	// OAuthRole pki-operators Keycloak
	// Group KEYEXAMPLE\PKI Operators Active Directory
	// keyfactor: Roles.Create: invalid request: Description: must not be blank; Permissions[1]: "/certificates/collections/read/" is redundant: Permissions[0] "/certificates/" already grants it
}

func ExampleRolesService_Clone() {
	srv, client := exampleClient()
	defer srv.Close()
	src := srv.AddRole(keyfactortest.Role{
		Name: "PKI Operators", Description: "Operators of the issuing CAs", EmailAddress: "pki-ops@keyexample.com",
		Permissions: []string{"/portal/read/"},
		Claims:      []keyfactortest.Claim{{Type: keyfactortest.ClaimOAuthRole, Value: "pki-operators", Scheme: "Keycloak"}},
	})

	clone, err := client.Roles.Clone(context.Background(), src, keyfactor.CloneRoleRequest{Name: "PKI Operators (EU)"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(clone.Name, "|", clone.Description, "|", clone.EmailAddress)
	fmt.Println(clone.Permissions, clone.Claims[0].ClaimType, clone.Claims[0].ClaimValue)
	// Output:
	// PKI Operators (EU) | Operators of the issuing CAs | pki-ops@keyexample.com
	// [/portal/read/] OAuthRole pki-operators
}

func ExampleAPIError() {
	srv, client := exampleClient()
	defer srv.Close()

	_, err := client.Roles.Get(context.Background(), 999)
	var apiErr *keyfactor.APIError
	switch {
	case errors.Is(err, keyfactor.ErrNotFound) && errors.As(err, &apiErr):
		fmt.Println("not found:", apiErr.ErrorCode, apiErr.Message)
	case err != nil:
		log.Fatal(err)
	}
	// Output:
	// not found: 0xA0110005 Security role with Id 999 was not found.
}

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

func ExampleNewClient() {
	client, err := keyfactor.NewClient(keyfactor.Config{
		BaseURL: "https://kf.example.com/KeyfactorAPI",
		Auth:    keyfactor.BasicAuth{Username: "svc-pki", Password: "s3cret", Domain: "EXAMPLE"},
		Timeout: 30 * time.Second, // per attempt; pass a context deadline for the whole call
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%v\n", client) // never shows a credential

	// A bad Config names every problem; nothing is sent, ever, by NewClient.
	_, err = keyfactor.NewClient(keyfactor.Config{BaseURL: "http://kf.example.com/KeyfactorAPI"})
	fmt.Println(err)
	// Output:
	// keyfactor.Client{BaseURL:"https://kf.example.com/KeyfactorAPI"}
	// keyfactor: NewClient: invalid request: BaseURL: must use https (set AllowInsecureHTTP only for local fakes and tests); Auth: required
}

func ExampleNewClientFromEnv() {
	// KEYFACTOR_* variables as Keyfactor's own tools read them; here they
	// point at a fake server (keyfactortest.Server.Env gives them).
	srv := keyfactortest.NewServer()
	defer srv.Close()
	home, _ := os.MkdirTemp("", "home") // no ~/.keyfactor/command_config.json here
	defer os.RemoveAll(home)
	for _, kv := range append(srv.Env(), "HOME="+home) {
		name, value, _ := strings.Cut(kv, "=")
		old, had := os.LookupEnv(name)
		os.Setenv(name, value)
		defer func() {
			if had {
				os.Setenv(name, old)
			} else {
				os.Unsetenv(name)
			}
		}()
	}

	client, err := keyfactor.NewClientFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	role, err := client.Roles.Get(context.Background(), keyfactortest.AdministratorRoleID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(role.Name, role.Immutable)
	// Output:
	// Administrator true
}

func ExampleCertificatesService_UpdateOwners() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddRole(keyfactortest.Role{Name: "Web Team", Description: "d"})
	ids := []int{101, 102, 103, 104}
	for _, id := range ids[:3] { // 104 does not exist
		srv.AddCertificate(keyfactortest.Certificate{ID: id})
	}

	results, err := client.Certificates.UpdateOwners(context.Background(), ids,
		keyfactor.UpdateOwnerRequest{NewRoleName: keyfactor.Ptr("Web Team")}, keyfactor.BulkOptions{Concurrency: 4})
	if err != nil {
		log.Fatal(err) // the context ended, or the request was invalid
	}
	for _, r := range results {
		fmt.Println(r.CertificateID, r.Err == nil, errors.Is(r.Err, keyfactor.ErrNotFound))
	}
	// Output:
	// 101 true false
	// 102 true false
	// 103 true false
	// 104 false true
}

// ExampleDecodeRoles reads a role file, checks every role offline, then
// applies them: what a sync job does with a directory of files.
func ExampleDecodeRoles() {
	srv, client := exampleClient()
	defer srv.Close()
	file := []byte(`[
	  {"Name": "PKI Auditors", "Description": "Read the audit log", "Permissions": ["/auditing/read/"]},
	  {"Name": "PKI Operators", "Description": "Operators of the issuing CAs", "Permissions": ["/portal/read/"],
	   "Claims": [{"ClaimType": "OAuthRole", "ClaimValue": "pki-operators", "ProviderAuthenticationScheme": "Keycloak"}]}
	]`)
	roles, err := keyfactor.DecodeRoles(file)
	if err != nil {
		log.Fatal(err) // an unknown key, a key written twice, trailing data: with its line
	}
	for _, r := range roles {
		if err := r.Validate(); err != nil {
			log.Fatal(err) // before anything is written
		}
	}
	for _, r := range roles {
		plan, _, err := client.Roles.Apply(context.Background(), r)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.Name, plan.Action)
	}
	_, err = keyfactor.DecodeRoles([]byte(`{"Name": "x", "Description": "d", "Permissions": [], "permissions": ["/"]}`))
	fmt.Println(err)
	// Output:
	// PKI Auditors create
	// PKI Operators create
	// line 1, column 67: the key "permissions" appears twice in one object (also at line 1, column 48); keys are matched ignoring case
}

func ExampleCreateRoleRequest_Validate() {
	bad := keyfactor.CreateRoleRequest{Name: "PKI Operators", Permissions: []string{"/certificates/", "/certificates/import/"}}
	err := bad.Validate()
	var ve *keyfactor.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Printf("%s: %s\n", f.Field, f.Problem)
		}
	}
	// Output:
	// Description: must not be blank
	// Permissions[1]: "/certificates/import/" is redundant: Permissions[0] "/certificates/" already grants it
}
