package keyfactor

import (
	"context"
	"errors"
	"net/url"
	"reflect"
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
