package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func TestCertCommands(t *testing.T) {
	f := newFake(t)
	ops := f.AddRole(keyfactortest.Role{Name: "PKI Operators", Description: "d"})
	future := time.Now().AddDate(1, 0, 0)
	f.AddCertificate(keyfactortest.Certificate{ID: 1, IssuedCN: "web01.example.com", OwnerRoleID: ops, NotAfter: future})
	f.AddCertificate(keyfactortest.Certificate{ID: 2, IssuedCN: "db01.example.com", NotAfter: future})

	r := cli(t, f.env, "", "cert", "get", "1")
	var cert keyfactor.Certificate
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &cert) != nil || cert.OwnerRoleID == nil || *cert.OwnerRoleID != ops {
		t.Fatalf("cert get: %+v", r)
	}
	r = cli(t, f.env, "", "cert", "get", "2", "--output", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "owner: (none)") {
		t.Errorf("cert get text: %+v", r)
	}
	if r = cli(t, f.env, "", "cert", "get", "9"); r.code != 4 {
		t.Errorf("cert get unknown: %+v", r)
	}
	r = cli(t, f.env, "", "cert", "list", "--query", `IssuedCN -startswith "web"`)
	if r.code != 0 || strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stdout, `"IssuedCN":"web01.example.com"`) {
		t.Errorf("cert list: %+v", r)
	}
	r = cli(t, f.env, "", "cert", "list", "--output", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "PKI Operators (role "+strconv.Itoa(ops)+")") || strings.Count(r.stdout, "\n") != 3 {
		t.Errorf("cert list text: %+v", r)
	}
}

// seedOwners adds n certificates, every 7th already owned by role.
func seedOwners(f *fake, n, role int) {
	for id := 1; id <= n; id++ {
		c := keyfactortest.Certificate{ID: id, IssuedCN: "web" + strconv.Itoa(id) + ".example.com", NotAfter: time.Now().AddDate(1, 0, 0)}
		if id%7 == 0 {
			c.OwnerRoleID = role
		}
		f.AddCertificate(c)
	}
	f.AddCertificate(keyfactortest.Certificate{ID: n + 1, IssuedCN: "db.example.com", NotAfter: time.Now().AddDate(1, 0, 0)})
}

func TestOwnerSetByQuery(t *testing.T) {
	f := newFake(t)
	web := f.AddRole(keyfactortest.Role{Name: "Web Team", Description: "d"})
	seedOwners(f, 300, web)
	args := []string{"owner", "set", "--query", `IssuedCN -startswith "web"`, "--role-name", "Web Team"}

	// --plan: what would change, exit 8, no write.
	r := cli(t, f.env, "", append(args, "--plan")...)
	var plan ownerPlanOut
	if r.code != 8 || json.Unmarshal([]byte(r.stdout), &plan) != nil || plan.Matched != 300 || len(plan.WouldChange) != 258 ||
		plan.AlreadyOwned != 42 || writesIn(f) != 0 {
		t.Fatalf("--plan: %+v (%d writes)", r, writesIn(f))
	}
	r = cli(t, f.env, "", append(args, "--concurrency", "4")...)
	var sum ownerSummary
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &sum) != nil || sum.Changed != 258 || sum.AlreadyOwned != 42 ||
		len(sum.Failed) != 0 || r.stderr != "" {
		t.Fatalf("owner set --query: %+v", r)
	}
	if owner, _ := f.Owner(301); owner == web {
		t.Error("a certificate outside the query changed owner")
	}
	// Again: nothing to do.
	f.ResetRequests()
	r = cli(t, f.env, "", append(args, "--output", "text")...)
	if r.code != 0 || !strings.Contains(r.stdout, "300 certificates match: 0 changed, 300 already had that owner") || writesIn(f) != 0 {
		t.Errorf("second run: %+v", r)
	}
	// A failure: the summary names it and the exit code is its own.
	f.FailNext(1, keyfactortest.Fault{Method: "PUT", Status: 403, Message: "Missing permission /certificates/collections/change_owner/."})
	r = cli(t, f.env, "", "owner", "set", "--query", `IssuedCN -eq "db.example.com"`, "--role-id", strconv.Itoa(web))
	sum = ownerSummary{}
	if r.code != 3 || json.Unmarshal([]byte(r.stdout), &sum) != nil || len(sum.Failed) != 1 || sum.Failed[0].CertificateID != 301 ||
		!strings.HasPrefix(sum.Failed[0].Error, "403 Missing permission") || !strings.Contains(r.stderr, "1 of 1 certificates failed") {
		t.Errorf("a failure: %+v", r)
	}
	if r = cli(t, f.env, "", "owner", "set", "5", "--query", "x", "--role-id", "1"); r.code != 2 {
		t.Errorf("CERT_ID with --query: %+v", r)
	}
	if r = cli(t, f.env, "", "owner", "set", "5", "--role-id", "1", "--plan"); r.code != 2 {
		t.Errorf("--plan without --query: %+v", r)
	}
}

// TestOwnerSetResumesAfterKill: SIGKILL in the middle of 5,000
// certificates; running the same command again finishes the rest, and no
// certificate's owner is written twice.
func TestOwnerSetResumesAfterKill(t *testing.T) {
	srv := keyfactortest.NewTLSServer(keyfactortest.WithLatency(2 * time.Millisecond))
	t.Cleanup(srv.Close)
	f := &fake{Server: srv, env: fakeEnv(srv, "admin", "KEYFACTOR", keyfactortest.AdminPassword)}
	web := f.AddRole(keyfactortest.Role{Name: "Web Team", Description: "d"})
	seedOwners(f, 5000, web)
	state := filepath.Join(t.TempDir(), "owners.state")
	args := []string{"owner", "set", "--query", `IssuedCN -startswith "web"`, "--role-name", "Web Team", "--state", state,
		"--concurrency", "8", "--timeout", "5m"}

	// The first run goes through a gate that holds every owner update after
	// the 1,000th: it is killed there, however loaded the machine is.
	const stop, concurrency = 1000, 8
	g := &gate{h: srv, after: stop, reached: make(chan struct{}), release: make(chan struct{})}
	gated := httptest.NewTLSServer(g)
	t.Cleanup(gated.Close)
	t.Cleanup(g.open) // before gated.Close, which waits for held requests
	cmd := binCommand(t, envFor(gated.URL, gated.Certificate(), "admin", "KEYFACTOR", keyfactortest.AdminPassword), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.reached:
	case <-time.After(time.Minute):
		t.Fatalf("the first run never made %d owner updates\n%s", stop+1, out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	g.open()
	first := lines(t, state) - 1 // the header is a line too
	if first < stop-concurrency || first > stop {
		t.Fatalf("killed after %d certificates; want %d at most %d fewer\n%s", first, stop, concurrency, out.String())
	}
	// Requests the killed process had in flight settle on the server (each
	// is applied or dropped): Close returns once every handler of the gate
	// has, and the second run starts from what is there.
	gated.Close()
	finished, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	for _, line := range strings.Split(string(finished), "\n")[1:] { // after the header
		recorded["/KeyfactorAPI/Certificates/"+line+"/Owner"] = true
	}
	f.ResetRequests()

	r := cli(t, f.env, "", args...)
	var sum ownerSummary
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &sum) != nil || len(sum.Failed) != 0 ||
		sum.Changed+sum.DoneEarlier+sum.AlreadyOwned != 5000 {
		t.Fatalf("second run: %+v", r)
	}
	for id := 1; id <= 5000; id++ {
		if owner, _ := f.Owner(id); owner != web {
			t.Fatalf("certificate %d is not owned by the role", id)
		}
	}
	// The second run wrote each remaining certificate once, and none that
	// the first run had finished.
	puts := map[string]int{}
	for _, req := range f.Requests() {
		if req.Method == "PUT" {
			puts[req.Path]++
		}
	}
	if len(puts) != sum.Changed || sum.Changed > 5000-714-first {
		t.Errorf("the second run wrote %d certificates and reports %d changed; the first finished %d", len(puts), sum.Changed, first)
	}
	for path, n := range puts {
		if n != 1 || recorded[path] {
			t.Errorf("%s written %d times in the second run (recorded by the first: %v)", path, n, recorded[path])
		}
	}
	t.Logf("killed after %d recorded; the second run changed %d, skipped %d recorded and %d already owned",
		first, sum.Changed, sum.DoneEarlier, sum.AlreadyOwned)
}

// gate serves h, holding each PUT after the first after until open is
// called; reached is closed when the first one is held.
type gate struct {
	h         http.Handler
	after     int64
	puts      atomic.Int64
	reached   chan struct{}
	release   chan struct{}
	hold, rel sync.Once
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut && g.puts.Add(1) > g.after {
		g.hold.Do(func() { close(g.reached) })
		<-g.release
	}
	g.h.ServeHTTP(w, r)
}

func (g *gate) open() { g.rel.Do(func() { close(g.release) }) }

func lines(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

func TestProgressOnlyOnATerminal(t *testing.T) {
	var buf bytes.Buffer
	a := &app{tty: &buf, terminal: true}
	step := a.progress(3)
	step(nil)
	step(errors.New("boom"))
	step(nil)
	if got := buf.String(); !strings.HasSuffix(got, "\r3/3: 2 changed, 1 failed\n") || !strings.HasPrefix(got, "\r1/3: 1 changed, 0 failed") {
		t.Errorf("progress = %q", got)
	}
	buf.Reset()
	a.terminal = false
	a.progress(3)(nil)
	if buf.Len() != 0 {
		t.Errorf("progress without a terminal: %q", buf.String())
	}
	if isTerminal(&buf) {
		t.Error("a buffer is not a terminal")
	}
}

func TestStateFile(t *testing.T) {
	dir := t.TempDir()
	req := stateRequest{Query: `IssuedCN -startswith "web"`, RoleID: 7}
	head, _ := json.Marshal(req)
	header := stateHeader + string(head) + "\n"
	write := func(body string) string {
		p := filepath.Join(dir, strconv.Itoa(len(body))+".state")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := &app{stdin: strings.NewReader("")}
	load := func(path string) (*ownerState, error) { return a.loadState(context.Background(), path) }

	// A torn last piece counts for nothing, and is cut off before the next
	// id is appended: "3" + "1\n" must not become 31.
	p := write(header + "1\n17\n3")
	st, err := load(p)
	if err != nil || len(st.done) != 2 || !st.done[1] || !st.done[17] || st.done[3] || st.bind(req) != nil {
		t.Fatalf("torn last line: %+v, %v", st, err)
	}
	record, closeFile, err := st.open()
	if err != nil {
		t.Fatal(err)
	}
	record(1)
	closeFile()
	if st, err = load(p); err != nil || len(st.done) != 2 || st.done[31] {
		t.Errorf("after appending: %v, %v", st.done, err)
	}
	// A new file gets the header of its request.
	p = filepath.Join(dir, "new.state")
	st, _ = load(p)
	if err := st.bind(req); err != nil {
		t.Fatal(err)
	}
	record, closeFile, _ = st.open()
	record(5)
	closeFile()
	if b, _ := os.ReadFile(p); string(b) != header+"5\n" {
		t.Errorf("new file = %q", b)
	}
	// A file of another request, of no request, or with garbage is refused.
	st, _ = load(write(header + "1\n"))
	if err := st.bind(stateRequest{Query: req.Query, RoleID: 8}); err == nil || !strings.Contains(err.Error(), "another request") {
		t.Errorf("another role: %v", err)
	}
	if _, err := load(write("1\n17\n")); err == nil || !strings.Contains(err.Error(), "not a state file") {
		t.Errorf("bare ids: %v", err)
	}
	if _, err := load(write(header + "1\nnot an id\n3\n")); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("garbage in the middle: %v", err)
	}
}
