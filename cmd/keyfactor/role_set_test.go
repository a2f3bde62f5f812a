package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// roleDir writes files (name → body) into a new directory.
func roleDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func teamFile(name string, perms ...string) string {
	b, _ := json.Marshal(map[string]any{"Name": name, "Description": "d", "Permissions": perms,
		"Claims": []map[string]any{{"ClaimType": "OAuthRole", "ClaimValue": strings.ToLower(name), "ProviderAuthenticationScheme": "Keycloak"}}})
	return string(b)
}

func decodeSummary(t *testing.T, r result) syncSummary {
	t.Helper()
	var s syncSummary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("summary: %v in %+v", err, r)
	}
	return s
}

func TestRoleApplyDir(t *testing.T) {
	f := newFake(t)
	web := f.AddCollection(keyfactortest.Collection{Name: "Web Servers"})
	f.AddRole(keyfactortest.Role{Name: "Stray", Description: "d"})
	f.AddRole(keyfactortest.Role{Name: "Break Glass", Description: "d"})
	f.AddRole(keyfactortest.Role{Name: "Web Team", Description: "old", Permissions: []string{"/portal/read/"}})
	dir := roleDir(t, map[string]string{
		"web.json": teamFile("Web Team", "/portal/read/", "/certificates/collections/read/{collection:Web Servers}/"),
		"ops.json": "[" + teamFile("Ops A", "/portal/read/") + "," + teamFile("Ops B") + "]",
		"README":   "not a role file",
	})
	args := []string{"role", "apply", "--dir", dir, "--prune", "--protect", "break glass", "--concurrency", "4"}

	// --plan: the summary, exit 8, nothing written.
	f.ResetRequests()
	r := cli(t, f.env, "", append(args, "--plan")...)
	s := decodeSummary(t, r)
	if r.code != exitPlanChanges || writesIn(f) != 0 || !s.Plan || s.Roles != 3 || s.Created != 2 || s.Updated != 1 ||
		s.Deleted != 1 || s.Unchanged != 0 || len(s.Items) != 4 {
		t.Fatalf("--plan: %+v", r)
	}
	for _, it := range s.Items {
		if it.Name == "Web Team" && (it.File != "web.json" || it.ID == 0) || it.Name == "Ops B" && it.File != "ops.json[1]" ||
			it.Name == "Stray" && it.Action != "delete" {
			t.Errorf("item %+v", it)
		}
	}
	if r.stderr != "" {
		t.Errorf("progress on a stderr that is no terminal: %q", r.stderr)
	}

	r = cli(t, f.env, "", args...)
	if s = decodeSummary(t, r); r.code != 0 || s.Plan || s.Created != 2 || s.Updated != 1 || s.Deleted != 1 || s.Failed != 0 {
		t.Fatalf("apply: %+v", r)
	}
	names := map[string][]string{}
	for _, role := range f.Roles() {
		names[role.Name] = role.Permissions
	}
	_, stray := names["Stray"]
	_, protected := names["Break Glass"]
	if stray || !protected || len(names) != 5 { // and Administrator, Web Team, Ops A, Ops B
		t.Errorf("stored: %v", names)
	}
	if got := names["Web Team"]; !slices.Contains(got, fmt.Sprintf("/certificates/collections/read/%d/", web)) {
		t.Errorf("Web Team holds %v: the collection name was not resolved", got)
	}

	// Again: nothing to do, exit 0 with --plan too.
	f.ResetRequests()
	r = cli(t, f.env, "", append(args, "--plan", "--output", "text")...)
	if r.code != 0 || writesIn(f) != 0 || strings.TrimSpace(r.stdout) != "3 roles: 0 to create, 0 to update, 0 to delete, 3 unchanged, 0 failed" {
		t.Errorf("second --plan: %+v", r)
	}
}

func TestRoleApplyDirStopsBeforeAnyWrite(t *testing.T) {
	f := newFake(t)
	// Bad files: every problem of every file in one message, nothing sent.
	dir := roleDir(t, map[string]string{
		"a.json": teamFile("Same"),
		"b.json": `[` + teamFile("same") + `,{"Name":"x"}]`,
		"c.json": `{"Name":`,
	})
	f.ResetRequests()
	r := cli(t, f.env, "", "role", "apply", "--dir", dir, "--output", "text")
	for _, want := range []string{"c.json", `b.json[0].Name: "same" names the role of a.json too`, "b.json[1].Description"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("missing %q in %q", want, r.stderr)
		}
	}
	if r.code != exitInvalid || len(f.Requests()) != 0 {
		t.Errorf("bad files: %+v with %d requests", r, len(f.Requests()))
	}

	// A name that does not resolve: exit 2, no write.
	dir = roleDir(t, map[string]string{
		"ok.json":  teamFile("Fine", "/portal/read/"),
		"bad.json": teamFile("Nowhere", "/certificates/collections/read/{collection:No Such}/"),
	})
	f.ResetRequests()
	r = cli(t, f.env, "", "role", "apply", "--dir", dir, "--output", "text")
	if r.code != exitInvalid || writesIn(f) != 0 || !strings.Contains(r.stderr, `bad.json.Permissions[0]`) ||
		!strings.Contains(r.stderr, `no collection is named "No Such"`) {
		t.Errorf("unresolved name: %+v", r)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--dir", dir, "--file", "x.json"}, "exclude each other"},
		{[]string{"--file", "x.json", "--prune"}, "go with --dir"},
		{[]string{"--dir", dir, "--protect", "x"}, "--protect goes with --prune"},
		{[]string{"--dir", dir, "--concurrency", "0"}, "--concurrency must be positive"},
		{[]string{"--dir", t.TempDir()}, "holds no *.json role files"},
	} {
		r := cli(t, f.env, "", append([]string{"role", "apply"}, tt.args...)...)
		if r.code != exitInvalid || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: %+v", tt.args, r)
		}
	}
}

// TestRoleExportRoundTrip: what role export writes, role apply --dir reads
// back as no change, by id and (--names) by name into a second install.
func TestRoleExportRoundTrip(t *testing.T) {
	f := newFake(t)
	web := f.AddCollection(keyfactortest.Collection{Name: "Web Servers"})
	farm := f.AddContainer(keyfactortest.Container{Name: "IIS Farm"})
	f.AddCollection(keyfactortest.Collection{Name: "Twin"})
	twin := f.AddCollection(keyfactortest.Collection{Name: "Twin"})
	seed := roleDir(t, map[string]string{"all.json": `[` +
		teamFile("PKI Operators", "/portal/read/", fmt.Sprintf("/certificates/collections/read/%d/", web),
			fmt.Sprintf("/certificate_stores/change_owner/%d/", farm)) + `,` +
		teamFile("Twin Readers", fmt.Sprintf("/certificates/collections/read/%d/", twin)) + `,` +
		teamFile("Web Team/EU", "/portal/read/") + `,` + teamFile("web-team-eu") + `,` +
		`{"Name":"Empty","Description":"no grants","Permissions":[],"Claims":[]}]`})
	if r := cli(t, f.env, "", "role", "apply", "--dir", seed); r.code != 0 {
		t.Fatalf("seeding: %+v", r)
	}

	out := filepath.Join(t.TempDir(), "roles")
	r := cli(t, f.env, "", "role", "export", "--dir", out)
	var exp exportOut
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &exp) != nil || exp.Roles != 5 || len(exp.Skipped) != 1 {
		t.Fatalf("export: %+v", r)
	}
	files := map[string]bool{}
	for _, fl := range exp.Files {
		files[fl.File] = true
	}
	if !files["pki-operators.json"] || !files["web-team-eu.json"] || len(files) != 5 {
		t.Errorf("files: %v", exp.Files)
	}
	f.ResetRequests()
	r = cli(t, f.env, "", "role", "apply", "--dir", out, "--prune", "--plan")
	if s := decodeSummary(t, r); r.code != 0 || s.Unchanged != 5 || len(s.Items) != 0 || writesIn(f) != 0 {
		t.Errorf("apply of the export: %+v", r)
	}
	// Exporting again into the same directory is refused: stale files would
	// bring back deleted roles.
	if r := cli(t, f.env, "", "role", "export", "--dir", out); r.code != exitInvalid || !strings.Contains(r.stderr, "holds") {
		t.Errorf("export into a used directory: %+v", r)
	}

	// --names: portable files, no-op here, and the same roles in an install
	// whose ids differ.
	named := filepath.Join(t.TempDir(), "named")
	if r := cli(t, f.env, "", "role", "export", "--dir", named, "--names"); r.code != 0 {
		t.Fatalf("export --names: %+v", r)
	}
	body, _ := os.ReadFile(filepath.Join(named, "pki-operators.json"))
	for _, want := range []string{"{collection:Web Servers}", "{container:IIS Farm}"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("pki-operators.json lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(string(body), "PermissionSetId") {
		t.Errorf("the Global set's id was exported:\n%s", body)
	}
	// A name two collections share stays an id: it would not resolve back.
	if body, _ := os.ReadFile(filepath.Join(named, "twin-readers.json")); !strings.Contains(string(body), fmt.Sprintf("/certificates/collections/read/%d/", twin)) {
		t.Errorf("twin-readers.json:\n%s", body)
	}
	r = cli(t, f.env, "", "role", "apply", "--dir", named, "--plan")
	if s := decodeSummary(t, r); r.code != 0 || s.Unchanged != 5 {
		t.Errorf("apply of the --names export: %+v", r)
	}

	other := newFake(t)
	other.AddCollection(keyfactortest.Collection{Name: "Padding"})
	otherWeb := other.AddCollection(keyfactortest.Collection{Name: "Web Servers"})
	other.AddContainer(keyfactortest.Container{Name: "Padding"})
	otherFarm := other.AddContainer(keyfactortest.Container{Name: "IIS Farm"})
	if otherWeb == web || otherFarm == farm {
		t.Fatal("the second install's ids should differ")
	}
	if err := os.Remove(filepath.Join(named, "twin-readers.json")); err != nil { // its id means nothing there
		t.Fatal(err)
	}
	if r := cli(t, other.env, "", "role", "apply", "--dir", named); r.code != 0 {
		t.Fatalf("apply into another install: %+v", r)
	}
	for _, role := range other.Roles() {
		if role.Name == "PKI Operators" && (!slices.Contains(role.Permissions, fmt.Sprintf("/certificates/collections/read/%d/", otherWeb)) ||
			!slices.Contains(role.Permissions, fmt.Sprintf("/certificate_stores/change_owner/%d/", otherFarm))) {
			t.Errorf("PKI Operators there holds %v", role.Permissions)
		}
	}
	if r := cli(t, other.env, "", "role", "apply", "--dir", named, "--plan"); r.code != 0 {
		t.Errorf("second apply into another install: %+v", r)
	}
}

func TestSyncProgressOnATerminal(t *testing.T) {
	var buf strings.Builder
	a := &app{tty: &buf}
	if a.syncProgress(false) != nil {
		t.Error("progress without a terminal")
	}
	a.terminal = true
	p := a.syncProgress(false)
	p(keyfactor.SyncEvent{Item: keyfactor.SyncItem{Plan: keyfactor.RolePlan{Action: keyfactor.ActionUpdate}}, Done: 1, Total: 2})
	p(keyfactor.SyncEvent{Item: keyfactor.SyncItem{Err: errors.New("x")}, Done: 2, Total: 2})
	if got := buf.String(); got != "\r1/2 roles: 1 changed, 0 failed\r2/2 roles: 1 changed, 1 failed\n" {
		t.Errorf("progress = %q", got)
	}
}

func TestRoleApplyDirDryRun(t *testing.T) {
	f := newFake(t)
	dir := roleDir(t, map[string]string{"a.json": teamFile("A")})
	f.ResetRequests()
	r := cli(t, f.env, "", "role", "apply", "--dir", dir, "--dry-run")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "GET https://") || !strings.Contains(r.stdout, "/Security/Roles?") ||
		!strings.Contains(r.stdout, "only the first request is shown") || len(f.Requests()) != 0 {
		t.Errorf("dry run: %+v with %d requests", r, len(f.Requests()))
	}
}
