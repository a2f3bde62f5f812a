package keyfactor_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// exampleCertificate issues a certificate on the fake and returns its id.
func exampleCertificate(client *keyfactor.Client, cn string) int {
	e, err := client.Enrollment.PFX(context.Background(), keyfactor.EnrollPFXRequest{Subject: "CN=" + cn,
		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"}, KeyType: "ECC"})
	if err != nil {
		log.Fatal(err)
	}
	return e.CertificateID
}

func ExampleCertificatesService_Revoke() {
	srv, client := exampleClient()
	defer srv.Close()
	id := exampleCertificate(client, "old.example.com")
	req := keyfactor.RevokeRequest{CertificateIDs: []int{id}, Reason: keyfactor.ReasonSuperseded, Comment: "replaced by a new key"}

	res, err := client.Certificates.Revoke(context.Background(), req)
	fmt.Println(len(res.Revoked), len(res.AlreadyRevoked), err)
	// A repeat is a success: the certificate is where it was asked to be.
	res, err = client.Certificates.Revoke(context.Background(), req)
	fmt.Println(len(res.Revoked), len(res.AlreadyRevoked), err)
	// Output:
	// 1 0 <nil>
	// 0 1 <nil>
}

func ExampleCertificatesService_Renew() {
	srv, client := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	id := exampleCertificate(client, "renew-me.example.com")

	kind, _, err := client.Certificates.RenewalAvailable(ctx, id, keyfactor.OwnerScope{})
	if err != nil || kind != keyfactor.RenewalOneClick {
		log.Fatal(kind, err)
	}
	e, err := client.Certificates.Renew(ctx, keyfactor.RenewRequest{CertificateID: id})
	if err != nil {
		log.Fatal(err)
	}
	b, err := client.Certificates.Download(ctx, e.CertificateID, keyfactor.DownloadOptions{})
	fmt.Println(e.Status, e.CertificateID != id, b.Leaf.Subject.CommonName, err)
	// Output: issued true renew-me.example.com <nil>
}

func ExampleCertificatesService_SetMetadata() {
	srv, client := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	srv.AddMetadataField(keyfactortest.MetadataField{Name: "Team", Description: "owning team", DataType: "String"})
	srv.AddMetadataField(keyfactortest.MetadataField{Name: "Cost", Description: "cost centre", DataType: "Integer"})
	id := exampleCertificate(client, "tagged.example.com")

	_ = client.Certificates.SetMetadata(ctx, id, map[string]string{"Team": "web"}, keyfactor.OwnerScope{})
	_ = client.Certificates.SetMetadata(ctx, id, map[string]string{"Cost": "4711"}, keyfactor.OwnerScope{}) // Team stays
	cert, _ := client.Certificates.Get(ctx, id, keyfactor.GetCertificateOptions{IncludeMetadata: true})
	fmt.Println(cert.Metadata["Team"], cert.Metadata["Cost"])

	// A value of the wrong type is refused before anything is sent.
	err := client.Certificates.SetMetadata(ctx, id, map[string]string{"Cost": "a lot"}, keyfactor.OwnerScope{})
	fmt.Println(errors.Is(err, keyfactor.ErrValidation))
	// Output:
	// web 4711
	// true
}

func ExampleCertificatesService_History() {
	srv, client := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	id := exampleCertificate(client, "history.example.com")
	_, _ = client.Certificates.Revoke(ctx, keyfactor.RevokeRequest{CertificateIDs: []int{id}, Reason: keyfactor.ReasonKeyCompromise,
		Comment: "laptop stolen"})
	for e, err := range client.Certificates.History(ctx, id, keyfactor.ListHistoryOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Action, e.Comment)
	}
	// Output:
	// Issued request 1
	// Revoked laptop stolen
}

func ExampleMetadataFieldsService_Apply() {
	srv, client := exampleClient()
	defer srv.Close()
	desired := keyfactor.CreateMetadataFieldRequest{Name: "Env", Description: "environment", DataType: keyfactor.MetadataMultipleChoice,
		Options: []string{"dev", "prod"}}
	p, f, err := client.MetadataFields.Apply(context.Background(), desired)
	fmt.Println(p.Action, f.Name, f.Options, err)
	p, _, err = client.MetadataFields.Apply(context.Background(), desired) // nothing left to do
	fmt.Println(p.Action, err)
	// Output:
	// create Env [dev prod] <nil>
	// none <nil>
}
