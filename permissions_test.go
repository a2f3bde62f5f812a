package keyfactor

import (
	"strings"
	"testing"
)

func TestParsePermission(t *testing.T) {
	valid := []struct {
		in   string
		want Permission
	}{
		{"/", Permission{Path: "/"}},
		{"/portal/read/", Permission{Path: "/portal/read/"}},
		{"/certificates/collections/read/5/", Permission{Path: "/certificates/collections/read/", ScopeID: 5}},
		{"/agents/management/mac/auto-enrollment/management/read/", Permission{Path: "/agents/management/mac/auto-enrollment/management/read/"}},
		{"/certificate_stores/change_owner/12/", Permission{Path: "/certificate_stores/change_owner/", ScopeID: 12}},
	}
	for _, tt := range valid {
		got, err := ParsePermission(tt.in)
		if err != nil || got != tt.want || got.String() != tt.in {
			t.Errorf("ParsePermission(%q) = %+v, %v", tt.in, got, err)
		}
	}
	invalid := []string{"", "//", "portal/read/", "/portal/read", "/Portal/read/", "/portal//read/", "/portal/re ad/",
		"/certificates/collections/read/0/", "/certificates/collections/read/05/", "/certificates/collections/read/-5/",
		"/5/", "/portal/read/5/6/", "/porta1/read/", "/certificates/collections/read/99999999999999999999/"}
	for _, in := range invalid {
		if p, err := ParsePermission(in); err == nil {
			t.Errorf("ParsePermission(%q) = %+v, want an error", in, p)
		}
	}
}

func TestKnownPermission(t *testing.T) {
	tests := map[string]bool{
		"/": true, "/certificates/": true, "/portal/read/": true, "/certificates/collections/metadata/modify/": true,
		"/certificates/collections/metadata/modify/6/": true, "/certificate_stores/change_owner/3/": true,
		"/workflows/instances/read/pending/": true, "/portal/read/5/": false, "/quantum/read/": false, "not a permission": false,
	}
	for p, want := range tests {
		if got := KnownPermission(p); got != want {
			t.Errorf("KnownPermission(%q) = %v", p, got)
		}
	}
}

func TestPermissionHelpers(t *testing.T) {
	if got := CollectionPermission("metadata/modify", 6); got != "/certificates/collections/metadata/modify/6/" {
		t.Error(got)
	}
	if got := CollectionPermission("/read/", 0); got != "/certificates/collections/read/" {
		t.Error(got)
	}
	if got := ContainerPermission("change_owner", 3); got != "/certificate_stores/change_owner/3/" {
		t.Error(got)
	}
	if !KnownPermission(CollectionPermission("change_owner", 7)) {
		t.Error("helper output is not known")
	}
}

func TestRedundantPermissions(t *testing.T) {
	tests := []struct {
		name      string
		perms     []string
		redundant []string // fields reported
	}{
		{"parent and child", []string{"/certificates/", "/certificates/collections/read/"}, []string{"Permissions[1]"}},
		{"child listed first", []string{"/certificates/collections/read/", "/certificates/"}, []string{"Permissions[0]"}},
		{"full control covers all", []string{"/portal/read/", "/"}, []string{"Permissions[0]"}},
		{"grandparent", []string{"/workflows/", "/workflows/instances/read/mine/"}, []string{"Permissions[1]"}},
		{"same scope", []string{"/certificates/collections/5/", "/certificates/collections/read/5/"}, []string{"Permissions[1]"}},
		{"different scopes are not redundant", []string{"/certificates/collections/read/", "/certificates/collections/read/5/"}, nil},
		{"siblings", []string{"/portal/read/", "/dashboard/read/", "/certificates/collections/read/5/",
			"/certificates/collections/read/6/"}, nil},
		{"prefix that is not a parent", []string{"/ssl/", "/ssl_extra/read/"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newValidator("test")
			checkPermissionsV2(v, tt.perms)
			var got []string
			for _, f := range v.fields {
				got = append(got, f.Field)
				if !strings.Contains(f.Problem, "redundant") {
					t.Errorf("problem %q", f.Problem)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.redundant, ",") {
				t.Errorf("reported %v, want %v", got, tt.redundant)
			}
		})
	}
}

func TestParsePermissionV1(t *testing.T) {
	for _, ok := range []string{"Certificates:Read", "API:Read", "CertificateEnrollment:EnrollPFX", "Future:Thing"} {
		if _, _, err := ParsePermissionV1(ok); err != nil {
			t.Errorf("ParsePermissionV1(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Certificates", ":Read", "Certificates:", "Certificates:Read:Write", "Certificates: Read",
		"/certificates/read/", "Certi ficates:Read"} {
		if _, _, err := ParsePermissionV1(bad); err == nil {
			t.Errorf("ParsePermissionV1(%q) passed", bad)
		}
	}
	if !KnownPermissionV1("Certificates:ImportPrivateKey") || KnownPermissionV1("Certificates:Fly") || KnownPermissionV1("x") {
		t.Error("KnownPermissionV1 table")
	}
}

// FuzzParsePermission: whatever parses prints back to itself, and nothing
// that parses holds an upper-case letter or an empty segment.
func FuzzParsePermission(f *testing.F) {
	for _, s := range []string{"/", "/portal/read/", "/certificates/collections/read/5/", "/a//", "/5/", "/a/0/", "/A/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePermission(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("%q parsed to %+v which prints %q", s, p, p.String())
		}
		if strings.ToLower(s) != s || (s != "/" && strings.Contains(s, "//")) || p.ScopeID < 0 {
			t.Fatalf("accepted %q", s)
		}
	})
}

// FuzzParsePermissionV1: whatever parses is exactly Area:Level of letters.
func FuzzParsePermissionV1(f *testing.F) {
	for _, s := range []string{"Certificates:Read", "A:B", ":", "a:b:c", "Ünïcode:Read"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		area, level, err := ParsePermissionV1(s)
		if err != nil {
			return
		}
		if area+":"+level != s || !isLetters(area) || !isLetters(level) {
			t.Fatalf("%q parsed to %q %q", s, area, level)
		}
	})
}
