package keyfactor

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestMe(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/My", httpmock.NewStringResponder(200,
		`{"Roles":["PKI Operators","Auditors"],"GlobalPermissions":[{"Area":"Certificates","Permission":"Read"}]}`))
	m.RegisterResponder("GET", testBase+"/Security/My/Permissions", httpmock.NewStringResponder(200,
		`{"Permissions":["/certificates/","/security/read/","/certificates/collections/change_owner/5/"]}`))
	me, err := c.Security.Me(context.Background())
	want := &Me{Roles: []string{"PKI Operators", "Auditors"}, GlobalPermissions: []GlobalPermission{{"Certificates", "Read"}},
		Permissions: []string{"/certificates/", "/security/read/", "/certificates/collections/change_owner/5/"}}
	if err != nil || !reflect.DeepEqual(me, want) {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	for _, r := range m.requests() {
		if r.Header.Get("x-keyfactor-api-version") != "1.0" {
			t.Errorf("%s sent version %q", r.URL, r.Header.Get("x-keyfactor-api-version"))
		}
	}
	for perm, want := range map[string]bool{"/certificates/collections/read/5/": true, "/certificates/": true,
		"/security/read/": true, "/security/modify/": false, "/security/": false, "/": false, "not a permission": false} {
		if got := me.Has(perm); got != want {
			t.Errorf("Has(%q) = %v, want %v", perm, got, want)
		}
	}
	scoped := &Me{Permissions: []string{"/certificates/collections/read/5/"}}
	for perm, want := range map[string]bool{"/certificates/collections/read/5/": true, "/certificates/collections/read/6/": false,
		"/certificates/collections/read/": false} {
		if got := scoped.Has(perm); got != want {
			t.Errorf("scoped Has(%q) = %v, want %v", perm, got, want)
		}
	}
	if !(&Me{Permissions: []string{"/"}}).Has("/anything/new/7/") {
		t.Error(`"/" does not cover everything`)
	}

	// An older server: no /Security/My/Permissions.
	m.RegisterResponder("GET", testBase+"/Security/My/Permissions", httpmock.NewStringResponder(404, `{"ErrorCode":"0xA0110005","Message":"No route"}`))
	me, err = c.Security.Me(context.Background())
	if err != nil || me.Permissions != nil || me.Has("/") || len(me.Roles) != 2 {
		t.Errorf("without /Security/My/Permissions: %+v, %v", me, err)
	}
	// Any other failure there is a failure.
	m.RegisterResponder("GET", testBase+"/Security/My/Permissions", httpmock.NewStringResponder(403, `{"ErrorCode":"0xA0110013","Message":"no"}`))
	if _, err := c.Security.Me(context.Background()); !errors.Is(err, ErrForbidden) {
		t.Errorf("403: %v", err)
	}
}

func TestSecurityPermissions(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Permissions", httpmock.NewStringResponder(200, `["/","/agents/","/security/read/"]`))
	got, err := c.Security.Permissions(context.Background())
	if err != nil || !reflect.DeepEqual(got, []string{"/", "/agents/", "/security/read/"}) || m.last(t).Header.Get("x-keyfactor-api-version") != "1.0" {
		t.Errorf("Permissions = %v, %v", got, err)
	}
}
