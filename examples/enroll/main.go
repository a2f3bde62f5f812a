// Command enroll issues a TLS certificate the way a web server needs it:
// it makes an ECDSA key that never leaves this machine, enrolls a CSR for
// it with Keyfactor Command, and writes the files a server loads:
//
//	tls.key        the private key (PKCS#8 PEM, mode 0600)
//	tls.crt        the certificate and its issuers, leaf first (what nginx's
//	               ssl_certificate, Go's tls.LoadX509KeyPair or a Kubernetes
//	               TLS secret take)
//
// With no server configured it enrolls against the embedded fake Keyfactor
// Command (package keyfactortest), which issues real certificates from an
// in-memory CA.
//
//	go run ./examples/enroll -cn web01.example.com -template WebServer -out ./tls
//
// An enrollment that needs a manager's approval is waited for (-wait, the
// default, within -timeout); a lost answer is never re-sent: the SDK finds
// the certificate it issued by the CSR's public key.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func main() {
	cn := flag.String("cn", "web01.example.com", "the certificate's common name (also its DNS SAN)")
	template := flag.String("template", "WebServer", "the template's short name")
	out := flag.String("out", "tls", "directory for tls.crt and tls.key")
	wait := flag.Bool("wait", true, "wait for a manager's approval when the template requires one")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, os.Stdout, *cn, *template, *out, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "enroll:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, cn, template, dir string, wait bool) error {
	client, stop, err := newClient(w)
	if err != nil {
		return err
	}
	defer stop()

	// The key stays here: only the CSR, signed by it, goes to Command.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: cn}, DNSNames: []string{cn}}, key)
	if err != nil {
		return err
	}
	e, err := client.Enrollment.CSR(ctx, keyfactor.EnrollCSRRequest{
		CSR:              pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr}),
		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: template},
		SANs:             keyfactor.SANs{DNS: []string{cn}},
		IncludeChain:     true,
	})
	if err != nil {
		return err
	}
	if e.Status == keyfactor.EnrollmentPending {
		fmt.Fprintf(w, "request %d awaits a manager's approval\n", e.RequestID)
		if !wait {
			return nil
		}
		if e, err = client.Enrollment.Wait(ctx, e); errors.Is(err, keyfactor.ErrDenied) {
			return fmt.Errorf("denied: %w", err)
		} else if err != nil {
			return err
		}
	}
	certs, _, err := e.Bundle.PEM()
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	// What a server does with the files: prove they pair before writing.
	if _, err := tls.X509KeyPair(certs, keyPEM); err != nil {
		return fmt.Errorf("the issued certificate does not pair with the key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, "tls.key"), keyPEM); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), certs, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "certificate %d for %s, issued by %q, valid until %s\n", e.CertificateID, e.Bundle.Leaf.Subject.CommonName,
		e.Bundle.Leaf.Issuer.CommonName, e.Bundle.Leaf.NotAfter.UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "wrote %s (key, mode 0600) and %s (%d certificates, leaf first)\n",
		filepath.Join(dir, "tls.key"), filepath.Join(dir, "tls.crt"), 1+len(e.Bundle.Chain))
	return nil
}

// writeKey writes a private key readable by its owner only, also over a
// file that was there with a wider mode (os.WriteFile keeps an existing
// file's mode): a temporary file, created 0600, renamed into place.
func writeKey(path string, keyPEM []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tls.key.*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // nothing is left to remove after the rename
	if _, err := f.Write(keyPEM); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// newClient connects to the configured Keyfactor Command, or starts the
// embedded fake when none is configured.
func newClient(w io.Writer) (*keyfactor.Client, func(), error) {
	cfg, err := keyfactor.ConfigFromEnv()
	if err == nil {
		c, err := keyfactor.NewClient(cfg)
		return c, func() {}, err
	}
	if !errors.Is(err, keyfactor.ErrNotConfigured) {
		return nil, nil, err
	}
	srv := keyfactortest.NewServer()
	fmt.Fprintln(w, "No Keyfactor Command is configured: enrolling with the embedded fake (keyfactortest).")
	c, err := keyfactor.NewClient(keyfactor.Config{BaseURL: srv.URL, AllowInsecureHTTP: true,
		Auth: keyfactor.BasicAuth{Username: keyfactortest.AdminUser, Password: keyfactortest.AdminPassword}})
	return c, srv.Close, err
}
