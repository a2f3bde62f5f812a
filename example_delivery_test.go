package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// exampleStore is a PEM store on web01, its server password a secret.
func exampleStore(machine string) keyfactor.CreateStoreRequest {
	return keyfactor.CreateStoreRequest{ClientMachine: machine, StorePath: "/etc/ssl/site.pem", StoreType: 2,
		Properties: map[string]string{"separatePrivateKey": "false"},
		Secrets:    map[string]keyfactor.Secret{"ServerPassword": keyfactor.NewSecret("hunter2")}}
}

func ExampleSecret() {
	s := keyfactor.NewSecret("hunter2")
	fmt.Printf("%v %+v %#v %q\n", s, s, s, s)
	fmt.Println(s.Value())
	// Output:
	// [REDACTED] [REDACTED] [REDACTED] [REDACTED]
	// hunter2
}

func ExampleStoresService_Apply() {
	srv, client := exampleClient()
	defer srv.Close()
	ctx := context.Background()

	plan, _, err := client.Stores.Apply(ctx, exampleStore("web01.example.com"))
	fmt.Println(plan.Action, err)
	// Again: the server holds it, and nothing is written.
	plan, _, err = client.Stores.Apply(ctx, exampleStore("web01.example.com"))
	fmt.Println(plan.Action, err)
	// Output:
	// create <nil>
	// none <nil>
}

func ExampleStoresService_AddCertificate() {
	srv, client := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	good, err := client.Stores.Create(ctx, exampleStore("web01.example.com"))
	if err != nil {
		log.Fatal(err)
	}
	bad, err := client.Stores.Create(ctx, exampleStore("web02.example.com"))
	if err != nil {
		log.Fatal(err)
	}
	srv.FailStoreJobs(bad.ID, "Access to the path '/etc/ssl/site.pem' is denied.")
	id := exampleCertificate(client, "site.example.com")

	jobs, err := client.Stores.AddCertificate(ctx, keyfactor.AddCertificateRequest{CertificateID: id,
		Stores: []keyfactor.StoreTarget{{StoreID: good.ID, Alias: "site"}, {StoreID: bad.ID, Alias: "site"}}})
	if err != nil {
		log.Fatal(err)
	}
	// Scheduled is not done: Wait says how each job ended.
	results, err := client.Jobs.Wait(ctx, jobs)
	for _, r := range results {
		fmt.Printf("%s: %q\n", r.Status, r.Message)
	}
	fmt.Println(errors.Is(err, keyfactor.ErrJobFailed))
	// Output:
	// succeeded: ""
	// failed: "Access to the path '/etc/ssl/site.pem' is denied."
	// true
}

func ExampleCertificatesService_Rotate() {
	srv, client := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	id := exampleCertificate(client, "rotate.example.com")
	for _, machine := range []string{"web01.example.com", "web02.example.com"} {
		st := srv.AddStore(keyfactortest.Store{ClientMachine: machine, StorePath: "/etc/ssl/site.pem", StoreType: 2})
		jobs, err := client.Stores.AddCertificate(ctx, keyfactor.AddCertificateRequest{CertificateID: id,
			Stores: []keyfactor.StoreTarget{{StoreID: st, Alias: "site"}}})
		if err == nil {
			_, err = client.Jobs.Wait(ctx, jobs)
		}
		if err != nil {
			log.Fatal(err)
		}
	}

	rot, err := client.Certificates.Rotate(ctx, id, keyfactor.RotateOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rot.New.CertificateID != id, len(rot.Stores))
	for _, s := range rot.Stores {
		fmt.Println(s.AgentMachine, s.Status)
	}
	// Output:
	// true 2
	// web01.example.com succeeded
	// web02.example.com succeeded
}
