package keyfactor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

func TestCertificateGetWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Certificates/1042", fixtureResponder(t, 200, "certificate_v1.json"))
	cert, err := c.Certificates.Get(context.Background(), 1042, GetCertificateOptions{CollectionID: 5, IncludeMetadata: true,
		IncludeLocations: true})
	if err != nil {
		t.Fatal(err)
	}
	r := m.last(t)
	u, _ := url.Parse(r.URL)
	want := url.Values{"collectionId": {"5"}, "includeMetadata": {"true"}, "includeLocations": {"true"}}
	if u.Path != "/KeyfactorAPI/Certificates/1042" || !reflect.DeepEqual(u.Query(), want) || r.Header.Get("x-keyfactor-api-version") != "1.0" {
		t.Errorf("sent %s (version %s)", r.URL, r.Header.Get("x-keyfactor-api-version"))
	}
	utc := func(s string) time.Time { t, _ := time.Parse(time.RFC3339Nano, s); return t }
	wantCert := &Certificate{ID: 1042, Thumbprint: "3F6A1D4C5B2E8A7F9D0C1B2A3E4F5D6C7B8A9F0E",
		SerialNumber: "5A0000002E8B6F1C9D3E4A71B2000000002E", IssuedDN: "CN=web01.keyexample.com, OU=Web, O=Key Example, C=US",
		IssuedCN: "web01.keyexample.com", IssuerDN: "CN=Key Example Issuing CA 1, DC=keyexample, DC=com",
		ImportDate: utc("2025-03-04T09:15:27.83+00:00"), NotBefore: utc("2025-03-04T09:05:27Z"), NotAfter: utc("2027-03-04T09:05:27Z"),
		TemplateID: Ptr(12), TemplateName: "WebServer", CertificateAuthorityID: Ptr(1), CertificateAuthorityName: "keyexample-CA1",
		CertState: 1, CertStateString: "Active", KeyType: 1, KeyTypeString: "RSA", KeySizeInBits: 2048, KeyAlgorithm: "RSA",
		SigningAlgorithm: "SHA256-RSA", OwnerRoleID: Ptr(17), OwnerRoleName: "PKI Operators", RequesterName: `KEYEXAMPLE\svc-enroll`,
		HasPrivateKey: true, ContentBytes: []byte{0x30, 0x82, 0x01, 0x01},
		SubjectAltNames: []SubjectAltName{{ID: 88, Type: 2, Value: "web01.keyexample.com"}},
		Metadata:        map[string]string{"Owner Email": "web-team@keyexample.com", "CostCenter": "4200", "Pci": "true"},
		IssuedOU:        "Web", EnrollmentPatternID: Ptr(4), CARowIndex: Ptr(int64(46)), CARecordID: "46", CertRequestID: Ptr(3310),
		RequesterID: Ptr(7), KeyUsage: 160,
		DetailedKeyUsage:      &DetailedKeyUsage{DigitalSignature: true, KeyEncipherment: true, HexCode: "a0"},
		ExtendedKeyUsages:     []ExtendedKeyUsage{{ID: 1, OID: "1.3.6.1.5.5.7.3.1", DisplayName: "Server Authentication"}},
		CRLDistributionPoints: []CRLDistributionPoint{},
		LocationsCount:        []LocationCount{{Type: "IIS", Count: 1}, {Type: "PEM", Count: 1}},
		SSLLocations: []SSLLocation{{StorePath: "web01.keyexample.com", AgentPool: "Default Agent Pool", IPAddress: "10.0.4.21",
			Port: 443, NetworkName: "DMZ"}},
		Locations: []CertificateLocation{
			{StoreMachine: "web01.keyexample.com", StorePath: "IIS Personal", StoreType: 5, Alias: "3F6A1D4C",
				CertStoreID: "0b8e6b0e-53a2-4d1c-9d4e-5d8f0f7c2a10"},
			{StoreMachine: "lb01.keyexample.com", StorePath: "/etc/ssl/web01.pem", StoreType: 2,
				CertStoreID: "5a2f3c41-7e6b-4f0a-b3d9-0c8e1a9d4b22"}}}
	if !reflect.DeepEqual(cert, wantCert) {
		t.Errorf("decoded\n%+v\nwant\n%+v", cert, wantCert)
	}
	if !cert.NotBefore.Equal(time.Date(2025, 3, 4, 9, 5, 27, 0, time.UTC)) {
		t.Errorf("a time without offset is not UTC: %v", cert.NotBefore)
	}
	// No options: no query at all.
	if _, err := c.Certificates.Get(context.Background(), 1042, GetCertificateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := m.last(t).URL; got != testBase+"/Certificates/1042" {
		t.Errorf("sent %s", got)
	}
	_, err = c.Certificates.Get(context.Background(), 0, GetCertificateOptions{CollectionID: -1})
	assertValidation(t, err, "Certificates.Get", []string{"id", "CollectionID"}, "")
}

func TestCertificateListWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Certificates", fixtureResponder(t, 200, "certificates_list_v1.json"))
	var got []Certificate
	for cert, err := range c.Certificates.List(context.Background(), ListCertificatesOptions{Query: `IssuedCN -contains "web"`,
		CollectionID: 5, IncludeRevoked: true, IncludeExpired: true, IncludeHasPrivateKey: true, IncludeMetadata: true,
		IncludeLocations: true, PageSize: 3, SortField: "NotAfter", Descending: true}) {
		if err != nil {
			t.Fatal(err)
		}
		// A full page of 3 means another page; the fixture would answer
		// the same page again, so stop after the first.
		if got = append(got, cert); len(got) == 3 {
			break
		}
	}
	reqs := m.requests()
	u, _ := url.Parse(reqs[0].URL)
	want := url.Values{"QueryString": {`IssuedCN -contains "web"`}, "PageReturned": {"1"}, "ReturnLimit": {"3"},
		"SortField": {"NotAfter"}, "SortAscending": {"1"}, "IncludeRevoked": {"true"}, "IncludeExpired": {"true"},
		"collectionId": {"5"}, "includeHasPrivateKey": {"true"}, "includeMetadata": {"true"}, "includeLocations": {"true"}}
	if !reflect.DeepEqual(u.Query(), want) || reqs[0].Header.Get("x-keyfactor-api-version") != "1.0" {
		t.Errorf("sent %s", reqs[0].URL)
	}
	if len(reqs) != 1 || len(got) != 3 || got[1].OwnerRoleID != nil || got[1].OwnerRoleName != "" ||
		!got[1].NotAfter.Equal(time.Date(2027, 3, 4, 9, 5, 27, 0, time.UTC)) || got[1].NotBefore.Nanosecond() != 123456700 {
		t.Errorf("decoded %+v", got[:min(len(got), 3)])
	}
}

func TestPlanOwners(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Certificates", fixtureResponder(t, 200, "certificates_list_v1.json"))
	m.RegisterResponder("GET", testBase+"/Security/Roles/18", httpmock.NewStringResponder(200,
		`{"Id":18,"Name":"Web Team","Description":"d","Immutable":false,"PermissionSetId":"`+psID+`","Permissions":[],"Claims":[]}`))
	m.RegisterResponder("GET", testBase+"/Security/Roles/404", httpmock.NewStringResponder(404, `{"ErrorCode":"0xA0110005","Message":"not found"}`))
	m.RegisterResponder("GET", testBase+"/Security/Roles", func(req *http.Request) (*http.Response, error) {
		// The query ignores case, as Command's may.
		if strings.Contains(strings.ToLower(req.URL.Query().Get("QueryString")), `"pki operators"`) {
			return httpmock.NewStringResponse(200, `[{"Id":17,"Name":"PKI Operators","EmailAddress":null,"Immutable":false,`+
				`"PermissionSetId":"`+psID+`","ClaimsCount":2}]`), nil
		}
		return httpmock.NewStringResponse(200, `[]`), nil
	})
	// The name is resolved ignoring case, as the server assigns owners by
	// name: "pki operators" is role 17, which owns 1042.
	byName, err := c.Certificates.PlanOwners(context.Background(), ListCertificatesOptions{Query: `IssuedCN -contains "web"`},
		UpdateOwnerRequest{NewRoleName: Ptr("pki operators")})
	want := &OwnerPlan{RoleID: 17, RoleName: "PKI Operators", ChangeIDs: []int{1043, 1044}, AlreadyOwned: []int{1042}}
	if err != nil || !reflect.DeepEqual(byName, want) {
		t.Errorf("by name: %+v, %v", byName, err)
	}
	byID, err := c.Certificates.PlanOwners(context.Background(), ListCertificatesOptions{}, UpdateOwnerRequest{NewRoleID: Ptr(18)})
	want = &OwnerPlan{RoleID: 18, RoleName: "Web Team", ChangeIDs: []int{1042, 1043}, AlreadyOwned: []int{1044}}
	if err != nil || !reflect.DeepEqual(byID, want) {
		t.Errorf("by id: %+v, %v", byID, err)
	}
	for _, r := range m.requests() {
		if r.Method != "GET" {
			t.Errorf("PlanOwners sent %s", r.Method)
		}
	}
	// A target role that does not exist stops the plan before any
	// certificate is listed.
	for _, req := range []UpdateOwnerRequest{{NewRoleName: Ptr("Typo")}, {NewRoleID: Ptr(404)}} {
		before := m.GetCallCountInfo()["GET "+testBase+"/Certificates"]
		if _, err := c.Certificates.PlanOwners(context.Background(), ListCertificatesOptions{}, req); !errors.Is(err, ErrNotFound) ||
			!strings.Contains(err.Error(), "does not exist") {
			t.Errorf("missing target %+v: %v", req, err)
		}
		if m.GetCallCountInfo()["GET "+testBase+"/Certificates"] != before {
			t.Errorf("missing target %+v: certificates were listed", req)
		}
	}
	before := m.GetTotalCallCount()
	_, err = c.Certificates.PlanOwners(context.Background(), ListCertificatesOptions{PageSize: 5000, CollectionID: -1},
		UpdateOwnerRequest{NewRoleID: Ptr(1), CollectionID: -2})
	assertValidation(t, err, "Certificates.PlanOwners", []string{"CollectionID", "opts.PageSize", "opts.CollectionID"}, "")
	if m.GetTotalCallCount() != before {
		t.Error("invalid input was sent")
	}
}

// TestPlanOwnersIDsAreDistinct: pages that overlap (the list shifted while
// it was read) plan each certificate once.
func TestPlanOwnersIDsAreDistinct(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/Roles/18", httpmock.NewStringResponder(200,
		`{"Id":18,"Name":"Web Team","Description":"d","Immutable":false,"PermissionSetId":"`+psID+`","Permissions":[],"Claims":[]}`))
	// 180 certificates read 100 a page, each page starting 50 or 20 items
	// back (certificates were added meanwhile): 250 items for 180.
	pages := map[int][2]int{1: {1, 100}, 2: {51, 150}, 3: {131, 180}}
	m.RegisterResponder("GET", testBase+"/Certificates", func(req *http.Request) (*http.Response, error) {
		page, _ := strconv.Atoi(req.URL.Query().Get("PageReturned"))
		var items []string
		for id := pages[page][0]; id <= pages[page][1] && id > 0; id++ {
			items = append(items, fmt.Sprintf(`{"Id":%d,"OwnerRoleId":null,"OwnerRoleName":null}`, id))
		}
		return httpmock.NewStringResponse(200, "["+strings.Join(items, ",")+"]"), nil
	})
	p, err := c.Certificates.PlanOwners(context.Background(), ListCertificatesOptions{}, UpdateOwnerRequest{NewRoleID: Ptr(18)})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, id := range p.ChangeIDs {
		if seen[id] {
			t.Fatalf("certificate %d planned twice", id)
		}
		seen[id] = true
	}
	if len(p.ChangeIDs) != 180 {
		t.Errorf("planned %d certificates, want 180", len(p.ChangeIDs))
	}
}
