package keyfactor_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// benchEnrollment is the CSR and the answer both sides of the enrollment
// pair use: Keyfactor's answer with a three-certificate chain.
func benchEnrollment(b *testing.B) (csr, answer []byte) {
	b.Helper()
	csr, err := os.ReadFile("testdata/enrollment/csr.pem")
	if err != nil {
		b.Fatal(err)
	}
	answer, err = os.ReadFile("testdata/enrollment_csr_v1.json")
	if err != nil {
		b.Fatal(err)
	}
	return csr, answer
}

// BenchmarkEnrollCSR: one CSR enrollment through the SDK — validation
// (the CSR parsed and its signature checked), the request, and the answer
// parsed into x509 values with the leaf found by topology and the chain
// ordered.
func BenchmarkEnrollCSR(b *testing.B) {
	csr, answer := benchEnrollment(b)
	srv := benchServer(b, http.StatusOK, answer)
	sdkEnroll(b, csr, benchClient(b, srv))
}

// BenchmarkEnrollCSRIssued is BenchmarkEnrollCSR against keyfactortest,
// which does what a CA does for each request: it checks the CSR's
// signature, signs a new certificate and keeps it. Its baseline is
// BenchmarkEnrollCSRIssuedBaseline.
func BenchmarkEnrollCSRIssued(b *testing.B) {
	csr, _ := benchEnrollment(b)
	srv := keyfactortest.NewTLSServer()
	b.Cleanup(srv.Close)
	c, err := keyfactor.NewClient(keyfactor.Config{BaseURL: srv.URL, Auth: keyfactor.BearerToken(keyfactortest.AdminToken),
		HTTPClient: &http.Client{Transport: issuedTransport(srv)}})
	if err != nil {
		b.Fatal(err)
	}
	sdkEnroll(b, csr, c)
}

func sdkEnroll(b *testing.B, csr []byte, c *keyfactor.Client) {
	ctx := context.Background()
	req := keyfactor.EnrollCSRRequest{CSR: csr, EnrollmentPolicy: keyfactor.EnrollmentPolicy{Template: "WebServer"},
		SANs: keyfactor.SANs{DNS: []string{"web01.example.com"}}, IncludeChain: true}
	b.ReportAllocs()
	for b.Loop() {
		e, err := c.Enrollment.CSR(ctx, req)
		if err != nil || len(e.Bundle.Chain) != 2 {
			b.Fatal(e, err)
		}
	}
}

// BenchmarkEnrollCSRBaseline: what a hand-written net/http client sends
// for the same enrollment — the same bytes and headers — and parses: each
// PEM certificate of the answer with crypto/x509, the chain ordered leaf
// first by issuer name, as a client must, since servers send root-first
// bundles. It does not check the CSR (BenchmarkEnrollCSRBaselineChecked
// does).
func BenchmarkEnrollCSRBaseline(b *testing.B) {
	csr, answer := benchEnrollment(b)
	srv := benchServer(b, http.StatusOK, answer)
	baselineEnroll(b, csr, benchTransport(srv), srv.URL+"/KeyfactorAPI", "", func() {})
}

// BenchmarkEnrollCSRIssuedBaseline is the plain baseline against
// keyfactortest issuing each certificate.
func BenchmarkEnrollCSRIssuedBaseline(b *testing.B) {
	csr, _ := benchEnrollment(b)
	srv := keyfactortest.NewTLSServer()
	b.Cleanup(srv.Close)
	baselineEnroll(b, csr, issuedTransport(srv), srv.URL, "Bearer "+keyfactortest.AdminToken, func() {})
}

// issuedTransport is benchTransport for keyfactortest's TLS server.
func issuedTransport(srv *keyfactortest.Server) *http.Transport {
	t := srv.Client().Transport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = keyfactor.DefaultMaxIdleConnsPerHost
	return t
}

// baselineEnroll enrolls csr by hand at base and expects a chain of three
// certificates; auth, when set, replaces the Basic credentials.
func baselineEnroll(b *testing.B, csr []byte, rt http.RoundTripper, base, auth string, check func()) {
	hc := &http.Client{Transport: rt, Timeout: keyfactor.DefaultTimeout}
	ctx := context.Background()
	url := base + "/Enrollment/CSR"
	type in struct {
		CSR          string              `json:"CSR"`
		IncludeChain bool                `json:"IncludeChain"`
		Template     string              `json:"Template"`
		SANs         map[string][]string `json:"SANs"`
		Timestamp    string              `json:"Timestamp"`
	}
	var out struct {
		CertificateInformation struct {
			KeyfactorID  int      `json:"KeyfactorID"`
			Certificates []string `json:"Certificates"`
		} `json:"CertificateInformation"`
	}
	b.ReportAllocs()
	for b.Loop() {
		check()
		body, err := json.Marshal(in{CSR: string(csr), IncludeChain: true, Template: "WebServer",
			SANs: map[string][]string{"dns": {"web01.example.com"}}, Timestamp: time.Now().UTC().Format(time.RFC3339)})
		if err != nil {
			b.Fatal(err)
		}
		hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		baselineHeaders(hreq.Header, "1.0", true)
		if auth != "" {
			hreq.Header.Set("Authorization", auth)
		}
		hreq.Header.Set("X-Certificateformat", "PEM")
		resp, err := hc.Do(hreq)
		if err != nil {
			b.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		var certs []*x509.Certificate
		for _, p := range out.CertificateInformation.Certificates {
			block, _ := pem.Decode([]byte(p))
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				b.Fatal(err)
			}
			certs = append(certs, c)
		}
		if chain := orderChain(certs); len(chain) != 3 {
			b.Fatal("not one chain")
		}
	}
}

// BenchmarkEnrollCSRBaselineChecked is the baseline doing what the SDK
// does before sending: parse the CSR and check its signature.
func BenchmarkEnrollCSRBaselineChecked(b *testing.B) {
	csr, answer := benchEnrollment(b)
	srv := benchServer(b, http.StatusOK, answer)
	baselineEnroll(b, csr, benchTransport(srv), srv.URL+"/KeyfactorAPI", "", checkCSR(b, csr))
}

// BenchmarkEnrollCSRIssuedBaselineChecked is BenchmarkEnrollCSRBaselineChecked
// against keyfactortest.
func BenchmarkEnrollCSRIssuedBaselineChecked(b *testing.B) {
	csr, _ := benchEnrollment(b)
	srv := keyfactortest.NewTLSServer()
	b.Cleanup(srv.Close)
	baselineEnroll(b, csr, issuedTransport(srv), srv.URL, "Bearer "+keyfactortest.AdminToken, checkCSR(b, csr))
}

// checkCSR is what a careful hand-written client checks before sending a
// CSR: that it parses and its signature verifies.
func checkCSR(b *testing.B, csr []byte) func() {
	block, _ := pem.Decode(csr)
	return func() {
		r, err := x509.ParseCertificateRequest(block.Bytes)
		if err != nil || r.CheckSignature() != nil {
			b.Fatal(err)
		}
	}
}

// orderChain is the plain way to put a bundle leaf first: the leaf
// issues nothing in it; each next certificate is the one the one before
// names as its issuer.
func orderChain(certs []*x509.Certificate) []*x509.Certificate {
	var leaf *x509.Certificate
	for _, c := range certs {
		issues := false
		for _, o := range certs {
			if o != c && bytes.Equal(o.RawIssuer, c.RawSubject) {
				issues = true
			}
		}
		if !issues {
			leaf = c
		}
	}
	chain := []*x509.Certificate{leaf}
	for cur := leaf; len(chain) < len(certs); {
		var next *x509.Certificate
		for _, o := range certs {
			if o != cur && bytes.Equal(cur.RawIssuer, o.RawSubject) {
				next = o
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
		cur = next
	}
	return chain
}
