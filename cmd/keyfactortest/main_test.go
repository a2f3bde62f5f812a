package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The binaries, built once: this command and the keyfactor CLI it serves.
var kft, kf string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "keyfactortest-cmd")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kft, kf = filepath.Join(dir, "keyfactortest"), filepath.Join(dir, "keyfactor")
	for bin, pkg := range map[string]string{kft: ".", kf: "../keyfactor"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build %s: %v\n%s", pkg, err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cleanEnv is the test's environment without KEYFACTOR_* settings or a home
// with a config file.
func cleanEnv(t *testing.T) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KEYFACTOR") && !strings.HasPrefix(kv, "HOME=") {
			out = append(out, kv)
		}
	}
	return append(out, "HOME="+t.TempDir())
}

const seedJSON = `{
  "Users": [{"Name": "KEYEXAMPLE\\ops", "Password": "ops-Pw-5521", "Permissions": ["/security/read/"]}],
  "Roles": [{"Name": "Web Team", "Description": "Owners of the web certificates", "Permissions": ["/portal/read/"],
             "Claims": [{"Type": "Group", "Value": "KEYEXAMPLE\\Web", "Scheme": "Active Directory"}]}],
  "Certificates": [{"ID": 7, "IssuedCN": "web07.example.com", "OwnerRole": "Web Team", "NotAfter": "2099-01-01T00:00:00Z"}]
}`

const rolesJSON = `[{"Name": "PKI Operators", "Description": "Operators", "Permissions": ["/portal/read/"],
  "Claims": [{"ClaimType": "OAuthRole", "ClaimValue": "pki-ops", "ProviderAuthenticationScheme": "Keycloak"}]},
 {"Name": "Auditors", "Description": "Read only", "Permissions": ["/auditing/read/"]}]`

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAScriptAgainstTheFake is the README's recipe, run by bash: start the
// fake in the background, take its settings into the shell, drive the CLI
// (an idempotent apply, twice), stop it.
func TestAScriptAgainstTheFake(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	for _, tls := range []string{"", "--tls"} {
		t.Run("tls="+tls, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "requests.log")
			script := fmt.Sprintf(`set -eu
eval "$(%[1]q serve --print-env %[2]s --seed %[3]q --log %[4]q &)"
%[5]q role apply --file %[6]q
%[5]q role apply --file %[6]q -o text
%[5]q cert get 7 -o text
kill -TERM "$KEYFACTORTEST_PID"
for i in $(seq 100); do kill -0 "$KEYFACTORTEST_PID" 2>/dev/null || exit 0; sleep 0.05; done
echo "the fake did not stop" >&2; exit 1
`, kft, tls, writeTemp(t, "seed.json", seedJSON), log, kf, writeTemp(t, "roles.json", rolesJSON))
			cmd := exec.Command("bash", "-c", script)
			cmd.Env = append(cleanEnv(t), "KEYFACTOR_AUTH_ACCESS_TOKEN=left-over-from-another-shell")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
			}
			out := stdout.String()
			for _, want := range []string{`"Name":"PKI Operators"`, `"Action":"create"`, `= role "PKI Operators"`,
				`= role "Auditors"`, "owner: Web Team (role 2)"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			// The log: one JSON object per request; the second apply only read.
			entries := readLog(t, log)
			var posts, puts int
			for _, e := range entries {
				if e.Method == "POST" {
					posts++
				}
				if e.Method == "PUT" {
					puts++
				}
				if e.Status == 0 || e.Path == "" || e.Time.IsZero() {
					t.Errorf("log entry %+v", e)
				}
			}
			if posts != 2 || puts != 0 || len(entries) < 8 {
				t.Errorf("%d requests logged, %d POSTs, %d PUTs; want 2 creates and no update", len(entries), posts, puts)
			}
			raw, _ := os.ReadFile(log)
			basic := base64.StdEncoding.EncodeToString([]byte(`KEYFACTOR\admin:keyfactortest-admin-password`))
			for _, secret := range []string{"keyfactortest-admin-password", basic, "left-over-from-another-shell"} {
				if bytes.Contains(raw, []byte(secret)) {
					t.Errorf("the log holds %q", secret)
				}
			}
		})
	}
}

type logEntry struct {
	Time        time.Time
	Method      string
	Path, Query string
	Status      int
	Fault       string
	DurationMs  float64
}

func readLog(t *testing.T, path string) []logEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []logEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e logEntry
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// start runs the fake with args and returns its settings, parsed from
// --print-env, and the command, to signal and wait for.
func start(t *testing.T, args ...string) (map[string]string, *exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(kft, append([]string{"serve", "--print-env"}, args...)...)
	cmd.Env = cleanEnv(t)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	out, err := io.ReadAll(stdout) // returns when the fake closes stdout
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			name, value, _ := strings.Cut(kv, "=")
			env[name] = strings.ReplaceAll(strings.Trim(value, "'"), `'\''`, "'")
		}
	}
	if env["KEYFACTORTEST_URL"] == "" {
		t.Fatalf("no settings printed: %q\nstderr: %s", out, &stderr)
	}
	return env, cmd, &stderr
}

// TestSIGTERMLetsRequestsFinish: a request in flight when SIGTERM arrives
// is answered, new connections are refused, and the exit code is 0.
func TestSIGTERMLetsRequestsFinish(t *testing.T) {
	env, cmd, stderr := start(t, "--latency", "700ms")
	body := `{"Name": "In Flight", "Description": "d"}`
	req, _ := http.NewRequest("POST", env["KEYFACTORTEST_URL"]+"/Security/Roles", strings.NewReader(body))
	req.SetBasicAuth(`KEYFACTOR\admin`, env["KEYFACTOR_PASSWORD"])
	req.Header.Set("x-keyfactor-requested-with", "APIClient")
	req.Header.Set("x-keyfactor-api-version", "2.0")
	req.Header.Set("Content-Type", "application/json")
	// "Expect: 100-continue" makes the fake say when its handler starts
	// reading the body: the request is then in flight, past the listener's
	// backlog, and the fake holds it for --latency.
	req.Header.Set("Expect", "100-continue")
	inHandler := make(chan struct{})
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		Got100Continue: func() { close(inHandler) },
	}))
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	answered := make(chan int, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	<-inHandler
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if status := <-answered; status != 200 {
		t.Errorf("the request in flight got %d", status)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v\n%s", err, stderr)
	}
	if _, err := http.Get(env["KEYFACTORTEST_URL"]); err == nil {
		t.Error("the stopped fake still answers")
	}
}

// TestHalfABodyDoesNotHoldShutdown: a client that sends headers and part
// of its body, then nothing, is cut off after --shutdown-timeout.
func TestHalfABodyDoesNotHoldShutdown(t *testing.T) {
	env, cmd, stderr := start(t, "--shutdown-timeout", "200ms")
	u, _ := url.Parse(env["KEYFACTORTEST_URL"])
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s/Security/Roles HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: 1000\r\nExpect: 100-continue\r\n\r\n", u.Path, u.Host)
	// The fake answers 100 Continue once its handler reads the body: the
	// request is in flight. Then half a body, and silence.
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "100") {
		t.Fatalf("no 100 Continue: %q, %v", line, err)
	}
	fmt.Fprint(conn, `{"Name": "half`)
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || !strings.Contains(stderr.String(), "cut off") {
			t.Errorf("exit: %v after %v\n%s", err, time.Since(start), stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the fake did not stop while a client held half a body")
	}
}

// TestServeStopsWhileWaitingForItsFiles: a seed or log that is a FIFO
// nobody opened, or /dev/zero, never holds the program past a signal, nor
// grows its memory.
func TestServeStopsWhileWaitingForItsFiles(t *testing.T) {
	dir := t.TempDir()
	// One FIFO per case: a goroutine the seed case leaves blocked opening
	// its FIFO to read would be the reader the log case's open for
	// writing waits for, and the log would open after all.
	for i, flag := range []string{"--seed", "--log"} {
		fifo := filepath.Join(dir, "nobody"+strconv.Itoa(i)+".fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skip("no FIFO here:", err)
		}
		t.Cleanup(func() {
			// Release the goroutine left blocked opening the FIFO.
			if f, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
				f.Close()
			}
		})
		args := []string{flag, fifo}
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- run(ctx, append([]string{"serve"}, args...), &stdout, &stderr) }()
		cancel() // the signal: whether it comes before or during the wait
		select {
		case code := <-done:
			if code != 2 || !strings.Contains(stderr.String(), "stopped before it could be read") {
				t.Errorf("%v: exit %d, %s", args, code, &stderr)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%v: serve did not stop", args)
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--seed", "/dev/zero"}, io.Discard, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "larger than 64 MiB") {
		t.Errorf("/dev/zero: exit %d, %s", code, &stderr)
	}
}

// TestPrintEnvAuthenticatesAndClearsTheRest: the settings printed log in
// after a seed changed the administrator's password, and every KEYFACTOR_*
// variable of the shell they do not set is unset.
func TestPrintEnvAuthenticatesAndClearsTheRest(t *testing.T) {
	seed := writeTemp(t, "seed.json", `{"Users": [{"Name": "KEYFACTOR\\admin", "Password": "Ch4nged-pw", "Permissions": ["/"]}]}`)
	cmd := exec.Command(kft, "serve", "--print-env", "--seed", seed)
	cmd.Env = append(cleanEnv(t), "KEYFACTOR_LEFTOVER=1", "KEYFACTOR_CLIENT_TIMEOUT=1s")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	out, _ := io.ReadAll(stdout)
	text := string(out)
	unset, _, _ := strings.Cut(text, "\n")
	for _, name := range []string{"KEYFACTOR_LEFTOVER", "KEYFACTOR_CLIENT_TIMEOUT", "KEYFACTOR_AUTH_ACCESS_TOKEN"} {
		if !strings.Contains(" "+unset+" ", " "+name+" ") {
			t.Errorf("%s is not unset: %q", name, unset)
		}
	}
	if !strings.Contains(text, "export KEYFACTOR_PASSWORD='Ch4nged-pw'") {
		t.Errorf("the printed password is not the seeded one:\n%s", text)
	}
}

// TestWarnsWhenReachableWithThePublishedPassword: listening beyond
// loopback with the password everyone knows is said out loud; --password
// replaces it (and the published token).
func TestWarnsWhenReachableWithThePublishedPassword(t *testing.T) {
	for _, tt := range []struct {
		args []string
		warn bool
	}{
		{[]string{"--addr", "0.0.0.0:0"}, true},
		{[]string{"--addr", "0.0.0.0:0", "--password", "S3cret-choice"}, false},
		{[]string{"--addr", "127.0.0.1:0"}, false},
	} {
		env, cmd, stderr := start(t, tt.args...)
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if got := strings.Contains(stderr.String(), "warning"); got != tt.warn {
			t.Errorf("%v: warned %v: %s", tt.args, got, stderr)
		}
		if len(tt.args) > 2 && env["KEYFACTOR_PASSWORD"] != "S3cret-choice" {
			t.Errorf("--password: printed %q", env["KEYFACTOR_PASSWORD"])
		}
	}
}

func TestFaultsFromFlags(t *testing.T) {
	env, cmd, _ := start(t, "--fail-rate", "1")
	resp, err := http.Get(env["KEYFACTORTEST_URL"] + "/Security/Roles")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("--fail-rate 1: status %d", resp.StatusCode)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Errorf("SIGINT: %v", err)
	}
}

func TestBadInputIsExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown key", []string{"--seed", writeTemp(t, "s.json", `{"Roles": [{"Name": "x", "Descripton": "d"}]}`)},
			[]string{`unknown field "Descripton"`}},
		{"every problem named", []string{"--seed", writeTemp(t, "s.json", `{"Roles": [{"Name": "A"}, {"Name": "a"}],
			"Certificates": [{"ID": 1, "OwnerRole": "Nobody"}, {"ID": 1}], "Users": [{"Name": "x"}]}`)},
			[]string{`"a" is seeded twice`, `OwnerRole "Nobody" names no role`, "ID 1 is seeded twice", "Users[0]"}},
		{"not JSON", []string{"--seed", writeTemp(t, "s.json", "{\n  \"Roles\": [,]\n}")}, []string{"line 2"}},
		{"a claim type", []string{"--seed", writeTemp(t, "s.json", `{"Roles": [{"Name": "x", "Claims": [{"Type": "Robot"}]}]}`)},
			[]string{`claim type "Robot"`}},
		{"missing seed file", []string{"--seed", "/nonexistent/seed.json"}, []string{"no such file"}},
		{"a rate over 1", []string{"--fail-rate", "0.7", "--drop-rate", "0.7"}, []string{"add up to at most 1"}},
		{"an unknown flag", []string{"--port", "8080"}, []string{"unknown flag"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := runInProcess(t, append([]string{"serve"}, tt.args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2: %s", code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q: %s", w, out)
				}
			}
		})
	}
	// An address in use is a failure to serve: exit 1.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if code, out := runInProcess(t, "serve", "--addr", l.Addr().String()); code != 1 || !strings.Contains(out, "address already in use") {
		t.Errorf("address in use: exit %d: %s", code, out)
	}
}

// runInProcess runs one command line as main would, in this process, and
// returns its exit code and what it wrote.
func runInProcess(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	code := run(ctx, args, &out, &out)
	return code, out.String()
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	code, out := runInProcess(t, "serve", "--help")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, flag := range []string{"--addr", "--tls", "--seed", "--log", "--print-env", "--latency", "--fail-rate", "--drop-rate",
		"--random-seed", "--ca-file", "--api-path", "--job-delay", "--shutdown-timeout", "port 0 picks a free port"} {
		if !strings.Contains(out, flag) {
			t.Errorf("help lacks %s", flag)
		}
	}
}

// TestTheREADMEsBuildCommandWorks: the way the guide says to build the
// fake from a clone works as written (a plain "go build ./cmd/keyfactortest"
// collides with the keyfactortest package's directory).
func TestTheREADMEsBuildCommandWorks(t *testing.T) {
	guide, err := os.ReadFile("README.md")
	const command = "go build -o bin/ ./cmd/keyfactortest"
	if err != nil || !strings.Contains(string(guide), command) {
		t.Fatalf("README.md does not give %q: %v", command, err)
	}
	out := t.TempDir()
	build := exec.Command("go", "build", "-o", out+string(os.PathSeparator), "./cmd/keyfactortest")
	build.Dir = filepath.Join("..", "..") // the module root, where a clone's shell is
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", command, err, b)
	}
	if st, err := os.Stat(filepath.Join(out, "keyfactortest")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("no binary: %v", err)
	}
}
