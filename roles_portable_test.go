package keyfactor

import (
	"context"
	"strings"
	"testing"
)

func TestSplitPortable(t *testing.T) {
	tests := []struct {
		perm, path, kind, name string
		ok                     bool
	}{
		{"/certificates/collections/read/{collection:Web Servers}/", "/certificates/collections/read/", "collection", "Web Servers", true},
		{"/certificate_stores/change_owner/{container:IIS Farm}/", "/certificate_stores/change_owner/", "container", "IIS Farm", true},
		{"/certificates/collections/read/{collection:a/b: c}/", "/certificates/collections/read/", "collection", "a/b: c", true},
		{"/certificates/collections/read/6/", "", "", "", false},
		{"/certificates/collections/read/{collection:}/", "", "", "", false},
		{"/certificates/collections/read/{collection: }/", "", "", "", false},
		{"/certificates/collections/read/{group:x}/", "", "", "", false},
		{"/certificates/collections/read/{collection:x}", "", "", "", false},
		{"/certificates/collections/read/{collection:x}y}/", "", "", "", false},
		{"{collection:x}/", "", "", "", false},
	}
	for _, tt := range tests {
		path, ref, ok := splitPortable(tt.perm)
		if ok != tt.ok || path != tt.path || ref.kind != tt.kind || ref.name != tt.name {
			t.Errorf("splitPortable(%q) = %q, %+v, %v", tt.perm, path, ref, ok)
		}
	}
}

// FuzzSplitPortable: a scope splitPortable finds puts the permission back
// together exactly, and its placeholder replaces that scope alone.
func FuzzSplitPortable(f *testing.F) {
	f.Add("/certificates/collections/read/{collection:Web Servers}/")
	f.Add("/certificate_stores/change_owner/{container:IIS}/")
	f.Add("/{container:}}/")
	f.Fuzz(func(t *testing.T, p string) {
		path, ref, ok := splitPortable(p)
		if !ok {
			return
		}
		if path+"{"+ref.kind+":"+ref.name+"}/" != p {
			t.Fatalf("%q split into %q and %+v", p, path, ref)
		}
		got := withPlaceholders([]string{p})[0]
		id, found := strings.CutPrefix(got, path)
		if !found || strings.Trim(id, "0123456789") != "/" {
			t.Fatalf("placeholder of %q is %q; want %q and an id", p, got, path)
		}
	})
}

// TestNamedScopesAreNotSent: Create and Update send permissions as given,
// so a named scope is refused there, with nothing sent; Validate accepts it.
func TestNamedScopesAreNotSent(t *testing.T) {
	c, m := newTestClient(t)
	req := CreateRoleRequest{Name: "Web", Description: "d", Permissions: []string{"/certificates/collections/read/{collection:Web}/"}}
	if err := req.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	_, err := c.Roles.Create(context.Background(), req)
	assertValidation(t, err, "Roles.Create", []string{"Permissions[0]"}, "resolve it to its id first")
	if m.GetTotalCallCount() != 0 {
		t.Error("a request was sent")
	}
}
