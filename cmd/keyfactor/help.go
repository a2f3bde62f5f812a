package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
)

// command is one CLI command: how to call it, what it does, its setup
// (which registers its flags and returns the function that runs it with the
// positional arguments), and the names its input has on the command line,
// so that the SDK's field names never reach the user.
type command struct {
	name, synopsis, summary string
	setup                   func(a *app, fs *flag.FlagSet) func(ctx context.Context, args []string) error
	names                   map[string]string // SDK field or word → flag, argument or command
}

// Names shared by several commands.
var (
	ownerNames = map[string]string{"certificateID": "CERT_ID", "NewRoleID": "--role-id", "NewRoleName": "--role-name",
		"CollectionID": "--collection-id", "ContainerID": "--container-id", "ClearOwner": "owner clear"}
	idNames    = map[string]string{"id": "ID"}
	cloneNames = map[string]string{"id": "ID", "Name": "--name", "Description": "--description", "EmailAddress": "--email"}
	listNames  = map[string]string{"PageSize": "--page-size", "CollectionID": "--collection-id"}
)

// commandList is every command, in the order help lists them.
var commandList = []command{
	{"owner set", "CERT_ID (--role-id N | --role-name NAME) [--collection-id N | --container-id N]",
		"make a role the owner of a certificate", ownerSet, ownerNames},
	{"owner set", "--query Q (--role-id N | --role-name NAME) [--plan] [--state FILE] [--concurrency N]",
		"change the owner of every matching certificate (skips those already owned; --state resumes)", nil, nil},
	{"owner clear", "CERT_ID [--collection-id N | --container-id N]", "remove a certificate's owner", ownerClear, ownerNames},
	{"cert get", "CERT_ID [--collection-id N] [--metadata]", "show a certificate and its owner", certGet,
		map[string]string{"id": "CERT_ID", "CollectionID": "--collection-id"}},
	{"cert list", "[--query Q] [--collection-id N] [--include-revoked] [--include-expired] [--page-size N]",
		"list certificates, one JSON line each (a table with --output text)", certList, listNames},
	{"role create", "--file FILE", `create a role (API v2) from JSON; "-" reads stdin`, roleCreate, nil},
	{"role get", "ID", "show a role", roleGet, idNames},
	{"role list", "[--query Q] [--page-size N] [--sort FIELD] [--descending]",
		"list every role, one JSON line each (a table with --output text)", roleList, listNames},
	{"role update", "--file FILE", "replace a role (API v2); the file needs Id, Permissions and Claims (role get's output works)",
		roleUpdate, nil},
	{"role delete", "ID", "delete a role", roleDelete, idNames},
	{"role apply", "--file FILE [--plan]", "make the server hold the role(s) in FILE; --plan shows the changes, writes nothing",
		roleApply, nil},
	{"role clone", "ID --name NAME [--description TEXT] [--email ADDRESS]", "create a role from an existing one", roleClone, cloneNames},
	{"role create-v1", "--file FILE", "create a role with the deprecated v1 API", roleCreateV1, nil},
	{"role copy-v1", "ID --name NAME --description TEXT [--email ADDRESS]", "copy a role with the deprecated v1 API",
		roleCopyV1, cloneNames},
}

// lookup returns the command named group and verb.
func lookup(name string) (command, bool) {
	for _, c := range commandList {
		if c.name == name && c.setup != nil {
			return c, true
		}
	}
	return command{}, false
}

func isGroup(name string) bool { return name == "owner" || name == "cert" || name == "role" }

func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

const commonFlags = `flags for every command:
  --output json|text   output format (default json)
  --timeout DURATION   give up after this long (default 2m)
  --dry-run            validate and print the request instead of sending it
  --config FILE        command_config.json to read (default ~/.keyfactor/command_config.json)
  --profile NAME       profile in that file (default "default")
  -v                   log requests and retries to stderr
`

const footer = `The server and credentials come from KEYFACTOR_* variables or the config file
(KEYFACTOR_ALLOW_INSECURE_HTTP=true allows an http:// server, for local fakes).
Exit codes: 0 ok, 2 invalid input or usage, 3 unauthorized/forbidden, 4 not found,
5 conflict or other 4xx, 6 server or network failure, 8 --plan found changes
(role apply, owner set --query), 130 interrupted.
`

// usage is the help for every command, or for one group.
func usage(group string) string {
	var b strings.Builder
	if group == "" {
		b.WriteString("usage: keyfactor <command> [arguments] [flags]\n       keyfactor <command> --help\n       keyfactor --version\n\ncommands:\n")
	} else {
		fmt.Fprintf(&b, "usage: keyfactor %s <command> [arguments] [flags]\n\ncommands:\n", group)
	}
	for _, c := range commandList {
		if group == "" || strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(&b, "  %s %s\n      %s\n", c.name, c.synopsis, c.summary)
		}
	}
	b.WriteString("\n" + commonFlags + "\n" + footer)
	return b.String()
}

// commandHelp is one command's help: its forms, and every flag.
func commandHelp(name string, fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("usage:\n")
	for _, c := range commandList {
		if c.name == name {
			fmt.Fprintf(&b, "  keyfactor %s %s\n      %s\n", c.name, c.synopsis, c.summary)
		}
	}
	b.WriteString("\nflags:\n")
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	b.WriteString("\n" + footer)
	return b.String()
}

// version is what --version prints.
func version() string {
	return "keyfactor " + keyfactor.Version + " (keyfactor-go SDK " + keyfactor.Version + ")\n"
}

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
