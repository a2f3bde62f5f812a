// Package examples_test builds every example program and runs it against
// the fake server, checking what it prints.
package examples_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// build compiles one example into a temporary directory.
func build(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	out, err := exec.Command("go", "build", "-o", bin, "./"+name).CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./%s: %v\n%s", name, err, out)
	}
	return bin
}

// runBin runs a built example with no KEYFACTOR_* variables but those given.
func runBin(t *testing.T, bin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KEYFACTOR_") && !strings.HasPrefix(kv, "HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HOME="+t.TempDir()) // no ~/.keyfactor/command_config.json
	cmd.Env = append(cmd.Env, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

const quickstartOutput = `No Keyfactor Command is configured: using the embedded fake Keyfactor Command (keyfactortest).
1. create a v2 security role with an OAuth and an Active Directory claim
   created role 2 "PKI Operators" with 2 permissions and 2 claims
2. clone it (GET the role, then POST a new one: Keyfactor's replacement for the deprecated copy)
   cloned into role 3 "PKI Operators (EU)" (description "Operators of the issuing CAs")
3. make the clone the owner of certificate 1001, authorized through collection 5
   certificate 1001 is now owned by role 3
4. clear the owner
   certificate 1001 has an owner: false
5. an invalid request is refused before anything is sent
   certificateID: must be greater than 0, got 0
   NewRoleName: must not be blank
6. the server's answer to an unknown role id (999) is a typed *APIError
   status 404, errors.Is(err, keyfactor.ErrNotFound) = true, ErrorCode 0xA0110005, Message "Security role with Id 999 was not found."
Done.
`

func TestQuickstartOnTheEmbeddedFake(t *testing.T) {
	stdout, stderr, code := runBin(t, build(t, "quickstart"), nil)
	if code != 0 || stdout != quickstartOutput {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

func TestQuickstartLiveIsReadOnly(t *testing.T) {
	srv := keyfactortest.NewTLSServer()
	defer srv.Close()
	id := srv.AddRole(keyfactortest.Role{Name: "Existing", Description: "d", Permissions: []string{"/portal/read/"}})
	host, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "https://"), ":")
	port = strings.TrimSuffix(port, "/KeyfactorAPI")
	stdout, stderr, code := runBin(t, build(t, "quickstart"), []string{
		"KEYFACTOR_HOSTNAME=" + host, "KEYFACTOR_PORT=" + port, "KEYFACTOR_SKIP_VERIFY=true",
		"KEYFACTOR_USERNAME=admin", "KEYFACTOR_DOMAIN=KEYFACTOR", "KEYFACTOR_PASSWORD=" + keyfactortest.AdminPassword,
		"KEYFACTOR_QUICKSTART_ROLE_ID=" + strconv.Itoa(id),
	})
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"read-only steps only", `role 2 "Existing": 1 permissions`, "status 404", "Done."} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("live quickstart sent %s %s", r.Method, r.Path)
		}
	}
	if len(srv.Requests()) != 2 {
		t.Errorf("%d requests", len(srv.Requests()))
	}
}

func TestBulkOwner(t *testing.T) {
	bin := build(t, "bulk-owner")
	stdout, stderr, code := runBin(t, bin, nil, "-n", "300", "-concurrency", "8")
	if code != 1 {
		t.Errorf("exit %d, want 1 (every 50th certificate is missing)", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if lines[0] != "300 certificates: 294 updated, 6 failed, 0 not attempted" || len(lines) != 7 ||
		lines[1] != "  certificate 1049: 404 Unable to locate Certificate with Id 1049" {
		t.Errorf("stdout:\n%s", stdout)
	}
	if !strings.Contains(stderr, "300/300 done: 294 updated, 6 failed") {
		t.Errorf("no progress on stderr: %q", stderr)
	}

	_, stderr, code = runBin(t, bin, nil, "-live")
	if code != 2 || !strings.Contains(stderr, "KEYFACTOR_HOSTNAME") {
		t.Errorf("-live without a server: exit %d, stderr %q", code, stderr)
	}
	_, _, code = runBin(t, bin, nil, "-no-such-flag")
	if code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
}

func TestRoleSync(t *testing.T) {
	bin := build(t, "role-sync")
	stdout, stderr, code := runBin(t, bin, nil, "-dir", "role-sync/roles")
	if code != 0 || !strings.Contains(stdout, "3 roles: 3 created, 0 updated, 0 deleted, 0 unchanged, 0 failed") ||
		!strings.Contains(stdout, "3 roles: 0 created, 0 updated, 0 deleted, 3 unchanged, 0 failed") {
		t.Fatalf("embedded fake: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// Against a server reached through KEYFACTOR_*: the second run writes
	// nothing; drift is planned (exit 8) and then repaired.
	srv := keyfactortest.NewTLSServer()
	defer srv.Close()
	host, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "https://"), ":")
	env := []string{"KEYFACTOR_HOSTNAME=" + host, "KEYFACTOR_PORT=" + strings.TrimSuffix(port, "/KeyfactorAPI"),
		"KEYFACTOR_SKIP_VERIFY=true", "KEYFACTOR_USERNAME=admin", "KEYFACTOR_DOMAIN=KEYFACTOR",
		"KEYFACTOR_PASSWORD=" + keyfactortest.AdminPassword}
	if stdout, stderr, code := runBin(t, bin, env, "-dir", "role-sync/roles"); code != 0 || !strings.Contains(stdout, "3 created") {
		t.Fatalf("first run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	srv.ResetRequests()
	if stdout, _, code := runBin(t, bin, env, "-dir", "role-sync/roles"); code != 0 || !strings.Contains(stdout, "3 unchanged") {
		t.Fatalf("second run: exit %d\n%s", code, stdout)
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("the second run sent %s %s", r.Method, r.Path)
		}
	}
	dir := t.TempDir()
	for _, f := range []string{"auditors.json", "pki-operators.json"} {
		b, err := os.ReadFile(filepath.Join("role-sync/roles", f))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Replace(b, []byte(`"/reports/read/"`), []byte(`"/reports/modify/"`), 1)
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if stdout, _, code := runBin(t, bin, env, "-dir", dir, "-plan"); code != 8 || !strings.Contains(stdout, "PKI Auditors: update (Permissions)") {
		t.Errorf("-plan after drift: exit %d\n%s", code, stdout)
	}
	if stdout, _, code := runBin(t, bin, env, "-dir", dir); code != 0 || !strings.Contains(stdout, "0 created, 1 updated, 0 deleted, 2 unchanged") {
		t.Errorf("repair: exit %d\n%s", code, stdout)
	}

	// -prune deletes what no file describes, except -protect names and the
	// immutable role.
	srv.AddRole(keyfactortest.Role{Name: "Stray", Description: "d"})
	srv.AddRole(keyfactortest.Role{Name: "Break Glass", Description: "d"})
	stdout, _, code = runBin(t, bin, env, "-dir", dir, "-prune", "-protect", "break glass")
	if code != 0 || !strings.Contains(stdout, "(not in any file): Stray: delete") || !strings.Contains(stdout, "1 deleted, 3 unchanged") {
		t.Errorf("-prune: exit %d\n%s", code, stdout)
	}
	kept := map[string]bool{}
	for _, r := range srv.Roles() {
		kept[r.Name] = true
	}
	if kept["Stray"] || !kept["Break Glass"] || !kept["Administrator"] {
		t.Errorf("after -prune: %v", kept)
	}

	// Problems anywhere stop the run before any write, and every one is
	// reported: a typo, a duplicate key in another case, an invalid role.
	for name, body := range map[string]string{"zz-typo.json": `{"Name":"X","Descripton":"d"}`,
		"zz-dup.json":     `{"Name":"Y","Description":"d","Permissions":["/portal/read/"],"permissions":["/"]}`,
		"zz-invalid.json": `[{"Name":"Z","Description":"d"},{"Name":"W","Description":" "}]`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetRequests()
	_, stderr, code = runBin(t, bin, env, "-dir", dir)
	for _, want := range []string{`line 1, column 25: unknown key "Descripton"`, `"permissions" appears twice`, `role 2 ("W"): Description`, "3 problems"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code != 2 || len(srv.Requests()) != 0 {
		t.Errorf("invalid files: exit %d, %d requests", code, len(srv.Requests()))
	}
}

// TestEnroll: the enroll example, on the fake, writes a key (0600) and a
// chain that pair, leaf first.
func TestEnroll(t *testing.T) {
	bin := build(t, "enroll")
	dir := filepath.Join(t.TempDir(), "tls")
	// A key file already there, readable by all: replaced, and 0600.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runBin(t, bin, nil, "-cn", "web07.example.com", "-out", dir)
	if code != 0 || !strings.Contains(stdout, "embedded fake") || !strings.Contains(stdout, "for web07.example.com") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	st, err := os.Stat(filepath.Join(dir, "tls.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("tls.key: %v, mode %v", err, st.Mode())
	}
	crt, _ := os.ReadFile(filepath.Join(dir, "tls.crt"))
	key, _ := os.ReadFile(filepath.Join(dir, "tls.key"))
	pair, err := tls.X509KeyPair(crt, key)
	if err != nil || len(pair.Certificate) != 3 {
		t.Errorf("the files: %v, %d certificates", err, len(pair.Certificate))
	}
	// A template that requires approval, without waiting: the request id.
	stdout, _, code = runBin(t, bin, nil, "-template", "WebServerApproval", "-wait=false", "-out", t.TempDir())
	if code != 0 || !strings.Contains(stdout, "awaits a manager's approval") {
		t.Errorf("pending: exit %d, %s", code, stdout)
	}
}
