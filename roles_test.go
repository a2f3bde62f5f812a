package keyfactor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
)

const psID = "d9d5b6c1-4b3a-4c57-9c1f-2f1f0f6a8e21"

// operatorsRequest is the create request whose stored form is
// testdata/role_v2_mixed_claims.json.
func operatorsRequest() CreateRoleRequest {
	return CreateRoleRequest{
		Name:            "PKI Operators",
		Description:     "Operators of the issuing CAs",
		EmailAddress:    "pki-ops@keyexample.com",
		PermissionSetID: psID,
		Permissions: []string{"/portal/read/", "/dashboard/read/", "/certificates/collections/metadata/modify/6/",
			"/certificates/collections/private_key/read/6/"},
		Claims: []Claim{
			{ClaimType: ClaimOAuthRole, ClaimValue: "pki-operators", ProviderAuthenticationScheme: "Keycloak",
				Description: "Keycloak PKI operators role"},
			{ClaimType: ClaimGroup, ClaimValue: `KEYEXAMPLE\PKI Operators`, ProviderAuthenticationScheme: "Active Directory",
				Description: "AD group of PKI operators"},
		},
	}
}

const operatorsBody = `{
  "Name": "PKI Operators",
  "Description": "Operators of the issuing CAs",
  "EmailAddress": "pki-ops@keyexample.com",
  "PermissionSetId": "d9d5b6c1-4b3a-4c57-9c1f-2f1f0f6a8e21",
  "Permissions": ["/portal/read/", "/dashboard/read/", "/certificates/collections/metadata/modify/6/",
    "/certificates/collections/private_key/read/6/"],
  "Claims": [
    {"ClaimType": 4, "ClaimValue": "pki-operators", "ProviderAuthenticationScheme": "Keycloak",
     "Description": "Keycloak PKI operators role"},
    {"ClaimType": 1, "ClaimValue": "KEYEXAMPLE\\PKI Operators", "ProviderAuthenticationScheme": "Active Directory",
     "Description": "AD group of PKI operators"}
  ]
}`

func TestCreateWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("POST", testBase+"/Security/Roles", fixtureResponder(t, 200, "role_v2_mixed_claims.json"))
	role, err := c.Roles.Create(context.Background(), operatorsRequest())
	if err != nil {
		t.Fatal(err)
	}
	r := m.last(t)
	if r.Method != "POST" || r.URL != testBase+"/Security/Roles" || r.Header.Get("x-keyfactor-api-version") != "2.0" {
		t.Errorf("sent %s %s version %s", r.Method, r.URL, r.Header.Get("x-keyfactor-api-version"))
	}
	assertJSON(t, r.Body, operatorsBody)

	want := &Role{ID: 17, Name: "PKI Operators", Description: "Operators of the issuing CAs",
		EmailAddress: "pki-ops@keyexample.com", PermissionSetID: psID, Permissions: operatorsRequest().Permissions,
		Claims: []Claim{
			{ID: 3, ClaimType: ClaimOAuthRole, ClaimValue: "pki-operators", ProviderAuthenticationScheme: "Keycloak",
				Description: "Keycloak PKI operators role", Provider: &ClaimProvider{ID: "8c5a1f4e-0f7b-4b4e-9d2a-6f0c0a3c5e11",
					AuthenticationScheme: "Keycloak", DisplayName: "Keyfactor Identity Provider"}},
			{ID: 4, ClaimType: ClaimGroup, ClaimValue: `KEYEXAMPLE\PKI Operators`, ProviderAuthenticationScheme: "Active Directory",
				Description: "AD group of PKI operators", Provider: &ClaimProvider{ID: "1",
					AuthenticationScheme: "Active Directory", DisplayName: "Active Directory"}},
		}}
	if !reflect.DeepEqual(role, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", role, want)
	}
}

func TestCreateV1WireFormat(t *testing.T) {
	tests := []struct {
		name string
		req  CreateRoleV1Request
		want string
	}{
		{"defaults left to the server", CreateRoleV1Request{Name: "Legacy Auditors", Description: "Read-only auditors (v1)",
			Permissions: []string{"AdminPortal:Read", "Auditing:Read"},
			Identities:  []IdentityRef{{AccountName: `KEYEXAMPLE\jsmith`}}},
			`{"Name":"Legacy Auditors","Description":"Read-only auditors (v1)","Permissions":["AdminPortal:Read","Auditing:Read"],
			  "Identities":[{"AccountName":"KEYEXAMPLE\\jsmith"}]}`},
		{"everything set", CreateRoleV1Request{Name: "Legacy Auditors", Description: "d", EmailAddress: "auditors@keyexample.com",
			Enabled: Ptr(false), Private: Ptr(true), PermissionSetID: "00000000-0000-0000-0000-000000000000",
			Identities: []IdentityRef{{AccountName: `KEYEXAMPLE\Auditors`, SID: "S-1-5-21-1-2-3-1120"}}},
			`{"Name":"Legacy Auditors","Description":"d","EmailAddress":"auditors@keyexample.com","Enabled":false,"Private":true,
			  "PermissionSetId":"00000000-0000-0000-0000-000000000000",
			  "Identities":[{"AccountName":"KEYEXAMPLE\\Auditors","SID":"S-1-5-21-1-2-3-1120"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t)
			m.RegisterResponder("POST", testBase+"/Security/Roles", fixtureResponder(t, 200, "role_v1_identities.json"))
			role, err := c.Roles.CreateV1(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			r := m.last(t)
			if r.Header.Get("x-keyfactor-api-version") != "1.0" {
				t.Errorf("version %q", r.Header.Get("x-keyfactor-api-version"))
			}
			assertJSON(t, r.Body, tt.want)
			assertV1Role(t, role)
		})
	}
}

func assertV1Role(t *testing.T, role *RoleV1) {
	t.Helper()
	want := &RoleV1{ID: 21, Name: "Legacy Auditors", Description: "Read-only auditors (v1)", EmailAddress: "auditors@keyexample.com",
		Enabled: true, Valid: true, PermissionSetID: "00000000-0000-0000-0000-000000000000",
		Permissions: []string{"AdminPortal:Read", "Auditing:Read", "Certificates:Read"},
		Identities: []Identity{
			{ID: 5, AccountName: `KEYEXAMPLE\jsmith`, IdentityType: "User", SID: "S-1-5-21-1004336348-1177238915-682003330-1105"},
			{ID: 6, AccountName: `KEYEXAMPLE\Auditors`, IdentityType: "Group", SID: "S-1-5-21-1004336348-1177238915-682003330-1120"},
		}}
	if !reflect.DeepEqual(role, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", role, want)
	}
}

func TestCopyV1WireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("POST", testBase+"/Security/Roles/21/Copy", fixtureResponder(t, 200, "role_v1_identities.json"))
	role, err := c.Roles.CopyV1(context.Background(), 21, CopyRoleV1Request{Name: "Legacy Auditors", Description: "Read-only auditors (v1)",
		EmailAddress: "auditors@keyexample.com"})
	if err != nil {
		t.Fatal(err)
	}
	r := m.last(t)
	if r.Method != "POST" || r.Header.Get("x-keyfactor-api-version") != "1.0" {
		t.Errorf("sent %s version %q", r.Method, r.Header.Get("x-keyfactor-api-version"))
	}
	assertJSON(t, r.Body, `{"Name":"Legacy Auditors","Description":"Read-only auditors (v1)","EmailAddress":"auditors@keyexample.com"}`)
	assertV1Role(t, role)
}

func TestGetWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/Roles/17", fixtureResponder(t, 200, "role_v2_mixed_claims.json"))
	role, err := c.Roles.Get(context.Background(), 17)
	if err != nil {
		t.Fatal(err)
	}
	r := m.last(t)
	if r.Header.Get("x-keyfactor-api-version") != "2.0" || len(r.Body) > 0 {
		t.Errorf("version %q, body %q", r.Header.Get("x-keyfactor-api-version"), r.Body)
	}
	if role.ID != 17 || len(role.Claims) != 2 || role.Claims[1].ProviderAuthenticationScheme != "Active Directory" {
		t.Errorf("role = %+v", role)
	}
	if _, err := c.Roles.Get(context.Background(), 0); !errors.Is(err, ErrValidation) {
		t.Errorf("Get(0) = %v", err)
	}
}

func TestCloneRoundTripsMixedClaims(t *testing.T) {
	tests := []struct {
		name string
		req  CloneRoleRequest
		want func(CreateRoleRequest) CreateRoleRequest
	}{
		{"source description and email", CloneRoleRequest{Name: "PKI Operators (EU)"}, func(r CreateRoleRequest) CreateRoleRequest {
			r.Name = "PKI Operators (EU)"
			return r
		}},
		{"own description and email", CloneRoleRequest{Name: "PKI Operators (EU)", Description: "EU operators",
			EmailAddress: "eu-ops@keyexample.com"}, func(r CreateRoleRequest) CreateRoleRequest {
			r.Name, r.Description, r.EmailAddress = "PKI Operators (EU)", "EU operators", "eu-ops@keyexample.com"
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t)
			m.RegisterResponder("GET", testBase+"/Security/Roles/17", fixtureResponder(t, 200, "role_v2_mixed_claims.json"))
			m.RegisterResponder("POST", testBase+"/Security/Roles", httpmock.NewStringResponder(200, `{"Id":18,"Name":"PKI Operators (EU)"}`))
			role, err := c.Roles.Clone(context.Background(), 17, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if role.ID != 18 {
				t.Errorf("role = %+v", role)
			}
			reqs := m.requests()
			if len(reqs) != 2 || reqs[0].Method != "GET" || reqs[1].Method != "POST" {
				t.Fatalf("requests = %+v", reqs)
			}
			want := tt.want(operatorsRequest())
			wire, _ := json.Marshal(want.wire())
			assertJSON(t, reqs[1].Body, string(wire))
			// And spelled out once, so a wrong JSON name cannot hide in both sides.
			if tt.req.Description == "" {
				assertJSON(t, reqs[1].Body, strings.Replace(operatorsBody, `"Name": "PKI Operators"`, `"Name": "PKI Operators (EU)"`, 1))
			}
		})
	}
}

func TestCloneValidation(t *testing.T) {
	c, m := newTestClient(t)
	_, err := c.Roles.Clone(context.Background(), 0, CloneRoleRequest{Name: " ", EmailAddress: "Ops <ops@x.com>"})
	assertValidation(t, err, "Roles.Clone", []string{"id", "Name", "EmailAddress"}, "")
	if m.GetTotalCallCount() != 0 {
		t.Error("a request was sent")
	}
}

func TestCreateReportsEveryProblemAtOnce(t *testing.T) {
	c, m := newTestClient(t)
	_, err := c.Roles.Create(context.Background(), CreateRoleRequest{
		Name:            "  ",
		EmailAddress:    "PKI Team <pki@keyexample.com>",
		PermissionSetID: "{d9d5b6c1-4b3a-4c57-9c1f-2f1f0f6a8e21}",
		Permissions: []string{"/Portal/Read/", "/portal/read/", "/portal/read/", "/certificates/", "/certificates/collections/read/",
			"/certificates/collections/read/0/"},
		Claims: []Claim{
			{ClaimValue: "x", ProviderAuthenticationScheme: "Keycloak"},
			{ClaimType: "Robot", ClaimValue: " ", ProviderAuthenticationScheme: ""},
			{ClaimType: ClaimUser, ClaimValue: `KEYEXAMPLE\a`, ProviderAuthenticationScheme: "Active Directory"},
			{ClaimType: ClaimUser, ClaimValue: `KEYEXAMPLE\a`, ProviderAuthenticationScheme: "Active Directory"},
		},
	})
	assertValidation(t, err, "Roles.Create", []string{
		"Name", "Description", "EmailAddress", "PermissionSetID",
		"Permissions[0]", "Permissions[2]", "Permissions[5]", "Permissions[4]",
		"Claims[0].ClaimType", "Claims[1].ClaimType", "Claims[1].ClaimValue", "Claims[1].ProviderAuthenticationScheme",
		"Claims[3].ClaimValue",
	}, `"/certificates/collections/read/" is redundant: Permissions[3] "/certificates/" already grants it`)
	if m.GetTotalCallCount() != 0 {
		t.Error("a request was sent")
	}
}

func TestV1Validation(t *testing.T) {
	c, m := newTestClient(t)
	_, err := c.Roles.CreateV1(context.Background(), CreateRoleV1Request{Description: "d", EmailAddress: "not-an-address",
		Permissions: []string{"Certificates:Read", "certificates read", "Certificates:Read"},
		Identities:  []IdentityRef{{SID: "S-1"}}})
	assertValidation(t, err, "Roles.CreateV1", []string{"Name", "EmailAddress", "Permissions[1]", "Permissions[2]",
		"Identities[0].AccountName"}, "Area:Level")
	_, err = c.Roles.CopyV1(context.Background(), -1, CopyRoleV1Request{Name: "n"})
	assertValidation(t, err, "Roles.CopyV1", []string{"id", "Description"}, "")
	if m.GetTotalCallCount() != 0 {
		t.Error("a request was sent")
	}
}

func TestUnknownPermissionIsSentAndNoted(t *testing.T) {
	var logs bytes.Buffer
	c, m := newTestClient(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	m.RegisterNoResponder(httpmock.NewStringResponder(200, `{"Id":1}`))
	req := CreateRoleRequest{Name: "n", Description: "d", Permissions: []string{"/quantum/keys/read/"}}
	if _, err := c.Roles.Create(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, m.last(t).Body, `{"Name":"n","Description":"d","Permissions":["/quantum/keys/read/"]}`)
	if !strings.Contains(logs.String(), "/quantum/keys/read/") {
		t.Errorf("no debug note: %s", logs.String())
	}
}

func TestCreateServerRejections(t *testing.T) {
	for _, fx := range []string{"error_duplicate_role.json", "error_redundant_permissions.json"} {
		t.Run(fx, func(t *testing.T) {
			c, m := newTestClient(t)
			m.RegisterNoResponder(fixtureResponder(t, 400, fx))
			_, err := c.Roles.Create(context.Background(), operatorsRequest())
			var apiErr *APIError
			_, msg := parseErrorBody(fixture(t, fx))
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Message != msg {
				t.Fatalf("err = %v", err)
			}
			if m.GetTotalCallCount() != 1 {
				t.Errorf("%d requests: a 400 must neither be retried nor looked up", m.GetTotalCallCount())
			}
			// Keyfactor answers a taken name with a 400; callers can still
			// tell "already exists" from other rejections.
			if got, want := errors.Is(err, ErrConflict), fx == "error_duplicate_role.json"; got != want {
				t.Errorf("errors.Is(err, ErrConflict) = %v, want %v", got, want)
			}
		})
	}
}

// TestCreateUnderFaults: when a POST's outcome is unknown, Create reads the
// role of that name in full (list, then GET by id: list items are
// summaries) and returns it only if it is the role that was asked for.
func TestCreateUnderFaults(t *testing.T) {
	stored := string(fixture(t, "role_v2_mixed_claims.json"))
	summary := `{"Id":17,"Name":"PKI Operators","EmailAddress":"pki-ops@keyexample.com","Immutable":false,
		"PermissionSetId":"` + psID + `","ClaimsCount":2}`
	list := func(roles ...string) httpmock.Responder {
		return httpmock.NewStringResponder(200, "["+strings.Join(roles, ",")+"]")
	}
	get := func(body string) httpmock.Responder { return httpmock.NewStringResponder(200, body) }
	tests := []struct {
		name     string
		reqName  string
		post     httpmock.Responder
		lookup   httpmock.Responder // GET /Security/Roles
		byID     httpmock.Responder // GET /Security/Roles/17
		wantRole bool
		wantGETs int
		wantErr  error
	}{
		{"502 and the role was stored", "", status(502), list(summary), get(stored), true, 2, nil},
		{"504 and the role was stored", "", status(504), list(summary), get(stored), true, 2, nil},
		{"reset after sending and the role was stored", "", httpmock.NewErrorResponder(errReset), list(summary), get(stored), true, 2, nil},
		{"502 and nothing was stored", "", status(502), list(), get(stored), false, 1, ErrServer},
		{"504 and a different role has the name", "", status(504), list(summary),
			get(strings.Replace(stored, "Operators of the issuing CAs", "Someone else's role", 1)), false, 2, ErrServer},
		{"504 and the stored role has one more permission", "", status(504), list(summary),
			get(strings.Replace(stored, `"/portal/read/",`, `"/portal/read/", "/auditing/read/",`, 1)), false, 2, ErrServer},
		{"504 and only a case-insensitive match", "", status(504),
			list(strings.Replace(summary, `"PKI Operators"`, `"pki operators"`, 1)), get(stored), false, 1, ErrServer},
		{"502 and the lookup fails too", "", status(502), status(500), get(stored), false, 1, ErrServer},
		{"500 is an answer: no lookup", "", status(500), list(summary), get(stored), false, 0, ErrServer},
		{"refused: never reached the server, no lookup", "", httpmock.NewErrorResponder(errRefused), list(summary), get(stored), false, 0, nil},
		{"400 is an answer: no lookup", "", status(400), list(summary), get(stored), false, 0, nil},
		{"a name with a quote is looked up in the whole list", `PKI "Ops"`, status(502),
			list(strings.Replace(summary, `"PKI Operators"`, `"PKI \"Ops\""`, 1)),
			get(strings.Replace(stored, `"PKI Operators"`, `"PKI \"Ops\""`, 1)), true, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t)
			m.RegisterResponder("POST", testBase+"/Security/Roles", tt.post)
			m.RegisterResponder("GET", testBase+"/Security/Roles", tt.lookup)
			m.RegisterResponder("GET", testBase+"/Security/Roles/17", tt.byID)
			req := operatorsRequest()
			if tt.reqName != "" {
				req.Name = tt.reqName
			}
			role, err := c.Roles.Create(context.Background(), req)
			if tt.wantRole {
				if err != nil || role == nil || role.ID != 17 {
					t.Fatalf("Create = %+v, %v; want the stored role", role, err)
				}
			} else {
				if err == nil || role != nil {
					t.Fatalf("Create = %+v, %v; want the original error", role, err)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				if tt.wantGETs > 0 && !errors.Is(err, ErrOutcomeUnknown) {
					t.Errorf("err = %v, want ErrOutcomeUnknown", err)
				}
			}
			var posts, gets []sent
			for _, r := range m.requests() {
				if r.Method == "POST" {
					posts = append(posts, r)
				} else {
					gets = append(gets, r)
				}
			}
			if wantPosts := map[bool]int{true: DefaultMaxRetries + 1, false: 1}[strings.HasPrefix(tt.name, "refused")]; len(posts) != wantPosts {
				t.Errorf("POST sent %d times, want %d", len(posts), wantPosts)
			}
			if tt.name == "502 and the lookup fails too" {
				tt.wantGETs = 1 // a 500 is not retried
			}
			if len(gets) != tt.wantGETs {
				t.Fatalf("GETs = %d, want %d", len(gets), tt.wantGETs)
			}
			if len(gets) > 0 {
				u, _ := url.Parse(gets[0].URL)
				q := u.Query()
				wantQuery := `Name -eq "PKI Operators"`
				if tt.reqName != "" {
					wantQuery = "" // no escaping is documented: read the whole list
				}
				if u.Path != "/KeyfactorAPI/Security/Roles" || q.Get("QueryString") != wantQuery ||
					q.Get("PageReturned") != "1" || q.Get("ReturnLimit") == "" || gets[0].Header.Get("x-keyfactor-api-version") != "2.0" {
					t.Errorf("lookup = %s (version %s)", gets[0].URL, gets[0].Header.Get("x-keyfactor-api-version"))
				}
			}
		})
	}
}

func TestClaimTypeJSON(t *testing.T) {
	decode := []struct {
		in   string
		want ClaimType
	}{
		{"0", ClaimUser}, {"1", ClaimGroup}, {"2", ClaimComputer}, {"3", ClaimOAuthOid}, {"4", ClaimOAuthRole},
		{"5", ClaimOAuthSubject}, {"6", ClaimOAuthClientID},
		{`"OAuthRole"`, ClaimOAuthRole}, {`"oauthclientid"`, ClaimOAuthClientID}, {`"GROUP"`, ClaimGroup},
		{`"Robot"`, "Robot"}, {"9", "9"}, {"-1", "-1"}, {"null", ""},
	}
	for _, tt := range decode {
		var got ClaimType
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || got != tt.want {
			t.Errorf("Unmarshal(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"true", "{}", "[0]"} {
		var got ClaimType
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("Unmarshal(%s) = %q, want an error", bad, got)
		}
	}
	// A ClaimType marshals as it reads: by name. Requests carry the integer.
	for i, ct := range claimTypes {
		b, err := json.Marshal(ct)
		if err != nil || string(b) != strconv.Quote(string(ct)) {
			t.Errorf("Marshal(%s) = %s, %v", ct, b, err)
		}
		if n, ok := ct.wireNumber(); !ok || n != i {
			t.Errorf("%s.wireNumber() = %d, %v; want %d", ct, n, ok, i)
		}
	}
	for ct, want := range map[ClaimType]bool{"9": true, "12": true, "0": false, "6": false, "Robot": false, "-1": false, "07": false, "": false} {
		if _, ok := ct.wireNumber(); ok != want {
			t.Errorf("%q.wireNumber() ok = %v, want %v", ct, ok, want)
		}
	}
}

// FuzzClaimTypeJSON: whatever decodes survives a round trip through JSON,
// and the request form of a known claim type decodes back to it.
func FuzzClaimTypeJSON(f *testing.F) {
	for _, s := range []string{"0", "6", "7", `"OAuthRole"`, `"oauthrole"`, `"x"`, "null", "-3", "1e3", `"\u0000"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var ct ClaimType
		if err := json.Unmarshal(in, &ct); err != nil {
			return
		}
		out, err := json.Marshal(ct)
		if err != nil {
			t.Fatalf("%q does not marshal: %v", ct, err)
		}
		var back ClaimType
		if err := json.Unmarshal(out, &back); err != nil || back != ct {
			t.Fatalf("round trip %q -> %s -> %q", ct, out, back)
		}
		if n, ok := ct.wireNumber(); ok {
			var fromWire ClaimType
			if err := json.Unmarshal([]byte(strconv.Itoa(n)), &fromWire); err != nil || fromWire != ct {
				t.Fatalf("request form %d of %q decodes to %q", n, ct, fromWire)
			}
		}
	})
}

// TestPublicTypesRoundTripJSON: a Role marshals as it reads, so a program
// can print one and read it back; the request form stays internal.
func TestPublicTypesRoundTripJSON(t *testing.T) {
	var w roleWire
	if err := json.Unmarshal(fixture(t, "role_v2_mixed_claims.json"), &w); err != nil {
		t.Fatal(err)
	}
	role := w.role()
	b, err := json.Marshal(role)
	if err != nil {
		t.Fatal(err)
	}
	var back Role
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, role) {
		t.Errorf("round trip\n got %+v\nwant %+v", back, *role)
	}
	if !strings.Contains(string(b), `"ClaimType":"OAuthRole"`) || !strings.Contains(string(b), `"Provider":{"Id":`) {
		t.Errorf("marshalled %s", b)
	}
	// The request form of the same claims: integer type, four keys each,
	// Description always present.
	wire, _ := json.Marshal(claimRequests([]Claim{{ClaimType: ClaimOAuthSubject, ClaimValue: "sub-1", ID: 5,
		Provider: &ClaimProvider{ID: "p", AuthenticationScheme: "Keycloak"}}}))
	assertJSON(t, wire, `[{"ClaimType":5,"ClaimValue":"sub-1","ProviderAuthenticationScheme":"Keycloak","Description":""}]`)
}
