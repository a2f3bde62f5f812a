package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// command is one CLI command: how to call it (one synopsis per form), what
// it does, its setup (which registers its flags and returns the function
// that runs it with the positional arguments), and the names its input has
// on the command line, so that the SDK's field names never reach the user.
type command struct {
	name     string   // group and verb: "role apply"
	synopses []string // the forms, after the name
	summary  string
	long     string // more help, when the summary is not enough
	setup    func(a *app, fs *pflag.FlagSet) func(ctx context.Context, args []string) error
	names    map[string]string // SDK field or word → flag, argument or command
	// args checks the positional arguments' count before anything else
	// runs (noArgs, oneArg, idOrName).
	args cobra.PositionalArgs
	// offline commands never build a client (role validate); checksOffline
	// ones still run, with a nil a.kf, under --dry-run when no server is
	// configured, to check their input.
	offline, checksOffline bool
}

// noArgs is a command that takes no positional argument; hint says what
// to use instead ("use --file").
func noArgs(hint string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		msg := strings.TrimPrefix(c.CommandPath(), "keyfactor ") + " takes no arguments"
		if hint != "" {
			msg += "; " + hint
		}
		return usagef("%s", msg)
	}
}

// minArgs is a command that takes at least n positional arguments.
func minArgs(n int, name string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("expected at least %d %s argument(s), got %d", n, name, len(args))
		}
		return nil
	}
}

// oneArg is a command that takes exactly one positional argument, name.
func oneArg(name string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usagef("expected one %s argument, got %d", name, len(args))
		}
		return nil
	}
}

// idOrName is a command that takes an ID argument or --name, not both.
func idOrName(what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		byName := c.Flags().Changed("name")
		switch {
		case byName && len(args) != 0:
			return usagef("%s takes an ID or --name, not both", strings.TrimPrefix(c.CommandPath(), "keyfactor "))
		case !byName && len(args) != 1:
			return usagef("expected one %s ID argument, or --name, got %d arguments", what, len(args))
		}
		return nil
	}
}

// group is a noun the commands act on.
type group struct{ name, summary string }

var groups = []group{
	{"owner", "change who owns certificates"},
	{"cert", "issue, fetch and read certificates"},
	{"cert metadata", "set certificates' metadata"},
	{"template", "read certificate templates"},
	{"metadata-field", "manage the metadata fields certificates carry"},
	{"ca", "read certificate authorities"},
	{"store", "manage certificate stores and deliver certificates into them"},
	{"store-type", "read certificate store types"},
	{"agent", "manage orchestrators, the agents that run store jobs"},
	{"job", "follow orchestrator jobs to their end"},
	{"role", "manage security roles"},
	{"permission-set", "manage the permission sets that bound what roles may be granted"},
	{"claim", "manage security claims, the identities roles are granted to"},
	{"role claim", "add a claim to a role, or remove one"},
	{"collection", "read certificate collections"},
	{"container", "read certificate store containers"},
}

// Names shared by several commands.
var (
	ownerNames = map[string]string{"certificateID": "CERT_ID", "NewRoleID": "--role-id", "NewRoleName": "--role-name",
		"CollectionID": "--collection-id", "ContainerID": "--container-id", "ClearOwner": "owner clear"}
	idNames    = map[string]string{"id": "ID", "name": "--name"}
	cloneNames = map[string]string{"id": "ID", "Name": "--name", "Description": "--description", "EmailAddress": "--email"}
	listNames  = map[string]string{"PageSize": "--page-size", "CollectionID": "--collection-id"}
)

// roleFileHelp is what role create, apply and validate say of their file.
const roleFileHelp = `FILE holds one role, or an array of roles, as the body of POST /Security/Roles
with Keyfactor's key names: Name, Description, EmailAddress, PermissionSetId,
Permissions, Claims (each with ClaimType as a name or integer, ClaimValue,
ProviderAuthenticationScheme, Description). "role get" output reads back: its
Id, Immutable, and a claim's Id and Provider are accepted and ignored.
Unknown keys, a key written twice (in any case) and anything after the JSON
value are refused. For role apply, a key left out (Permissions, Claims) is
not managed: the server keeps what it holds; [] means none.`

// commandList is every command, each noun's from its own file, in the
// order help lists them.
var commandList = slices.Concat(ownerCommands, certCommands, certEnrollCommands, certLifecycleCommands, templateCommands, caCommands,
	metadataFieldCommands, storeCommands, storeTypeCommands, agentCommands, jobCommands, roleCommands, permissionSetCommands, whoamiCommands,
	claimCommands, roleClaimCommands, collectionCommands, containerCommands)

// rootCommand builds the command tree. Each run builds its own, so that
// flag values never carry from one run to the next.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "keyfactor",
		Short: "issue and fetch certificates, change their owners, and manage security roles in Keyfactor Command, from scripts",
		// The root takes no command of its own: unknownCommand explains a
		// typo, with cobra's suggestions.
		Args:          cobra.ArbitraryArgs,
		RunE:          a.unknownCommand,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version(),
		// What cobra's own "unknown command" uses; unknownCommand asks
		// SuggestionsFor, which does not default it.
		SuggestionsMinimumDistance: 2,
	}
	root.SetVersionTemplate("{{.Version}}")
	pf := root.PersistentFlags()
	pf.StringVarP(&a.output, "output", "o", "json", "output format: json or text")
	pf.DurationVar(&a.timeout, "timeout", defaultTimeout, "give up after this long (reading input included)")
	pf.BoolVar(&a.dryRun, "dry-run", false, "validate and print the request instead of sending it")
	pf.StringVar(&a.config, "config", "", "command_config.json to read (default ~/.keyfactor/command_config.json)")
	pf.StringVar(&a.profile, "profile", "", `profile in that file (default "default")`)
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "log requests and retries to stderr")
	root.SetFlagErrorFunc(flagError)
	root.SetHelpFunc(a.help)
	root.SetUsageFunc(func(c *cobra.Command) error { a.writeHelp(a.stderr, c); return nil })

	parents := map[string]*cobra.Command{"": root}
	for _, g := range groups { // a group's parent comes before it
		parent, name := "", g.name
		if i := strings.LastIndexByte(g.name, ' '); i >= 0 {
			parent, name = g.name[:i], g.name[i+1:]
		}
		gc := &cobra.Command{Use: name, Short: g.summary, Args: cobra.ArbitraryArgs, RunE: a.unknownCommand,
			SuggestionsMinimumDistance: 2}
		parents[g.name] = gc
		parents[parent].AddCommand(gc)
	}
	for i := range commandList {
		c := &commandList[i]
		parent, verb := "", c.name // a command of its own: whoami
		if i := strings.LastIndexByte(c.name, ' '); i >= 0 {
			parent, verb = c.name[:i], c.name[i+1:]
		}
		parents[parent].AddCommand(a.leaf(c, verb))
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(completionCommand(a.stdout))
	root.AddCommand(&cobra.Command{Use: "version", Short: "print the version", Args: cobra.NoArgs,
		Run: func(*cobra.Command, []string) { fmt.Fprint(a.stdout, version()) }})
	return root
}

const defaultTimeout = 2 * time.Minute

// leaf makes the cobra command for c. Its run function gets a context that
// ends with --timeout; its errors are marked as the command's own.
func (a *app) leaf(c *command, verb string) *cobra.Command {
	cc := &cobra.Command{Use: strings.TrimSpace(verb + " " + c.synopses[0]), Short: c.summary, Long: c.long,
		Args: c.args, Annotations: map[string]string{"forms": strings.Join(c.synopses, "\n")}}
	if len(c.synopses) > 1 { // the manual's synopsis shows the first form only
		for _, f := range c.synopses {
			cc.Example += "  keyfactor " + c.name + " " + f + "\n"
		}
	}
	run := c.setup(a, cc.Flags())
	cc.RunE = func(cmd *cobra.Command, args []string) error {
		a.cmd = c
		if a.output != "json" && a.output != "text" {
			return &commandError{usagef("--output must be json or text, not %q", a.output)}
		}
		if a.timeout <= 0 {
			return &commandError{usagef("--timeout must be positive")}
		}
		if !c.offline {
			kf, err := a.client()
			switch {
			case err == nil:
				a.kf = kf
			case !(c.checksOffline && a.dryRun && errors.Is(err, keyfactor.ErrNotConfigured)):
				return &commandError{err}
			}
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), a.timeout)
		defer cancel()
		err := run(ctx, args)
		a.timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
		if err == nil {
			return nil
		}
		return &commandError{err}
	}
	return cc
}

// unknownCommand runs for the root and for each group: named alone, it
// prints the usage on stderr (exit 2); given a word that is no command, it
// says so, with cobra's suggestions.
func (a *app) unknownCommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		a.writeHelp(a.stderr, c)
		return errUsageShown
	}
	name := strings.TrimPrefix(c.CommandPath()+" "+args[0], "keyfactor ")
	msg := fmt.Sprintf("unknown command %q", name)
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		for i := range s {
			s[i] = strings.TrimPrefix(c.CommandPath()+" "+s[i], "keyfactor ")
		}
		quoted := make([]string, len(s))
		for i, name := range s {
			quoted[i] = strconv.Quote(name)
		}
		msg += " (did you mean " + strings.Join(quoted, " or ") + "?)"
	}
	return usagef("%s (see %s --help)", msg, c.CommandPath())
}

// flagError words pflag's errors as the flag package did, for scripts that
// match them, and points at the command's help.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if m := unknownFlagRE.FindStringSubmatch(msg); m != nil {
		msg = "flag provided but not defined: " + m[1] + m[2]
	}
	return usagef("%s (see %s --help)", msg, c.CommandPath())
}

var unknownFlagRE = regexp.MustCompile(`^unknown (?:shorthand )?flag: (?:'.' in )?(-*)(.*)$`)

// wordRE finds the identifiers in an SDK message that a command may rename.
var wordRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9]*`)

// rename puts a command's own names in place of the SDK's in a field path
// or message. Commands that read a JSON file use Keyfactor's JSON keys
// ("PermissionSetId"), since those are what the user wrote.
func (c *command) rename(s string, isField bool) string {
	if c.names == nil {
		if isField {
			return strings.ReplaceAll(s, "ID", "Id")
		}
		return s
	}
	return wordRE.ReplaceAllStringFunc(s, func(w string) string {
		if n, ok := c.names[w]; ok {
			return n
		}
		return w
	})
}
