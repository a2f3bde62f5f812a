package keyfactortest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// call sends one raw request, with the Keyfactor headers unless told not to.
type call struct {
	method, path, version, body string
	auth                        string // full Authorization value; "" = admin basic
	noRequestedWith             bool
}

func basic(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

func (c call) send(t *testing.T, s *Server) (int, http.Header, []byte) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, s.URL+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.auth == "" {
		c.auth = basic(AdminUser, AdminPassword)
	}
	req.Header.Set("Authorization", c.auth)
	if !c.noRequestedWith {
		req.Header.Set("x-keyfactor-requested-with", "APIClient")
	}
	if c.version != "" {
		req.Header.Set("x-keyfactor-api-version", c.version)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// expectError checks a Keyfactor error answer.
func expectError(t *testing.T, status int, body []byte, wantStatus int, wantMsg string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d: %s", status, wantStatus, body)
	}
	var e struct{ ErrorCode, Message string }
	if err := json.Unmarshal(body, &e); err != nil || !strings.HasPrefix(e.ErrorCode, "0xA011") || e.Message == "" {
		t.Fatalf("not Keyfactor error JSON: %s", body)
	}
	if !strings.Contains(e.Message, wantMsg) {
		t.Errorf("message %q lacks %q", e.Message, wantMsg)
	}
}

const v2Role = `{"Name":"PKI Operators","Description":"ops","Permissions":["/portal/read/"],
	"Claims":[{"ClaimType":4,"ClaimValue":"pki-ops","ProviderAuthenticationScheme":"Keycloak"},
	          {"ClaimType":1,"ClaimValue":"KEYEXAMPLE\\PKI Ops","ProviderAuthenticationScheme":"Active Directory"}]}`

func TestRequiredHeadersAndAuth(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddUser(User{Name: `KEYEXAMPLE\reader`, Password: "pw", Token: "reader-token", Permissions: []string{"/security/read/"}})
	tests := []struct {
		name   string
		call   call
		status int
		msg    string
	}{
		{"no requested-with header", call{method: "GET", path: "/Security/Roles", noRequestedWith: true}, 400, "x-keyfactor-requested-with"},
		{"wrong password", call{method: "GET", path: "/Security/Roles", auth: basic(AdminUser, "nope")}, 401, "incorrect"},
		{"unknown user", call{method: "GET", path: "/Security/Roles", auth: basic(`X\y`, "pw")}, 401, "incorrect"},
		{"wrong token", call{method: "GET", path: "/Security/Roles", auth: "Bearer nope"}, 401, "token"},
		{"no credentials", call{method: "GET", path: "/Security/Roles", auth: " "}, 401, "denied"},
		{"bad version", call{method: "GET", path: "/Security/Roles", version: "3.0"}, 400, "version"},
		{"missing permission", call{method: "POST", path: "/Security/Roles", version: "2.0", body: v2Role,
			auth: "Bearer reader-token"}, 403, "/security/modify/"},
		{"unknown endpoint", call{method: "GET", path: "/Nope"}, 404, "No endpoint"},
		{"wrong method", call{method: "DELETE", path: "/Security/Roles"}, 405, "method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _, b := tt.call.send(t, s)
			expectError(t, st, b, tt.status, tt.msg)
		})
	}
	// user@DOMAIN is accepted as DOMAIN\user; a bearer token maps to its user.
	for _, auth := range []string{basic("reader@KEYEXAMPLE", "pw"), basic(`keyexample\READER`, "pw"), "Bearer reader-token"} {
		if st, _, b := (call{method: "GET", path: "/Security/Roles", auth: auth}).send(t, s); st != 200 {
			t.Errorf("%s: %d %s", auth, st, b)
		}
	}
}

func TestRolesV1AndV2Views(t *testing.T) {
	s := NewServer()
	defer s.Close()
	st, _, b := call{method: "POST", path: "/Security/Roles", version: "2.0", body: v2Role}.send(t, s)
	if st != 200 {
		t.Fatalf("%d %s", st, b)
	}
	var v2 struct {
		ID     int
		Claims []struct {
			ClaimType string
			Provider  struct{ AuthenticationScheme string }
		}
		PermissionSetID string
	}
	if err := json.Unmarshal(b, &v2); err != nil || v2.ID == 0 || len(v2.Claims) != 2 || v2.Claims[0].ClaimType != "OAuthRole" ||
		v2.Claims[1].Provider.AuthenticationScheme != "Active Directory" || v2.PermissionSetID != GlobalPermissionSetID {
		t.Fatalf("v2 create answer: %s", b)
	}
	// v1 view of the same role: AD claims become identities.
	st, _, b = call{method: "GET", path: fmt.Sprintf("/Security/Roles/%d", v2.ID)}.send(t, s)
	var v1 struct {
		Enabled, Valid bool
		Identities     []struct{ AccountName, IdentityType string }
	}
	if st != 200 || json.Unmarshal(b, &v1) != nil || !v1.Enabled || len(v1.Identities) != 1 ||
		v1.Identities[0].AccountName != `KEYEXAMPLE\PKI Ops` || v1.Identities[0].IdentityType != "Group" {
		t.Fatalf("v1 view: %d %s", st, b)
	}
	// v1 create, then copy.
	st, _, b = call{method: "POST", path: "/Security/Roles", version: "1.0", body: `{"Name":"Legacy","Description":"d",
		"Enabled":false,"Permissions":["Certificates:Read"],"Identities":[{"AccountName":"KEYEXAMPLE\\jsmith","SID":"S-1-5-21-9"}]}`}.send(t, s)
	var legacy struct {
		ID         int
		Enabled    bool
		Identities []struct{ SID string }
	}
	if st != 200 || json.Unmarshal(b, &legacy) != nil || legacy.Enabled || len(legacy.Identities) != 1 || legacy.Identities[0].SID != "S-1-5-21-9" {
		t.Fatalf("v1 create: %d %s", st, b)
	}
	st, _, b = call{method: "POST", path: fmt.Sprintf("/Security/Roles/%d/Copy", legacy.ID), version: "1.0",
		body: `{"Name":"Legacy copy","Description":"d2"}`}.send(t, s)
	if st != 200 || !strings.Contains(string(b), `"Permissions":["Certificates:Read"]`) || !strings.Contains(string(b), "jsmith") {
		t.Fatalf("copy: %d %s", st, b)
	}
	if got := len(s.Roles()); got != 4 { // with the built-in Administrator
		t.Errorf("%d roles stored", got)
	}
	st, _, b = call{method: "POST", path: fmt.Sprintf("/Security/Roles/%d/Copy", legacy.ID), version: "2.0",
		body: `{"Name":"x","Description":"d"}`}.send(t, s)
	expectError(t, st, b, 404, "version 1.0 only")
}

func TestRoleRules(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddRole(Role{Name: "PKI Operators", Description: "d"})
	tests := []struct {
		name, version, body string
		status              int
		msg                 string
	}{
		{"duplicate name, any case", "2.0", `{"Name":"pki operators","Description":"d"}`, 400, "already exists"},
		{"redundant permissions", "2.0", `{"Name":"n","Description":"d","Permissions":["/certificates/","/certificates/collections/read/"]}`,
			400, "Redundant permissions detected"},
		{"repeated permission", "2.0", `{"Name":"n","Description":"d","Permissions":["/portal/read/","/portal/read/"]}`, 400, "Redundant"},
		{"malformed permission", "2.0", `{"Name":"n","Description":"d","Permissions":["Portal:Read"]}`, 400, "not valid"},
		{"claim type as a name", "2.0", `{"Name":"n","Description":"d","Claims":[{"ClaimType":"User","ClaimValue":"a",
			"ProviderAuthenticationScheme":"Active Directory"}]}`, 400, "not valid"},
		{"claim type out of range", "2.0", `{"Name":"n","Description":"d","Claims":[{"ClaimType":9,"ClaimValue":"a",
			"ProviderAuthenticationScheme":"x"}]}`, 400, "ClaimType 9"},
		{"misspelt field", "2.0", `{"Name":"n","Description":"d","PermissionSetID":"x"}`, 400, "unknown field"},
		{"no description", "2.0", `{"Name":"n"}`, 400, "Description is required"},
		{"unknown permission set", "2.0", `{"Name":"n","Description":"d","PermissionSetId":"11111111-1111-1111-1111-111111111111"}`,
			400, "was not found"},
		{"v1 identity without account", "1.0", `{"Name":"n","Description":"d","Identities":[{"SID":"S-1"}]}`, 400, "AccountName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _, b := call{method: "POST", path: "/Security/Roles", version: tt.version, body: tt.body}.send(t, s)
			expectError(t, st, b, tt.status, tt.msg)
		})
	}
	st, _, b := call{method: "GET", path: "/Security/Roles/999", version: "2.0"}.send(t, s)
	expectError(t, st, b, 404, "999")
}

func TestRoleListQuery(t *testing.T) {
	s := NewServer()
	defer s.Close()
	for i := range 60 {
		s.AddRole(Role{Name: fmt.Sprintf("Role %02d", i), Description: "d"})
	}
	list := func(q url.Values) []struct {
		ID   int
		Name string
	} {
		st, _, b := call{method: "GET", path: "/Security/Roles?" + q.Encode(), version: "2.0"}.send(t, s)
		var out []struct {
			ID   int
			Name string
		}
		if st != 200 || json.Unmarshal(b, &out) != nil {
			t.Fatalf("%d %s", st, b)
		}
		return out
	}
	if got := list(url.Values{}); len(got) != 50 {
		t.Errorf("default page has %d roles, want 50", len(got))
	}
	// Sorted by name, the built-in Administrator comes first.
	if got := list(url.Values{"PageReturned": {"2"}, "ReturnLimit": {"50"}}); len(got) != 11 || got[0].Name != "Role 49" {
		t.Errorf("page 2 = %v", got)
	}
	if got := list(url.Values{"QueryString": {`Name -eq "role 07"`}}); len(got) != 1 || got[0].Name != "Role 07" {
		t.Errorf("name query = %v", got)
	}
	st, _, b := call{method: "GET", path: "/Security/Roles?QueryString=" + url.QueryEscape(`Description -contains "x"`)}.send(t, s)
	expectError(t, st, b, 400, "unknown query field")
}

func TestOwnerRules(t *testing.T) {
	s := NewServer()
	defer s.Close()
	ops := s.AddRole(Role{Name: "PKI Operators", Description: "d"})
	s.AddCertificate(Certificate{ID: 1, CollectionIDs: []int{5}, ContainerID: 9})
	s.AddCertificate(Certificate{ID: 2, OwnerRoleID: ops, OwnerRequired: true})
	s.AddUser(User{Name: `KEYEXAMPLE\col5`, Password: "pw", Permissions: []string{"/certificates/collections/change_owner/5/", "/security/read/"}})
	s.AddUser(User{Name: `KEYEXAMPLE\con9`, Password: "pw", Permissions: []string{"/certificate_stores/change_owner/9/", "/security/read/"}})
	s.AddUser(User{Name: `KEYEXAMPLE\noread`, Password: "pw", Permissions: []string{"/certificates/collections/change_owner/"}})
	s.AddUser(User{Name: `KEYEXAMPLE\expanded`, Password: "pw", Permissions: []string{"/certificates/expanded_change_owner/", "/security/read/"}})
	col5, con9 := basic(`KEYEXAMPLE\col5`, "pw"), basic(`KEYEXAMPLE\con9`, "pw")
	noRead, expanded := basic(`KEYEXAMPLE\noread`, "pw"), basic(`KEYEXAMPLE\expanded`, "pw")
	id := fmt.Sprint(ops)
	tests := []struct {
		name, path, body, auth string
		status                 int
		msg                    string
		owner                  int
	}{
		{"by id", "/Certificates/1/Owner", `{"NewRoleId":` + id + `}`, "", 204, "", ops},
		{"clear", "/Certificates/1/Owner", `{}`, "", 204, "", 0},
		{"by name, any case", "/Certificates/1/Owner", `{"NewRoleName":"pki operators"}`, "", 204, "", ops},
		{"empty name does not clear", "/Certificates/1/Owner", `{"NewRoleName":""}`, "", 400, "was not found", ops},
		{"both fields", "/Certificates/1/Owner", `{"NewRoleId":1,"NewRoleName":"x"}`, "", 400, "not both", ops},
		{"unknown role", "/Certificates/1/Owner", `{"NewRoleId":77}`, "", 400, "77", ops},
		{"unknown certificate", "/Certificates/404/Owner", `{}`, "", 404, "404", ops},
		{"required owner cannot be cleared", "/Certificates/2/Owner", `{}`, "", 400, "required by policy", ops},
		{"misspelt field", "/Certificates/1/Owner", `{"NewRoleID":1}`, "", 400, "unknown field", ops},
		{"collection user without scope", "/Certificates/1/Owner", `{}`, col5, 403, "change_owner", ops},
		{"collection user in the collection", "/Certificates/1/Owner?CollectionId=5", `{}`, col5, 204, "", 0},
		{"collection user elsewhere", "/Certificates/1/Owner?CollectionId=6", `{"NewRoleId":` + id + `}`, col5, 403, "/6/", 0},
		{"collection wins over container", "/Certificates/1/Owner?CollectionId=5&ContainerId=9", `{"NewRoleId":` + id + `}`,
			con9, 403, "collections", 0},
		{"container user in the container", "/Certificates/1/Owner?ContainerId=9", `{"NewRoleId":` + id + `}`, con9, 204, "", ops},
		{"change owner without /security/read/", "/Certificates/1/Owner", `{"NewRoleId":` + id + `}`, noRead, 403, "/security/read/", ops},
		{"clearing needs no role read", "/Certificates/1/Owner", `{}`, noRead, 204, "", 0},
		{"expanded change owner and security read", "/Certificates/1/Owner", `{"NewRoleName":"PKI Operators"}`, expanded, 204, "", ops},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _, b := call{method: "PUT", path: tt.path, version: "1.0", body: tt.body, auth: tt.auth}.send(t, s)
			if tt.status == 204 {
				if st != 204 || len(b) != 0 {
					t.Fatalf("%d %s", st, b)
				}
			} else {
				expectError(t, st, b, tt.status, tt.msg)
			}
			if owner, _ := s.Owner(1); tt.path != "/Certificates/2/Owner" && tt.path != "/Certificates/404/Owner" && owner != tt.owner {
				t.Errorf("owner = %d, want %d", owner, tt.owner)
			}
		})
	}
}

// TestKeyfactorEdges: what a downstream test trusts the fake on.
func TestKeyfactorEdges(t *testing.T) {
	s := NewServer()
	defer s.Close()
	sales := s.AddRole(Role{Name: "Sales and Marketing", Description: "d"})
	s.AddRole(Role{Name: "Sales", Description: "d"})

	// A quoted value holding " and " is one value.
	q := url.QueryEscape(`Name -eq "Sales and Marketing"`)
	st, _, b := call{method: "GET", path: "/Security/Roles?QueryString=" + q, version: "2.0"}.send(t, s)
	var found []roleSummaryOut
	if st != 200 || json.Unmarshal(b, &found) != nil || len(found) != 1 || found[0].ID != sales {
		t.Errorf("quoted and: %d %s", st, b)
	}
	q = url.QueryEscape(`Name -startswith "Sales" AND Name -endswith "Marketing"`)
	if st, _, b = (call{method: "GET", path: "/Security/Roles?QueryString=" + q, version: "2.0"}.send(t, s)); st != 200 ||
		json.Unmarshal(b, &found) != nil || len(found) != 1 {
		t.Errorf("two clauses: %d %s", st, b)
	}

	// Keyfactor has no v2 delete.
	st, _, b = call{method: "DELETE", path: "/Security/Roles/" + fmt.Sprint(sales), version: "2.0"}.send(t, s)
	expectError(t, st, b, 404, "1.0 only")
	if len(s.Roles()) != 3 {
		t.Error("a v2 DELETE deleted the role")
	}

	// Paging numbers beyond 32 bits, or whose product would overflow, are a 400.
	for _, p := range []string{"PageReturned=9223372036854775807&ReturnLimit=2", "PageReturned=2&ReturnLimit=4611686018427387904",
		"PageReturned=4294967297&ReturnLimit=1", "PageReturned=2147483647&ReturnLimit=2147483647"} {
		st, _, b := call{method: "GET", path: "/Security/Roles?" + p, version: "2.0"}.send(t, s)
		if p == "PageReturned=2147483647&ReturnLimit=2147483647" {
			if st != 200 || string(b) != "[]\n" {
				t.Errorf("%s: %d %s, want an empty page", p, st, b)
			}
			continue
		}
		expectError(t, st, b, 400, "Invalid")
	}
}

func TestFaults(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.FailNext(2, Fault{Method: "POST", Path: "/Security/Roles", Status: 503, RetryAfter: "7"})
	// A non-matching request passes untouched and does not use the fault up.
	if st, _, _ := (call{method: "GET", path: "/Security/Roles"}).send(t, s); st != 200 {
		t.Fatalf("GET status %d", st)
	}
	for range 2 {
		st, h, b := call{method: "POST", path: "/Security/Roles", version: "2.0", body: v2Role}.send(t, s)
		expectError(t, st, b, 503, "Service Unavailable")
		if h.Get("Retry-After") != "7" {
			t.Errorf("Retry-After %q", h.Get("Retry-After"))
		}
	}
	if len(s.Roles()) != 1 { // the built-in Administrator only
		t.Fatal("a failed request stored a role")
	}

	// A fault that names no status answers 500.
	s.FailNext(1, Fault{Method: "GET"})
	st, _, b := call{method: "GET", path: "/Security/Roles"}.send(t, s)
	expectError(t, st, b, 500, "Internal Server Error")

	// Dropped before the handler: nothing stored.
	s.FailNext(1, Fault{Drop: DropBeforeHandler})
	if _, err := rawPost(s, v2Role); err == nil {
		t.Fatal("dropped request got an answer")
	}
	if len(s.Roles()) != 1 { // the built-in Administrator only
		t.Fatal("DropBeforeHandler stored a role")
	}
	// Dropped after the handler: stored, but the client never hears.
	s.FailNext(1, Fault{Drop: DropAfterHandler})
	if _, err := rawPost(s, v2Role); err == nil {
		t.Fatal("dropped request got an answer")
	}
	if roles := s.Roles(); len(roles) != 2 || roles[1].Name != "PKI Operators" {
		t.Fatalf("DropAfterHandler: roles = %+v", roles)
	}
	reqs := s.Requests()
	if len(reqs) != 6 || reqs[5].Method != "POST" || !strings.Contains(string(reqs[5].Body), "PKI Operators") ||
		reqs[5].Path != "/KeyfactorAPI/Security/Roles" || reqs[5].Header.Get("x-keyfactor-api-version") != "2.0" {
		t.Errorf("recorded %d requests: %+v", len(reqs), reqs)
	}
}

func rawPost(s *Server, body string) (*http.Response, error) {
	req, _ := http.NewRequest("POST", s.URL+"/Security/Roles", strings.NewReader(body))
	req.Header.Set("Authorization", basic(AdminUser, AdminPassword))
	req.Header.Set("x-keyfactor-requested-with", "APIClient")
	req.Header.Set("x-keyfactor-api-version", "2.0")
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client().Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

func TestOAuthTokenEndpoint(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.AddOAuthClient("kf-sdk", "cs-1", "/security/read/")
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"kf-sdk"}, "client_secret": {"cs-1"}}
	resp, err := s.Client().PostForm(s.TokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("token: %d %+v", resp.StatusCode, tok)
	}
	if st, _, b := (call{method: "GET", path: "/Security/Roles", auth: "Bearer " + tok.AccessToken}).send(t, s); st != 200 {
		t.Errorf("%d %s", st, b)
	}
	form.Set("client_secret", "wrong")
	resp, _ = s.Client().PostForm(s.TokenURL, form)
	resp.Body.Close()
	if resp.StatusCode != 401 || s.TokenRequests() != 2 {
		t.Errorf("bad secret: %d, %d token requests", resp.StatusCode, s.TokenRequests())
	}
}

func TestTLSAndAPIPath(t *testing.T) {
	s := NewTLSServer(WithAPIPath("Keyfactor/API/"))
	defer s.Close()
	if !strings.HasPrefix(s.URL, "https://") || !strings.HasSuffix(s.URL, "/Keyfactor/API") || s.TLSCertificate() == nil {
		t.Fatalf("URL %s", s.URL)
	}
	if st, _, b := (call{method: "GET", path: "/Security/Roles"}).send(t, s); st != 200 {
		t.Fatalf("%d %s", st, b)
	}
	resp, err := s.Client().Get(strings.Replace(s.URL, "/Keyfactor/API", "/KeyfactorAPI", 1) + "/Security/Roles")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("default path answered %d on a server with another path", resp.StatusCode)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := NewServer()
	defer s.Close()
	role := s.AddRole(Role{Name: "Owners", Description: "d"})
	var wg sync.WaitGroup
	for i := range 20 {
		s.AddCertificate(Certificate{ID: i + 1})
		wg.Add(2)
		go func() {
			defer wg.Done()
			call{method: "PUT", path: fmt.Sprintf("/Certificates/%d/Owner", i+1), body: fmt.Sprintf(`{"NewRoleId":%d}`, role)}.send(t, s)
		}()
		go func() {
			defer wg.Done()
			call{method: "POST", path: "/Security/Roles", version: "2.0",
				body: fmt.Sprintf(`{"Name":"Role %d","Description":"d"}`, i)}.send(t, s)
			_ = s.Requests()
		}()
	}
	wg.Wait()
	for i := range 20 {
		if owner, ok := s.Owner(i + 1); !ok || owner != role {
			t.Errorf("certificate %d owner = %d", i+1, owner)
		}
	}
	if len(s.Roles()) != 22 { // 21 and the built-in Administrator
		t.Errorf("%d roles", len(s.Roles()))
	}
}

func TestEnvPointsAtTheServer(t *testing.T) {
	for _, s := range []*Server{NewServer(WithAPIPath("Keyfactor/API")), NewTLSServer()} {
		defer s.Close()
		env := map[string]string{}
		for _, kv := range s.Env() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		u, _ := url.Parse(s.URL)
		host := u.Hostname()
		if u.Scheme == "http" {
			host = "http://" + host
			if env["KEYFACTOR_ALLOW_INSECURE_HTTP"] != "true" || env["KEYFACTOR_API_PATH"] != "Keyfactor/API" {
				t.Errorf("http env = %v", env)
			}
		} else if !strings.HasPrefix(env["KEYFACTOR_CA_CERT"], "-----BEGIN CERTIFICATE-----") {
			t.Errorf("tls env has no CA: %v", env)
		}
		if env["KEYFACTOR_HOSTNAME"] != host || env["KEYFACTOR_PORT"] != u.Port() || env["KEYFACTOR_PASSWORD"] != AdminPassword {
			t.Errorf("env = %v for %s", env, s.URL)
		}
	}
}

func TestClaimTypeOf(t *testing.T) {
	for name, want := range map[string]int{"User": ClaimUser, "oauthrole": ClaimOAuthRole, "OAuthClientId": ClaimOAuthClientID, "Robot": -1} {
		if got := ClaimTypeOf(name); got != want {
			t.Errorf("ClaimTypeOf(%q) = %d, want %d", name, got, want)
		}
	}
}

// FuzzParseQuery: the query parser never panics, and what it accepts names
// only known fields and operators.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`Name -eq "x"`, `((Name -eq "PKI Admins"))`, `Name -startswith "a" AND Name -ne "b"`,
		`Name -eq "a" and name -contains ""`, `Name -lt 5`, `"`, ``, `Name -eq "a" AND`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		clauses, err := parseQuery(q, "Name", "IssuedCN")
		if err != nil {
			return
		}
		for _, c := range clauses {
			if c.field != "Name" && c.field != "IssuedCN" || !strings.HasPrefix(c.op, "-") || strings.Contains(c.value, `"`) {
				t.Fatalf("parseQuery(%q) accepted %+v", q, c)
			}
		}
		matches(clauses, func(string) string { return "x" })
	})
}

func TestSeed(t *testing.T) {
	s := NewServer()
	defer s.Close()
	err := s.Seed([]byte(`{"Users": [{"Name": "KEYEXAMPLE\\ops", "Password": "pw", "Permissions": ["/security/read/"]}],
		"PermissionSets": [{"ID": "6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31", "Name": "Operators"}],
		"Roles": [{"Name": "Ops", "Description": "d", "PermissionSetID": "6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31",
			"Claims": [{"Type": "OAuthRole", "Value": "ops", "Scheme": "Keycloak"}, {"Type": 1, "Value": "KEYEXAMPLE\\Ops", "Scheme": "Active Directory"}]}],
		"Certificates": [{"ID": 5, "OwnerRole": "ops"}, {"ID": 6, "OwnerRole": "Administrator"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	roles := s.Roles()
	if len(roles) != 2 || roles[1].Name != "Ops" || len(roles[1].Claims) != 2 || roles[1].Claims[0].Type != ClaimOAuthRole ||
		roles[1].Claims[1].Type != ClaimGroup {
		t.Errorf("roles = %+v", roles)
	}
	if owner, _ := s.Owner(5); owner != roles[1].ID {
		t.Errorf("certificate 5 owned by %d", owner)
	}
	if owner, _ := s.Owner(6); owner != AdministratorRoleID {
		t.Errorf("certificate 6 owned by %d", owner)
	}
	if st, _, b := (call{method: "GET", path: "/Security/Roles/1", version: "2.0", auth: basic(`KEYEXAMPLE\ops`, "pw")}.send(t, s)); st != 200 {
		t.Errorf("seeded user: %d %s", st, b)
	}
	// A second seed naming the same role is refused whole.
	if err := s.Seed([]byte(`{"Roles": [{"Name": "New"}, {"Name": "OPS"}]}`)); err == nil || !strings.Contains(err.Error(), "already exists") ||
		len(s.Roles()) != 2 {
		t.Errorf("reseeding: %v, %d roles", err, len(s.Roles()))
	}
}

func TestRequestLog(t *testing.T) {
	var log strings.Builder
	var mu sync.Mutex
	s := NewServer(WithRequestLog(writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return log.Write(b) })))
	defer s.Close()
	s.FailNext(1, Fault{Method: "GET", Status: 503})
	call{method: "GET", path: "/Security/Roles?PageReturned=1&ReturnLimit=5", version: "2.0"}.send(t, s)
	call{method: "GET", path: "/Security/Roles/1", version: "2.0"}.send(t, s)
	mu.Lock()
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	mu.Unlock()
	if len(lines) != 2 || !strings.Contains(lines[0], `"Status":503,"Fault":"answered 503"`) ||
		!strings.Contains(lines[0], `"Query":"PageReturned=1&ReturnLimit=5"`) || !strings.Contains(lines[1], `"Status":200`) {
		t.Errorf("log:\n%s", strings.Join(lines, "\n"))
	}
	if strings.Contains(log.String(), AdminPassword) || strings.Contains(log.String(), "Basic") {
		t.Error("the log holds a credential")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestRequestLogScrubsSecretsInQueries: a client that puts a secret in a
// URL does not find it in the log, however the parameter is spelt.
func TestRequestLogScrubsSecretsInQueries(t *testing.T) {
	tests := []struct{ in, want string }{
		{"PageReturned=1&ReturnLimit=5", "PageReturned=1&ReturnLimit=5"},
		{"password=hunter2&x=1", "password=[REDACTED]&x=1"},
		{"Client_Secret=s3&access_token=t0k", "Client_Secret=[REDACTED]&access_token=[REDACTED]"},
		{"pfxPassword=p&CertificateAuthority=ca1", "pfxPassword=[REDACTED]&CertificateAuthority=ca1"},
		{"%70assword=hunter2", "%70assword=[REDACTED]"},
		{"%zz=hunter2", "%zz=[REDACTED]"},
	}
	for _, tt := range tests {
		if got := scrubQuery(tt.in); got != tt.want {
			t.Errorf("scrubQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var log strings.Builder
	var mu sync.Mutex
	s := NewServer(WithRequestLog(writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return log.Write(b) })))
	defer s.Close()
	call{method: "GET", path: "/Security/Roles?password=hunter2", version: "2.0"}.send(t, s)
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(log.String(), "hunter2") {
		t.Errorf("the log holds the secret: %s", log.String())
	}
}

// TestEnvFollowsTheAdministratorsCredentials: a seed that changes the
// administrator's password, or leaves it a token only, changes Env.
func TestEnvFollowsTheAdministratorsCredentials(t *testing.T) {
	s := NewServer()
	defer s.Close()
	if err := s.Seed([]byte(`{"Users": [{"Name": "KEYFACTOR\\admin", "Password": "n3w-pw", "Permissions": ["/"]}]}`)); err != nil {
		t.Fatal(err)
	}
	env := strings.Join(s.Env(), "\n")
	if !strings.Contains(env, "KEYFACTOR_PASSWORD=n3w-pw") || strings.Contains(env, AdminPassword) {
		t.Errorf("after a new password: %s", env)
	}
	s.AddUser(User{Name: AdminUser, Token: "only-a-token", Permissions: []string{"/"}})
	env = strings.Join(s.Env(), "\n")
	if !strings.Contains(env, "KEYFACTOR_AUTH_ACCESS_TOKEN=only-a-token") || strings.Contains(env, "KEYFACTOR_PASSWORD") {
		t.Errorf("token only: %s", env)
	}
}

// TestSecurityWritesNeedARoleInTheGlobalSet: /security/modify/ held in a
// role of a narrower permission set does not let its holder create a set
// holding "/", a role in it for itself, or widen its own set; held in a
// Global role, it does.
func TestSecurityWritesNeedARoleInTheGlobalSet(t *testing.T) {
	s := NewServer()
	defer s.Close()
	const delegated = "6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31"
	s.AddPermissionSet(delegated, "Delegated", "/security/")
	s.AddUser(User{Name: `KEYEXAMPLE\delegate`, Password: "d-pw"})
	s.AddRole(Role{Name: "Delegates", Description: "d", PermissionSetID: delegated, Permissions: []string{"/security/"},
		Claims: []Claim{{Type: ClaimUser, Value: `KEYEXAMPLE\delegate`, Scheme: "Active Directory"}}})
	as := basic(`KEYEXAMPLE\delegate`, "d-pw")
	for _, c := range []call{
		{method: "POST", path: "/PermissionSets", version: "1.0", body: `{"Name":"Mine","Permissions":["/"]}`, auth: as},
		{method: "PUT", path: "/PermissionSets", version: "1.0", body: `{"Id":"` + delegated + `","Permissions":["/"]}`, auth: as},
		{method: "POST", path: "/Security/Roles", version: "2.0", body: `{"Name":"Escalated","Description":"d","Permissions":["/security/"]}`, auth: as},
		{method: "POST", path: "/Security/Claims", version: "1.0",
			body: `{"ClaimType":0,"ClaimValue":"KEYEXAMPLE\\delegate","ProviderAuthenticationScheme":"Active Directory"}`, auth: as},
	} {
		status, _, body := c.send(t, s)
		expectError(t, status, body, http.StatusForbidden, "Global permission set")
	}
	if sets := s.PermissionSets(); len(sets) != 2 || len(s.Roles()) != 2 {
		t.Errorf("after refused writes: %d sets, %d roles", len(sets), len(s.Roles()))
	}
	// Reads still work; a role in the Global set may write.
	if status, _, _ := (call{method: "GET", path: "/Security/Roles", version: "2.0", auth: as}).send(t, s); status != http.StatusOK {
		t.Errorf("read: %d", status)
	}
	s.AddRole(Role{Name: "Global Delegates", Description: "d", Permissions: []string{"/security/"},
		Claims: []Claim{{Type: ClaimUser, Value: `KEYEXAMPLE\delegate`, Scheme: "Active Directory"}}})
	if status, _, body := (call{method: "POST", path: "/PermissionSets", version: "1.0", body: `{"Name":"Theirs","Permissions":["/portal/read/"]}`,
		auth: as}).send(t, s); status != http.StatusOK {
		t.Errorf("write from a Global role: %d %s", status, body)
	}
}

// TestSeedDeclaresTemplatesAndCAs: a seed adds templates and CAs beside
// the built-in ones, and refuses incomplete ones.
func TestSeedDeclaresTemplatesAndCAs(t *testing.T) {
	s := NewServer()
	defer s.Close()
	err := s.Seed([]byte(`{"Templates": [{"ShortName": "UserAuth", "DisplayName": "User Authentication", "KeyType": "ECC", "RequiresApproval": true}],
		"CAs": [{"HostName": "ejbca.example.com", "LogicalName": "ManagementCA"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := (call{method: "GET", path: "/Templates", version: "1.0"}).send(t, s)
	if status != 200 || !strings.Contains(string(body), `"CommonName":"UserAuth"`) || !strings.Contains(string(body), `"CommonName":"WebServer"`) {
		t.Errorf("templates: %d %s", status, body)
	}
	status, _, body = (call{method: "GET", path: "/CertificateAuthority", version: "1.0"}).send(t, s)
	if status != 200 || !strings.Contains(string(body), `"LogicalName":"ManagementCA"`) {
		t.Errorf("CAs: %d %s", status, body)
	}
	if err := s.Seed([]byte(`{"Templates": [{"KeyType": "DSA"}], "CAs": [{"HostName": "x"}]}`)); err == nil ||
		!strings.Contains(err.Error(), "Templates[0]: a template needs a ShortName") || !strings.Contains(err.Error(), "CAs[0]") {
		t.Errorf("bad seed: %v", err)
	}
}

func TestSeedStoresAgentsAndJobs(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	err := srv.Seed([]byte(`{"Agents": [{"ID": "0a9e0000-0000-4000-8000-0000000000aa", "ClientMachine": "orch1.example.com", "Approved": true}],
		"StoreTypes": [{"ID": 120, "Name": "Kubernetes Secret", "ShortName": "K8SSecret"}],
		"Stores": [{"ID": "a1b2c3d4-0000-4000-8000-0000000000aa", "ClientMachine": "web01.example.com", "StorePath": "/etc/ssl/site.pem",
		            "StoreType": 120, "Secrets": {"ServerPassword": "pw"}, "Inventory": {"site": 1}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	st, ok := srv.Store("A1B2C3D4-0000-4000-8000-0000000000AA")
	if !ok || st.StoreType != 120 || st.Inventory["site"] != 1 || st.Secrets["ServerPassword"] != "pw" {
		t.Errorf("store = %+v, %v", st, ok)
	}
	// A read never shows the secret's value.
	req, _ := http.NewRequest("GET", srv.URL+"/CertificateStores/"+st.ID, nil)
	req.SetBasicAuth(AdminUser, AdminPassword)
	req.Header.Set("x-keyfactor-requested-with", "APIClient")
	req.Header.Set("x-keyfactor-api-version", "1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "ServerPassword") || strings.Contains(string(body), `"pw"`) {
		t.Errorf("GET store: %d %s", resp.StatusCode, body)
	}
}
