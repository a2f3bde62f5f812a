package keyfactor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestListWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/Roles", fixtureResponder(t, 200, "roles_list_v2.json"))
	var got []RoleSummary
	for r, err := range c.Roles.List(context.Background(), ListRolesOptions{Query: `Name -startswith "PKI"`, PageSize: 5,
		SortField: "Id", Descending: true}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	r := m.last(t)
	u, _ := url.Parse(r.URL)
	want := url.Values{"QueryString": {`Name -startswith "PKI"`}, "PageReturned": {"1"}, "ReturnLimit": {"5"},
		"SortField": {"Id"}, "SortAscending": {"1"}}
	if !reflect.DeepEqual(u.Query(), want) || r.Header.Get("x-keyfactor-api-version") != "2.0" || len(r.Body) != 0 {
		t.Errorf("sent %s (version %s)", r.URL, r.Header.Get("x-keyfactor-api-version"))
	}
	wantRoles := []RoleSummary{
		{ID: 1, Name: "Administrator", Immutable: true, PermissionSetID: "00000000-0000-0000-0000-000000000000", ClaimsCount: 1},
		{ID: 17, Name: "PKI Operators", EmailAddress: "pki-ops@keyexample.com", PermissionSetID: psID, ClaimsCount: 2},
	}
	if !reflect.DeepEqual(got, wantRoles) {
		t.Errorf("decoded %+v", got)
	}
	// The defaults: no query, no sort, 100 a page, ascending (0 omitted).
	for _, err := range c.Roles.List(context.Background(), ListRolesOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := m.last(t).URL; got != testBase+"/Security/Roles?PageReturned=1&ReturnLimit=100" {
		t.Errorf("default list sent %s", got)
	}
}

// rolePages serves GET /Security/Roles from n generated roles, honouring
// PageReturned and ReturnLimit up to limitCap (0: no cap), as a server that
// caps page sizes would.
func rolePages(n, limitCap int) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		q := req.URL.Query()
		page, _ := strconv.Atoi(q.Get("PageReturned"))
		limit, _ := strconv.Atoi(q.Get("ReturnLimit"))
		if limitCap > 0 {
			limit = min(limit, limitCap)
		}
		var items []string
		for i := (page - 1) * limit; i < min(page*limit, n); i++ {
			items = append(items, fmt.Sprintf(`{"Id":%d,"Name":"Role %04d","EmailAddress":null,"Immutable":false,`+
				`"PermissionSetId":"00000000-0000-0000-0000-000000000000","ClaimsCount":0}`, i+1, i))
		}
		return httpmock.NewStringResponse(200, "["+strings.Join(items, ",")+"]"), nil
	}
}

func TestListReadsEveryPageOnce(t *testing.T) {
	tests := []struct {
		name               string
		roles, cap, size   int
		breakAfter         int // 0: read to the end
		wantSeen, wantGETs int
	}{
		{"2,345 roles, 100 a page", 2345, 0, 0, 0, 2345, 24},
		{"2,345 roles, 1000 a page", 2345, 0, 1000, 0, 2345, 3},
		{"a multiple of the page size ends on an empty page", 300, 0, 100, 0, 300, 4},
		{"no roles", 0, 0, 0, 0, 0, 1},
		{"a short first page under Keyfactor's default ends the list", 30, 0, 0, 0, 30, 1},
		{"a short first page of 50 or more is confirmed", 70, 0, 0, 0, 70, 2},
		{"a server capping pages at 60 loses nothing", 2345, 60, 100, 0, 2345, 40},
		{"breaking after 3 roles sends one GET", 2345, 0, 0, 3, 3, 1},
		{"breaking on the second page sends two", 2345, 0, 100, 150, 150, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t)
			m.RegisterResponder("GET", testBase+"/Security/Roles", rolePages(tt.roles, tt.cap))
			seen := map[int]int{}
			n := 0
			for r, err := range c.Roles.List(context.Background(), ListRolesOptions{PageSize: tt.size}) {
				if err != nil {
					t.Fatal(err)
				}
				seen[r.ID]++
				if n++; n == tt.breakAfter {
					break
				}
			}
			if len(seen) != tt.wantSeen || n != tt.wantSeen {
				t.Errorf("saw %d distinct roles in %d items, want %d", len(seen), n, tt.wantSeen)
			}
			for id, k := range seen {
				if k != 1 {
					t.Errorf("role %d seen %d times", id, k)
				}
			}
			if got := m.GetTotalCallCount(); got != tt.wantGETs {
				t.Errorf("%d GETs, want %d", got, tt.wantGETs)
			}
		})
	}
}

// TestListSurvivesABrokenServer: a server that breaks the paging protocol
// ends the walk with an error, in bounded time and memory, and one that
// caps page sizes oddly loses nothing.
func TestListSurvivesABrokenServer(t *testing.T) {
	list := func(c *Client) (n int, err error) {
		for _, err := range c.Roles.List(context.Background(), ListRolesOptions{}) {
			if err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
	role := func(i int) string {
		return fmt.Sprintf(`{"Id":%d,"Name":"Role %04d","Immutable":false,"PermissionSetId":"%s","ClaimsCount":0}`, i, i, psID)
	}

	t.Run("the same full page forever", func(t *testing.T) {
		c, m := newTestClient(t)
		items := make([]string, 100)
		for i := range items {
			items[i] = role(i + 1)
		}
		m.RegisterResponder("GET", testBase+"/Security/Roles", httpmock.NewStringResponder(200, "["+strings.Join(items, ",")+"]"))
		n, err := list(c)
		if err == nil || !strings.Contains(err.Error(), "page 2 brings no item earlier pages had not") || n != 100 ||
			m.GetTotalCallCount() != 2 {
			t.Errorf("read %d roles in %d GETs: %v", n, m.GetTotalCallCount(), err)
		}
	})

	// The same 1,000 items on every page, in another order each time: no
	// two pages are alike, yet no page after the first brings anything new.
	t.Run("the same items reshuffled on every page", func(t *testing.T) {
		c, m := newTestClient(t)
		sets := func(n int) string {
			items := make([]string, 1000)
			for i := range items {
				id := (i*7919 + n*104729) % 1000 // a different order per page
				items[i] = fmt.Sprintf(`{"Id":"00000000-0000-0000-0000-%012d","Name":"Set %d","Permissions":[]}`, id, id)
			}
			return "[" + strings.Join(items, ",") + "]"
		}
		m.RegisterResponder("GET", testBase+"/PermissionSets", func(req *http.Request) (*http.Response, error) {
			n, _ := strconv.Atoi(req.URL.Query().Get("PageReturned"))
			return httpmock.NewStringResponse(200, sets(n)), nil
		})
		_, err := c.PermissionSets.GetByName(context.Background(), "No Such Set")
		if err == nil || !strings.Contains(err.Error(), "page 2 brings no item earlier pages had not") || m.GetTotalCallCount() != 2 {
			t.Errorf("GetByName after %d GETs: %v", m.GetTotalCallCount(), err)
		}
	})

	t.Run("a page far longer than asked for", func(t *testing.T) {
		c, m := newTestClient(t)
		huge := "[" + strings.Repeat("{},", 1_000_000) + "{}]" // 2.9 MiB
		m.RegisterResponder("GET", testBase+"/Security/Roles", httpmock.NewStringResponder(200, huge))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		n, err := list(c)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "more than the 100 items asked for") || n != 0 {
			t.Errorf("read %d roles: %v", n, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
			t.Errorf("a refused page allocated %d MiB", grew>>20)
		}
	})

	t.Run("a cap whose offsets count from the size asked for", func(t *testing.T) {
		c, m := newTestClient(t)
		m.RegisterResponder("GET", testBase+"/Security/Roles", func(req *http.Request) (*http.Response, error) {
			q := req.URL.Query()
			page, _ := strconv.Atoi(q.Get("PageReturned"))
			limit, _ := strconv.Atoi(q.Get("ReturnLimit"))
			var items []string
			for i := (page - 1) * limit; i < min((page-1)*limit+min(limit, 60), 230); i++ {
				items = append(items, role(i+1))
			}
			return httpmock.NewStringResponse(200, "["+strings.Join(items, ",")+"]"), nil
		})
		if n, err := list(c); err != nil || n != 230 {
			t.Errorf("read %d of 230 roles: %v", n, err)
		}
	})
}

func TestListErrors(t *testing.T) {
	c, m := newTestClient(t)
	for _, size := range []int{-1, MaxPageSize + 1} {
		var errs []error
		for _, err := range c.Roles.List(context.Background(), ListRolesOptions{PageSize: size}) {
			errs = append(errs, err)
		}
		if len(errs) != 1 {
			t.Fatalf("PageSize %d: %d items, want one error", size, len(errs))
		}
		assertValidation(t, errs[0], "Roles.List", []string{"PageSize"}, strconv.Itoa(MaxPageSize))
	}
	assertNothingSent(t, m)

	// A page that fails ends the sequence after one error; earlier items
	// were yielded.
	pages := rolePages(250, 0)
	m.RegisterResponder("GET", testBase+"/Security/Roles", func(req *http.Request) (*http.Response, error) {
		if req.URL.Query().Get("PageReturned") == "2" {
			return httpmock.NewStringResponse(400, `{"ErrorCode":"0xA011004A","Message":"Invalid sort field."}`), nil
		}
		return pages(req)
	})
	items, errs := 0, 0
	for _, err := range c.Roles.List(context.Background(), ListRolesOptions{}) {
		if err != nil {
			errs++
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode != "0xA011004A" {
				t.Errorf("err = %v", err)
			}
			continue
		}
		items++
	}
	if items != 100 || errs != 1 {
		t.Errorf("%d items and %d errors, want 100 and 1", items, errs)
	}
}

func TestGetByName(t *testing.T) {
	stored := fixtureResponder(t, 200, "role_v2_mixed_claims.json")
	list := func(items string) httpmock.Responder { return httpmock.NewStringResponder(200, items) }
	tests := []struct {
		name     string
		lookup   string
		list     httpmock.Responder
		wantID   int
		wantErr  error
		wantText string
		wantGETs int
	}{
		{"exact match, then the whole role", "PKI Operators", list(`[{"Id":17,"Name":"PKI Operators"}]`), 17, nil, "", 2},
		{"a case-insensitive sibling is not the role", "PKI Operators",
			list(`[{"Id":16,"Name":"pki operators"},{"Id":17,"Name":"PKI Operators"}]`), 17, nil, "", 2},
		{"only case-insensitive matches", "PKI Operators", list(`[{"Id":16,"Name":"pki operators"}]`), 0, ErrNotFound, "no role is named", 1},
		{"none", "PKI Operators", list(`[]`), 0, ErrNotFound, `"PKI Operators"`, 1},
		{"several exact matches are named", "PKI Operators",
			list(`[{"Id":17,"Name":"PKI Operators"},{"Id":41,"Name":"PKI Operators"}]`), 0, nil, "ids 17, 41", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t)
			m.RegisterResponder("GET", testBase+"/Security/Roles", tt.list)
			m.RegisterResponder("GET", testBase+"/Security/Roles/17", stored)
			role, err := c.Roles.GetByName(context.Background(), tt.lookup)
			switch {
			case tt.wantID != 0:
				if err != nil || role.ID != tt.wantID || len(role.Claims) != 2 {
					t.Fatalf("GetByName = %+v, %v", role, err)
				}
			case err == nil || !strings.Contains(err.Error(), tt.wantText):
				t.Fatalf("err = %v, want one saying %q", err, tt.wantText)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			reqs := m.requests()
			if len(reqs) != tt.wantGETs {
				t.Fatalf("%d requests, want %d", len(reqs), tt.wantGETs)
			}
			u, _ := url.Parse(reqs[0].URL)
			if got := u.Query().Get("QueryString"); got != `Name -eq "PKI Operators"` {
				t.Errorf("QueryString = %q", got)
			}
		})
	}
	c, m := newTestClient(t)
	_, err := c.Roles.GetByName(context.Background(), " ")
	assertValidation(t, err, "Roles.GetByName", []string{"name"}, "blank")
	assertNothingSent(t, m)
}

func TestUpdateWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("PUT", testBase+"/Security/Roles", fixtureResponder(t, 200, "role_v2_mixed_claims.json"))
	req := operatorsRequest()
	role, err := c.Roles.Update(context.Background(), UpdateRoleRequest{ID: 17, Name: req.Name, Description: req.Description,
		EmailAddress: req.EmailAddress, PermissionSetID: req.PermissionSetID, Permissions: req.Permissions, Claims: req.Claims})
	if err != nil || role.ID != 17 {
		t.Fatalf("Update = %+v, %v", role, err)
	}
	r := m.last(t)
	if r.URL != testBase+"/Security/Roles" || r.Header.Get("x-keyfactor-api-version") != "2.0" {
		t.Errorf("sent %s %s version %s", r.Method, r.URL, r.Header.Get("x-keyfactor-api-version"))
	}
	assertJSON(t, r.Body, strings.Replace(operatorsBody, "{", `{"Id": 17,`, 1))

	// Clearing is explicit on the wire: [] rather than an omitted key.
	if _, err := c.Roles.Update(context.Background(), UpdateRoleRequest{ID: 17, Name: "n", Description: "d",
		Permissions: []string{}, Claims: []Claim{}}); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, m.last(t).Body, `{"Id":17,"Name":"n","Description":"d","Permissions":[],"Claims":[]}`)
}

// TestUpdateSendsBackClaimsAsRead: a role read from the server goes back in
// request form: integer ClaimType (a newer type's integer kept), the scheme
// from Provider, no Id or Provider.
func TestUpdateSendsBackClaimsAsRead(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/Roles/23", fixtureResponder(t, 200, "role_v2_newer_claim.json"))
	m.RegisterResponder("PUT", testBase+"/Security/Roles", fixtureResponder(t, 200, "role_v2_newer_claim.json"))
	role, err := c.Roles.Get(context.Background(), 23)
	if err != nil {
		t.Fatal(err)
	}
	if role.Claims[0].ClaimType != "9" {
		t.Fatalf("newer claim type decoded as %q", role.Claims[0].ClaimType)
	}
	role.Claims[1].ProviderAuthenticationScheme = "" // as a caller who built it from Provider alone
	_, err = c.Roles.Update(context.Background(), UpdateRoleRequest{ID: role.ID, Name: role.Name, Description: role.Description,
		PermissionSetID: role.PermissionSetID, Permissions: role.Permissions, Claims: role.Claims})
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, m.last(t).Body, `{"Id":23,"Name":"Robots","Description":"Service accounts",
		"PermissionSetId":"00000000-0000-0000-0000-000000000000","Permissions":["/certificates/collections/read/"],
		"Claims":[{"ClaimType":9,"ClaimValue":"robot-7","ProviderAuthenticationScheme":"Keycloak","Description":"A claim type newer than this SDK"},
		          {"ClaimType":5,"ClaimValue":"svc-deploy","ProviderAuthenticationScheme":"Keycloak","Description":""}]}`)
}

func TestUpdateValidation(t *testing.T) {
	c, m := newTestClient(t)
	_, err := c.Roles.Update(context.Background(), UpdateRoleRequest{Name: "n", Description: "d"})
	assertValidation(t, err, "Roles.Update", []string{"ID", "Permissions", "Claims"}, "pass an empty slice")
	_, err = c.Roles.Update(context.Background(), UpdateRoleRequest{ID: 3, Name: " ", Permissions: []string{"/a/", "/a/b/"},
		Claims: []Claim{{ClaimType: ClaimOAuthRole, ClaimValue: "x"}, {ClaimType: "Robot", ClaimValue: "y", ProviderAuthenticationScheme: "k"}}})
	assertValidation(t, err, "Roles.Update", []string{"Name", "Description", "Permissions[1]",
		"Claims[0].ProviderAuthenticationScheme", "Claims[1].ClaimType"}, "no Provider to take it from")
	assertNothingSent(t, m)
}

func TestDeleteIsIdempotent(t *testing.T) {
	notFound := fixtureResponder(t, 404, "error_not_found.json")
	noContent := httpmock.NewStringResponder(204, "")
	tests := []struct {
		name      string
		answers   []httpmock.Responder
		wantErr   error // nil: success
		wantCalls int
	}{
		{"204", []httpmock.Responder{noContent}, nil, 1},
		{"404 on the first attempt", []httpmock.Responder{notFound}, ErrNotFound, 1},
		{"lost answer, then 404: deleted by the first attempt", []httpmock.Responder{httpmock.NewErrorResponder(errReset), notFound}, nil, 2},
		{"502, then 404", []httpmock.Responder{status(502), notFound}, nil, 2},
		{"504, then 404", []httpmock.Responder{status(504), notFound}, nil, 2},
		{"503 (not acted on), then 404", []httpmock.Responder{status(503), notFound}, ErrNotFound, 2},
		{"refused (never sent), then 404", []httpmock.Responder{httpmock.NewErrorResponder(errRefused), notFound}, ErrNotFound, 2},
		{"lost answer, then 204", []httpmock.Responder{httpmock.NewErrorResponder(errReset), noContent}, nil, 2},
		{"403", []httpmock.Responder{fixtureResponder(t, 403, "error_forbidden_collection.json")}, ErrForbidden, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t)
			m.RegisterResponder("DELETE", testBase+"/Security/Roles/17", sequence(tt.answers...))
			err := c.Roles.Delete(context.Background(), 17)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Delete = %v, want %v", err, tt.wantErr)
			}
			if got := m.GetTotalCallCount(); got != tt.wantCalls {
				t.Errorf("%d attempts, want %d", got, tt.wantCalls)
			}
			r := m.last(t)
			if r.Method != "DELETE" || r.Header.Get("x-keyfactor-api-version") != "1.0" || len(r.Body) != 0 ||
				r.Header.Get("Content-Type") != "" {
				t.Errorf("sent %s version %q body %q", r.Method, r.Header.Get("x-keyfactor-api-version"), r.Body)
			}
		})
	}
	c, m := newTestClient(t)
	assertValidation(t, c.Roles.Delete(context.Background(), 0), "Roles.Delete", []string{"id"}, "greater than 0")
	assertNothingSent(t, m)
}

// TestModifyWireFormat: GET, PUT of the whole role in request form (claims
// with integer types, nothing response-only), GET to verify.
func TestModifyWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	stored := string(fixture(t, "role_v2_mixed_claims.json"))
	changed := strings.Replace(stored, `"/portal/read/",`, `"/portal/read/", "/auditing/read/",`, 1)
	m.RegisterResponder("GET", testBase+"/Security/Roles/17", sequence(
		httpmock.NewStringResponder(200, stored), httpmock.NewStringResponder(200, changed)))
	m.RegisterResponder("PUT", testBase+"/Security/Roles", httpmock.NewStringResponder(200, changed))
	role, err := c.Roles.Modify(context.Background(), 17, func(r *Role) error {
		r.Permissions = append(r.Permissions, "/auditing/read/")
		r.ID = 99 // ignored: Modify writes the role it read
		return nil
	})
	if err != nil || len(role.Permissions) != 5 {
		t.Fatalf("Modify = %+v, %v", role, err)
	}
	reqs := m.requests()
	if len(reqs) != 3 || reqs[0].Method != "GET" || reqs[1].Method != "PUT" || reqs[2].Method != "GET" {
		t.Fatalf("requests = %v", reqs)
	}
	want := strings.Replace(strings.Replace(operatorsBody, "{", `{"Id": 17,`, 1),
		`"/certificates/collections/private_key/read/6/"]`, `"/certificates/collections/private_key/read/6/", "/auditing/read/"]`, 1)
	assertJSON(t, reqs[1].Body, want)

	_, err = c.Roles.Modify(context.Background(), 0, nil)
	assertValidation(t, err, "Roles.Modify", []string{"id", "change"}, "")
}

// TestApplyWireFormat: Apply reads by name (list, GET by id), then updates
// as Modify does (GET, a full PUT keeping the stored permission set when
// the desired role names none, GET to verify); the immutable role gets no
// PUT.
func TestApplyWireFormat(t *testing.T) {
	c, m := newTestClient(t)
	stored := string(fixture(t, "role_v2_mixed_claims.json"))
	changed := strings.Replace(stored, `"Operators of the issuing CAs"`, `"Operators, EU"`, 1)
	m.RegisterResponder("GET", testBase+"/Security/Roles", fixtureResponder(t, 200, "roles_list_v2.json"))
	m.RegisterResponder("GET", testBase+"/Security/Roles/17", sequence(
		httpmock.NewStringResponder(200, stored), httpmock.NewStringResponder(200, stored), httpmock.NewStringResponder(200, changed)))
	m.RegisterResponder("PUT", testBase+"/Security/Roles", httpmock.NewStringResponder(200, changed))
	m.RegisterResponder("GET", testBase+"/PermissionSets/"+psID, httpmock.NewStringResponder(200,
		`{"Id":"`+psID+`","Name":"Operators","Permissions":["/portal/","/dashboard/","/certificates/"]}`))
	desired := operatorsRequest()
	desired.PermissionSetID = ""
	desired.Description = "Operators, EU"
	plan, role, err := c.Roles.Apply(context.Background(), desired)
	if err != nil || plan.Action != ActionUpdate || len(plan.Changes) != 1 || plan.Changes[0].Field != "Description" ||
		role.Description != "Operators, EU" {
		t.Fatalf("Apply = %+v, %+v, %v", plan, role, err)
	}
	var methods []string
	for _, r := range m.requests() {
		methods = append(methods, r.Method)
	}
	if strings.Join(methods, " ") != "GET GET GET GET PUT GET" {
		t.Errorf("Apply sent %v; want the lookup (list, GET), the role's permission set, then GET, PUT, GET", methods)
	}
	if u := m.requests()[2].URL; u != testBase+"/PermissionSets/"+psID {
		t.Errorf("the third request is %s; want the stored role's permission set", u)
	}
	want := strings.Replace(strings.Replace(operatorsBody, "{", `{"Id": 17,`, 1), `"Operators of the issuing CAs"`, `"Operators, EU"`, 1)
	assertJSON(t, m.requests()[4].Body, want)

	const global = "00000000-0000-0000-0000-000000000000"
	m.RegisterResponder("GET", testBase+"/Security/Roles/1", httpmock.NewStringResponder(200,
		`{"Id":1,"Name":"Administrator","Description":"Built-in","Immutable":true,"PermissionSetId":"`+global+`","Permissions":["/"],"Claims":[]}`))
	m.RegisterResponder("GET", testBase+"/PermissionSets/"+global, httpmock.NewStringResponder(200,
		`{"Id":"`+global+`","Name":"Global","Permissions":["/"]}`))
	before := m.GetTotalCallCount()
	_, _, err = c.Roles.Apply(context.Background(), CreateRoleRequest{Name: "Administrator", Description: "mine", Permissions: []string{"/"}})
	if err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("Apply(Administrator) = %v", err)
	}
	for _, r := range m.requests()[before:] {
		if r.Method != "GET" {
			t.Errorf("Apply on the immutable role sent %s", r.Method)
		}
	}
}

// TestListCanBeRangedAgainConcurrently: each range over the same sequence
// reads every page from the first, with its own query (-race checks).
func TestListCanBeRangedAgainConcurrently(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/Roles", rolePages(250, 0))
	roles := c.Roles.List(context.Background(), ListRolesOptions{})
	counts := make(chan int, 3)
	for range 3 {
		go func() {
			n := 0
			for _, err := range roles {
				if err != nil {
					t.Error(err)
				}
				n++
			}
			counts <- n
		}()
	}
	for range 3 {
		if n := <-counts; n != 250 {
			t.Errorf("a range saw %d roles, want 250", n)
		}
	}
}
