package keyfactor_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// newCSR makes a key and a PEM CSR for cn.
func newCSR(t testing.TB, cn string, dns ...string) (crypto.Signer, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}, DNSNames: dns}, key)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func csrRequest(t testing.TB, cn string) (crypto.Signer, keyfactor.EnrollCSRRequest) {
	key, csr := newCSR(t, cn)
	return key, keyfactor.EnrollCSRRequest{CSR: csr, EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer",
		CertificateAuthority: `ca.example.com\Example Issuing CA 1`}, SANs: keyfactor.SANs{DNS: []string{cn}}, IncludeChain: true}
}

// handshake serves TLS with cert and connects to it trusting root: the
// bundle is what a server loads.
func handshake(t *testing.T, cert tls.Certificate, root *x509.Certificate, name string) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(root)
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: name})
	if err != nil {
		t.Fatalf("TLS handshake with the issued bundle: %v", err)
	}
	conn.Close()
}

func TestE2EEnrollCSR(t *testing.T) {
	for _, rootFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("rootFirst=%v", rootFirst), func(t *testing.T) {
			var opts []keyfactortest.Option
			if rootFirst {
				opts = append(opts, keyfactortest.WithRootFirstChains())
			}
			srv, c := newE2E(t, opts...)
			key, req := csrRequest(t, "web01.example.com")
			e, err := c.Enrollment.CSR(context.Background(), req)
			if err != nil || e.Status != keyfactor.EnrollmentIssued || e.CertificateID == 0 || e.Recovered {
				t.Fatalf("CSR = %+v, %v", e, err)
			}
			b := e.Bundle
			if b.Leaf.Subject.CommonName != "web01.example.com" || len(b.Chain) != 2 || b.Chain[0].Subject.CommonName != "Example Issuing CA 1" ||
				b.Chain[1].Subject.CommonName != "Example Root CA" || b.PrivateKey != nil {
				t.Fatalf("bundle: leaf %q, %d issuers", b.Leaf.Subject.CommonName, len(b.Chain))
			}
			root, _ := srv.IssuingCA()
			certs, _, err := b.PEM()
			if err != nil {
				t.Fatal(err)
			}
			keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
			pair, err := tls.X509KeyPair(certs, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
			if err != nil {
				t.Fatal(err)
			}
			handshake(t, pair, root, "web01.example.com")

			// The certificate reads back, by id, with the same key.
			got, err := c.Certificates.Download(context.Background(), e.CertificateID, keyfactor.DownloadOptions{IncludeChain: true})
			if err != nil || !got.Leaf.Equal(b.Leaf) || len(got.Chain) != 2 {
				t.Errorf("Download = %+v, %v", got, err)
			}
		})
	}
}

func TestE2EEnrollPFX(t *testing.T) {
	srv, c := newE2E(t)
	req := keyfactor.EnrollPFXRequest{Subject: "CN=app01.example.com,O=Example", EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"},
		SANs: keyfactor.SANs{DNS: []string{"app01.example.com"}, IP: []string{"10.0.0.7"}}, KeyType: "ECC", Curve: "P-256", IncludeChain: true}
	e, err := c.Enrollment.PFX(context.Background(), req)
	if err != nil || e.Status != keyfactor.EnrollmentIssued || e.Bundle.PrivateKey == nil {
		t.Fatalf("PFX = %+v, %v", e, err)
	}
	if ips := e.Bundle.Leaf.IPAddresses; len(ips) != 1 || !ips[0].Equal(net.ParseIP("10.0.0.7")) {
		t.Errorf("IP SANs %v", ips)
	}
	cert, err := e.Bundle.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	root, _ := srv.IssuingCA()
	handshake(t, cert, root, "app01.example.com")
	// Recover returns the same key, under a password of its own.
	rec, err := c.Certificates.Recover(context.Background(), e.CertificateID, keyfactor.RecoverOptions{})
	if err != nil || !rec.Leaf.Equal(e.Bundle.Leaf) || !rec.PrivateKey.Public().(*ecdsa.PublicKey).Equal(e.Bundle.PrivateKey.Public()) {
		t.Errorf("Recover = %+v, %v", rec, err)
	}
	// The wire: v2, format PFX, a password the SDK made, RenewalCertificateId null.
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/Enrollment/PFX") {
			var body map[string]any
			_ = json.Unmarshal(r.Body, &body)
			if r.Header.Get("X-Keyfactor-Api-Version") != "2.0" || r.Header.Get("X-Certificateformat") != "PFX" ||
				body["Password"] == "" || body["RenewalCertificateId"] != nil {
				t.Errorf("PFX request: %v %s", r.Header, r.Body)
			}
		}
	}
}

func TestE2EEnrollmentPendingThenWait(t *testing.T) {
	ctx := context.Background()
	srv, c := newE2E(t)
	_, req := csrRequest(t, "pending.example.com")
	req.Template = "WebServerApproval"
	e, err := c.Enrollment.CSR(ctx, req)
	if err != nil || e.Status != keyfactor.EnrollmentPending || e.RequestID == 0 || e.Bundle != nil || e.WorkflowInstanceID != "" {
		t.Fatalf("CSR = %+v, %v", e, err)
	}
	// Wait polls until a manager approves.
	done := make(chan struct{})
	var issued *keyfactor.Enrollment
	var werr error
	go func() {
		defer close(done)
		issued, werr = c.Enrollment.Wait(ctx, e)
	}()
	if _, err := srv.Approve(e.RequestID); err != nil {
		t.Fatal(err)
	}
	<-done
	if werr != nil || issued.Status != keyfactor.EnrollmentIssued || issued.Bundle.Leaf.Subject.CommonName != "pending.example.com" ||
		issued.RequestID != e.RequestID {
		t.Fatalf("Wait = %+v, %v", issued, werr)
	}

	// A denial is ErrDenied with the manager's comment.
	_, req = csrRequest(t, "denied.example.com")
	req.Template = "WebServerApproval"
	e, _ = c.Enrollment.CSR(ctx, req)
	if err := srv.Deny(e.RequestID, "not ours to issue"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enrollment.Wait(ctx, e); !errors.Is(err, keyfactor.ErrDenied) || !strings.Contains(err.Error(), "not ours to issue") {
		t.Errorf("Wait after a denial: %v", err)
	}

	// A pending PFX comes back with its key, recovered.
	pfx, err := c.Enrollment.PFX(ctx, keyfactor.EnrollPFXRequest{Subject: "CN=pfx-pending.example.com",
		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServerApproval"}, KeyType: "ECC"})
	if err != nil || pfx.Status != keyfactor.EnrollmentPending {
		t.Fatalf("PFX = %+v, %v", pfx, err)
	}
	if _, err := srv.Approve(pfx.RequestID); err != nil {
		t.Fatal(err)
	}
	got, err := c.Enrollment.Wait(ctx, pfx)
	if err != nil || got.Bundle.PrivateKey == nil {
		t.Errorf("Wait on a PFX = %+v, %v", got, err)
	}
	// Wait ends with its context.
	_, req = csrRequest(t, "forever.example.com")
	req.Template = "WebServerApproval"
	e, _ = c.Enrollment.CSR(ctx, req)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.Enrollment.Wait(short, e); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait past its deadline: %v", err)
	}
}

// TestE2EEnrollmentIsNeverSentTwice: an answer lost after the certificate
// was issued is found, not re-sent.
func TestE2EEnrollmentIsNeverSentTwice(t *testing.T) {
	ctx := context.Background()
	srv, c := newE2E(t)
	// Another certificate of the same name, issued earlier: not the one.
	_, other := csrRequest(t, "lost.example.com")
	if _, err := c.Enrollment.CSR(ctx, other); err != nil {
		t.Fatal(err)
	}
	_, req := csrRequest(t, "lost.example.com")
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Enrollment/CSR", Drop: keyfactortest.DropAfterHandler})
	srv.ResetRequests()
	e, err := c.Enrollment.CSR(ctx, req)
	if err != nil || !e.Recovered || e.Status != keyfactor.EnrollmentIssued || len(e.Bundle.Chain) != 2 {
		t.Fatalf("CSR after a lost answer = %+v, %v", e, err)
	}
	if n := countRequests(srv, "POST", "/Enrollment/CSR"); n != 1 {
		t.Errorf("%d enrollment POSTs", n)
	}

	// PFX: adopted by subject and template, its key recovered.
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Enrollment/PFX", Drop: keyfactortest.DropAfterHandler})
	p, err := c.Enrollment.PFX(ctx, keyfactor.EnrollPFXRequest{Subject: "CN=lost-pfx.example.com",
		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"}, KeyType: "ECC"})
	if err != nil || !p.Recovered || p.Bundle.PrivateKey == nil {
		t.Fatalf("PFX after a lost answer = %+v, %v", p, err)
	}
	// Two of the same subject since the call began: it cannot tell, and says so.
	for range 2 {
		if _, err := c.Enrollment.PFX(ctx, keyfactor.EnrollPFXRequest{Subject: "CN=twice.example.com",
			EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"}, KeyType: "ECC"}); err != nil {
			t.Fatal(err)
		}
	}
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Enrollment/PFX", Drop: keyfactortest.DropAfterHandler})
	_, err = c.Enrollment.PFX(ctx, keyfactor.EnrollPFXRequest{Subject: "CN=twice.example.com",
		EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"}, KeyType: "ECC"})
	if !errors.Is(err, keyfactor.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "ids ") {
		t.Errorf("ambiguous: %v", err)
	}
}

func TestE2EEnrollmentValidation(t *testing.T) {
	srv, c := newE2E(t)
	_, csr := newCSR(t, "x.example.com")
	tampered := []byte(strings.Replace(string(csr), "A", "B", 1))
	bad := keyfactor.EnrollCSRRequest{CSR: tampered, EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer", EnrollmentPatternID: 4},
		SANs:        keyfactor.SANs{DNS: []string{"bad name"}, IP: []string{"10.0.0.300"}, Email: []string{"nobody"}, URI: []string{"/relative"}},
		OwnerRoleID: keyfactor.Ptr(1), OwnerRoleName: keyfactor.Ptr("x")}
	_, err := c.Enrollment.CSR(context.Background(), bad)
	var ve *keyfactor.ValidationError
	want := []string{"CSR", "EnrollmentPatternID", "SANs.DNS[0]", "SANs.IP[0]", "SANs.Email[0]", "SANs.URI[0]", "OwnerRoleName"}
	if !errors.As(err, &ve) || len(ve.Fields) != len(want) {
		t.Fatalf("CSR: %v", err)
	}
	for _, f := range want {
		if !ve.Has(f) {
			t.Errorf("no problem named for %s: %v", f, err)
		}
	}
	_, err = c.Enrollment.PFX(context.Background(), keyfactor.EnrollPFXRequest{Subject: "not a DN", KeyType: "RSA", KeyLength: 1024,
		Stores: []keyfactor.StoreDelivery{{StoreID: "nope"}}})
	if !errors.As(err, &ve) || !ve.Has("Subject") || !ve.Has("KeyLength") || !ve.Has("Template") || !ve.Has("Stores[0].StoreID") {
		t.Errorf("PFX: %v", err)
	}
	for _, spec := range []keyfactor.EnrollPFXRequest{{KeyType: "DSA"}, {KeyType: "ECC", KeyLength: 300}, {KeyType: "ECC", Curve: "P-256", KeyLength: 384},
		{KeyType: "ECC", Curve: "secp256k1"}, {KeyType: "RSA", Curve: "P-256"}} {
		spec.Subject, spec.Template = "CN=x", "WebServer"
		if _, err := c.Enrollment.PFX(context.Background(), spec); !errors.Is(err, keyfactor.ErrValidation) {
			t.Errorf("%s/%d/%s: %v", spec.KeyType, spec.KeyLength, spec.Curve, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("bad input sent %d requests", n)
	}
}

func TestE2ETemplatesAndCAs(t *testing.T) {
	ctx := context.Background()
	srv, c := newE2E(t)
	srv.AddCA(keyfactortest.CA{HostName: "ejbca.example.com", LogicalName: "ManagementCA"})
	tmpl, err := c.Templates.GetByName(ctx, "WebServer")
	if err != nil || tmpl.ID != 3 || tmpl.KeySize != 2048 || tmpl.DisplayName != "Web Server" {
		t.Errorf("GetByName = %+v, %v", tmpl, err)
	}
	// The display name is a trap the error names.
	if _, err := c.Templates.GetByName(ctx, "Web Server"); !errors.Is(err, keyfactor.ErrNotFound) || !strings.Contains(err.Error(), "display name") {
		t.Errorf("by display name: %v", err)
	}
	if got, err := c.Templates.Get(ctx, 4); err != nil || !got.RequiresApproval {
		t.Errorf("Get = %+v, %v", got, err)
	}
	ca, err := c.CertificateAuthorities.GetByName(ctx, `ejbca.example.com\ManagementCA`)
	if err != nil || ca.Name() != `ejbca.example.com\ManagementCA` {
		t.Errorf("CA = %+v, %v", ca, err)
	}
	if _, err := c.CertificateAuthorities.GetByName(ctx, `ejbca.example.com\managementca`); !errors.Is(err, keyfactor.ErrNotFound) {
		t.Errorf("a CA name compares exactly: %v", err)
	}
	ec, err := c.Enrollment.Context(ctx)
	if err != nil || len(ec.CSR) != 2 || len(ec.PFX) != 2 || len(ec.CSR[0].CAs) != 2 {
		t.Errorf("Context = %+v, %v", ec, err)
	}
}

// TestE2EEnrollmentKeepsItsSecrets: neither the PFX password nor a key
// shows in fmt, JSON, a dry run or an error.
func TestE2EEnrollmentKeepsItsSecrets(t *testing.T) {
	srv, c := newE2E(t)
	const pw = "Pfx-Secret-9731"
	req := keyfactor.EnrollPFXRequest{Subject: "CN=s.example.com", EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"},
		KeyType: "ECC", Password: pw}
	e, err := c.Enrollment.PFX(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(e.Bundle.PrivateKey)
	keyText := fmt.Sprintf("%x", keyDER)
	d := e.Bundle.PrivateKey.(*ecdsa.PrivateKey).D.String()
	js, _ := json.Marshal(req)
	jb, _ := json.Marshal(e)
	for _, out := range []string{fmt.Sprintf("%v", req), fmt.Sprintf("%+v", req), fmt.Sprintf("%#v", req), string(js),
		fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), fmt.Sprintf("%+v", e.Bundle), string(jb)} {
		if strings.Contains(out, pw) || strings.Contains(out, d) || strings.Contains(out, keyText) {
			t.Errorf("a secret shows: %s", out)
		}
	}
	var shown *http.Request
	dry := e2eClient(t, srv, keyfactor.Config{DryRun: func(r *http.Request) { shown = r }})
	if _, err := dry.Enrollment.PFX(context.Background(), req); !errors.Is(err, keyfactor.ErrDryRun) || shown == nil {
		t.Fatalf("dry run: %v", err)
	}
	body := new(strings.Builder)
	b, _ := shown.GetBody()
	buf := make([]byte, 4096)
	n, _ := b.Read(buf)
	body.Write(buf[:n])
	if strings.Contains(body.String(), pw) || !strings.Contains(body.String(), "[REDACTED]") {
		t.Errorf("the dry run shows %s", body)
	}
	// A server that echoes the password in an error does not get it out.
	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Status: 400, Message: "bad password " + pw})
	if _, err := c.Enrollment.PFX(context.Background(), req); err == nil || strings.Contains(err.Error(), pw) {
		t.Errorf("echoed error: %v", err)
	}
}

// TestE2EEnrollmentFaultCampaign: 100 CSRs against a server that loses 30%
// of its enrollment answers after issuing and refuses 15% with 503: each
// enrollment returns its own certificate once, and exactly 100 exist.
func TestE2EEnrollmentFaultCampaign(t *testing.T) {
	srv, _ := newE2E(t, keyfactortest.WithSeed(2027))
	// Retries enough that 503s in a row never exhaust them (0.15^11).
	c := e2eClient(t, srv, keyfactor.Config{Retry: keyfactor.RetryPolicy{MaxRetries: 10, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}})
	srv.FailRandomly(0.30, keyfactortest.Fault{Method: "POST", Path: "/Enrollment/CSR", Drop: keyfactortest.DropAfterHandler})
	srv.FailRandomly(0.15, keyfactortest.Fault{Method: "POST", Path: "/Enrollment/CSR", Status: 503})
	const n = 100
	ids := make([]int, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var mu sync.Mutex
	var failures []error
	recovered := 0
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			key, req := csrRequest(t, fmt.Sprintf("host%03d.example.com", i))
			e, err := c.Enrollment.CSR(context.Background(), req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures = append(failures, err)
				return
			}
			if !samePublic(e.Bundle.Leaf.PublicKey, key.Public()) {
				failures = append(failures, fmt.Errorf("enrollment %d returned another key's certificate", i))
			}
			if e.Recovered {
				recovered++
			}
			ids[i] = e.CertificateID
		})
	}
	wg.Wait()
	for _, err := range failures {
		t.Error(err)
	}
	seen := map[int]bool{}
	for i, id := range ids {
		if seen[id] {
			t.Errorf("certificate %d returned twice (enrollment %d)", id, i)
		}
		seen[id] = true
	}
	issued := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/Enrollment/CSR") && (r.Fault == nil || r.Fault.Drop != 0) {
			issued++
		}
	}
	if issued != n || len(srv.Certificates()) != n {
		t.Errorf("%d enrollments acted on, %d certificates exist; want %d", issued, len(srv.Certificates()), n)
	}
	if recovered == 0 {
		t.Error("no answer was lost: the campaign proved nothing")
	}
	t.Logf("%d of %d enrollments recovered after a lost answer", recovered, n)
}

func samePublic(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// TestE2ECSRWithoutCommonName: a CSR naming only DNS names, as cert-manager
// sends, enrolls; after a lost answer there is no CN to search by, so the
// error matches ErrOutcomeUnknown and the POST is not sent again. A CSR
// naming nothing at all is refused before sending.
func TestE2ECSRWithoutCommonName(t *testing.T) {
	srv, c := newE2E(t)
	ctx := context.Background()
	policy := keyfactor.EnrollmentPolicy{Template: "WebServer"}
	key, csr := newCSR(t, "", "app.example.com")
	e, err := c.Enrollment.CSR(ctx, keyfactor.EnrollCSRRequest{CSR: csr, EnrollmentPolicy: policy})
	if err != nil || e.Status != keyfactor.EnrollmentIssued || !samePublic(e.Bundle.Leaf.PublicKey, key.Public()) ||
		!slices.Contains(e.Bundle.Leaf.DNSNames, "app.example.com") {
		t.Fatalf("CN-less CSR: %+v, %v", e, err)
	}

	srv.FailNext(1, keyfactortest.Fault{Method: "POST", Path: "/Enrollment/CSR", Drop: keyfactortest.DropAfterHandler})
	srv.ResetRequests()
	_, csr = newCSR(t, "", "api.example.com")
	_, err = c.Enrollment.CSR(ctx, keyfactor.EnrollCSRRequest{CSR: csr, EnrollmentPolicy: policy})
	if !errors.Is(err, keyfactor.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "no common name") {
		t.Errorf("lost answer of a CN-less CSR: %v", err)
	}
	if posts := countRequests(srv, "POST", "/Enrollment/CSR"); posts != 1 {
		t.Errorf("%d enrollment POSTs; want 1", posts)
	}

	srv.ResetRequests()
	_, csr = newCSR(t, "")
	_, err = c.Enrollment.CSR(ctx, keyfactor.EnrollCSRRequest{CSR: csr, EnrollmentPolicy: policy})
	var ve *keyfactor.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "names neither a common name") || len(srv.Requests()) != 0 {
		t.Errorf("a CSR naming nothing: %v (%d requests)", err, len(srv.Requests()))
	}
}
