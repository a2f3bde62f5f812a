package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func ExamplePermissionSetsService_List() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddPermissionSet("6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31", "Operators", "/portal/read/", "/certificates/")
	for set, err := range client.PermissionSets.List(context.Background(), keyfactor.ListPermissionSetsOptions{SortField: "Name"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(set.Name, set.Permissions)
	}
	// Output:
	// Global [/]
	// Operators [/portal/read/ /certificates/]
}

func ExamplePermissionSetsService_Get() {
	srv, client := exampleClient()
	defer srv.Close()
	set, err := client.PermissionSets.Get(context.Background(), keyfactortest.GlobalPermissionSetID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(set.Name, set.Permissions)
	_, err = client.PermissionSets.Get(context.Background(), "Global") // an id is a GUID
	fmt.Println(errors.Is(err, keyfactor.ErrValidation))
	// Output:
	// Global [/]
	// true
}

func ExamplePermissionSetsService_GetByName() {
	srv, client := exampleClient()
	defer srv.Close()
	set, err := client.PermissionSets.GetByName(context.Background(), "Global")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(set.ID)
	_, err = client.PermissionSets.GetByName(context.Background(), "Operators")
	fmt.Println(errors.Is(err, keyfactor.ErrNotFound))
	// Output:
	// 00000000-0000-0000-0000-000000000000
	// true
}

func ExamplePermissionSetsService_Mine() {
	srv, client := exampleClient()
	defer srv.Close()
	sets, err := client.PermissionSets.Mine(context.Background(), "/certificates/collections/modify/")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range sets {
		fmt.Println(s.Name)
	}
	// Output:
	// Global
}

func ExamplePermissionSetsService_Create() {
	srv, client := exampleClient()
	defer srv.Close()
	set, err := client.PermissionSets.Create(context.Background(), keyfactor.CreatePermissionSetRequest{
		Name: "Operators", Permissions: []string{"/portal/read/", "/certificates/"}})
	if err != nil {
		log.Fatal(err) // a lost answer is reconciled: never a second set
	}
	fmt.Println(set.Name, set.Permissions)
	// Output:
	// Operators [/portal/read/ /certificates/]
}

func ExamplePermissionSetsService_Update() {
	srv, client := exampleClient()
	defer srv.Close()
	const id = "6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31"
	srv.AddPermissionSet(id, "Operators", "/portal/read/")
	set, err := client.PermissionSets.Update(context.Background(), keyfactor.UpdatePermissionSetRequest{ID: id,
		Permissions: []string{"/portal/read/", "/reports/read/"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(set.Name, set.Permissions)
	_, err = client.PermissionSets.Update(context.Background(), keyfactor.UpdatePermissionSetRequest{ID: id}) // nil would clear
	fmt.Println(err)
	// Output:
	// Operators [/portal/read/ /reports/read/]
	// keyfactor: PermissionSets.Update: invalid request: Permissions: nil would clear the set's permissions: pass an empty slice to clear them
}

func ExamplePermissionSetsService_Delete() {
	srv, client := exampleClient()
	defer srv.Close()
	const id = "6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31"
	srv.AddPermissionSet(id, "Retired")
	fmt.Println(client.PermissionSets.Delete(context.Background(), id))
	fmt.Println(errors.Is(client.PermissionSets.Delete(context.Background(), id), keyfactor.ErrNotFound))
	// Output:
	// <nil>
	// true
}

func ExamplePermissionSetsService_Plan() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddPermissionSet("6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31", "Operators", "/portal/read/")
	plan, err := client.PermissionSets.Plan(context.Background(), keyfactor.CreatePermissionSetRequest{
		Name: "Operators", Permissions: []string{"/portal/read/", "/reports/read/"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(plan.Action, plan.Changes[0].Field, plan.Changes[0].Added)
	// Output:
	// update Permissions [/reports/read/]
}

func ExamplePermissionSetsService_Apply() {
	srv, client := exampleClient()
	defer srv.Close()
	desired := keyfactor.CreatePermissionSetRequest{Name: "Auditors", Permissions: []string{"/auditing/read/"}}
	for range 2 {
		plan, set, err := client.PermissionSets.Apply(context.Background(), desired)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(plan.Action, set.Name)
	}
	// Output:
	// create Auditors
	// none Auditors
}

func ExampleSecurityService_Me() {
	srv, client := exampleClient()
	defer srv.Close()
	me, err := client.Security.Me(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Roles, me.Permissions)
	// Output:
	// [Administrator] [/]
}

func ExampleMe_Has() {
	me := keyfactor.Me{Permissions: []string{"/certificates/", "/security/read/", "/reports/read/5/"}}
	for _, p := range []string{"/certificates/collections/read/5/", "/security/modify/", "/reports/read/5/", "/reports/read/6/"} {
		fmt.Println(p, me.Has(p))
	}
	// Output:
	// /certificates/collections/read/5/ true
	// /security/modify/ false
	// /reports/read/5/ true
	// /reports/read/6/ false
}

func ExampleSecurityService_Permissions() {
	srv, client := exampleClient()
	defer srv.Close()
	catalogue, err := client.Security.Permissions(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(catalogue[:3])
	// Output:
	// [/ /agents/ /agents/auto_registration/]
}

func ExamplePermission_Covers() {
	collections, _ := keyfactor.ParsePermission("/certificates/collections/")
	read5, _ := keyfactor.ParsePermission("/certificates/collections/read/5/")
	read6, _ := keyfactor.ParsePermission("/certificates/collections/read/6/")
	fmt.Println(collections.Covers(read5), read5.Covers(read6), read5.Covers(collections))
	// Output:
	// true false false
}
