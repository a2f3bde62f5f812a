package keyfactor

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
)

// wireCheck asserts the last request's method, path, version, query and
// exact JSON body ("" for none).
func wireCheck(t *testing.T, m *mock, name, method, path string, query url.Values, body string) {
	t.Helper()
	r := m.last(t)
	u, _ := url.Parse(r.URL)
	if r.Method != method || u.Path != "/KeyfactorAPI/"+path || r.Header.Get("x-keyfactor-api-version") != "1.0" {
		t.Errorf("%s sent %s %s (version %q)", name, r.Method, r.URL, r.Header.Get("x-keyfactor-api-version"))
	}
	if query != nil && !reflect.DeepEqual(u.Query(), query) {
		t.Errorf("%s query = %v, want %v", name, u.Query(), query)
	}
	switch {
	case body == "" && len(r.Body) != 0:
		t.Errorf("%s sent a body: %s", name, r.Body)
	case body != "":
		assertJSON(t, r.Body, body)
	}
}

const claimJSON = `{"Id":7,"Description":"Keycloak PKI role","ClaimType":"OAuthRole","ClaimValue":"pki-ops",
	"Provider":{"Id":"8c5a1f4e-0f7b-4b4e-9d2a-6f0c0a3c5e11","AuthenticationScheme":"Keycloak","DisplayName":"KIdP"}}`

func TestClaimsWireFormat(t *testing.T) {
	ctx := context.Background()
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/Claims", httpmock.NewStringResponder(200, "["+claimJSON+"]"))
	m.RegisterResponder("GET", testBase+"/Security/Claims/7", httpmock.NewStringResponder(200, claimJSON))
	m.RegisterResponder("POST", testBase+"/Security/Claims", httpmock.NewStringResponder(200, claimJSON))
	m.RegisterResponder("PUT", testBase+"/Security/Claims", httpmock.NewStringResponder(200, claimJSON))
	m.RegisterResponder("DELETE", testBase+"/Security/Claims/7", httpmock.NewStringResponder(204, ""))
	m.RegisterResponder("GET", testBase+"/Security/Claims/Roles", httpmock.NewStringResponder(200,
		`[{"Id":17,"Name":"PKI Operators","Description":"d","PermissionSetId":"`+psID+`"}]`))
	want := Claim{ID: 7, ClaimType: ClaimOAuthRole, ClaimValue: "pki-ops", ProviderAuthenticationScheme: "Keycloak",
		Description: "Keycloak PKI role", Provider: &ClaimProvider{ID: "8c5a1f4e-0f7b-4b4e-9d2a-6f0c0a3c5e11",
			AuthenticationScheme: "Keycloak", DisplayName: "KIdP"}}

	for got, err := range c.Claims.List(ctx, ListClaimsOptions{Query: "ClaimType -eq 4", SortField: "Id"}) {
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("List = %+v, %v", got, err)
		}
	}
	wireCheck(t, m, "List", "GET", "Security/Claims", url.Values{"QueryString": {"ClaimType -eq 4"}, "PageReturned": {"1"},
		"ReturnLimit": {"100"}, "SortField": {"Id"}}, "")
	if got, err := c.Claims.Get(ctx, 7); err != nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("Get = %+v, %v", got, err)
	}
	wireCheck(t, m, "Get", "GET", "Security/Claims/7", url.Values{}, "")

	got, err := c.Claims.Find(ctx, ClaimOAuthRole, "pki-ops", "Keycloak")
	if err != nil || got.ID != 7 {
		t.Errorf("Find = %+v, %v", got, err)
	}
	wireCheck(t, m, "Find", "GET", "Security/Claims", url.Values{"QueryString": {`ClaimValue -eq "pki-ops" AND ClaimType -eq 4`},
		"PageReturned": {"1"}, "ReturnLimit": {"1000"}}, "")
	// The scheme cannot be queried: it is compared here.
	if _, err := c.Claims.Find(ctx, ClaimOAuthRole, "pki-ops", "Okta"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another scheme: %v", err)
	}

	if _, err := c.Claims.Create(ctx, Claim{ClaimType: ClaimOAuthRole, ClaimValue: "pki-ops", ProviderAuthenticationScheme: "Keycloak"}); err != nil {
		t.Fatal(err)
	}
	wireCheck(t, m, "Create", "POST", "Security/Claims", url.Values{},
		`{"ClaimType":4,"ClaimValue":"pki-ops","ProviderAuthenticationScheme":"Keycloak","Description":""}`)

	got, err = c.Claims.SetDescription(ctx, 7, "new text")
	if err != nil || got.Description != "new text" {
		t.Errorf("SetDescription = %+v, %v", got, err)
	}
	wireCheck(t, m, "SetDescription", "PUT", "Security/Claims", url.Values{}, `{"Id":7,"Description":"new text"}`)

	if err := c.Claims.Delete(ctx, 7); err != nil {
		t.Fatal(err)
	}
	wireCheck(t, m, "Delete", "DELETE", "Security/Claims/7", url.Values{}, "")

	roles, err := c.Claims.Roles(ctx, Claim{ClaimType: ClaimGroup, ClaimValue: `KEYEXAMPLE\PKI Ops`, ProviderAuthenticationScheme: "Active Directory"})
	if err != nil || len(roles) != 1 || roles[0] != (ClaimRole{ID: 17, Name: "PKI Operators", Description: "d", PermissionSetID: psID}) {
		t.Errorf("Roles = %+v, %v", roles, err)
	}
	wireCheck(t, m, "Roles", "GET", "Security/Claims/Roles", url.Values{"ClaimType": {"1"}, "ClaimValue": {`KEYEXAMPLE\PKI Ops`},
		"ProviderAuthenticationScheme": {"Active Directory"}}, "")

	before := m.GetTotalCallCount()
	_, err = c.Claims.Create(ctx, Claim{ClaimValue: " "})
	assertValidation(t, err, "Claims.Create", []string{"ClaimType", "ClaimValue", "ProviderAuthenticationScheme"}, "")
	_, err = c.Claims.SetDescription(ctx, 0, "x")
	assertValidation(t, err, "Claims.SetDescription", []string{"id"}, "")
	_, err = c.Roles.AddClaim(ctx, 0, Claim{ClaimType: "Robot", ClaimValue: "x", ProviderAuthenticationScheme: "K"})
	assertValidation(t, err, "Roles.AddClaim", []string{"roleID", "ClaimType"}, "")
	if m.GetTotalCallCount() != before {
		t.Error("bad input was sent")
	}
}

func TestClaimCreateNeverTwice(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("POST", testBase+"/Security/Claims", httpmock.NewStringResponder(504, "gateway timeout"))
	m.RegisterResponder("GET", testBase+"/Security/Claims", httpmock.NewStringResponder(200, "["+claimJSON+"]"))
	got, err := c.Claims.Create(context.Background(), Claim{ClaimType: ClaimOAuthRole, ClaimValue: "pki-ops",
		ProviderAuthenticationScheme: "Keycloak", Description: "a description the server has not caught up with"})
	if err != nil || got.ID != 7 || m.GetCallCountInfo()["POST "+testBase+"/Security/Claims"] != 1 {
		t.Errorf("Create after a lost answer = %+v, %v", got, err)
	}
}

const collectionJSON = `{"Id":5,"Name":"Web Servers","Description":"d","Automated":false,"Content":"TemplateName -eq \"WebServer\"",
	"DuplicationField":"1","ShowOnDashboard":true,"Favorite":false,"EstimatedCertCount":42,"LastEstimated":"2026-11-30T10:00:00"}`

func TestCollectionsWireFormat(t *testing.T) {
	ctx := context.Background()
	c, m := newTestClient(t)
	written := strings.Replace(collectionJSON, `"Id":5,`, `"Id":5,"Query":"TemplateName -eq \"WebServer\"",`, 1)
	m.RegisterResponder("GET", testBase+"/CertificateCollections", httpmock.NewStringResponder(200, "["+collectionJSON+"]"))
	m.RegisterResponder("GET", testBase+"/CertificateCollections/5", httpmock.NewStringResponder(200, collectionJSON))
	m.RegisterResponder("POST", testBase+"/CertificateCollections", httpmock.NewStringResponder(200, written))
	m.RegisterResponder("POST", testBase+"/CertificateCollections/Copy", httpmock.NewStringResponder(200, written))
	m.RegisterResponder("PUT", testBase+"/CertificateCollections", httpmock.NewStringResponder(200, written))
	m.RegisterResponder("DELETE", testBase+"/CertificateCollections/5", httpmock.NewStringResponder(204, ""))

	got, err := c.Collections.Get(ctx, 5)
	if err != nil || got.Name != "Web Servers" || got.Query != "" || got.Content == "" || got.DuplicationField != 1 ||
		got.LastEstimated == nil || got.EstimatedCertCount != 42 {
		t.Errorf("Get = %+v, %v", got, err)
	}
	wireCheck(t, m, "Get", "GET", "CertificateCollections/5", url.Values{}, "")
	if got, err := c.Collections.GetByName(ctx, "Web Servers"); err != nil || got.ID != 5 {
		t.Errorf("GetByName = %+v, %v", got, err)
	}
	wireCheck(t, m, "GetByName", "GET", "CertificateCollections", url.Values{"QueryString": {`Name -eq "Web Servers"`},
		"PageReturned": {"1"}, "ReturnLimit": {"1000"}}, "")
	if _, err := c.Collections.GetByName(ctx, "web servers"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another case is another collection: %v", err)
	}

	created, err := c.Collections.Create(ctx, CreateCollectionRequest{Name: "Web Servers", Query: `TemplateName -eq "WebServer"`, ShowOnDashboard: true})
	if err != nil || created.Query == "" {
		t.Errorf("Create = %+v, %v", created, err)
	}
	wireCheck(t, m, "Create", "POST", "CertificateCollections", url.Values{},
		`{"Name":"Web Servers","Query":"TemplateName -eq \"WebServer\"","DuplicationField":0,"ShowOnDashboard":true,"Favorite":false}`)
	if _, err := c.Collections.Copy(ctx, CopyCollectionRequest{CopyFromID: 5, Name: "Web Servers EU"}); err != nil {
		t.Fatal(err)
	}
	wireCheck(t, m, "Copy", "POST", "CertificateCollections/Copy", url.Values{}, `{"CopyFromId":5,"Name":"Web Servers EU"}`)
	if _, err := c.Collections.Update(ctx, UpdateCollectionRequest{ID: 5, Name: "Web Servers"}); err != nil {
		t.Fatal(err)
	}
	wireCheck(t, m, "Update", "PUT", "CertificateCollections", url.Values{},
		`{"Id":5,"Name":"Web Servers","Description":"","Query":"","DuplicationField":0,"ShowOnDashboard":false,"Favorite":false}`)
	if err := c.Collections.Delete(ctx, 5); err != nil {
		t.Fatal(err)
	}
	wireCheck(t, m, "Delete", "DELETE", "CertificateCollections/5", url.Values{}, "")

	before := m.GetTotalCallCount()
	_, err = c.Collections.Create(ctx, CreateCollectionRequest{DuplicationField: 9})
	assertValidation(t, err, "Collections.Create", []string{"Name", "DuplicationField"}, "")
	_, err = c.Collections.Copy(ctx, CopyCollectionRequest{Name: "x"})
	assertValidation(t, err, "Collections.Copy", []string{"CopyFromID"}, "")
	if m.GetTotalCallCount() != before {
		t.Error("bad input was sent")
	}
}

func TestContainersWireFormat(t *testing.T) {
	ctx := context.Background()
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/CertificateStoreContainers", httpmock.NewStringResponder(200,
		`[{"Id":3,"Name":"IIS Farm","OverwriteSchedules":false,"Schedule":"0 */12 * * *","CertStoreType":5,"StoreCount":12}]`))
	m.RegisterResponder("GET", testBase+"/CertificateStoreContainers/3", httpmock.NewStringResponder(200,
		`{"Id":3,"Name":"IIS Farm","Schedule":{"Interval":{"Minutes":720}},"CertStoreType":5,"CertificateStores":[{},{}]}`))
	for got, err := range c.Containers.List(ctx, ListContainersOptions{}) {
		if err != nil || got != (Container{ID: 3, Name: "IIS Farm", CertStoreType: 5, StoreCount: 12, Schedule: "0 */12 * * *"}) {
			t.Errorf("List = %+v, %v", got, err)
		}
	}
	got, err := c.Containers.Get(ctx, 3)
	if err != nil || *got != (Container{ID: 3, Name: "IIS Farm", CertStoreType: 5, StoreCount: 2, Schedule: `{"Interval":{"Minutes":720}}`}) {
		t.Errorf("Get = %+v, %v", got, err)
	}
	wireCheck(t, m, "Get", "GET", "CertificateStoreContainers/3", url.Values{}, "")
	// One probe, on the first call only.
	if n := m.GetCallCountInfo()["GET "+testBase+"/CertificateStoreContainers"]; n != 2 {
		t.Errorf("%d list requests; want the probe and the list", n)
	}

	// A server that answers only /Applications.
	c2, m2 := newTestClient(t)
	m2.RegisterResponder("GET", testBase+"/CertificateStoreContainers", httpmock.NewStringResponder(404, `{"ErrorCode":"0xA0110005","Message":"No route"}`))
	m2.RegisterResponder("GET", testBase+"/Applications", httpmock.NewStringResponder(200, `[{"Id":3,"Name":"IIS Farm"}]`))
	m2.RegisterResponder("GET", testBase+"/Applications/3", httpmock.NewStringResponder(200, `{"Id":3,"Name":"IIS Farm","Schedule":{}}`))
	if got, err := c2.Containers.GetByName(ctx, "IIS Farm"); err != nil || got.ID != 3 {
		t.Errorf("GetByName on /Applications = %+v, %v", got, err)
	}
	if got, err := c2.Containers.Get(ctx, 3); err != nil || got.Schedule != "{}" {
		t.Errorf("Get on /Applications = %+v, %v", got, err)
	}
}
