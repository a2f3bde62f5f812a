package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
)

// Exit codes.
const (
	exitOK          = 0
	exitInvalid     = 2
	exitAuth        = 3
	exitNotFound    = 4
	exitClientError = 5
	exitServer      = 6
	exitPlanChanges = 8
	exitInterrupted = 130
)

type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	terminal       bool // stderr is a terminal: show progress there

	// common flags
	output  string
	timeout time.Duration
	dryRun  bool
	config  string
	profile string
	verbose bool

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

func (a *app) run(ctx context.Context, args []string) int {
	switch {
	case len(args) == 0:
		fmt.Fprint(a.stderr, usage(""))
		return exitInvalid
	case args[0] == "--version" || args[0] == "-version" || args[0] == "version":
		fmt.Fprint(a.stdout, version())
		return exitOK
	case isHelp(args[0]) && len(args) == 1:
		fmt.Fprint(a.stdout, usage(""))
		return exitOK
	case args[0] == "help": // help GROUP [COMMAND]
		return a.run(ctx, append(args[1:], "--help"))
	case !isGroup(args[0]):
		return a.fail(usagef("unknown command %q (see keyfactor --help)", args[0]))
	case len(args) == 1:
		fmt.Fprint(a.stderr, usage(args[0]))
		return exitInvalid
	case isHelp(args[1]):
		fmt.Fprint(a.stdout, usage(args[0]))
		return exitOK
	}
	name := args[0] + " " + args[1]
	cmd, ok := lookup(name)
	if !ok {
		return a.fail(usagef("unknown command %q (see keyfactor %s --help)", name, args[0]))
	}
	a.cmd = &cmd
	fs := flag.NewFlagSet("keyfactor "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.output, "output", "json", "output format: json or text")
	fs.DurationVar(&a.timeout, "timeout", 2*time.Minute, "give up after this long")
	fs.BoolVar(&a.dryRun, "dry-run", false, "validate and print the request instead of sending it")
	fs.StringVar(&a.config, "config", "", "command_config.json to read (default ~/.keyfactor/command_config.json)")
	fs.StringVar(&a.profile, "profile", "", `profile in that file (default "default")`)
	fs.BoolVar(&a.verbose, "v", false, "log requests and retries to stderr")
	run := cmd.setup(a, fs)
	pos, err := parseInterleaved(fs, args[2:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(a.stdout, commandHelp(name, fs))
		return exitOK
	}
	if err != nil {
		return a.fail(usagef("%v (see keyfactor %s --help)", err, name))
	}
	if a.output != "json" && a.output != "text" {
		return a.fail(usagef("--output must be json or text, not %q", a.output))
	}
	if a.timeout <= 0 {
		return a.fail(usagef("--timeout must be positive"))
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	err = run(ctx, pos)
	a.timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	return a.fail(err)
}

// parseInterleaved lets flags follow positional arguments
// ("owner set 42 --role-id 7"), which the flag package alone does not.
// Everything after "--" is positional, for ids that start with "-".
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i, a := range args {
		if a == "--" {
			args, rest = args[:i], args[i+1:]
			break
		}
	}
	pos, err := parseFlags(fs, args)
	return append(pos, rest...), err
}

func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// client builds the SDK client from the environment and config file. With
// --dry-run its transport records the first request instead of sending it.
func (a *app) client() (*keyfactor.Client, error) {
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
	cfg, err := keyfactor.LoadConfig(keyfactor.LoadOptions{ConfigFile: a.config, Profile: a.profile, Logger: logger})
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	cfg.UserAgent = "keyfactor-cli"
	if a.dryRun {
		a.dry = &dryRun{followUps: a.followUps}
		cfg.DryRun = a.dry.record
	}
	c, err := keyfactor.NewClient(cfg)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return c, nil
}

// fail reports err on stderr and returns its exit code; nil is success.
// A dry run's captured request is printed instead of its stand-in error.
func (a *app) fail(err error) int {
	if a.dry != nil && errors.Is(err, keyfactor.ErrDryRun) {
		a.dry.print(a.stdout)
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
	msg := strings.TrimPrefix(oneLine(err.Error()), "keyfactor: ")
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
	switch {
	case errors.As(err, &hostname):
		msg += " (the server's certificate does not name this host: check KEYFACTOR_HOSTNAME)"
	case errors.As(err, &unknownCA) || errors.As(err, &verify):
		msg += " (the server's certificate is not trusted: set KEYFACTOR_CA_CERT to its CA, a file or PEM text)"
	case a.timedOut && errors.Is(err, context.DeadlineExceeded):
		msg += fmt.Sprintf(" (--timeout %v reached: give it more time with --timeout)", a.timeout)
	}
	return msg, fields
}

func exitCode(err error) int {
	var ue *usageError
	var apiErr *keyfactor.APIError
	switch {
	case errors.As(err, &ue), errors.Is(err, keyfactor.ErrValidation):
		return exitInvalid
	case errors.Is(err, keyfactor.ErrUnauthorized), errors.Is(err, keyfactor.ErrForbidden):
		return exitAuth
	case errors.Is(err, keyfactor.ErrNotFound):
		return exitNotFound
	case errors.Is(err, keyfactor.ErrImmutable), errors.Is(err, keyfactor.ErrConflict):
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

// readJSONFile decodes a request from a file, or stdin for "-". Unknown
// fields are refused at every depth, so a typo does not silently drop a
// setting.
func (a *app) readJSONFile(path string, v any) error {
	data, err := a.readInput(path)
	if err != nil {
		return err
	}
	return decodeStrict(path, data, v)
}

// readInput reads --file: a path, or "-" for standard input.
func (a *app) readInput(path string) ([]byte, error) {
	if path == "" {
		return nil, usagef("--file is required (use - for standard input)")
	}
	var r io.Reader = a.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, &usageError{err.Error()}
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, usagef("%s: %v", displayName(path), err)
	}
	return data, nil
}

func decodeStrict(path string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return usagef("%s: not a valid request: %v", displayName(path), err)
	}
	if dec.More() {
		return usagef("%s: not a valid request: more than one JSON value", displayName(path))
	}
	return nil
}

func displayName(path string) string {
	if path == "-" {
		return "standard input"
	}
	return path
}
