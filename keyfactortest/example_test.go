package keyfactortest_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// Example seeds a fake Keyfactor Command, makes a request as any client
// would, and inspects what the server received and holds.
func Example() {
	srv := keyfactortest.NewServer()
	defer srv.Close()
	ops := srv.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "d",
		Claims: []keyfactortest.Claim{{Type: keyfactortest.ClaimTypeOf("OAuthRole"), Value: "pki-ops", Scheme: "Keycloak"}}})
	srv.AddCertificate(keyfactortest.Certificate{ID: 42, CollectionIDs: []int{5}})
	srv.FailNext(1, keyfactortest.Fault{Method: "PUT", Status: 503, RetryAfter: "1"})

	put := func() int {
		req, _ := http.NewRequest("PUT", srv.URL+"/Certificates/42/Owner", strings.NewReader(fmt.Sprintf(`{"NewRoleId":%d}`, ops)))
		req.Header.Set("Authorization", "Bearer "+keyfactortest.AdminToken)
		req.Header.Set("x-keyfactor-requested-with", "APIClient")
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	fmt.Println(put(), put()) // the first meets the fault
	owner, _ := srv.Owner(42)
	fmt.Println(owner == ops, len(srv.Requests()), srv.Requests()[0].Fault.Status)
	// Output:
	// 503 204
	// true 2 503
}

// ExampleServer_Seed fills a fake from a seed file, as `keyfactortest serve
// --seed FILE` does.
func ExampleServer_Seed() {
	srv := keyfactortest.NewServer()
	defer srv.Close()
	err := srv.Seed([]byte(`{
	  "Roles": [{"Name": "Web Team", "Description": "Owners of the web certificates",
	             "Claims": [{"Type": "Group", "Value": "KEYEXAMPLE\\Web", "Scheme": "Active Directory"}]}],
	  "Certificates": [{"ID": 7, "OwnerRole": "Web Team"}]
	}`))
	if err != nil {
		log.Fatal(err)
	}
	owner, _ := srv.Owner(7)
	fmt.Println(len(srv.Roles()), owner)
	fmt.Println(srv.Seed([]byte(`{"Certificates": [{"ID": 8, "OwnerRole": "Nobody"}]}`)))
	// Output:
	// 2 2
	// seed: Certificates[0]: OwnerRole "Nobody" names no role
}
