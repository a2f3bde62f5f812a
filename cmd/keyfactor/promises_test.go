package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// The promises an attacker and a newcomer broke in wave 3, on the CLI:
// each test here failed before its fix.

// TestRoleExportWritesOneFilePerRole: names whose files would collide
// ("x", "x." and "!x 5" with "x." being role 5) get files of their own,
// and the export applies back with --prune as no change and no delete.
func TestRoleExportWritesOneFilePerRole(t *testing.T) {
	f := newFake(t)
	f.AddRole(keyfactortest.Role{Name: "x", Description: "d"}) // 2
	f.AddRole(keyfactortest.Role{Name: "pad 3", Description: "d"})
	f.AddRole(keyfactortest.Role{Name: "pad 4", Description: "d"})
	if id := f.AddRole(keyfactortest.Role{Name: "x.", Description: "d"}); id != 5 {
		t.Fatalf("x. is role %d; the test needs 5", id)
	}
	f.AddRole(keyfactortest.Role{Name: "!x 5", Description: "d"})
	out := filepath.Join(t.TempDir(), "roles")
	r := cli(t, f.env, "", "role", "export", "--dir", out)
	var exp exportOut
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &exp) != nil || exp.Roles != 5 {
		t.Fatalf("export: %+v", r)
	}
	files := map[string]string{}
	for _, fl := range exp.Files {
		if other, dup := files[fl.File]; dup {
			t.Errorf("%q and %q share %s", other, fl.Name, fl.File)
		}
		files[fl.File] = fl.Name
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 5 {
		t.Errorf("%d files for 5 roles: %v", len(entries), files)
	}
	f.ResetRequests()
	r = cli(t, f.env, "", "role", "apply", "--dir", out, "--prune", "--plan")
	if s := decodeSummary(t, r); r.code != 0 || s.Unchanged != 5 || s.Deleted != 0 || writesIn(f) != 0 {
		t.Errorf("apply of the export: %+v", r)
	}
}

// TestRoleExportFollowsNoLinkOutOfItsDirectory: a link planted where a
// role file goes is not followed, and what it points at is not written.
func TestRoleExportFollowsNoLinkOutOfItsDirectory(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "victim")
	if err := os.Symlink(outside, filepath.Join(dir, "ops.json")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	_, err := writeRoleFiles(dir, []*keyfactor.Role{{ID: 2, Name: "Ops", Description: "d"}})
	if err == nil {
		t.Error("wrote through a link")
	}
	if _, statErr := os.Lstat(outside); !os.IsNotExist(statErr) {
		t.Errorf("the link's target was created: %v", statErr)
	}
}

// TestRoleApplyDirReportsIDs: every role that changes is reported with
// its id, a created one with its new id, in JSON and in text.
func TestRoleApplyDirReportsIDs(t *testing.T) {
	f := newFake(t)
	dir := roleDir(t, map[string]string{"a.json": teamFile("Alpha", "/portal/read/"), "b.json": teamFile("Beta", "/portal/read/")})
	r := cli(t, f.env, "", "role", "apply", "--dir", dir)
	s := decodeSummary(t, r)
	ids := map[string]int{}
	for _, role := range f.Roles() {
		ids[role.Name] = role.ID
	}
	if r.code != 0 || len(s.Items) != 2 {
		t.Fatalf("apply: %+v", r)
	}
	for _, item := range s.Items {
		if item.ID == 0 || item.ID != ids[item.Name] {
			t.Errorf("%s reported as id %d; the server holds it as %d", item.Name, item.ID, ids[item.Name])
		}
	}
	dir = roleDir(t, map[string]string{"c.json": teamFile("Gamma", "/portal/read/")})
	r = cli(t, f.env, "", "role", "apply", "--dir", dir, "-o", "text")
	for _, role := range f.Roles() {
		if role.Name == "Gamma" && !strings.Contains(r.stdout, `+ role "Gamma" (id `+strconv.Itoa(role.ID)+`)`) {
			t.Errorf("text: %+v", r)
		}
	}
}

// TestUnknownKeysNameTheirFileRoleAndLine: where a role file is wrong is
// said in the file's terms.
func TestUnknownKeysNameTheirFileRoleAndLine(t *testing.T) {
	f := newFake(t)
	body := "[" + teamFile("Alpha") + ",\n {\"Name\": \"Beta\",\n  \"Descripton\": \"typo\"}]"
	dir := roleDir(t, map[string]string{"web.json": body})
	r := cli(t, f.env, "", "role", "apply", "--dir", dir, "-o", "text")
	if r.code != exitInvalid || !strings.Contains(r.stderr, `web.json: not a valid role file: [1]: line 3, column 15: unknown key "Descripton"`) {
		t.Errorf("--dir: %+v", r)
	}
	file := filepath.Join(dir, "web.json")
	r = cli(t, f.env, "", "role", "apply", "--file", file, "-o", "text")
	if r.code != exitInvalid || !strings.Contains(r.stderr, file+`: not a valid request: [1]: line 3, column 15: unknown key "Descripton"`) {
		t.Errorf("--file: %+v", r)
	}
	for _, text := range []string{r.stderr, r.stdout} {
		if strings.Contains(text, "roleFileEntry") || strings.Contains(text, "CreateRoleRequest") || strings.Contains(text, "Go struct") || strings.Contains(text, "unknown field") {
			t.Errorf("Go internals in %q", text)
		}
	}
}

// TestOwnerSetToAMissingRoleIsNotFound: exit 4, as with --query.
func TestOwnerSetToAMissingRoleIsNotFound(t *testing.T) {
	f := newFake(t)
	f.AddCertificate(keyfactortest.Certificate{ID: 1})
	for _, args := range [][]string{{"--role-id", "999"}, {"--role-name", "Nobody"}} {
		r := cli(t, f.env, "", append([]string{"owner", "set", "1", "-o", "text"}, args...)...)
		if r.code != exitNotFound || strings.Count(r.stderr, "keyfactor:") != 1 {
			t.Errorf("%v: %+v", args, r)
		}
	}
}

// TestFailuresPrintOnePrefixAndNoHeader: a list that fails at once prints
// nothing on stdout, and no message carries "keyfactor:" twice.
func TestFailuresPrintOnePrefixAndNoHeader(t *testing.T) {
	f := newFake(t)
	for _, args := range [][]string{
		{"role", "list", "--query", "Name ~~ x"},
		{"cert", "list", "--collection-id", "Nope"},
		{"role", "delete", "--name", "Nobody"},
		{"permission-set", "get", "--name", "Nobody"},
		{"claim", "find", "--type", "User", "--value", "x", "--scheme", "y"},
	} {
		r := cli(t, f.env, "", append(args, "-o", "text")...)
		if r.code == 0 || r.stdout != "" || strings.Count(r.stderr, "keyfactor:") != 1 {
			t.Errorf("%v: %+v", args, r)
		}
	}
	if r := cli(t, f.env, "", "role", "list", "--query", `Name -eq "Nobody"`, "-o", "text"); r.code != 0 || !strings.HasPrefix(r.stdout, "ID") {
		t.Errorf("an empty list still has its header: %+v", r)
	}
}
