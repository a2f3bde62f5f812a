package main

import (
	"bytes"
	"context"
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

const usage = `usage: keyfactor <command> [arguments] [flags]

commands:
  owner set CERT_ID (--role-id N | --role-name NAME) [--collection-id N | --container-id N]
  owner set --query Q (--role-id N | --role-name NAME) [--plan] [--state FILE] [--concurrency N]
                                     every matching certificate; skips those already owned;
                                     --state resumes after an interruption
  owner clear CERT_ID [--collection-id N | --container-id N]
  cert get CERT_ID [--collection-id N] [--metadata]
  cert list [--query Q] [--collection-id N] [--include-revoked] [--include-expired] [--page-size N]
  role create --file FILE            create a role (API v2) from JSON; "-" reads stdin
  role get ID
  role list [--query Q] [--page-size N] [--sort FIELD] [--descending]
                                     every role, one JSON line each (a table with --output text)
  role update --file FILE            replace a role (API v2); the file needs Id, Permissions and Claims
  role delete ID
  role apply --file FILE [--plan]    make the server hold the role(s) in FILE (one or an array);
                                     --plan shows the changes and sends no write
  role clone ID --name NAME [--description TEXT] [--email ADDRESS]
  role create-v1 --file FILE         deprecated v1 API
  role copy-v1 ID --name NAME --description TEXT [--email ADDRESS]   deprecated v1 API

flags for every command:
  --output json|text   output format (default json)
  --timeout DURATION   give up after this long (default 2m)
  --dry-run            validate and print the request instead of sending it
  --config FILE        command_config.json to read (default ~/.keyfactor/command_config.json)
  --profile NAME       profile in that file (default "default")
  -v                   log requests and retries to stderr

The server and credentials come from KEYFACTOR_* variables or the config file.
Exit codes: 0 ok, 2 invalid input or usage, 3 unauthorized/forbidden, 4 not found,
5 conflict or other 4xx, 6 server or network failure, 8 --plan found changes (role apply, owner set --query),
130 interrupted.
`

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
}

// usageError is bad command-line usage: exit 2, nothing sent.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(a.stdout, usage)
		return exitOK
	}
	if len(args) < 2 {
		return a.fail(usagef("%s: missing subcommand (see keyfactor help)", args[0]))
	}
	cmd, ok := commands[args[0]+" "+args[1]]
	if !ok {
		return a.fail(usagef("unknown command %q (see keyfactor help)", args[0]+" "+args[1]))
	}
	fs := flag.NewFlagSet("keyfactor "+args[0]+" "+args[1], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.output, "output", "json", "json or text")
	fs.DurationVar(&a.timeout, "timeout", 2*time.Minute, "overall timeout")
	fs.BoolVar(&a.dryRun, "dry-run", false, "print the request instead of sending it")
	fs.StringVar(&a.config, "config", "", "config file")
	fs.StringVar(&a.profile, "profile", "", "config profile")
	fs.BoolVar(&a.verbose, "v", false, "verbose")
	run := cmd(a, fs)
	pos, err := parseInterleaved(fs, args[2:])
	if err != nil {
		return a.fail(&usageError{err.Error()})
	}
	if a.output != "json" && a.output != "text" {
		return a.fail(usagef("--output must be json or text, not %q", a.output))
	}
	if a.timeout <= 0 {
		return a.fail(usagef("--timeout must be positive"))
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	return a.fail(run(ctx, pos))
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
	if a.output == "json" {
		a.writeJSONError(err, code)
	} else {
		fmt.Fprintln(a.stderr, "keyfactor: "+strings.TrimPrefix(oneLine(err.Error()), "keyfactor: "))
	}
	return code
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

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
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500:
		return exitClientError
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return exitServer
}

// jsonError is the --output json form of an error on stderr.
type jsonError struct {
	Error     string       `json:"error"`
	ExitCode  int          `json:"exitCode"`
	Status    int          `json:"status,omitempty"`
	ErrorCode string       `json:"ErrorCode,omitempty"`
	Message   string       `json:"Message,omitempty"`
	Fields    []fieldError `json:"fields,omitempty"`
}

type fieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

func (a *app) writeJSONError(err error, code int) {
	out := jsonError{Error: oneLine(err.Error()), ExitCode: code}
	var apiErr *keyfactor.APIError
	var ve *keyfactor.ValidationError
	if errors.As(err, &apiErr) {
		out.Status, out.ErrorCode, out.Message = apiErr.StatusCode, apiErr.ErrorCode, apiErr.Message
	}
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			out.Fields = append(out.Fields, fieldError{f.Field, f.Problem})
		}
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
