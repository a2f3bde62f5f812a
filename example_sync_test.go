package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// Sync makes the server hold a whole set of roles; a second run writes
// nothing. A permission names its collection by name, so the same set
// serves every environment.
func ExampleRolesService_Sync() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddCollection(keyfactortest.Collection{Name: "Web Servers"})
	srv.AddRole(keyfactortest.Role{Name: "Retired Team", Description: "gone"})
	srv.AddRole(keyfactortest.Role{Name: "Break Glass", Description: "emergency access"})
	desired := []keyfactor.CreateRoleRequest{
		{Name: "Web Team", Description: "Web certificates", Permissions: []string{"/portal/read/",
			"/certificates/collections/read/{collection:Web Servers}/"}, Claims: []keyfactor.Claim{}},
		{Name: "Auditors", Description: "Read-only", Permissions: []string{"/auditing/read/"}, Claims: []keyfactor.Claim{}},
	}
	opts := keyfactor.SyncOptions{Prune: true, Protect: []string{"Break Glass"}}
	for run := 1; run <= 2; run++ {
		plan, err := client.Roles.Sync(context.Background(), desired, opts)
		if err != nil {
			log.Fatal(err)
		}
		for _, item := range plan.Items {
			fmt.Printf("run %d: %s: %s\n", run, item.Name, item.Plan.Action)
		}
	}
	role, _ := client.Roles.GetByName(context.Background(), "Web Team")
	fmt.Println(role.Permissions)
	// Output:
	// run 1: Web Team: create
	// run 1: Auditors: create
	// run 1: Retired Team: delete
	// run 2: Web Team: none
	// run 2: Auditors: none
	// [/portal/read/ /certificates/collections/read/1/]
}

// Everything is checked before the first write: first offline (a role
// without a description), then what only the server can tell (a
// collection name that resolves to nothing).
func ExampleRolesService_Sync_allOrNothing() {
	srv, client := exampleClient()
	defer srv.Close()
	desired := []keyfactor.CreateRoleRequest{
		{Name: "Web Team", Description: "Web certificates", Permissions: []string{"/certificates/collections/read/{collection:Nowhere}/"}},
		{Name: "Auditors", Permissions: []string{"/auditing/read/"}},
	}
	for range 2 {
		_, err := client.Roles.Sync(context.Background(), desired, keyfactor.SyncOptions{})
		var ve *keyfactor.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				fmt.Println(f.Field+":", f.Problem)
			}
		}
		desired[1].Description = "Read-only"
	}
	fmt.Println(len(srv.Roles()), "role stored")
	// Output:
	// desired[1]("Auditors").Description: must not be blank
	// desired[0]("Web Team").Permissions[0]: "/certificates/collections/read/{collection:Nowhere}/": no collection is named "Nowhere"
	// 1 role stored
}
