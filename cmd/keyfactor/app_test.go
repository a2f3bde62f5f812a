package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

// The promises the README makes to a script author, each tried as a
// newcomer or an attacker would.

func TestEchoedCredentialsNeverReachTheTerminal(t *testing.T) {
	const pw = "echo-Pw-6633-secret"
	cred := base64.StdEncoding.EncodeToString([]byte(`KEYEXAMPLE\jsmith:` + pw))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A debugging proxy echoing the request into a body that is not
		// the JSON asked for.
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"Id": 1, "Name": "x", "NotAfter": "%s %s"`, r.Header.Get("Authorization"), pw)
	}))
	defer srv.Close()
	env := envFor(srv.URL, srv.Certificate(), "jsmith", "KEYEXAMPLE", pw)
	for _, args := range [][]string{{"role", "get", "1"}, {"cert", "get", "1"},
		{"role", "apply", "--file", writeFile(t, `{"Name": "x", "Description": "d"}`), "--plan", "-o", "text"}} {
		r := cli(t, env, "", args...)
		for _, secret := range []string{pw, cred} {
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("%v shows %q:\nstdout %s\nstderr %s", args, secret, r.stdout, r.stderr)
			}
		}
		if r.code != 6 || !strings.Contains(r.stdout+r.stderr, "decode 200 response") {
			t.Errorf("%v: %+v", args, r)
		}
	}
}

func TestOwnerSetByQueryRefusesWhatItCannotDo(t *testing.T) {
	f := newFake(t)
	web := f.AddRole(keyfactortest.Role{Name: "Web Team", Description: "d"})
	other := f.AddRole(keyfactortest.Role{Name: "DB Team", Description: "d"})
	seedOwners(f, 30, 0)
	query := []string{"owner", "set", "--query", `IssuedCN -startswith "web"`}

	t.Run("a target role that does not exist", func(t *testing.T) {
		for _, args := range [][]string{{"--role-name", "Typo", "--plan"}, {"--role-name", "Typo"}, {"--role-id", "999"}} {
			f.ResetRequests()
			r := cli(t, f.env, "", append(query, args...)...)
			if r.code != 4 || !strings.Contains(r.stderr, "does not exist") || writesIn(f) != 0 {
				t.Errorf("%v: %+v with %d writes", args, r, writesIn(f))
			}
		}
	})

	t.Run("a state file from another request", func(t *testing.T) {
		state := filepath.Join(t.TempDir(), "owners.state")
		r := cli(t, f.env, "", append(query, "--role-id", strconv.Itoa(web), "--state", state)...)
		if r.code != 0 {
			t.Fatalf("first run: %+v", r)
		}
		// Same query, same state file, another role: those ids are not done.
		f.ResetRequests()
		for _, args := range [][]string{{"--role-id", strconv.Itoa(other)}, {"--role-name", "DB Team", "--plan"}} {
			r = cli(t, f.env, "", append(query, append(args, "--state", state)...)...)
			if r.code != 2 || !strings.Contains(r.stderr, "belongs to another request") || writesIn(f) != 0 {
				t.Errorf("%v: %+v with %d writes", args, r, writesIn(f))
			}
		}
		// Another query with the same role: refused too.
		r = cli(t, f.env, "", "owner", "set", "--query", `IssuedCN -eq "db.example.com"`, "--role-id", strconv.Itoa(web), "--state", state)
		if r.code != 2 || writesIn(f) != 0 {
			t.Errorf("another query: %+v", r)
		}
		// The same request, by name this time, is the same request.
		r = cli(t, f.env, "", append(query, "--role-name", "web team", "--state", state)...)
		var sum ownerSummary
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &sum) != nil || sum.DoneEarlier != 0 || sum.AlreadyOwned != 30 {
			t.Errorf("same request by name: %+v", r)
		}
	})

	t.Run("a bare-id file of an older version", func(t *testing.T) {
		state := writeFile(t, "1\n2\n3\n")
		if r := cli(t, f.env, "", append(query, "--role-id", strconv.Itoa(other), "--state", state)...); r.code != 2 ||
			!strings.Contains(r.stderr, "not a state file") {
			t.Errorf("bare ids: %+v", r)
		}
	})
}

func TestRoleFilesAreCheckedWhole(t *testing.T) {
	f := newFake(t)
	tests := []struct {
		name, body, want string
	}{
		{"the second of two roles invalid", `[{"Name": "First", "Description": "d"}, {"Name": "Second", "Description": " "}]`,
			"[1].Description: must not be blank"},
		{"a case-variant key", `{"Name": "x", "Description": "d", "Permissions": ["/portal/read/"], "permissions": ["/"]}`,
			`"permissions" appears twice`},
		{"a key twice", `{"Name": "x", "Description": "d", "Name": "y"}`, `"Name" appears twice`},
		{"a stray ]", `{"Name": "x", "Description": "d"}]`, "after the JSON value"},
		{"a stray }", `{"Name": "x", "Description": "d"}}`, "after the JSON value"},
		{"a name twice, in two cases", `[{"Name": "x", "Description": "d"}, {"Name": "X", "Description": "d"}]`, "[1].Name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, tt.body)
			for _, cmd := range [][]string{{"role", "apply", "--file", file}, {"role", "apply", "--file", file, "--plan"},
				{"role", "validate", "--file", file}, {"role", "create", "--file", file}} {
				f.ResetRequests()
				r := cli(t, f.env, "", append(cmd, "-o", "text")...)
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) || len(f.Requests()) != 0 {
					t.Errorf("%v: %+v with %d requests", cmd[:2], r, len(f.Requests()))
				}
			}
		})
	}
	if len(f.Roles()) != 1 {
		t.Errorf("%d roles stored; the invalid files created some", len(f.Roles()))
	}
}

func TestRoleGetOutputAppliesBack(t *testing.T) {
	f := newFake(t)
	r := cli(t, f.env, "", "role", "apply", "--file", writeFile(t, roleJSON))
	var created planOut
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &created) != nil || created.Action != keyfactor.ActionCreate || created.ID == 0 {
		t.Fatalf("apply (create): %+v", r)
	}
	id := strconv.Itoa(created.ID)
	got := cli(t, f.env, "", "role", "get", id)
	exported := writeFile(t, got.stdout)
	f.ResetRequests()
	r = cli(t, f.env, "", "role", "apply", "--file", exported)
	if r.code != 0 || !strings.Contains(r.stdout, `"Action":"none"`) || writesIn(f) != 0 {
		t.Errorf("apply of role get's output: %+v with %d writes", r, writesIn(f))
	}
	r = cli(t, f.env, "", "role", "create", "--file", writeFile(t, strings.Replace(got.stdout, `"PKI Operators"`, `"PKI Copy"`, 1)))
	if r.code != 0 || !strings.Contains(r.stdout, `"Name": "PKI Copy"`) {
		t.Errorf("create from role get's output: %+v", r)
	}
}

func TestRoleFilesCheckOffline(t *testing.T) {
	good := writeFile(t, roleJSON)
	bad := writeFile(t, `{"Name": "x", "Description": "d", "PermissionSetId": "nope"}`)
	if r := cli(t, nil, "", "role", "validate", "--file", good); r.code != 0 || !strings.Contains(r.stdout, `"Valid": true`) {
		t.Errorf("validate good: %+v", r)
	}
	if r := cli(t, nil, "", "role", "validate", "-f", bad, "-o", "text"); r.code != 2 || !strings.Contains(r.stderr, "PermissionSetId") {
		t.Errorf("validate bad: %+v", r)
	}
	if r := cli(t, nil, "", "role", "apply", "--file", good, "--dry-run"); r.code != 0 || !strings.Contains(r.stdout, "no server is configured") {
		t.Errorf("apply --dry-run offline: %+v", r)
	}
	if r := cli(t, nil, "", "role", "apply", "--file", bad, "--dry-run"); r.code != 2 {
		t.Errorf("apply --dry-run offline, bad: %+v", r)
	}
}

func TestReadingInputIsBounded(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "roles.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	start := time.Now()
	r := cli(t, nil, "", "role", "validate", "--file", fifo, "--timeout", "300ms")
	if r.code != 2 || !strings.Contains(r.stderr, "within --timeout") || time.Since(start) > 10*time.Second {
		t.Errorf("a FIFO nobody writes: exit %d after %v: %s", r.code, time.Since(start), r.stderr)
	}
	r = cli(t, nil, "", "role", "validate", "--file", "/dev/zero")
	if r.code != 2 || !strings.Contains(r.stderr, "larger than 16 MiB") {
		t.Errorf("/dev/zero: %+v", r)
	}
	// The in-process run above left its reader blocked opening the FIFO:
	// a writer that comes and goes releases it.
	if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}

	// Ctrl-C while a FIFO is being waited for, in a process of its own.
	fifo = filepath.Join(t.TempDir(), "roles2.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := binCommand(t, nil, "role", "validate", "--file", fifo)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The FIFO opens for writing once the command holds its read end: it
	// is then blocked reading, its signal handling long set up. Keeping the
	// write end open keeps it blocked until the signal.
	var w *os.File
	var err error
	for deadline := time.Now().Add(10 * time.Second); w == nil && time.Now().Before(deadline); {
		if w, err = os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err != nil {
			w = nil
			time.Sleep(time.Millisecond)
		}
	}
	if w == nil {
		t.Fatalf("the command never opened the FIFO: %v", err)
	}
	defer w.Close()
	_ = cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("interrupt while reading: exit %d (%v)", code, err)
	}
}

func TestMessagesNameTheCause(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	env := []string{"KEYFACTOR_HOSTNAME=http://127.0.0.1", "KEYFACTOR_PORT=" + port, "KEYFACTOR_ALLOW_INSECURE_HTTP=true",
		"KEYFACTOR_USERNAME=u", "KEYFACTOR_PASSWORD=p"}
	r := cli(t, env, "", "role", "get", "1", "--timeout", "1s", "-o", "text")
	if r.code != 6 || !strings.Contains(r.stderr, "connection refused") || strings.Contains(r.stderr, "more time") {
		t.Errorf("refused under --timeout: %+v", r)
	}
	r = cli(t, []string{"KEYFACTOR_HOSTNAME=kf.example.com:8443", "KEYFACTOR_PORT=443", "KEYFACTOR_USERNAME=u", "KEYFACTOR_PASSWORD=p"},
		"", "role", "get", "1")
	if r.code != 2 || !strings.Contains(r.stderr, "KEYFACTOR_HOSTNAME") || !strings.Contains(r.stderr, "KEYFACTOR_PORT") {
		t.Errorf("two ports: %+v", r)
	}
}

func TestRoleDeleteByName(t *testing.T) {
	f := newFake(t)
	id := f.AddRole(keyfactortest.Role{Name: "Retired", Description: "d"})
	r := cli(t, f.env, "", "role", "delete", "--name", "Retired")
	if r.code != 0 || !jsonEq(r.stdout, `{"Id":`+strconv.Itoa(id)+`,"Name":"Retired","Deleted":true}`) || len(f.Roles()) != 1 {
		t.Errorf("delete --name: %+v", r)
	}
	if r := cli(t, f.env, "", "role", "delete", "--name", "Retired"); r.code != 4 {
		t.Errorf("delete --name again: %+v", r)
	}
	if r := cli(t, f.env, "", "role", "delete", "1", "--name", "x"); r.code != 2 {
		t.Errorf("both: %+v", r)
	}
}

func TestCompletionAndSuggestions(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if r := cli(t, nil, "", "completion", shell); r.code != 0 || !strings.Contains(r.stdout, "keyfactor") || len(r.stdout) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes", shell, r.code, len(r.stdout))
		}
	}
	// What the shell asks when the user presses tab.
	r := cli(t, nil, "", "__complete", "role", "ap")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "apply\t") {
		t.Errorf("completing role ap: %+v", r)
	}
	r = cli(t, nil, "", "__complete", "owner", "set", "--ro")
	if !strings.Contains(r.stdout, "--role-id") || !strings.Contains(r.stdout, "--role-name") {
		t.Errorf("completing --ro: %+v", r)
	}
	for args, want := range map[string]string{"rol list": `did you mean "job" or "role"?`, "role aply": `did you mean "role apply"?`,
		"owner st 1": `did you mean "owner set"?`} {
		if r := cli(t, nil, "", append(strings.Fields(args), "-o", "text")...); r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: %+v", args, r)
		}
	}
}

// TestBashCompletionWithoutThePackage: the bash script completes on a
// shell that has no bash-completion package (no _get_comp_words_by_ref),
// as on minimal images; completion --help says how to install it.
func TestBashCompletionWithoutThePackage(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	script := `set -u
source <(keyfactor completion bash)
declare -F _init_completion >/dev/null && { echo "bash-completion is loaded: the test proves nothing" >&2; exit 3; }
COMP_WORDS=(keyfactor role ap); COMP_CWORD=2; COMP_LINE="keyfactor role ap"; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9
__start_keyfactor keyfactor ap role 2>/dev/null # compopt complains outside a real completion
printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command("bash", "--norc", "--noprofile", "-c", script)
	cmd.Env = append(cleanEnv(t, nil), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "apply" {
		t.Errorf("completing 'keyfactor role ap' without bash-completion: %v\n%s", err, out)
	}
	r := cli(t, nil, "", "completion", "--help")
	for _, want := range []string{"~/.bashrc", "bash-completion/completions/keyfactor", "_keyfactor", "completions/keyfactor.fish", "$PROFILE"} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("completion --help lacks %q: %+v", want, r)
		}
	}
}

// A server's text reaches the terminal with its control characters
// escaped: a description or error message carrying ESC sequences, a bell,
// a carriage return or a C1 CSI must not drive the terminal. JSON output
// stays JSON and still carries the exact value.
func TestServerTextCannotDriveTheTerminal(t *testing.T) {
	const evil = "ops\x1b]0;pwned\x07\x1b[2J\rfake line\u009b31m\x7f"
	f := newFake(t)
	id := strconv.Itoa(f.AddRole(keyfactortest.Role{Name: "Ops", Description: evil}))
	clean := func(s string) bool { return !strings.ContainsAny(s, "\x1b\x07\r\x7f\u009b") }

	text := cli(t, f.env, "", "role", "get", id, "-o", "text")
	if text.code != 0 || !clean(text.stdout) || !strings.Contains(text.stdout, `ops\u001b]0;pwned\u0007\u001b[2J\u000dfake line\u009b31m\u007f`) {
		t.Errorf("text: %+v", text)
	}
	js := cli(t, f.env, "", "role", "get", id)
	var got struct{ Description string }
	if js.code != 0 || !clean(js.stdout) || json.Unmarshal([]byte(js.stdout), &got) != nil || got.Description != evil {
		t.Errorf("json: %+v (description %q)", js, got.Description)
	}

	f.FailNext(1, keyfactortest.Fault{Status: http.StatusBadRequest, Message: evil})
	r := cli(t, f.env, "", "role", "get", id, "-o", "text")
	if r.code == 0 || !clean(r.stderr) || !strings.Contains(r.stderr, `pwned\u0007`) {
		t.Errorf("error: %+v", r)
	}
}

func TestPrintableSplitsNothing(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain\ttext\n", "plain\ttext\n"},
		{"", ""},
		{"\x00\x1f", `\u0000\u001f`},
		{"é ü 世界 \u00a0", "é ü 世界 \u00a0"}, // U+00A0 is 0xC2 0xA0: not C1
		{"\u0085\u009f", `\u0085\u009f`},
		{"\xc2", "\xc2"}, // a lone lead byte at the end is left as it is
	} {
		var b strings.Builder
		n, err := printable{&b}.Write([]byte(tt.in))
		if err != nil || n != len(tt.in) || b.String() != tt.want {
			t.Errorf("%q: wrote %q, n %d, err %v; want %q", tt.in, b.String(), n, err, tt.want)
		}
	}
}
