package main

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
	"github.com/spf13/cobra"
)

// serveOptions are serve's flags.
type serveOptions struct {
	addr, seed, log, caFile, apiPath string
	password                         string
	tls, printEnv                    bool
	latency, drain, jobDelay         time.Duration
	failRate, dropRate               float64
	randomSeed                       uint64
}

func rootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "keyfactortest",
		Short:         "a fake Keyfactor Command to run from the shell, for testing scripts and tools",
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	var o serveOptions
	serve := &cobra.Command{
		Use:   "serve",
		Short: "serve the fake Keyfactor Command API until SIGINT or SIGTERM",
		Long: `Serves the keyfactortest fake of Keyfactor Command's API (roles, permission sets,
collections and containers; certificates, their owners, enrollment from an in-memory CA,
revocation, renewal and metadata; certificate stores, store types, agents and an
orchestrator running store jobs; users, permissions and an OAuth token endpoint) on --addr,
as the administrator KEYFACTOR\admin can use it (see --print-env), plus whatever --seed adds.

	go build -o bin/ ./cmd/keyfactortest            # from a clone; or go install .../cmd/keyfactortest@latest
	eval "$(bin/keyfactortest serve --print-env &)" # serve in the background; settings in this shell
	keyfactor role list
	kill "$KEYFACTORTEST_PID"                       # stops after requests in flight

Run the built binary, not "go run", under eval: go run keeps standard output
open until the server exits, so $(...) would wait for it.

The seed file is JSON; its keys are the Go field names of package keyfactortest's types:
{"Users": [...], "OAuthClients": [...], "PermissionSets": [...], "Roles": [...], "Certificates": [...],
 "Templates": [...], "CAs": [...], "StoreTypes": [...], "Agents": [...], "Stores": [...]}
(see the README for an example). A bad seed file is exit 2, naming every problem.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return serveFake(cmd.Context(), o, stdout, stderr) },
	}
	f := serve.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:0", "address to listen on; port 0 picks a free port")
	f.StringVar(&o.password, "password", "", "the administrator's password (default: keyfactortest's published one); "+
		"set it when --addr is reachable from other machines")
	f.DurationVar(&o.drain, "shutdown-timeout", 10*time.Second, "on SIGINT or SIGTERM, how long requests in flight may take before their connections are closed")
	f.BoolVar(&o.tls, "tls", false, "serve HTTPS with a self-signed certificate (its CA is written to --ca-file)")
	f.StringVar(&o.caFile, "ca-file", "", "with --tls: where to write the CA certificate (default: a new file in the temporary directory)")
	f.StringVar(&o.seed, "seed", "", "JSON file of users, roles, certificates, ... to start with")
	f.StringVar(&o.log, "log", "", `file to append one JSON line per request to ("-" for stderr); never holds a credential`)
	f.BoolVar(&o.printEnv, "print-env", false, "once listening, print the KEYFACTOR_* settings as shell export lines, then close stdout")
	f.StringVar(&o.apiPath, "api-path", strings.TrimPrefix(keyfactortest.DefaultAPIPath, "/"), "path the API is served under")
	f.DurationVar(&o.latency, "latency", 0, "wait this long before answering each request")
	f.DurationVar(&o.jobDelay, "job-delay", 0, "run each orchestrator job this long after it was scheduled (0: at the next request)")
	f.Float64Var(&o.failRate, "fail-rate", 0, "fraction (0 to 1) of requests answered 503 without acting")
	f.Float64Var(&o.dropRate, "drop-rate", 0, "fraction (0 to 1) of requests acted on, then dropped unanswered")
	f.Uint64Var(&o.randomSeed, "random-seed", 1, "seed of the draws behind --fail-rate and --drop-rate (a run repeats with the same requests)")
	root.AddCommand(serve)
	return root
}

// maxSeed bounds the seed file: far above any real seed, far below what
// would exhaust memory (/dev/zero, a FIFO fed without end).
const maxSeed = 64 << 20

// serveFake runs the server until ctx ends. Everything it waits on before
// serving (a seed or log that is a FIFO nobody opened) ends with ctx too.
func serveFake(ctx context.Context, o serveOptions, stdout, stderr io.Writer) error {
	if o.failRate < 0 || o.dropRate < 0 || o.failRate+o.dropRate > 1 {
		return errors.New("--fail-rate and --drop-rate must be between 0 and 1, and add up to at most 1")
	}
	if o.latency < 0 || o.drain < 0 || o.jobDelay < 0 {
		return errors.New("--latency, --shutdown-timeout and --job-delay must not be negative")
	}
	var seed []byte
	if o.seed != "" {
		var err error
		if seed, err = whileLive(ctx, func() ([]byte, error) { return readBounded(o.seed, maxSeed) }); err != nil {
			return fmt.Errorf("--seed %s: %w", o.seed, err)
		}
	}
	opts := []keyfactortest.Option{keyfactortest.WithAPIPath(o.apiPath), keyfactortest.WithLatency(o.latency), keyfactortest.WithJobDelay(o.jobDelay),
		keyfactortest.WithSeed(o.randomSeed)}
	if o.log != "" {
		w := stderr
		if o.log != "-" {
			f, err := whileLive(ctx, func() (*os.File, error) {
				return os.OpenFile(o.log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600) // blocks on a FIFO until a reader comes
			})
			if err != nil {
				return fmt.Errorf("--log %s: %w", o.log, err)
			}
			defer f.Close()
			w = f
		}
		opts = append(opts, keyfactortest.WithRequestLog(w))
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return &serveError{err}
	}
	opts = append(opts, keyfactortest.WithListener(ln))

	var srv *keyfactortest.Server
	if o.tls {
		srv = keyfactortest.NewTLSServer(opts...)
	} else {
		srv = keyfactortest.NewServer(opts...)
	}
	defer func() {
		// Requests in flight are answered; one that takes longer than
		// --shutdown-timeout (a client that sent half a body) is cut off.
		drain, cancel := context.WithTimeout(context.Background(), o.drain)
		defer cancel()
		if srv.Shutdown(drain) != nil {
			fmt.Fprintf(stderr, "keyfactortest: requests still in flight after --shutdown-timeout %v were cut off\n", o.drain)
		}
	}()
	if o.password != "" {
		srv.AddUser(keyfactortest.User{Name: keyfactortest.AdminUser, Password: o.password, Permissions: []string{"/"}})
	}
	if seed != nil {
		if err := srv.Seed(seed); err != nil {
			return fmt.Errorf("%s: %w", o.seed, err)
		}
	}
	srv.FailRandomly(o.failRate, keyfactortest.Fault{Status: 503})
	srv.FailRandomly(o.dropRate, keyfactortest.Fault{Drop: keyfactortest.DropAfterHandler})
	if !ln.Addr().(*net.TCPAddr).IP.IsLoopback() && o.password == "" && strings.Contains(strings.Join(srv.Env(), "\n"),
		"KEYFACTOR_PASSWORD="+keyfactortest.AdminPassword) {
		fmt.Fprintf(stderr, "keyfactortest: warning: %s is reachable beyond this machine, and the administrator's password is "+
			"keyfactortest's published one: anyone who can reach it has full control; set --password\n", ln.Addr())
	}

	env, cleanup, err := settings(srv, o)
	if err != nil {
		return &serveError{err}
	}
	defer cleanup()
	if o.printEnv {
		fmt.Fprint(stdout, env)
		if f, ok := stdout.(*os.File); ok {
			_ = f.Close() // so that $(...) returns while this serves on
		}
	}
	fmt.Fprintf(stderr, "keyfactortest: serving %s (pid %d); SIGINT or SIGTERM stops it\n", srv.URL, os.Getpid())
	<-ctx.Done()
	return nil
}

// whileLive runs f and returns what it returns, or ctx's error as soon as
// ctx ends: opening or reading a FIFO blocks until its other end comes,
// and a signal must still stop the program. When ctx ends first, f is left
// behind, blocked; the program is about to exit.
func whileLive[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("stopped before it could be read: %w", ctx.Err())
	}
}

// readBounded reads the file at path, refusing one larger than limit.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("larger than %d MiB: not a seed file", limit>>20)
	}
	return data, err
}

// authVars are the KEYFACTOR_* settings a shell may already hold that would
// send the keyfactor CLI elsewhere or with other credentials; the printed
// settings unset those they do not set.
var authVars = []string{"KEYFACTOR_CLIENT_TIMEOUT", "KEYFACTOR_HOSTNAME", "KEYFACTOR_PORT", "KEYFACTOR_API_PATH", "KEYFACTOR_USERNAME", "KEYFACTOR_PASSWORD",
	"KEYFACTOR_DOMAIN", "KEYFACTOR_CA_CERT", "KEYFACTOR_SKIP_VERIFY", "KEYFACTOR_ALLOW_INSECURE_HTTP", "KEYFACTOR_AUTH_ACCESS_TOKEN",
	"KEYFACTOR_AUTH_CLIENT_ID", "KEYFACTOR_AUTH_CLIENT_SECRET", "KEYFACTOR_AUTH_TOKEN_URL", "KEYFACTOR_AUTH_SCOPES",
	"KEYFACTOR_AUTH_AUDIENCE", "KEYFACTOR_AUTH_CA_CERT", "KEYFACTOR_AUTH_CONFIG_FILE", "KEYFACTOR_AUTH_CONFIG_PROFILE"}

// settings renders the server's KEYFACTOR_* settings as POSIX shell lines.
// With TLS the CA goes to a file (a path reads better in a shell than PEM
// text); cleanup removes a file this run created.
func settings(srv *keyfactortest.Server, o serveOptions) (string, func(), error) {
	cleanup := func() {}
	var b strings.Builder
	set := map[string]bool{}
	export := func(name, value string) {
		set[name] = true
		fmt.Fprintf(&b, "export %s=%s\n", name, shellQuote(value))
	}
	for _, kv := range srv.Env() {
		name, value, _ := strings.Cut(kv, "=")
		if name == "KEYFACTOR_CA_CERT" {
			path, remove, err := writeCA(srv, o.caFile)
			if err != nil {
				return "", cleanup, err
			}
			cleanup, value = remove, path
		}
		export(name, value)
	}
	export("KEYFACTORTEST_URL", srv.URL)
	export("KEYFACTORTEST_TOKEN_URL", srv.TokenURL)
	export("KEYFACTORTEST_PID", strconv.Itoa(os.Getpid()))
	// Every KEYFACTOR_* setting the shell holds (the program inherited its
	// environment) or the SDK reads, and this does not set, is unset: a
	// leftover one would send the CLI elsewhere or with other credentials.
	unsetNames := map[string]bool{}
	for _, name := range authVars {
		unsetNames[name] = true
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "KEYFACTOR_") && validName(name) {
			unsetNames[name] = true
		}
	}
	var unset []string
	for name := range unsetNames {
		if !set[name] {
			unset = append(unset, name)
		}
	}
	slices.Sort(unset)
	return "unset " + strings.Join(unset, " ") + "\n" + b.String(), cleanup, nil
}

// writeCA writes the TLS server's certificate as PEM to path, or to a new
// file in the temporary directory (removed again on exit).
func writeCA(srv *keyfactortest.Server, path string) (string, func(), error) {
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.TLSCertificate().Raw})
	if path != "" {
		return path, func() {}, os.WriteFile(path, ca, 0o644)
	}
	dir, err := os.MkdirTemp("", "keyfactortest-")
	if err != nil {
		return "", func() {}, err
	}
	path = filepath.Join(dir, "ca.pem")
	return path, func() { _ = os.RemoveAll(dir) }, os.WriteFile(path, ca, 0o644)
}

// shellQuote quotes s for a POSIX shell: in single quotes, each single
// quote inside closed, escaped and reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// validName reports whether name can be unset by a POSIX shell.
func validName(name string) bool {
	for i, r := range name {
		if !(r == '_' || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return name != ""
}
