package keyfactor

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// The wire of what happens to a certificate after issue: each request as
// Keyfactor documents it, each answer as its models spell it.

func TestRevokeWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("POST", testBase+"/Certificates/Revoke", httpmock.NewStringResponder(200,
		`{"RevokedIds":[11],"SuspendedCerts":[{"CertId":12,"WorkflowId":"5d1c7a00-0000-4000-8000-000000000012","Message":"awaiting approval"}]}`))
	m.RegisterResponder("GET", testBase+"/Certificates/13", httpmock.NewStringResponder(200, `{"Id":13,"CertState":2,"CertStateString":"Revoked"}`))
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	res, err := c.Certificates.Revoke(context.Background(), RevokeRequest{CertificateIDs: []int{11, 12, 13}, Reason: ReasonKeyCompromise,
		Comment: "key leaked", EffectiveDate: at, CollectionID: 5, PublishCRL: true})
	if err != nil || !slices.Equal(res.Revoked, []int{11}) || !slices.Equal(res.AlreadyRevoked, []int{13}) || len(res.Pending) != 1 ||
		res.Pending[0].Message != "awaiting approval" {
		t.Fatalf("Revoke = %+v, %v", res, err)
	}
	r := m.requests()[0]
	if r.Method != "POST" || r.Header.Get("x-keyfactor-api-version") != "1.0" {
		t.Errorf("sent %s %s", r.Method, r.URL)
	}
	assertJSON(t, r.Body, `{"CertificateIds":[11,12,13],"Reason":1,"Comment":"key leaked","EffectiveDate":"2026-12-05T10:00:00Z",
		"CollectionId":5,"PublishCRL":true}`)

	// A certificate the server neither revoked nor held, and is active: an error.
	m.RegisterResponder("POST", testBase+"/Certificates/Revoke", httpmock.NewStringResponder(200, `{"RevokedIds":[],"SuspendedCerts":[]}`))
	m.RegisterResponder("GET", testBase+"/Certificates/14", httpmock.NewStringResponder(200, `{"Id":14,"CertState":1}`))
	if _, err := c.Certificates.Revoke(context.Background(), RevokeRequest{CertificateIDs: []int{14}, Comment: "x"}); err == nil {
		t.Error("an unrevoked certificate was not reported")
	}
	// The CA's words for a repeat, on a 400.
	m.RegisterResponder("POST", testBase+"/Certificates/Revoke", httpmock.NewStringResponder(400,
		`{"ErrorCode":"0xA0110007","Message":"Certificate with serial number 5A3C has previously been revoked."}`))
	if res, err := c.Certificates.Revoke(context.Background(), RevokeRequest{CertificateIDs: []int{13}, Comment: "x"}); err != nil ||
		!slices.Equal(res.AlreadyRevoked, []int{13}) {
		t.Errorf("repeat = %+v, %v", res, err)
	}
}

func TestRenewWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	c.now = func() time.Time { return time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC) }
	m.RegisterResponder("GET", testBase+"/Certificates/4417", httpmock.NewStringResponder(200, `{"Id":4417,"IssuedCN":"web01.example.com"}`))
	m.RegisterResponder("POST", testBase+"/Enrollment/Renew", httpmock.NewStringResponder(200,
		`{"KeyfactorId":4500,"KeyfactorRequestId":9300,"Thumbprint":"AB","SerialNumber":"5B00","IssuerDN":"CN=Example Issuing CA 1",
		  "RequestDisposition":"ISSUED","DispositionMessage":"","Password":null}`))
	e, err := c.Certificates.Renew(context.Background(), RenewRequest{CertificateID: 4417, Scope: OwnerScope{CollectionID: 5}})
	if err != nil || e.CertificateID != 4500 || e.RequestID != 9300 || e.Status != EnrollmentIssued {
		t.Fatalf("Renew = %+v, %v", e, err)
	}
	r := m.last(t)
	u, _ := url.Parse(r.URL)
	if u.Query().Get("collectionId") != "5" {
		t.Errorf("query %s", u.RawQuery)
	}
	assertJSON(t, r.Body, `{"CertificateId":4417,"Timestamp":"2026-12-05T09:00:00Z"}`)

	m.RegisterResponder("GET", testBase+"/Enrollment/AvailableRenewal/Id/4417", httpmock.NewStringResponder(200,
		`{"AvailableRenewalType":1,"Message":"seamless through the CA"}`))
	kind, msg, err := c.Certificates.RenewalAvailable(context.Background(), 4417, OwnerScope{})
	if err != nil || kind != RenewalSeamless || msg != "seamless through the CA" {
		t.Errorf("RenewalAvailable = %q %q %v", kind, msg, err)
	}

	// A renewal answer that does not decode is not quoted: it may carry
	// the PFX's password.
	m.RegisterResponder("POST", testBase+"/Enrollment/Renew", httpmock.NewStringResponder(200,
		`{"Password":"Renewal-Pw-7731","KeyfactorId":"not a number"}`))
	if _, err := c.Certificates.Renew(context.Background(), RenewRequest{CertificateID: 4417}); err == nil ||
		strings.Contains(err.Error(), "Renewal-Pw") || !strings.Contains(err.Error(), "not shown") {
		t.Errorf("undecodable renewal answer: %v", err)
	}
}

func TestMetadataWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/MetadataFields", httpmock.NewStringResponder(200,
		`[{"Id":1,"Name":"Team","Description":"owning team","DataType":1,"Enrollment":0,"Options":"","DisplayOrder":1},
		  {"Id":2,"Name":"Env","Description":"environment","DataType":"MultipleChoice","Enrollment":"Required","Options":"dev,prod","DisplayOrder":2}]`))
	m.RegisterResponder("GET", testBase+"/Certificates/7", httpmock.NewStringResponder(200, `{"Id":7,"Metadata":{"Team":"web","Owner":"a@example.com"}}`))
	m.RegisterResponder("PUT", testBase+"/Certificates/Metadata", httpmock.NewStringResponder(204, ""))
	if err := c.Certificates.SetMetadata(context.Background(), 7, map[string]string{"Env": "prod"}, OwnerScope{CollectionID: 5}); err != nil {
		t.Fatal(err)
	}
	r := m.last(t)
	u, _ := url.Parse(r.URL)
	if r.Method != "PUT" || u.Query().Get("collectionId") != "5" {
		t.Errorf("sent %s %s", r.Method, r.URL)
	}
	// The whole set, the named field merged in: omitted fields survive a replace.
	assertJSON(t, r.Body, `{"Id":7,"Metadata":{"Team":"web","Owner":"a@example.com","Env":"prod"}}`)
	if n := m.GetCallCountInfo()["GET "+testBase+"/MetadataFields"]; n != 1 {
		t.Errorf("%d reads of the fields", n)
	}
	err := c.Certificates.SetMetadata(context.Background(), 7, map[string]string{"Env": "staging"}, OwnerScope{})
	var ve *ValidationError
	if !errors.As(err, &ve) || !ve.Has(`values["Env"]`) {
		t.Errorf("a value outside the choices: %v", err)
	}

	m.RegisterResponder("PUT", testBase+"/Certificates/Metadata/All", httpmock.NewStringResponder(204, ""))
	if err := c.Certificates.SetMetadataByQuery(context.Background(), `IssuedCN -contains "web"`, map[string]string{"Team": "ops", "Env": "dev"}, true); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, m.last(t).Body, `{"Query":"IssuedCN -contains \"web\"","Metadata":[{"MetadataName":"Env","Value":"dev","OverwriteExisting":true},
		{"MetadataName":"Team","Value":"ops","OverwriteExisting":true}]}`)
}

func TestMetadataFieldsWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("POST", testBase+"/MetadataFields", httpmock.NewStringResponder(200,
		`{"Id":3,"Name":"Env","Description":"environment","DataType":5,"Hint":null,"Validation":null,"Enrollment":1,"Message":null,
		  "Options":"dev,prod","DefaultValue":"dev","DisplayOrder":4,"AllowAPI":true,"ExplicitUpdate":false}`))
	f, err := c.MetadataFields.Create(context.Background(), CreateMetadataFieldRequest{Name: "Env", Description: "environment",
		DataType: MetadataMultipleChoice, Options: []string{"dev", "prod"}, Enrollment: "Required", DefaultValue: "dev", DisplayOrder: 4})
	if err != nil || f.ID != 3 || f.DataType != MetadataMultipleChoice || f.Enrollment != "Required" || !slices.Equal(f.Options, []string{"dev", "prod"}) {
		t.Fatalf("Create = %+v, %v", f, err)
	}
	assertJSON(t, m.last(t).Body, `{"Name":"Env","Description":"environment","DataType":5,"Enrollment":1,"Options":"dev,prod",
		"DefaultValue":"dev","DisplayOrder":4}`)
	m.RegisterResponder("DELETE", testBase+"/MetadataFields/3", httpmock.NewStringResponder(204, ""))
	if err := c.MetadataFields.Delete(context.Background(), 3); err != nil {
		t.Error(err)
	}
	wireCheck(t, m, "MetadataFields.Delete", "DELETE", "MetadataFields/3", nil, "")
}

func TestHistoryValidateLocationsDeleteWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Certificates/7/History", httpmock.NewStringResponder(200,
		`[{"Id":1,"OperationStart":"2026-12-01T10:00:00","OperationEnd":null,"Username":"KEYEXAMPLE\\ops","Comment":"","Action":"Issued"}]`))
	entries, err := collect(c.Certificates.History(context.Background(), 7, ListHistoryOptions{Scope: OwnerScope{CollectionID: 5}}))
	if err != nil || len(entries) != 1 || entries[0].OperationStart == nil || entries[0].OperationEnd != nil {
		t.Fatalf("History = %+v, %v", entries, err)
	}
	wireCheck(t, m, "History", "GET", "Certificates/7/History",
		url.Values{"PageReturned": {"1"}, "ReturnLimit": {"100"}, "collectionId": {"5"}}, "")
	m.RegisterResponder("GET", testBase+"/Certificates/7/Validate", httpmock.NewStringResponder(200, `{"Valid":false,"Results":{"Chain":"untrusted root"}}`))
	if v, err := c.Certificates.Validate(context.Background(), 7, OwnerScope{}); err != nil || v.Valid || v.Results["Chain"] != "untrusted root" {
		t.Errorf("Validate = %+v, %v", v, err)
	}
	m.RegisterResponder("GET", testBase+"/Certificates/Locations/7", httpmock.NewStringResponder(200,
		`{"Details":[{"StoreType":"IIS","StoreTypeId":5,"StoreCount":1,"Locations":[{"StoreId":"3f2e1d0c-0000-4000-8000-000000000001",
		  "StoreTypeId":5,"ClientMachine":"web01","StorePath":"IIS Personal","AgentPool":null,"Alias":"web01","IPAddress":null,"Port":null,"NetworkName":null}]}]}`))
	locs, err := c.Certificates.Locations(context.Background(), 7)
	if err != nil || len(locs) != 1 || locs[0].StoreMachine != "web01" || locs[0].StoreType != 5 || locs[0].CertStoreID == "" {
		t.Errorf("Locations = %+v, %v", locs, err)
	}
	m.RegisterResponder("DELETE", testBase+"/Certificates/7", httpmock.NewStringResponder(204, ""))
	if err := c.Certificates.Delete(context.Background(), 7, OwnerScope{CollectionID: 5}); err != nil {
		t.Fatal(err)
	}
	wireCheck(t, m, "Delete", "DELETE", "Certificates/7", url.Values{"collectionId": {"5"}}, "")

}
