package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func TestWhoami(t *testing.T) {
	f := newFake(t)
	r := cli(t, f.env, "", "whoami")
	var me keyfactor.Me
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &me) != nil || len(me.Roles) != 1 || !me.Has("/security/modify/") {
		t.Fatalf("whoami: %+v", r)
	}
	r = cli(t, f.env, "", "whoami", "-o", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "roles: Administrator") || !strings.Contains(r.stdout, "v2 permissions: /") {
		t.Errorf("whoami text: %+v", r)
	}
	old := keyfactortest.NewTLSServer(keyfactortest.WithoutMyPermissions())
	t.Cleanup(old.Close)
	r = cli(t, fakeEnv(old, "admin", "KEYFACTOR", keyfactortest.AdminPassword), "", "whoami", "-o", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "(not reported by this server)") {
		t.Errorf("whoami on an older server: %+v", r)
	}
}

func TestPermissionSetCommands(t *testing.T) {
	f := newFake(t)
	file := writeFile(t, `[{"Name": "Operators", "Permissions": ["/portal/read/", "/certificates/"]},
		{"Name": "Auditors", "Permissions": ["/auditing/read/"]}]`)
	if r := cli(t, f.env, "", "permission-set", "apply", "--file", file, "--plan"); r.code != 8 || writesIn(f) != 0 {
		t.Fatalf("--plan: %+v", r)
	}
	r := cli(t, f.env, "", "permission-set", "apply", "-f", file)
	if r.code != 0 || strings.Count(r.stdout, `"Action":"create"`) != 2 || strings.Count(r.stdout, `"Id":"`) != 2 {
		t.Fatalf("apply (each created set with its id): %+v", r)
	}
	f.ResetRequests()
	r = cli(t, f.env, "", "permission-set", "apply", "-f", file, "-o", "text")
	if r.code != 0 || !strings.Contains(r.stdout, `= permission set "Operators"`) || writesIn(f) != 0 {
		t.Errorf("second apply: %+v with %d writes", r, writesIn(f))
	}
	r = cli(t, f.env, "", "permission-set", "list")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 3 {
		t.Errorf("list: %+v", r)
	}
	r = cli(t, f.env, "", "permission-set", "get", "--name", "Operators")
	var set keyfactor.PermissionSet
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &set) != nil || len(set.Permissions) != 2 {
		t.Fatalf("get --name: %+v", r)
	}
	if r := cli(t, f.env, "", "permission-set", "get", set.ID, "-o", "text"); r.code != 0 || !strings.Contains(r.stdout, `"Operators"`) {
		t.Errorf("get ID: %+v", r)
	}
	if r := cli(t, f.env, "", "permission-set", "get", "not-a-guid"); r.code != 2 {
		t.Errorf("get a bad id: %+v", r)
	}
	if r := cli(t, f.env, "", "permission-set", "delete", "--name", "Auditors"); r.code != 0 || len(f.PermissionSets()) != 2 {
		t.Errorf("delete --name: %+v", r)
	}
	if r := cli(t, f.env, "", "permission-set", "get", "--name", "Auditors"); r.code != 4 {
		t.Errorf("get a deleted set: %+v", r)
	}
	// Every set is checked before anything is written.
	f.ResetRequests()
	bad := writeFile(t, `[{"Name": "New", "Permissions": ["/portal/read/"]}, {"Name": " ", "Permissions": ["/Bad/"]}]`)
	if r := cli(t, f.env, "", "permission-set", "apply", "-f", bad, "-o", "text"); r.code != 2 || !strings.Contains(r.stderr, "[1].Name") ||
		len(f.Requests()) != 0 {
		t.Errorf("a bad file: %+v", r)
	}
	// A role apply whose permissions fall outside the set it names is
	// refused before any write, exit 2.
	role := writeFile(t, `{"Name": "Ops", "Description": "d", "PermissionSetId": "`+set.ID+`", "Permissions": ["/auditing/read/"]}`)
	f.ResetRequests()
	if r := cli(t, f.env, "", "role", "apply", "-f", role, "-o", "text"); r.code != 2 || !strings.Contains(r.stderr, `not covered by the role's permission set "Operators"`) ||
		writesIn(f) != 0 {
		t.Errorf("a role outside its set: %+v", r)
	}
}

// TestPreflight: a caller missing a permission learns it once, before the
// first write, not from every request.
func TestPreflight(t *testing.T) {
	f := newFake(t)
	f.AddRole(keyfactortest.Role{Name: "Web Team", Description: "d"})
	seedOwners(f, 20, 0)
	f.AddUser(keyfactortest.User{Name: `KEYEXAMPLE\reader`, Password: "reader-Pw-1",
		Permissions: []string{"/security/read/", "/certificates/collections/read/"}})
	reader := fakeEnv(f.Server, "reader", "KEYEXAMPLE", "reader-Pw-1")
	f.ResetRequests()
	r := cli(t, reader, "", "owner", "set", "--query", `IssuedCN -startswith "web"`, "--role-name", "Web Team", "-o", "text")
	if r.code != 3 || !strings.Contains(r.stderr, "lacks /certificates/collections/change_owner/ or") || writesIn(f) != 0 ||
		len(f.Requests()) != 2 {
		t.Errorf("owner set --query without change-owner: %+v with %d requests", r, len(f.Requests()))
	}
	// --plan needs only reading.
	if r := cli(t, reader, "", "owner", "set", "--query", `IssuedCN -startswith "web"`, "--role-name", "Web Team", "--plan"); r.code != 8 {
		t.Errorf("--plan as a reader: %+v", r)
	}
	f.ResetRequests()
	r = cli(t, reader, "", "role", "apply", "-f", writeFile(t, `{"Name": "x", "Description": "d"}`), "-o", "text")
	if r.code != 3 || !strings.Contains(r.stderr, "lacks /security/modify/") || writesIn(f) != 0 {
		t.Errorf("role apply without /security/modify/: %+v", r)
	}
	// A server that cannot report permissions: the command goes on, and -v
	// says so.
	old := keyfactortest.NewTLSServer(keyfactortest.WithoutMyPermissions())
	t.Cleanup(old.Close)
	old.AddRole(keyfactortest.Role{Name: "Web Team", Description: "d"})
	r = cli(t, fakeEnv(old, "admin", "KEYFACTOR", keyfactortest.AdminPassword), "", "role", "apply", "-f",
		writeFile(t, `{"Name": "x", "Description": "d"}`), "-v")
	if r.code != 0 || !strings.Contains(r.stderr, "does not report the caller's permissions") {
		t.Errorf("an older server: %+v", r)
	}
}
