package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/internal/strictjson"
)

// Exit codes.
const (
	exitOK          = 0
	exitInvalid     = 2
	exitAuth        = 3
	exitNotFound    = 4
	exitClientError = 5
	exitServer      = 6
	exitJobFailed   = 7 // a store job (or a rotation's) ended in failure
	exitPlanChanges = 8
	exitInterrupted = 130
)

type app struct {
	getenv         func(string) string // the environment; os.Getenv in main
	stdin          io.Reader
	stdout, stderr io.Writer // printable: control characters escaped
	tty            io.Writer // stderr as it is, for the progress line's carriage returns
	terminal       bool      // stderr is a terminal: show progress there
	stdinTerminal  bool      // stdin is a terminal: irreversible commands ask for --yes

	// common flags
	output  string
	timeout time.Duration
	dryRun  bool
	config  string
	profile string
	verbose bool

	// kf is the SDK client every command that talks to the server uses,
	// built once per run, in leaf, before the command runs; nil for an
	// offline command, and for one that checks its input offline when
	// --dry-run has no server to show a request for.
	kf  *keyfactor.Client
	dry *dryRun
	// followUps, set by a command, says what its dry run cannot show.
	followUps string
	cmd       *command // the command being run, for its names in messages
	timedOut  bool     // --timeout ended the command
}

// usageError is bad command-line usage: exit 2, nothing sent.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errUsageShown ends a command line whose usage was printed instead of an
// error message (a group named without a command): exit 2, nothing more.
var errUsageShown = errors.New("usage shown")

// commandError carries a command's own outcome through cobra, so that run
// can tell it from cobra's (an unknown command, a bad flag), which is
// usage.
type commandError struct{ err error }

func (e *commandError) Error() string { return e.err.Error() }

func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCommand()
	root.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	_, err := root.ExecuteContextC(ctx)
	var ce *commandError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errUsageShown):
		return exitInvalid
	case errors.As(err, &ce):
		return a.fail(ce.err)
	}
	return a.fail(&usageError{err.Error()})
}

// client builds the SDK client from the environment and config file. With
// --dry-run its transport records the first request instead of sending it.
func (a *app) client() (*keyfactor.Client, error) {
	cfg, err := a.config0()
	if err != nil {
		return nil, err
	}
	if a.dryRun {
		a.dry = &dryRun{}
		cfg.DryRun = a.dry.record
	}
	c, err := keyfactor.NewClient(cfg)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return c, nil
}

// config0 loads the configuration the client is built from. Its error
// matches keyfactor.ErrNotConfigured when no server is named at all.
func (a *app) config0() (keyfactor.Config, error) {
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := keyfactor.LoadConfig(keyfactor.LoadOptions{ConfigFile: a.config, Profile: a.profile, Logger: logger, Getenv: a.getenv})
	if err != nil {
		return cfg, &configError{err}
	}
	cfg.UserAgent = "keyfactor-cli"
	return cfg, nil
}

// configError is a configuration that LoadConfig refused: exit 2, with
// keyfactor.ErrNotConfigured reachable.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// fail reports err on stderr and returns its exit code; nil is success.
// A dry run's captured request is printed instead of its stand-in error.
func (a *app) fail(err error) int {
	if a.dry != nil && errors.Is(err, keyfactor.ErrDryRun) {
		a.dry.print(a.stdout, a.followUps)
		return exitOK
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errChangesPending) {
		return exitPlanChanges
	}
	code := exitCode(err)
	msg, fields := a.describe(err)
	if a.output == "json" {
		a.writeJSONError(err, msg, fields, code)
	} else {
		fmt.Fprintln(a.stderr, "keyfactor: "+msg)
	}
	return code
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// describe is err for a person: one line, the command's own names for bad
// input rather than the SDK's, and a hint where the fix is known.
func (a *app) describe(err error) (string, []fieldError) {
	// One "keyfactor: " prefix, however many errors (the CLI's and the
	// SDK's) the message is made of.
	msg := strings.ReplaceAll(oneLine(err.Error()), "keyfactor: ", "")
	var fields []fieldError
	var ve *keyfactor.ValidationError
	if errors.As(err, &ve) && a.cmd != nil && ve.Op != "NewClient" {
		parts := make([]string, 0, len(ve.Fields))
		for _, f := range ve.Fields {
			fe := fieldError{Field: a.cmd.rename(f.Field, true), Problem: a.cmd.rename(f.Problem, false)}
			fields = append(fields, fe)
			parts = append(parts, fe.Field+": "+fe.Problem)
		}
		msg = "invalid input: " + strings.Join(parts, "; ")
	} else if ve != nil {
		for _, f := range ve.Fields {
			fields = append(fields, fieldError{Field: f.Field, Problem: f.Problem})
		}
	}
	var unknownCA x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	var hostname x509.HostnameError
	var dns *net.DNSError
	switch {
	case errors.As(err, &hostname):
		msg += " (the server's certificate does not name this host: check KEYFACTOR_HOSTNAME)"
	case errors.As(err, &unknownCA) || errors.As(err, &verify):
		msg += " (the server's certificate is not trusted: set KEYFACTOR_CA_CERT to its CA, a file or PEM text)"
	case errors.Is(err, syscall.ECONNREFUSED):
		// More time would not help: nothing listens there.
		msg += " (nothing accepts connections there: check KEYFACTOR_HOSTNAME and KEYFACTOR_PORT, and that the server runs)"
	case errors.As(err, &dns):
		msg += " (the host name does not resolve: check KEYFACTOR_HOSTNAME)"
	case a.timedOut && errors.Is(err, context.DeadlineExceeded):
		msg += fmt.Sprintf(" (--timeout %v reached: give it more time with --timeout)", a.timeout)
	}
	return msg, fields
}

func exitCode(err error) int {
	var ue *usageError
	var ce *configError
	var apiErr *keyfactor.APIError
	switch {
	case errors.Is(err, keyfactor.ErrJobFailed):
		return exitJobFailed
	case errors.As(err, &ue), errors.As(err, &ce), errors.Is(err, keyfactor.ErrValidation):
		return exitInvalid
	case errors.Is(err, keyfactor.ErrUnauthorized), errors.Is(err, keyfactor.ErrForbidden):
		return exitAuth
	case errors.Is(err, keyfactor.ErrNotFound):
		return exitNotFound
	case errors.Is(err, keyfactor.ErrImmutable), errors.Is(err, keyfactor.ErrConflict), errors.Is(err, keyfactor.ErrDenied):
		return exitClientError
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500:
		return exitClientError
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return exitServer
}

// jsonError is the --output json form of an error on stderr, in the same
// key style as everything else the CLI prints (Keyfactor's).
type jsonError struct {
	Error     string       `json:"Error"`
	ExitCode  int          `json:"ExitCode"`
	Status    int          `json:"Status,omitempty"`
	ErrorCode string       `json:"ErrorCode,omitempty"`
	Message   string       `json:"Message,omitempty"`
	Fields    []fieldError `json:"Fields,omitempty"`
}

type fieldError struct {
	Field   string `json:"Field"`
	Problem string `json:"Problem"`
}

func (a *app) writeJSONError(err error, msg string, fields []fieldError, code int) {
	out := jsonError{Error: msg, ExitCode: code, Fields: fields}
	var apiErr *keyfactor.APIError
	if errors.As(err, &apiErr) {
		out.Status, out.ErrorCode, out.Message = apiErr.StatusCode, apiErr.ErrorCode, apiErr.Message
	}
	b, _ := json.Marshal(out)
	fmt.Fprintln(a.stderr, string(b))
}

// print writes v as indented JSON, or calls text for --output text.
func (a *app) print(v any, text func(io.Writer)) error {
	if a.output == "text" {
		text(a.stdout)
		return nil
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// intArg parses a positive id argument.
func intArg(name, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, usagef("%s must be a number, got %q", name, s)
	}
	return n, nil
}

// Bounds on what the CLI reads from files: far above any real role file or
// state file, far below what would exhaust memory (/dev/zero, a FIFO fed
// without end).
const (
	maxRequestFile = 16 << 20
	maxStateFile   = 64 << 20
)

// readJSONFile decodes a request from --file (a path, or "-" for standard
// input) with strictjson.Decode: an unknown key at any depth, a key
// twice (in any case) and anything after the value are refused.
func (a *app) readJSONFile(ctx context.Context, path string, v any) error {
	data, err := a.readInput(ctx, "--file", path, maxRequestFile)
	if err != nil {
		return err
	}
	if err := strictjson.Decode(data, v); err != nil {
		return usagef("%s: not a valid request: %v", displayName(path), err)
	}
	return nil
}

// readInput reads the file a flag names, or standard input for "-": at
// most limit bytes, and no longer than ctx allows, so that --timeout and
// Ctrl-C work while a FIFO or a terminal is being read. When ctx ends
// first the reading goroutine is left behind, blocked; the process is
// about to exit.
func (a *app) readInput(ctx context.Context, flag, path string, limit int64) ([]byte, error) {
	if path == "" {
		return nil, usagef("%s is required (use - for standard input)", flag)
	}
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	var file *os.File
	opened := make(chan struct{})
	go func() {
		r := a.stdin
		if path != "-" {
			f, err := os.Open(path) // blocks on a FIFO until a writer comes
			if err != nil {
				close(opened)
				done <- result{err: err}
				return
			}
			defer f.Close()
			file, r = f, f
		}
		close(opened)
		data, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err == nil && int64(len(data)) > limit {
			err = fmt.Errorf("larger than %d MiB: not a file this command reads", limit>>20)
		}
		done <- result{data, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			var pe *os.PathError
			if errors.As(res.err, &pe) {
				return nil, &usageError{res.err.Error()}
			}
			return nil, usagef("%s %s: %v", flag, displayName(path), res.err)
		}
		return res.data, nil
	case <-ctx.Done():
		select {
		case <-opened:
			if file != nil {
				_ = file.Close() // unblocks a read from a pipe or FIFO
			}
		default:
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("reading %s %s: %w", flag, displayName(path), ctx.Err())
		}
		return nil, usagef("%s %s: nothing readable arrived within --timeout %v", flag, displayName(path), a.timeout)
	}
}

func displayName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}
