package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// binary builds the keyfactor binary once, for the few tests that need a
// process of its own (signals, SIGKILL); every other test runs commands in
// process through run.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "keyfactor-cli")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "keyfactor")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := binary(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// binCommand is an exec.Cmd of the built binary, with env (and no other
// KEYFACTOR_* or HOME config).
func binCommand(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv(t, env)
	return cmd
}

// envFor returns the KEYFACTOR_* variables for a TLS server at rawURL
// (scheme, host and port are used), trusting cert through KEYFACTOR_CA_CERT
// as PEM text.
func envFor(rawURL string, cert *x509.Certificate, user, domain, password string) []string {
	u, _ := url.Parse(rawURL)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	return []string{"KEYFACTOR_HOSTNAME=" + u.Hostname(), "KEYFACTOR_PORT=" + u.Port(), "KEYFACTOR_CA_CERT=" + string(ca),
		"KEYFACTOR_USERNAME=" + user, "KEYFACTOR_DOMAIN=" + domain, "KEYFACTOR_PASSWORD=" + password}
}

type fake struct {
	*keyfactortest.Server
	env []string
}

func newFake(t *testing.T) *fake {
	t.Helper()
	srv := keyfactortest.NewTLSServer()
	t.Cleanup(srv.Close)
	return &fake{Server: srv, env: fakeEnv(srv, "admin", "KEYFACTOR", keyfactortest.AdminPassword)}
}

// fakeEnv points the CLI at a keyfactortest server as the given user.
func fakeEnv(srv *keyfactortest.Server, user, domain, password string) []string {
	return envFor(srv.URL, srv.TLSCertificate(), user, domain, password)
}

type result struct {
	stdout, stderr string
	code           int
}

// cli runs one command line in process, as main would, with env as its
// whole environment (HOME an empty directory, so no config file is read).
func cli(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	vars := map[string]string{"HOME": t.TempDir()}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	getenv := func(k string) string { return vars[k] }
	var o, e bytes.Buffer
	code := run(ctx, args, getenv, strings.NewReader(stdin), &o, &e)
	return result{stdout: o.String(), stderr: e.String(), code: code}
}

func cleanEnv(t *testing.T, env []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KEYFACTOR_") && !strings.HasPrefix(kv, "HOME=") {
			out = append(out, kv)
		}
	}
	return append(append(out, "HOME="+t.TempDir()), env...)
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "role.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const roleJSON = `{"Name":"PKI Operators","Description":"Operators","Permissions":["/portal/read/"],
  "Claims":[{"ClaimType":"OAuthRole","ClaimValue":"pki-ops","ProviderAuthenticationScheme":"Keycloak"},
            {"ClaimType":1,"ClaimValue":"KEYEXAMPLE\\PKI Ops","ProviderAuthenticationScheme":"Active Directory"}]}`

func TestOwnerCommands(t *testing.T) {
	f := newFake(t)
	role := f.AddRole(keyfactortest.Role{Name: "Owners", Description: "d"})
	f.AddCertificate(keyfactortest.Certificate{ID: 1, CollectionIDs: []int{5}})
	f.AddCertificate(keyfactortest.Certificate{ID: 2, OwnerRoleID: role, OwnerRequired: true})
	rid := strconv.Itoa(role)

	r := cli(t, f.env, "", "owner", "set", "1", "--role-id", rid)
	if r.code != 0 || !jsonEq(r.stdout, `{"CertificateId":1,"NewRoleId":`+rid+`}`) || r.stderr != "" {
		t.Fatalf("set by id: %+v", r)
	}
	if owner, _ := f.Owner(1); owner != role {
		t.Fatalf("owner = %d", owner)
	}
	r = cli(t, f.env, "", "owner", "clear", "1", "--collection-id", "5", "--output", "text")
	if r.code != 0 || r.stdout != "certificate 1: owner cleared\n" {
		t.Fatalf("clear: %+v", r)
	}
	if _, ok := f.Owner(1); ok {
		t.Fatal("not cleared")
	}
	r = cli(t, f.env, "", "owner", "set", "--output=text", "1", "--role-name", "Owners")
	if r.code != 0 || r.stdout != "certificate 1: owner set to role \"Owners\"\n" {
		t.Fatalf("set by name: %+v", r)
	}

	// A server refusal: Keyfactor's message on stderr, exit 5.
	r = cli(t, f.env, "", "owner", "clear", "2")
	var e jsonError
	if r.code != 5 || json.Unmarshal([]byte(r.stderr), &e) != nil || e.Status != 400 || e.ExitCode != 5 ||
		!strings.Contains(e.Message, "required by policy") || e.ErrorCode == "" || r.stdout != "" {
		t.Errorf("required owner: %+v", r)
	}
	r = cli(t, f.env, "", "owner", "set", "404", "--role-id", rid, "--output", "text")
	if r.code != 4 || !strings.HasPrefix(r.stderr, "keyfactor: PUT ") || strings.Count(r.stderr, "\n") != 1 ||
		!strings.Contains(r.stderr, "Unable to locate Certificate with Id 404") {
		t.Errorf("unknown certificate: %+v", r)
	}
}

func TestBadInputSendsNothing(t *testing.T) {
	f := newFake(t)
	bad := writeFile(t, `{"Name": "x", "Description": `)
	typo := writeFile(t, `{"Name":"x","Description":"d","Permisions":["/portal/read/"]}`)
	invalid := writeFile(t, `{"Name":"x","Description":"d","Permissions":["/certificates/","/certificates/import/"],
		"Claims":[{"ClaimValue":"v","ProviderAuthenticationScheme":"Keycloak"}]}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"both role fields", []string{"owner", "set", "1", "--role-id", "1", "--role-name", "x"}, "only one"},
		{"neither role field", []string{"owner", "set", "1"}, "set --role-id or --role-name (to remove the owner use owner clear)"},
		{"role id zero", []string{"owner", "set", "1", "--role-id", "0"}, "--role-id: must be greater than 0"},
		{"both scopes", []string{"owner", "set", "1", "--role-id", "1", "--collection-id", "5", "--container-id", "9"}, "not both"},
		{"certificate id not a number", []string{"owner", "set", "abc", "--role-id", "1"}, "CERT_ID must be a number"},
		{"negative certificate id", []string{"owner", "clear", "--", "-5"}, "CERT_ID: must be greater than 0"},
		{"negative id read as a flag", []string{"owner", "clear", "-5"}, "flag provided but not defined: -5"},
		{"unknown flag", []string{"owner", "set", "1", "--role", "1"}, "flag provided but not defined"},
		{"unknown command", []string{"owner", "remove", "1"}, "unknown command"},
		{"missing subcommand", []string{"role"}, "usage: keyfactor role <command>"},
		{"malformed JSON file", []string{"role", "create", "--file", bad}, "not a valid request"},
		{"misspelt field", []string{"role", "create", "--file", typo}, "Permisions"},
		{"invalid role", []string{"role", "create", "--file", invalid}, "redundant"},
		{"missing file", []string{"role", "create", "--file", "/nonexistent/role.json"}, "no such file"},
		{"no file flag", []string{"role", "create"}, "--file is required"},
		{"copy without description", []string{"role", "copy-v1", "3", "--name", "n"}, "--description: must not be blank"},
		{"file field names are the file's", []string{"role", "create", "--file", writeFile(t,
			`{"Name":"x","Description":"d","PermissionSetId":"nope"}`)}, `{"Field":"PermissionSetId","Problem":`},
		{"bad output", []string{"role", "get", "1", "--output", "yaml"}, "json or text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cli(t, f.env, "", tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit 2 mentioning %q", r.code, r.stderr, r.stdout, tt.want)
			}
		})
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("bad input sent %d requests", n)
	}
	// --output json gives the fields as a list.
	r := cli(t, f.env, "", "owner", "set", "0", "--role-name", " ")
	var e jsonError
	if json.Unmarshal([]byte(r.stderr), &e) != nil || len(e.Fields) != 2 || e.Fields[0].Field != "CERT_ID" ||
		e.Fields[1].Field != "--role-name" || e.ExitCode != 2 {
		t.Errorf("json validation error: %q", r.stderr)
	}
}

func TestRoleCommands(t *testing.T) {
	f := newFake(t)
	r := cli(t, f.env, "", "role", "create", "--file", writeFile(t, roleJSON))
	var created keyfactor.Role
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &created) != nil || created.ID == 0 || len(created.Claims) != 2 ||
		created.Claims[0].ClaimType != "OAuthRole" || created.Claims[1].ProviderAuthenticationScheme != "Active Directory" {
		t.Fatalf("create: %+v", r)
	}
	id := strconv.Itoa(created.ID)
	r = cli(t, f.env, strings.Replace(roleJSON, "PKI Operators", "From stdin", 1), "role", "create", "--file", "-")
	if r.code != 0 || !strings.Contains(r.stdout, `"Name": "From stdin"`) {
		t.Fatalf("create from stdin: %+v", r)
	}
	r = cli(t, f.env, "", "role", "create", "--file", writeFile(t, roleJSON))
	if r.code != 5 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("duplicate: %+v", r)
	}
	r = cli(t, f.env, "", "role", "get", id, "--output", "text")
	if r.code != 0 || !strings.Contains(r.stdout, `role `+id+` "PKI Operators"`) || !strings.Contains(r.stdout, "claim: OAuthRole pki-ops (Keycloak)") {
		t.Errorf("get: %+v", r)
	}
	r = cli(t, f.env, "", "role", "get", "999")
	if r.code != 4 {
		t.Errorf("get unknown: %+v", r)
	}
	r = cli(t, f.env, "", "role", "clone", id, "--name", "PKI Operators (EU)")
	var clone keyfactor.Role
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &clone) != nil || clone.Description != "Operators" || len(clone.Claims) != 2 {
		t.Errorf("clone: %+v", r)
	}

	r = cli(t, f.env, "", "role", "create-v1", "--file", writeFile(t,
		`{"Name":"Legacy","Description":"d","Permissions":["Certificates:Read"],"Identities":[{"AccountName":"KEYEXAMPLE\\jsmith"}]}`))
	var v1 struct {
		ID         int
		Identities []struct{ AccountName string }
	}
	if r.code != 0 || !strings.Contains(r.stderr, "deprecated") || json.Unmarshal([]byte(r.stdout), &v1) != nil ||
		len(v1.Identities) != 1 {
		t.Fatalf("create-v1: %+v", r)
	}
	r = cli(t, f.env, "", "role", "copy-v1", strconv.Itoa(v1.ID), "--name", "Legacy copy", "--description", "d2")
	if r.code != 0 || !strings.Contains(r.stderr, "use role clone") || !strings.Contains(r.stdout, `"Name": "Legacy copy"`) {
		t.Errorf("copy-v1: %+v", r)
	}
	if len(f.Roles()) != 6 { // 5 and the built-in Administrator
		t.Errorf("%d roles stored", len(f.Roles()))
	}
}

func TestAuthFailuresAndSecrets(t *testing.T) {
	f := newFake(t)
	f.AddCertificate(keyfactortest.Certificate{ID: 1})
	f.AddUser(keyfactortest.User{Name: `KEYEXAMPLE\reader`, Password: "reader-Pw-71", Permissions: []string{"/security/read/"}})
	r := cli(t, fakeEnv(f.Server, "reader", "KEYEXAMPLE", "reader-Pw-71"), "", "owner", "clear", "1")
	if r.code != 3 || !strings.Contains(r.stderr, "change_owner") {
		t.Errorf("forbidden: %+v", r)
	}
	r = cli(t, fakeEnv(f.Server, "reader", "KEYEXAMPLE", "wrong-Pw-42"), "", "owner", "clear", "1", "-v")
	if r.code != 3 || strings.Contains(r.stderr+r.stdout, "wrong-Pw-42") {
		t.Errorf("unauthorized: %+v", r)
	}
	r = cli(t, nil, "", "role", "get", "1")
	if r.code != 2 || !strings.Contains(r.stderr, "KEYFACTOR_HOSTNAME") {
		t.Errorf("no configuration: %+v", r)
	}
}

func TestDryRun(t *testing.T) {
	f := newFake(t)
	r := cli(t, f.env, "", "owner", "set", "7", "--role-id", "3", "--collection-id", "5", "--dry-run")
	wantLines := []string{
		"PUT " + f.URL + "/Certificates/7/Owner?CollectionId=5",
		"Authorization: Basic [REDACTED]",
		"X-Keyfactor-Api-Version: 1.0",
		"X-Keyfactor-Requested-With: APIClient",
		"Content-Type: application/json",
		`{"NewRoleId":3}`,
	}
	for _, w := range wantLines {
		if !strings.Contains(r.stdout, w+"\n") {
			t.Errorf("dry run lacks %q:\n%s", w, r.stdout)
		}
	}
	if r.code != 0 || strings.Contains(r.stdout, keyfactortest.AdminPassword) {
		t.Errorf("exit %d; stdout %s", r.code, r.stdout)
	}
	r = cli(t, f.env, "", "role", "create", "--file", writeFile(t, roleJSON), "--dry-run")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "POST "+f.URL+"/Security/Roles\n") || !strings.Contains(r.stdout, `"ClaimType":4`) {
		t.Errorf("role dry run: %+v", r)
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("dry run sent %d requests", n)
	}
	if len(f.Roles()) != 1 {
		t.Error("dry run created a role")
	}
}

// hangingServer accepts requests and answers none until the test ends.
func hangingServer(t *testing.T) (*httptest.Server, chan struct{}) {
	arrived := make(chan struct{}, 10)
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv, arrived
}

func TestTimeoutAndInterrupt(t *testing.T) {
	srv, arrived := hangingServer(t)
	env := envFor(srv.URL, srv.Certificate(), "u", "", "p")

	start := time.Now()
	r := cli(t, env, "", "role", "get", "1", "--timeout", "300ms")
	if r.code != 6 || !strings.Contains(r.stderr, "deadline exceeded") || time.Since(start) > 20*time.Second {
		t.Errorf("timeout: exit %d after %v: %s", r.code, time.Since(start), r.stderr)
	}

	cmd := binCommand(t, env, "role", "get", "1", "--output", "text")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for len(arrived) > 0 { // drain the first test's request
		<-arrived
	}
	select {
	case <-arrived:
	case <-time.After(20 * time.Second):
		t.Fatal("the request never arrived")
	}
	start = time.Now()
	_ = cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 || time.Since(start) > 5*time.Second {
		t.Errorf("interrupt: %v after %v: %s", err, time.Since(start), stderr.String())
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		stdout   []string // what the help on stdout holds
		toStderr bool     // usage errors print the help on stderr
	}{
		{[]string{"help"}, 0, []string{"owner set CERT_ID", "cert list", "role apply", "Exit codes"}, false},
		{[]string{"--help"}, 0, []string{"owner set CERT_ID"}, false},
		{[]string{"-h"}, 0, []string{"owner set CERT_ID"}, false},
		{nil, 2, nil, true},
		{[]string{"owner", "--help"}, 0, []string{"owner set CERT_ID", "owner set --query", "owner clear"}, false},
		{[]string{"role", "-h"}, 0, []string{"role create", "role apply"}, false},
		{[]string{"help", "cert"}, 0, []string{"cert get", "cert list"}, false},
		{[]string{"owner"}, 2, nil, true},
		{[]string{"role", "create", "--help"}, 0, []string{"keyfactor role create --file FILE", "-file", "-dry-run", "-timeout"}, false},
		{[]string{"owner", "set", "-h"}, 0, []string{"owner set CERT_ID", "owner set --query", "-role-id", "-state", "-plan"}, false},
		{[]string{"help", "role", "apply"}, 0, []string{"keyfactor role apply --file FILE [--plan]", "-plan"}, false},
		{[]string{"--version"}, 0, []string{"keyfactor 0."}, false},
		{[]string{"version"}, 0, []string{"keyfactor-go SDK"}, false},
		{[]string{"nope"}, 2, nil, false},
	}
	for _, tt := range tests {
		r := cli(t, nil, "", tt.args...)
		if r.code != tt.code {
			t.Errorf("%v: exit %d, want %d: %+v", tt.args, r.code, tt.code, r)
		}
		for _, want := range tt.stdout {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: stdout lacks %q:\n%s", tt.args, want, r.stdout)
			}
		}
		if tt.toStderr && (r.stdout != "" || !strings.Contains(r.stderr, "usage: keyfactor")) {
			t.Errorf("%v: the usage belongs on stderr: %+v", tt.args, r)
		}
		if tt.code == 0 && r.stderr != "" {
			t.Errorf("%v: stderr %q", tt.args, r.stderr)
		}
	}
}

// TestMessagesForPeople: the fix is in the message.
func TestMessagesForPeople(t *testing.T) {
	f := newFake(t)
	// An unknown CA: the server's own certificate is not in the env.
	var env []string
	for _, kv := range f.env {
		if !strings.HasPrefix(kv, "KEYFACTOR_CA_CERT=") {
			env = append(env, kv)
		}
	}
	r := cli(t, env, "", "role", "get", "1", "--output", "text")
	if r.code != 6 || !strings.Contains(r.stderr, "set KEYFACTOR_CA_CERT") {
		t.Errorf("unknown CA: %+v", r)
	}
	// The method and URL appear once.
	if n := strings.Count(r.stderr, "/Security/Roles/1"); n != 1 {
		t.Errorf("the URL appears %d times: %s", n, r.stderr)
	}
	// An http:// server says how to allow it; keyfactortest's Env does.
	plain := keyfactortest.NewServer()
	defer plain.Close()
	var noAllow []string
	for _, kv := range plain.Env() {
		if !strings.HasPrefix(kv, "KEYFACTOR_ALLOW_INSECURE_HTTP=") {
			noAllow = append(noAllow, kv)
		}
	}
	if r := cli(t, noAllow, "", "role", "get", "1"); r.code != 2 || !strings.Contains(r.stderr, "KEYFACTOR_ALLOW_INSECURE_HTTP=true") {
		t.Errorf("http without the variable: %+v", r)
	}
	if r := cli(t, plain.Env(), "", "role", "get", "1"); r.code != 0 || !strings.Contains(r.stdout, `"Name": "Administrator"`) {
		t.Errorf("keyfactortest Env: %+v", r)
	}
	// A timeout names --timeout.
	srv, _ := hangingServer(t)
	r = cli(t, envFor(srv.URL, srv.Certificate(), "u", "D", "p"), "", "role", "get", "1", "--timeout", "300ms", "--output", "text")
	if r.code != 6 || !strings.Contains(r.stderr, "--timeout 300ms reached") {
		t.Errorf("timeout: %+v", r)
	}
	// A duplicate name is a conflict (exit 5) that says so.
	if r := cli(t, f.env, "", "role", "create", "--file", writeFile(t, roleJSON)); r.code != 0 {
		t.Fatalf("create: %+v", r)
	}
	if r := cli(t, f.env, "", "role", "create", "--file", writeFile(t, roleJSON)); r.code != 5 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("duplicate: %+v", r)
	}
}

// TestQuietByDefault: retries that end in success print nothing on stderr
// without -v.
func TestQuietByDefault(t *testing.T) {
	// One lost answer and its retry (after the CLI's default 500 ms wait).
	f := newFake(t)
	f.FailNext(1, keyfactortest.Fault{Method: "GET", Drop: keyfactortest.DropBeforeHandler})
	r := cli(t, f.env, "", "role", "get", "1")
	if r.code != 0 || r.stderr != "" {
		t.Errorf("retried get: %+v", r)
	}
	f.FailNext(1, keyfactortest.Fault{Method: "GET", Drop: keyfactortest.DropBeforeHandler})
	if r := cli(t, f.env, "", "role", "get", "1", "-v"); r.code != 0 || !strings.Contains(r.stderr, "request failed") ||
		!strings.Contains(r.stderr, "retrying request") {
		t.Errorf("-v shows the retry: %+v", r)
	}
}

func jsonEq(got, want string) bool {
	var g, w any
	return json.Unmarshal([]byte(got), &g) == nil && json.Unmarshal([]byte(want), &w) == nil &&
		fmt.Sprint(g) == fmt.Sprint(w)
}
