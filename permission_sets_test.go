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

	"github.com/jarcoal/httpmock"
)

const setID = "6e8a4a8c-3d2b-4f7e-9a11-2c0d5e7f9b31"

// setPages serves GET /PermissionSets from n generated sets, as Command
// pages them (QueryString ignored).
func setPages(n int) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		q := req.URL.Query()
		page, _ := strconv.Atoi(q.Get("PageReturned"))
		limit, _ := strconv.Atoi(q.Get("ReturnLimit"))
		var items []string
		for i := (page - 1) * limit; i < min(page*limit, n); i++ {
			items = append(items, fmt.Sprintf(`{"Id":"00000000-0000-4000-8000-%012d","Name":"Set %d","Permissions":["/portal/read/"]}`, i, i))
		}
		return httpmock.NewStringResponse(200, "["+strings.Join(items, ",")+"]"), nil
	}
}

func TestPermissionSetWireFormat(t *testing.T) {
	ctx := context.Background()
	c, m := newTestClient(t)
	set := `{"Id":"` + setID + `","Name":"Operators","Permissions":["/portal/read/","/certificates/"]}`
	m.RegisterResponder("GET", testBase+"/PermissionSets", setPages(1500))
	m.RegisterResponder("GET", testBase+"/PermissionSets/"+setID, httpmock.NewStringResponder(200, set))
	m.RegisterResponder("GET", testBase+"/PermissionSets/My", httpmock.NewStringResponder(200, "["+set+"]"))
	m.RegisterResponder("POST", testBase+"/PermissionSets", httpmock.NewStringResponder(200, set))
	m.RegisterResponder("PUT", testBase+"/PermissionSets", httpmock.NewStringResponder(200, set))
	m.RegisterResponder("DELETE", testBase+"/PermissionSets/"+setID, httpmock.NewStringResponder(204, ""))

	check := func(name, method, path string, query url.Values, body string) {
		t.Helper()
		r := m.last(t)
		u, _ := url.Parse(r.URL)
		if r.Method != method || u.Path != "/KeyfactorAPI/"+path || r.Header.Get("x-keyfactor-api-version") != "1.0" {
			t.Errorf("%s sent %s %s (version %q)", name, r.Method, r.URL, r.Header.Get("x-keyfactor-api-version"))
		}
		if query != nil && !reflect.DeepEqual(u.Query(), query) {
			t.Errorf("%s query = %v, want %v", name, u.Query(), query)
		}
		if body == "" && len(r.Body) != 0 {
			t.Errorf("%s sent a body: %s", name, r.Body)
		} else if body != "" {
			assertJSON(t, r.Body, body)
		}
	}

	n := 0
	for _, err := range c.PermissionSets.List(ctx, ListPermissionSetsOptions{PageSize: 500, SortField: "Name", Descending: true}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1500 || m.GetCallCountInfo()["GET "+testBase+"/PermissionSets"] != 4 {
		t.Errorf("List read %d sets in %d GETs", n, m.GetCallCountInfo()["GET "+testBase+"/PermissionSets"])
	}
	check("List", "GET", "PermissionSets", url.Values{"PageReturned": {"4"}, "ReturnLimit": {"500"}, "SortField": {"Name"},
		"SortAscending": {"1"}}, "")

	got, err := c.PermissionSets.Get(ctx, setID)
	if err != nil || !reflect.DeepEqual(got, &PermissionSet{ID: setID, Name: "Operators", Permissions: []string{"/portal/read/", "/certificates/"}}) {
		t.Errorf("Get = %+v, %v", got, err)
	}
	check("Get", "GET", "PermissionSets/"+setID, url.Values{}, "")

	mine, err := c.PermissionSets.Mine(ctx, "/certificates/collections/modify/")
	if err != nil || len(mine) != 1 {
		t.Errorf("Mine = %+v, %v", mine, err)
	}
	check("Mine", "GET", "PermissionSets/My", url.Values{"accessControlString": {"/certificates/collections/modify/"}}, "")

	if _, err := c.PermissionSets.Create(ctx, CreatePermissionSetRequest{Name: "Operators"}); err != nil {
		t.Fatal(err)
	}
	check("Create", "POST", "PermissionSets", nil, `{"Name":"Operators","Permissions":[]}`)

	if _, err := c.PermissionSets.Update(ctx, UpdatePermissionSetRequest{ID: setID, Permissions: []string{}}); err != nil {
		t.Fatal(err)
	}
	check("Update", "PUT", "PermissionSets", nil, `{"Id":"`+setID+`","Permissions":[]}`)

	if err := c.PermissionSets.Delete(ctx, setID); err != nil {
		t.Fatal(err)
	}
	check("Delete", "DELETE", "PermissionSets/"+setID, url.Values{}, "")

	// Bad input: nothing sent.
	before := m.GetTotalCallCount()
	_, err = c.PermissionSets.Get(ctx, "{"+setID+"}")
	assertValidation(t, err, "PermissionSets.Get", []string{"id"}, "GUID")
	_, err = c.PermissionSets.Update(ctx, UpdatePermissionSetRequest{ID: "7"})
	assertValidation(t, err, "PermissionSets.Update", []string{"ID", "Permissions"}, "nil would clear")
	_, err = c.PermissionSets.Create(ctx, CreatePermissionSetRequest{Name: " ", Permissions: []string{"/Portal/", "/a/", "/a/"}})
	assertValidation(t, err, "PermissionSets.Create", []string{"Name", "Permissions[0]", "Permissions[2]"}, "")
	_, err = c.PermissionSets.Mine(ctx, "security read")
	assertValidation(t, err, "PermissionSets.Mine", []string{"permission"}, "")
	assertValidation(t, c.PermissionSets.Delete(ctx, ""), "PermissionSets.Delete", []string{"id"}, "required")
	for _, err := range c.PermissionSets.List(ctx, ListPermissionSetsOptions{PageSize: 5000}) {
		assertValidation(t, err, "PermissionSets.List", []string{"PageSize"}, "")
	}
	if m.GetTotalCallCount() != before {
		t.Errorf("bad input sent %d requests", m.GetTotalCallCount()-before)
	}
}

func TestPermissionSetGetByNameReadsEveryPage(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/PermissionSets", setPages(2345))
	got, err := c.PermissionSets.GetByName(context.Background(), "Set 2344")
	if err != nil || got.Name != "Set 2344" {
		t.Fatalf("GetByName = %+v, %v", got, err)
	}
	// QueryString does nothing here: it is never sent.
	for _, r := range m.requests() {
		if strings.Contains(r.URL, "QueryString") {
			t.Errorf("sent %s", r.URL)
		}
	}
	_, err = c.PermissionSets.GetByName(context.Background(), "set 2344") // case differs: not the set
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "may not see it") {
		t.Errorf("a case variant: %v", err)
	}
}

func TestPermissionSetCreateNeverTwice(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("POST", testBase+"/PermissionSets", httpmock.NewStringResponder(502, "bad gateway"))
	m.RegisterResponder("GET", testBase+"/PermissionSets", httpmock.NewStringResponder(200,
		`[{"Id":"`+setID+`","Name":"Operators","Permissions":["/certificates/","/portal/read/"]}]`))
	got, err := c.PermissionSets.Create(context.Background(), CreatePermissionSetRequest{Name: "Operators",
		Permissions: []string{"/portal/read/", "/certificates/"}})
	if err != nil || got.ID != setID {
		t.Fatalf("Create after a lost answer = %+v, %v", got, err)
	}
	// Stored with other permissions: not the set this call made.
	_, err = c.PermissionSets.Create(context.Background(), CreatePermissionSetRequest{Name: "Operators", Permissions: []string{"/"}})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("a different stored set: %v", err)
	}
	if n := m.GetCallCountInfo()["POST "+testBase+"/PermissionSets"]; n != 2 {
		t.Errorf("%d POSTs for 2 creates", n)
	}
}
