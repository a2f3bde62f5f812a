package keyfactor

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"software.sslmate.com/src/go-pkcs12"
)

// fixtureKey is the key of the fixtures' leaf (testdata/enrollment).
func fixtureKey(t testing.TB) crypto.Signer {
	t.Helper()
	block, _ := pem.Decode(fixture(t, "enrollment/leafkey.pem"))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(crypto.Signer)
}

// TestEnrollCSRWireFormat: the request Keyfactor documents (path, version,
// format header, every key spelt as its model spells it) and the answer's
// KeyfactorID casing, with a chain sent out of order.
func TestEnrollCSRWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	c.now = func() time.Time { return time.Date(2026, 12, 5, 9, 30, 0, 0, time.UTC) }
	m.RegisterResponder("POST", testBase+"/Enrollment/CSR", fixtureResponder(t, 200, "enrollment_csr_v1.json"))
	csr := fixture(t, "enrollment/csr.pem")
	e, err := c.Enrollment.CSR(context.Background(), EnrollCSRRequest{CSR: csr,
		EnrollmentPolicy: EnrollmentPolicy{Template: "WebServer", CertificateAuthority: `ca01.example.com\Example Issuing CA 1`},
		SANs:             SANs{DNS: []string{"web01.example.com"}, IP: []string{"10.1.2.3", "2001:db8::7"}, Email: []string{"pki@example.com"}, URI: []string{"spiffe://example.com/web"}},
		Metadata:         map[string]string{"Team": "web"}, OwnerRoleName: Ptr("Web Team"), IncludeChain: true})
	if err != nil {
		t.Fatal(err)
	}
	r := m.last(t)
	if r.Header.Get("x-keyfactor-api-version") != "1.0" || r.Header.Get("x-certificateformat") != "PEM" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers: %v", r.Header)
	}
	assertJSON(t, r.Body, `{"CSR":`+jsonString(string(csr))+`,"CertificateAuthority":"ca01.example.com\\Example Issuing CA 1",
		"IncludeChain":true,"Metadata":{"Team":"web"},"OwnerRoleName":"Web Team","Template":"WebServer",
		"SANs":{"dns":["web01.example.com"],"ip4":["10.1.2.3"],"ip6":["2001:db8::7"],"rfc822":["pki@example.com"],"uri":["spiffe://example.com/web"]},
		"Timestamp":"2026-12-05T09:30:00Z"}`)
	if e.Status != EnrollmentIssued || e.CertificateID != 4417 || e.RequestID != 9211 || e.SerialNumber != "5A3C" || e.WorkflowInstanceID != "" {
		t.Errorf("enrollment = %+v", e)
	}
	// Root first, leaf, then the intermediate on the wire: the leaf is
	// found by topology, the chain ordered leaf-first.
	b := e.Bundle
	if b.Leaf.Subject.CommonName != "web01.example.com" || len(b.Chain) != 2 || b.Chain[0].Subject.CommonName != "Example Issuing CA 1" ||
		b.Chain[1].Subject.CommonName != "Example Root CA" {
		t.Errorf("bundle: %v / %d", b.Leaf.Subject, len(b.Chain))
	}
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestEnrollCSRPendingAndDenied(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("POST", testBase+"/Enrollment/CSR", fixtureResponder(t, 200, "enrollment_csr_pending_v1.json"))
	req := EnrollCSRRequest{CSR: fixture(t, "enrollment/csr.pem"), EnrollmentPolicy: EnrollmentPolicy{EnrollmentPatternID: 7}}
	e, err := c.Enrollment.CSR(context.Background(), req)
	if err != nil || e.Status != EnrollmentPending || e.RequestID != 9212 || e.Bundle != nil {
		t.Fatalf("pending: %+v, %v", e, err)
	}
	assertJSON(t, m.last(t).Body, `{"CSR":`+jsonString(string(fixture(t, "enrollment/csr.pem")))+`,"IncludeChain":false,
		"EnrollmentPatternId":7,"Timestamp":"`+m.lastJSONField(t, "Timestamp")+`"}`)
	for disposition, wantDenied := range map[string]bool{"DENIED": true, "denied": true, "FAILED": false, "Weird": false} {
		m.RegisterResponder("POST", testBase+"/Enrollment/CSR", httpmock.NewStringResponder(200,
			`{"CertificateInformation":{"KeyfactorID":0,"KeyfactorRequestId":5,"RequestDisposition":"`+disposition+
				`","DispositionMessage":"policy says no","Certificates":null},"Metadata":{}}`))
		_, err := c.Enrollment.CSR(context.Background(), req)
		if err == nil || errors.Is(err, ErrDenied) != wantDenied || !strings.Contains(err.Error(), "policy says no") {
			t.Errorf("%s: %v", disposition, err)
		}
	}
}

// lastJSONField is one string field of the last request's JSON body.
func (m *mock) lastJSONField(t *testing.T, key string) string {
	var body map[string]any
	_ = json.Unmarshal(m.last(t).Body, &body)
	s, _ := body[key].(string)
	return s
}

func TestEnrollPFXWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("POST", testBase+"/Enrollment/PFX", fixtureResponder(t, 200, "enrollment_pfx_v2.json"))
	e, err := c.Enrollment.PFX(context.Background(), EnrollPFXRequest{Subject: "CN=web01.example.com,O=Example",
		EnrollmentPolicy: EnrollmentPolicy{Template: "WebServer"}, KeyType: "ECC", Curve: "P-256", Password: "fixture-Pfx-pw",
		IncludeChain: true, OwnerRoleID: Ptr(17),
		Stores: []StoreDelivery{{StoreID: "7e3f0c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6", Alias: "web01", Overwrite: true}}})
	if err != nil {
		t.Fatal(err)
	}
	r := m.last(t)
	if r.Header.Get("x-keyfactor-api-version") != "2.0" || r.Header.Get("x-certificateformat") != "PFX" {
		t.Errorf("headers: %v", r.Header)
	}
	assertJSON(t, r.Body, `{"Subject":"CN=web01.example.com,O=Example","Password":"fixture-Pfx-pw","RenewalCertificateId":null,
		"KeyType":"ECC","Curve":"P-256","Stores":[{"StoreId":"7e3f0c2a-1b2c-4d5e-8f90-a1b2c3d4e5f6","Alias":"web01","Overwrite":true}],
		"IncludeChain":true,"OwnerRoleId":17,"Template":"WebServer","Timestamp":"`+m.lastJSONField(t, "Timestamp")+`"}`)
	if e.CertificateID != 4418 || len(e.SuccessfulStores) != 1 || e.Bundle.PrivateKey == nil || len(e.Bundle.Chain) != 2 {
		t.Errorf("enrollment = %+v", e)
	}
	if !samePublicKey(e.Bundle.PrivateKey.Public(), fixtureKey(t).Public()) {
		t.Error("the key is not the archive's")
	}
	// A renewal sends its id, not null.
	if _, err := c.Enrollment.PFX(context.Background(), EnrollPFXRequest{Subject: "CN=web01.example.com", Password: "fixture-Pfx-pw",
		EnrollmentPolicy: EnrollmentPolicy{Template: "WebServer"}, RenewalCertificateID: 4417}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(m.last(t).Body), `"RenewalCertificateId":4417`) {
		t.Errorf("renewal: %s", m.last(t).Body)
	}
}

func TestDownloadAndRecoverWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("POST", testBase+"/Certificates/Download", fixtureResponder(t, 200, "certificate_download_pem_v1.json"))
	b, err := c.Certificates.Download(context.Background(), 4417, DownloadOptions{Scope: OwnerScope{CollectionID: 5}})
	if err != nil || b.Leaf.Subject.CommonName != "web01.example.com" {
		t.Fatalf("Download = %+v, %v", b, err)
	}
	r := m.last(t)
	u, _ := url.Parse(r.URL)
	if r.Header.Get("x-certificateformat") != "PEM" || u.Query().Get("collectionId") != "5" || r.Header.Get("x-keyfactor-api-version") != "1.0" {
		t.Errorf("download: %s %v", r.URL, r.Header)
	}
	assertJSON(t, r.Body, `{"CertID":4417,"IncludeChain":false,"ChainOrder":"EndEntityFirst"}`)
	// A chain is asked for as P7B; whatever form comes back is read.
	if _, err := c.Certificates.Download(context.Background(), 4417, DownloadOptions{IncludeChain: true}); err != nil ||
		m.last(t).Header.Get("x-certificateformat") != "P7B" || !strings.Contains(string(m.last(t).Body), `"IncludeChain":true`) {
		t.Errorf("chain: %v, %v", err, m.last(t).Header)
	}

	// Recover: the archive comes back under the password the request sent,
	// a fresh one each call.
	var passwords []string
	leaf, _ := x509.ParseCertificate(mustPEM(t, fixture(t, "certificate_download_pem_v1.json")))
	m.RegisterResponder("POST", testBase+"/Certificates/Recover", func(req *http.Request) (*http.Response, error) {
		var in struct{ Password string }
		_ = json.NewDecoder(req.Body).Decode(&in)
		passwords = append(passwords, in.Password)
		pfx, err := pkcs12.Modern.Encode(fixtureKey(t), leaf, nil, in.Password)
		if err != nil {
			return nil, err
		}
		return httpmock.NewJsonResponse(200, map[string]any{"PFX": base64.StdEncoding.EncodeToString(pfx), "FileName": "web01.pfx"})
	})
	for range 2 {
		b, err = c.Certificates.Recover(context.Background(), 4417, RecoverOptions{})
		if err != nil || b.PrivateKey == nil {
			t.Fatalf("Recover = %+v, %v", b, err)
		}
	}
	if r := m.last(t); r.Header.Get("x-certificateformat") != "PFX" || len(passwords) != 2 || passwords[0] == passwords[1] || len(passwords[0]) < 24 {
		t.Errorf("recover: %v, passwords %d", r.Header, len(passwords))
	}
}

// mustPEM decodes the base64 Content of a download fixture to DER.
func mustPEM(t *testing.T, body []byte) []byte {
	var ans struct{ Content string }
	_ = json.Unmarshal(body, &ans)
	raw, _ := base64.StdEncoding.DecodeString(ans.Content)
	block, _ := pem.Decode(raw)
	return block.Bytes
}

func TestTemplatesAndCAsWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Templates", fixtureResponder(t, 200, "templates_list_v1.json"))
	m.RegisterResponder("GET", testBase+"/CertificateAuthority", fixtureResponder(t, 200, "certificate_authorities_v1.json"))
	tmpl, err := c.Templates.GetByName(context.Background(), "UserAuth")
	if err != nil || tmpl.ID != 4 || tmpl.KeySize != 0 || tmpl.KeyType != "ECC" || !tmpl.RequiresApproval {
		t.Errorf("template = %+v, %v", tmpl, err)
	}
	wireCheck(t, m, "Templates.List", "GET", "Templates", url.Values{"PageReturned": {"1"}, "ReturnLimit": {"1000"}}, "")
	all, err := collect(c.Templates.List(context.Background(), ListTemplatesOptions{}))
	if err != nil || len(all) != 2 || all[0].KeySize != 2048 {
		t.Errorf("list = %+v, %v", all, err)
	}
	ca, err := c.CertificateAuthorities.GetByName(context.Background(), `ca01.example.com\Example Issuing CA 1`)
	if err != nil || ca.ID != 1 || ca.Standalone {
		t.Errorf("CA = %+v, %v", ca, err)
	}
}

// FuzzParseCertificates: whatever the server sends as a bundle, parsing
// returns certificates or an error, never panics; a bundle built from
// them is one chain with its leaf first.
func FuzzParseCertificates(f *testing.F) {
	var ans struct{ Content string }
	_ = json.Unmarshal(fixture(f, "certificate_download_pem_v1.json"), &ans)
	pemLeaf, _ := base64.StdEncoding.DecodeString(ans.Content)
	f.Add(pemLeaf)
	block, _ := pem.Decode(pemLeaf)
	f.Add(block.Bytes)
	f.Add([]byte("-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n"))
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := parseCertificates(data)
		if err != nil {
			return
		}
		b, err := bundleFrom(certs, nil)
		if err != nil {
			return
		}
		for _, c := range b.Chain {
			if c == b.Leaf {
				t.Fatal("the leaf is in its own chain")
			}
		}
	})
}

// TestWaitWithoutTheRightToReadRequests: a caller that may not read the
// request (403) still sees its certificate arrive; a Command workflow that
// rejects is a denial; an unknown status number is no verdict.
func TestWaitWithoutTheRightToReadRequests(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Workflow/Certificates/77", httpmock.NewStringResponder(403,
		`{"ErrorCode":"0xA0110003","Message":"User does not have the required permissions: Alerts - Read"}`))
	calls := 0
	m.RegisterResponder("GET", testBase+"/Certificates", func(req *http.Request) (*http.Response, error) {
		calls++
		if req.URL.Query().Get("QueryString") != "CertRequestId -eq 77" {
			t.Errorf("query %q", req.URL.Query().Get("QueryString"))
		}
		if calls < 2 {
			return httpmock.NewStringResponse(200, `[]`), nil
		}
		return httpmock.NewStringResponse(200, `[{"Id":4417,"IssuedCN":"web01.example.com","CertRequestId":77,"ImportDate":"2026-12-05T09:31:00"}]`), nil
	})
	m.RegisterResponder("POST", testBase+"/Certificates/Download", fixtureResponder(t, 200, "certificate_download_pem_v1.json"))
	e, err := c.Enrollment.Wait(context.Background(), &Enrollment{Status: EnrollmentPending, RequestID: 77})
	if err != nil || e.Status != EnrollmentIssued || e.CertificateID != 4417 || e.RequestID != 77 || calls != 2 {
		t.Fatalf("Wait = %+v, %v (%d lists)", e, err, calls)
	}

	const wf = "3f2e1d0c-aaaa-4bbb-8ccc-123456789abc"
	for status, want := range map[string]error{`"Rejected"`: ErrDenied, `"Failed"`: nil} {
		m.RegisterResponder("GET", testBase+"/Workflow/Instances/"+wf, httpmock.NewStringResponder(200,
			`{"Id":"`+wf+`","Status":`+status+`,"StatusMessage":"by the approver"}`))
		_, err := c.Enrollment.Wait(context.Background(), &Enrollment{Status: EnrollmentPending, RequestID: 78, WorkflowInstanceID: wf})
		if err == nil || errors.Is(err, ErrDenied) != (want != nil) || !strings.Contains(err.Error(), "by the approver") {
			t.Errorf("%s: %v", status, err)
		}
	}
	// A number the SDK cannot name is no verdict: Wait goes on until ctx ends.
	m.RegisterResponder("GET", testBase+"/Workflow/Instances/"+wf, httpmock.NewStringResponder(200, `{"Id":"`+wf+`","Status":4}`))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Enrollment.Wait(ctx, &Enrollment{Status: EnrollmentPending, RequestID: 79, WorkflowInstanceID: wf}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("unknown status: %v", err)
	}
}
