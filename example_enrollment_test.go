package keyfactor_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// exampleCSR makes a key the caller keeps and a CSR for it.
func exampleCSR(cn string) []byte {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		log.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func ExampleEnrollmentService_CSR() {
	srv, client := exampleClient()
	defer srv.Close()

	e, err := client.Enrollment.CSR(context.Background(), keyfactor.EnrollCSRRequest{
		CSR:              exampleCSR("web01.example.com"),
		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"},
		SANs:             keyfactor.SANs{DNS: []string{"web01.example.com", "www.example.com"}},
		IncludeChain:     true,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Status, e.Bundle.Leaf.Subject.CommonName, e.Bundle.Leaf.DNSNames)
	for _, issuer := range e.Bundle.Chain {
		fmt.Println("issued by", issuer.Subject.CommonName)
	}
	// Output:
	// issued web01.example.com [web01.example.com www.example.com]
	// issued by Example Issuing CA 1
	// issued by Example Root CA
}

func ExampleEnrollmentService_PFX() {
	srv, client := exampleClient()
	defer srv.Close()

	e, err := client.Enrollment.PFX(context.Background(), keyfactor.EnrollPFXRequest{
		Subject:          "CN=app01.example.com,O=Example",
		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"},
		KeyType:          "ECC", Curve: "P-256",
	})
	if err != nil {
		log.Fatal(err)
	}
	certs, key, err := e.Bundle.PEM() // tls.crt and tls.key
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Status, strings.Count(string(certs), "BEGIN CERTIFICATE"), strings.HasPrefix(string(key), "-----BEGIN PRIVATE KEY"))
	fmt.Printf("%v\n", e.Bundle) // never the key
	// Output:
	// issued 1 true
	// {CN=app01.example.com,O=Example 0 certificates [REDACTED]}
}

func ExampleEnrollmentService_Wait() {
	srv, client := exampleClient()
	defer srv.Close()
	ctx := context.Background()

	e, err := client.Enrollment.CSR(ctx, keyfactor.EnrollCSRRequest{
		CSR:              exampleCSR("pending.example.com"),
		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServerApproval"}, // requires a manager's approval
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Status, e.Bundle == nil)
	if _, err := srv.Approve(e.RequestID); err != nil { // the manager, in the fake
		log.Fatal(err)
	}
	e, err = client.Enrollment.Wait(ctx, e)
	if errors.Is(err, keyfactor.ErrDenied) {
		fmt.Println("denied:", err)
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Status, e.Bundle.Leaf.Subject.CommonName)
	// Output:
	// pending true
	// issued pending.example.com
}

func ExampleCertificatesService_Download() {
	srv, client := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	e, err := client.Enrollment.CSR(ctx, keyfactor.EnrollCSRRequest{CSR: exampleCSR("web02.example.com"),
		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"}})
	if err != nil {
		log.Fatal(err)
	}
	b, err := client.Certificates.Download(ctx, e.CertificateID, keyfactor.DownloadOptions{IncludeChain: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.Leaf.Subject.CommonName, len(b.Chain), b.PrivateKey == nil)
	// Output: web02.example.com 2 true
}

func ExampleCertificatesService_Recover() {
	srv, client := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	e, err := client.Enrollment.PFX(ctx, keyfactor.EnrollPFXRequest{Subject: "CN=app02.example.com",
		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"}, KeyType: "ECC"})
	if err != nil {
		log.Fatal(err)
	}
	// Later, elsewhere: the certificate with the key Command holds.
	b, err := client.Certificates.Recover(ctx, e.CertificateID, keyfactor.RecoverOptions{})
	if err != nil {
		log.Fatal(err)
	}
	cert, err := b.TLSCertificate()
	fmt.Println(b.Leaf.Subject.CommonName, cert.PrivateKey != nil, err)
	// Output: app02.example.com true <nil>
}

func ExampleTemplatesService_GetByName() {
	srv, client := exampleClient()
	defer srv.Close()
	t, err := client.Templates.GetByName(context.Background(), "WebServer")
	fmt.Println(t.ID, t.DisplayName, t.KeySize, err)
	// The display name is not the short name enrollment takes.
	_, err = client.Templates.GetByName(context.Background(), "Web Server")
	fmt.Println(errors.Is(err, keyfactor.ErrNotFound))
	// Output:
	// 3 Web Server 2048 <nil>
	// true
}

func ExampleCertificateAuthoritiesService_GetByName() {
	srv, client := exampleClient()
	defer srv.Close()
	srv.AddCA(keyfactortest.CA{HostName: "ejbca.example.com", LogicalName: "ManagementCA"})
	ca, err := client.CertificateAuthorities.GetByName(context.Background(), `ejbca.example.com\ManagementCA`)
	fmt.Println(ca.Name(), err)
	// Output: ejbca.example.com\ManagementCA <nil>
}

func ExampleEnrollmentService_Context() {
	srv, client := exampleClient()
	defer srv.Close()
	ec, err := client.Enrollment.Context(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range ec.CSR {
		fmt.Println(t.Name, t.RequiresApproval, t.CAs)
	}
	// Output:
	// WebServer false [ca.example.com\Example Issuing CA 1]
	// WebServerApproval true [ca.example.com\Example Issuing CA 1]
}
