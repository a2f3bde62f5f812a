package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func writesIn(f *fake) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Method != "GET" {
			n++
		}
	}
	return n
}

func TestRoleListUpdateDelete(t *testing.T) {
	f := newFake(t)
	for _, name := range []string{"PKI Operators", "PKI Auditors", "Web Team"} {
		f.AddRole(keyfactortest.Role{Name: name, Description: "d", Permissions: []string{"/portal/read/"}})
	}
	r := cli(t, f.env, "", "role", "list", "--query", `Name -startswith "PKI"`)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var first keyfactor.RoleSummary
	if r.code != 0 || len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &first) != nil || first.Name != "PKI Auditors" {
		t.Fatalf("role list --query: %+v", r)
	}
	r = cli(t, f.env, "", "role", "list", "--output", "text", "--page-size", "2")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ID  ") || strings.Count(r.stdout, "\n") != 5 ||
		!strings.Contains(r.stdout, "Administrator") {
		t.Errorf("role list text: %+v", r)
	}

	// role get's output, edited, is a valid role update file.
	r = cli(t, f.env, "", "role", "get", strconv.Itoa(first.ID))
	var role map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &role) != nil {
		t.Fatalf("role get: %+v", r)
	}
	role["Description"] = "Auditors of the PKI"
	edited, _ := json.Marshal(role)
	r = cli(t, f.env, "", "role", "update", "--file", writeFile(t, string(edited)))
	if r.code != 0 || !strings.Contains(r.stdout, `"Description": "Auditors of the PKI"`) || !strings.Contains(r.stdout, "/portal/read/") {
		t.Errorf("role update: %+v", r)
	}
	// Leaving Permissions and Claims out would wipe them: refused, nothing sent.
	f.ResetRequests()
	r = cli(t, f.env, "", "role", "update", "--file", writeFile(t, `{"Id":`+strconv.Itoa(first.ID)+`,"Name":"PKI Auditors","Description":"d"}`))
	if r.code != 2 || !strings.Contains(r.stderr, "Permissions") || !strings.Contains(r.stderr, "Claims") || len(f.Requests()) != 0 {
		t.Errorf("role update without slices: %+v", r)
	}

	r = cli(t, f.env, "", "role", "delete", strconv.Itoa(first.ID))
	if r.code != 0 || !jsonEq(r.stdout, `{"Id":`+strconv.Itoa(first.ID)+`,"Deleted":true}`) {
		t.Errorf("role delete: %+v", r)
	}
	r = cli(t, f.env, "", "role", "delete", strconv.Itoa(first.ID))
	if r.code != 4 {
		t.Errorf("role delete again: %+v", r)
	}
}

const applyJSON = `[
 {"Name":"PKI Operators","Description":"Operators","Permissions":["/portal/read/"],
  "Claims":[{"ClaimType":"OAuthRole","ClaimValue":"pki-ops","ProviderAuthenticationScheme":"Keycloak"}]},
 {"Name":"PKI Auditors","Description":"Auditors","Permissions":["/auditing/read/"]}
]`

func TestRoleApply(t *testing.T) {
	f := newFake(t)
	file := writeFile(t, applyJSON)
	r := cli(t, f.env, "", "role", "apply", "--file", file)
	if r.code != 0 || strings.Count(r.stdout, `"Action":"create"`) != 2 {
		t.Fatalf("first apply: %+v", r)
	}
	// The second run is a no-op: exit 0, nothing written.
	f.ResetRequests()
	r = cli(t, f.env, "", "role", "apply", "--file", file)
	if r.code != 0 || strings.Count(r.stdout, `"Action":"none"`) != 2 || writesIn(f) != 0 {
		t.Fatalf("second apply: %+v, %d writes", r, writesIn(f))
	}
	r = cli(t, f.env, "", "role", "apply", "--file", file, "--plan")
	if r.code != 0 {
		t.Errorf("--plan with nothing to do: %+v", r)
	}

	// A change: --plan shows it as text, exits 8 and writes nothing.
	changed := strings.Replace(strings.Replace(applyJSON, `"/auditing/read/"`, `"/reports/read/"`, 1), `"Operators"`, `"Ops"`, 1)
	f.ResetRequests()
	r = cli(t, f.env, "", "role", "apply", "--file", writeFile(t, changed), "--plan", "--output", "text")
	for _, want := range []string{`~ role "PKI Operators"`, `~ Description: "Operators" -> "Ops"`, `~ role "PKI Auditors"`,
		"- Permissions: /auditing/read/", "+ Permissions: /reports/read/"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 8 || writesIn(f) != 0 {
		t.Errorf("--plan: exit %d, %d writes", r.code, writesIn(f))
	}
	r = cli(t, f.env, "", "role", "apply", "--file", writeFile(t, changed))
	if r.code != 0 || strings.Count(r.stdout, `"Action":"update"`) != 2 {
		t.Errorf("apply the change: %+v", r)
	}
	// The immutable built-in role: refused, exit 5, nothing written.
	f.ResetRequests()
	r = cli(t, f.env, "", "role", "apply", "--file", writeFile(t, `{"Name":"Administrator","Description":"mine","Permissions":["/"]}`))
	if r.code != 5 || !strings.Contains(r.stdout, "immutable") || writesIn(f) != 0 {
		t.Errorf("immutable: %+v", r)
	}
	// One role holding a bad permission: exit 2, nothing sent.
	f.ResetRequests()
	r = cli(t, f.env, "", "role", "apply", "--file", writeFile(t, `{"Name":"X","Description":"d","Permissions":["Portal:Read"]}`))
	if r.code != 2 || len(f.Requests()) != 0 {
		t.Errorf("bad role: %+v", r)
	}
}

// TestUnknownFieldsAreRefusedAtEveryDepth: a typo inside a claim fails like
// one at the top level, instead of being silently dropped.
func TestUnknownFieldsAreRefusedAtEveryDepth(t *testing.T) {
	f := newFake(t)
	for _, body := range []string{
		`{"Name":"n","Description":"d","Descripton":"typo"}`,
		`{"Name":"n","Description":"d","Claims":[{"ClaimType":"OAuthRole","ClaimValue":"v","ProviderAuthenticationScheme":"k","Descripton":"typo"}]}`,
		`{"Name":"n","Description":"d","Claims":[{"ClaimType":4,"ClaimValue":"v","ProviderAuthenticationScheme":"k","Provider":{"Scheme":"k"}}]}`,
	} {
		for _, cmd := range []string{"create", "apply"} {
			r := cli(t, f.env, "", "role", cmd, "--file", writeFile(t, body))
			if r.code != 2 || !strings.Contains(r.stderr, "unknown key") {
				t.Errorf("role %s %s: %+v", cmd, body, r)
			}
		}
	}
	if len(f.Requests()) != 0 {
		t.Errorf("%d requests sent", len(f.Requests()))
	}
}

// TestDryRunIsQuiet: a dry run prints the request only; nothing on stderr,
// and a note only where a later request depends on the answer.
func TestDryRunIsQuiet(t *testing.T) {
	f := newFake(t)
	tests := []struct {
		args     []string
		wantNote bool
	}{
		{[]string{"role", "create", "--file", writeFile(t, roleJSON)}, false},
		{[]string{"role", "get", "5"}, false},
		{[]string{"role", "delete", "5"}, false},
		{[]string{"role", "clone", "5", "--name", "x"}, true},
		{[]string{"role", "apply", "--file", writeFile(t, applyJSON)}, true},
	}
	for _, tt := range tests {
		r := cli(t, f.env, "", append(tt.args, "--dry-run")...)
		if r.code != 0 || r.stderr != "" || strings.Contains(r.stdout, "only the first request") != tt.wantNote {
			t.Errorf("%v --dry-run: %+v", tt.args, r)
		}
	}
	if len(f.Requests()) != 0 || len(f.Roles()) != 1 {
		t.Errorf("dry runs sent %d requests", len(f.Requests()))
	}
}

func TestHostWithCredentialsIsNotPrinted(t *testing.T) {
	for _, output := range []string{"json", "text"} {
		r := cli(t, []string{"KEYFACTOR_HOSTNAME=https://svc:Pw-Cli-77@kf.example.com", "KEYFACTOR_USERNAME=u", "KEYFACTOR_PASSWORD=p"},
			"", "role", "get", "1", "--output", output)
		if r.code != 2 || strings.Contains(r.stderr+r.stdout, "Pw-Cli-77") || !strings.Contains(r.stderr, "kf.example.com") {
			t.Errorf("--output %s: %+v", output, r)
		}
	}
}
