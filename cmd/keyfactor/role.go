package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/pflag"
)

// The role commands.

func roleCreate(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	file := fs.StringP("file", "f", "", "JSON role; - for standard input")
	return func(ctx context.Context, args []string) error {
		roles, err := a.readRoles(ctx, *file)
		if err != nil {
			return err
		}
		if len(roles) != 1 {
			return usagef("role create takes one role; %s holds %d (role apply takes several)", displayName(*file), len(roles))
		}
		c := a.kf
		role, err := c.Roles.Create(ctx, roles[0])
		if err != nil {
			return err
		}
		return a.printRole(role)
	}
}

func roleGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		id, err := oneID(args)
		if err != nil {
			return err
		}
		c := a.kf
		role, err := c.Roles.Get(ctx, id)
		if err != nil {
			return err
		}
		return a.printRole(role)
	}
}

func roleList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	query := fs.StringP("query", "q", "", `Keyfactor query, e.g. 'Name -startswith "PKI"'`)
	pageSize := fs.Int("page-size", 0, "roles per request (default 100, at most 1000)")
	sortField := fs.String("sort", "", "sort field (default Name)")
	descending := fs.Bool("descending", false, "sort in descending order")
	return func(ctx context.Context, args []string) error {
		a.followUps = "further pages are read while pages come back full"
		c := a.kf
		opts := keyfactor.ListRolesOptions{Query: *query, PageSize: *pageSize, SortField: *sortField, Descending: *descending}
		return stream(a, c.Roles.List(ctx, opts), "ID\tNAME\tCLAIMS\tIMMUTABLE\tEMAIL", func(r keyfactor.RoleSummary) string {
			return fmt.Sprintf("%d\t%s\t%d\t%t\t%s", r.ID, r.Name, r.ClaimsCount, r.Immutable, r.EmailAddress)
		})
	}
}

// updateFile is the file role update reads: the v2 update body, or a role
// as role get prints it (its read-only Immutable is accepted and ignored).
type updateFile struct {
	keyfactor.UpdateRoleRequest
	Immutable *bool `json:"Immutable"`
}

func roleUpdate(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	file := fs.StringP("file", "f", "", "JSON role with its Id; - for standard input")
	return func(ctx context.Context, args []string) error {
		var f updateFile
		if err := a.readJSONFile(ctx, *file, &f); err != nil {
			return err
		}
		c := a.kf
		role, err := c.Roles.Update(ctx, f.UpdateRoleRequest)
		if err != nil {
			return err
		}
		return a.printRole(role)
	}
}

// deleted is what role delete prints.
type deleted struct {
	ID      int    `json:"Id"`
	Name    string `json:"Name,omitempty"`
	Deleted bool   `json:"Deleted"`
}

func roleDelete(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	name := fs.String("name", "", "delete the role with exactly this name, instead of ID")
	return func(ctx context.Context, args []string) error {
		var id int
		var err error
		if !fs.Changed("name") {
			if id, err = oneID(args); err != nil {
				return err
			}
		}
		c := a.kf
		if fs.Changed("name") {
			a.followUps = "the role is then deleted by the id the lookup finds"
			role, err := c.Roles.GetByName(ctx, *name)
			if err != nil {
				return err
			}
			id = role.ID
		}
		if err := c.Roles.Delete(ctx, id); err != nil {
			return err
		}
		return a.print(deleted{ID: id, Name: *name, Deleted: true}, func(w io.Writer) { fmt.Fprintf(w, "role %d deleted\n", id) })
	}
}

// errChangesPending makes role apply --plan exit 8 when it found changes.
var errChangesPending = errors.New("changes pending")

// planOut is one role's plan as role apply prints it.
type planOut struct {
	Name    string             `json:"Name"`
	File    string             `json:"File,omitempty"` // role apply --dir: the file naming the role
	ID      int                `json:"Id,omitempty"`
	Action  keyfactor.Action   `json:"Action"`
	Changes []keyfactor.Change `json:"Changes,omitempty"`
	Error   string             `json:"Error,omitempty"`
	noun    string             // what the plan is of, for text: "role" when empty
}

func roleApply(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	file := fs.StringP("file", "f", "", "JSON role, or array of roles; - for standard input")
	planOnly := fs.Bool("plan", false, "show what would change and send no write")
	var set setFlags
	set.register(fs)
	return func(ctx context.Context, args []string) error {
		a.followUps = "the role is then created or updated from the lookup's answer"
		if err := set.check(*file); err != nil {
			return err
		}
		if set.dir != "" {
			return a.applyDir(ctx, set, *planOnly)
		}
		desired, err := a.readRoles(ctx, *file)
		if err != nil {
			return err
		}
		c := a.kf
		if c == nil { // --dry-run with no server configured: the input is checked
			return a.printValid(len(desired), "no server is configured, so no request is shown")
		}
		needs := [][]string{{"/security/read/"}}
		if !*planOnly {
			needs = append(needs, []string{"/security/modify/"})
		}
		if err := a.preflight(ctx, c, "role apply", needs...); err != nil {
			return err
		}
		return a.applyEach(len(desired), *planOnly, func(i int) (bool, error) {
			d := desired[i]
			return planOrApply(a, *planOnly,
				func() (*keyfactor.RolePlan, error) { return c.Roles.Plan(ctx, d) },
				func() (*keyfactor.RolePlan, *keyfactor.Role, error) { return c.Roles.Apply(ctx, d) },
				func(err error) { a.printPlan(planOut{Name: d.Name, Error: oneLine(err.Error())}, nil) },
				func(p *keyfactor.RolePlan, role *keyfactor.Role, msg string) keyfactor.Action {
					out := planOut{Name: d.Name, Action: p.Action, Changes: p.Changes, Error: msg}
					switch {
					case p.Current != nil:
						out.ID = p.Current.ID
					case role != nil:
						out.ID = role.ID // created
					}
					a.printPlan(out, &d)
					return p.Action
				})
		})
	}
}

// applyEach is the loop of role apply --file and permission-set apply:
// step plans or applies item i, prints its outcome and reports whether it
// changes anything. A failed item does not stop the others, except in a
// dry run, which shows the first request only. The first failure is the
// command's error; without one, --plan with changes is exit 8.
func (a *app) applyEach(n int, planOnly bool, step func(i int) (changed bool, err error)) error {
	var first error
	changed := false
	for i := range n {
		ch, err := step(i)
		changed = changed || ch
		if err != nil && first == nil {
			first = err
		}
		if err != nil && a.dry != nil {
			return err
		}
	}
	switch {
	case first != nil:
		return first
	case planOnly && changed:
		return errChangesPending
	}
	return nil
}

func roleValidate(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	file := fs.StringP("file", "f", "", "JSON role, or array of roles; - for standard input")
	return func(ctx context.Context, args []string) error {
		roles, err := a.readRoles(ctx, *file)
		if err != nil {
			return err
		}
		return a.printValid(len(roles), "")
	}
}

// valid is what role validate (and an offline dry run) prints.
type valid struct {
	Valid bool   `json:"Valid"`
	Roles int    `json:"Roles"`
	Note  string `json:"Note,omitempty"`
}

func (a *app) printValid(n int, note string) error {
	return a.print(valid{Valid: true, Roles: n, Note: note}, func(w io.Writer) {
		fmt.Fprintf(w, "%d roles valid", n)
		if note != "" {
			fmt.Fprintf(w, " (%s)", note)
		}
		fmt.Fprintln(w)
	})
}

// readRoles reads a role file (see keyfactor.DecodeRoles) and validates
// every role in it, so that one bad role stops the command before the
// first write: an error names every problem of every role, each field
// prefixed with the role's index in an array ("[1].Description").
func (a *app) readRoles(ctx context.Context, path string) ([]keyfactor.CreateRoleRequest, error) {
	src, err := a.readRoleFile(ctx, "--file", path, "")
	if err != nil {
		return nil, err
	}
	roles, _, err := checkRoleSources([]roleSource{src})
	return roles, err
}

// roleSource is one role file's roles, and how their fields are labelled
// in messages.
type roleSource struct {
	label string // "" for --file; the file's name for --dir
	array bool   // the file holds an array
	roles []keyfactor.CreateRoleRequest
}

// prefix labels role i of the file: "[1].", "web.json.", "web.json[1].".
func (s roleSource) prefix(i int) string {
	switch {
	case s.array:
		return s.label + "[" + strconv.Itoa(i) + "]."
	case s.label != "":
		return s.label + "."
	}
	return ""
}

// readRoleFile reads and decodes one role file.
func (a *app) readRoleFile(ctx context.Context, flag, path, label string) (roleSource, error) {
	data, err := a.readInput(ctx, flag, path, maxRequestFile)
	if err != nil {
		return roleSource{}, err
	}
	roles, err := keyfactor.DecodeRoles(data)
	if err != nil {
		return roleSource{}, usagef("%s: not a valid request: %v", displayName(path), err)
	}
	return roleSource{label: label, array: isArray(data), roles: roles}, nil
}

// isArray reports whether a role file holds an array of roles.
func isArray(data []byte) bool { return bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) }

// checkRoleSources validates every role of every file, and that no name
// is given twice (ignoring case, as Command compares names). It returns the
// roles in order with each one's label, or an error naming every problem.
func checkRoleSources(srcs []roleSource) ([]keyfactor.CreateRoleRequest, []string, error) {
	var roles []keyfactor.CreateRoleRequest
	var labels []string
	var fields []keyfactor.FieldError
	names := map[string]string{} // lower-case name → label of the first role
	for _, src := range srcs {
		for i, r := range src.roles {
			prefix := src.prefix(i)
			var ve *keyfactor.ValidationError
			if errors.As(r.Validate(), &ve) {
				for _, f := range ve.Fields {
					fields = append(fields, keyfactor.FieldError{Field: prefix + f.Field, Problem: f.Problem})
				}
			}
			key := strings.ToLower(strings.TrimSpace(r.Name))
			if first, dup := names[key]; dup && key != "" {
				fields = append(fields, keyfactor.FieldError{Field: prefix + "Name",
					Problem: fmt.Sprintf("%q names the role of %s too (names are compared ignoring case)", r.Name, first)})
			} else if key != "" {
				names[key] = strings.TrimSuffix(prefix, ".")
			}
			roles = append(roles, r)
			labels = append(labels, strings.TrimSuffix(prefix, "."))
		}
	}
	if len(fields) > 0 {
		return nil, nil, &keyfactor.ValidationError{Op: "role file", Fields: fields}
	}
	return roles, labels, nil
}

// printPlan prints one role's plan: a JSON line, or +/-/~ lines with
// --output text.
// printCreated lists what a created role holds.
func printCreated(w io.Writer, desired *keyfactor.CreateRoleRequest) {
	if desired == nil {
		return
	}
	for _, perm := range desired.Permissions {
		fmt.Fprintf(w, "    + Permissions: %s\n", perm)
	}
	for _, cl := range desired.Claims {
		fmt.Fprintf(w, "    + Claims: %s:%s@%s\n", cl.ClaimType, cl.ClaimValue, cl.ProviderAuthenticationScheme)
	}
}

func (a *app) printPlan(p planOut, desired *keyfactor.CreateRoleRequest) {
	if a.output != "text" {
		b, _ := json.Marshal(p)
		fmt.Fprintln(a.stdout, string(b))
		return
	}
	w := a.stdout
	noun := cmp.Or(p.noun, "role")
	switch {
	case p.Action == "":
		fmt.Fprintf(w, "! %s %q: %s\n", noun, p.Name, p.Error)
		return
	case p.Action == keyfactor.ActionCreate && p.ID != 0: // created: its new id
		fmt.Fprintf(w, "+ %s %q (id %d)\n", noun, p.Name, p.ID)
		printCreated(w, desired)
	case p.Action == keyfactor.ActionCreate:
		fmt.Fprintf(w, "+ %s %q\n", noun, p.Name)
		printCreated(w, desired)
	case p.Action == keyfactor.ActionNone:
		fmt.Fprintf(w, "= %s %q (id %d): no change\n", noun, p.Name, p.ID)
	case p.Action == keyfactor.ActionDelete:
		fmt.Fprintf(w, "- %s %q (id %d)\n", noun, p.Name, p.ID)
	default:
		fmt.Fprintf(w, "~ %s %q (id %d)\n", noun, p.Name, p.ID)
	}
	printChanges(w, p.Changes, p.Error)
}

// printChanges prints a plan's changes under its line, as every apply's
// text output does — a value's change, then what a list loses and gains —
// and the error of a write that failed.
func printChanges(w io.Writer, changes []keyfactor.Change, errText string) {
	for _, ch := range changes {
		if ch.Added == nil && ch.Removed == nil {
			fmt.Fprintf(w, "    ~ %s: %q -> %q\n", ch.Field, fmt.Sprint(ch.Old), fmt.Sprint(ch.New))
		}
		for _, s := range ch.Removed {
			fmt.Fprintf(w, "    - %s: %s\n", ch.Field, s)
		}
		for _, s := range ch.Added {
			fmt.Fprintf(w, "    + %s: %s\n", ch.Field, s)
		}
	}
	if errText != "" {
		fmt.Fprintf(w, "    ! %s\n", strings.TrimPrefix(errText, "keyfactor: "))
	}
}

func roleClone(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	name := fs.String("name", "", "name of the new role")
	description := fs.String("description", "", "description (default: the source's)")
	email := fs.String("email", "", "email address (default: the source's)")
	return func(ctx context.Context, args []string) error {
		a.followUps = "the role is then created from the source role's answer"
		id, err := oneID(args)
		if err != nil {
			return err
		}
		c := a.kf
		role, err := c.Roles.Clone(ctx, id, keyfactor.CloneRoleRequest{Name: *name, Description: *description, EmailAddress: *email})
		if err != nil {
			return err
		}
		return a.printRole(role)
	}
}

func roleCreateV1(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	file := fs.StringP("file", "f", "", "JSON v1 role; - for standard input")
	return func(ctx context.Context, args []string) error {
		a.deprecated("role create-v1", "role create")
		var req keyfactor.CreateRoleV1Request
		if err := a.readJSONFile(ctx, *file, &req); err != nil {
			return err
		}
		c := a.kf
		//lint:ignore SA1019 this command is the deprecated API, on request
		role, err := c.Roles.CreateV1(ctx, req)
		if err != nil {
			return err
		}
		return a.printRoleV1(role)
	}
}

func roleCopyV1(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	name := fs.String("name", "", "name of the new role")
	description := fs.String("description", "", "description of the new role")
	email := fs.String("email", "", "email address of the new role")
	return func(ctx context.Context, args []string) error {
		a.deprecated("role copy-v1", "role clone")
		id, err := oneID(args)
		if err != nil {
			return err
		}
		c := a.kf
		//lint:ignore SA1019 this command is the deprecated API, on request
		role, err := c.Roles.CopyV1(ctx, id, keyfactor.CopyRoleV1Request{Name: *name, Description: *description, EmailAddress: *email})
		if err != nil {
			return err
		}
		return a.printRoleV1(role)
	}
}

func (a *app) deprecated(cmd, instead string) {
	fmt.Fprintf(a.stderr, "keyfactor: warning: %s uses Keyfactor's deprecated v1 API; use %s\n", cmd, instead)
}

// oneID parses the ID argument, whose count oneArg or idOrName checked.
func oneID(args []string) (int, error) { return intArg("ID", args[0]) }

func (a *app) printRole(r *keyfactor.Role) error {
	return a.print(r, func(w io.Writer) {
		fmt.Fprintf(w, "role %d %q\n  description: %s\n", r.ID, r.Name, r.Description)
		if r.EmailAddress != "" {
			fmt.Fprintf(w, "  email: %s\n", r.EmailAddress)
		}
		fmt.Fprintf(w, "  permission set: %s\n  permissions: %s\n", r.PermissionSetID, strings.Join(r.Permissions, " "))
		for _, c := range r.Claims {
			fmt.Fprintf(w, "  claim: %s %s (%s)\n", c.ClaimType, c.ClaimValue, c.ProviderAuthenticationScheme)
		}
	})
}

func (a *app) printRoleV1(r *keyfactor.RoleV1) error {
	return a.print(r, func(w io.Writer) {
		fmt.Fprintf(w, "role %d %q (v1)\n  description: %s\n  permissions: %s\n", r.ID, r.Name, r.Description,
			strings.Join(r.Permissions, " "))
		for _, id := range r.Identities {
			fmt.Fprintf(w, "  identity: %s %s\n", id.IdentityType, id.AccountName)
		}
	})
}

// roleCommands is the role commands, in the order help lists them.
var roleCommands = []command{
	{name: "role create", synopses: []string{"--file FILE"}, summary: `create a role (API v2) from JSON; "-" reads stdin`,
		long: roleFileHelp, setup: roleCreate, args: noArgs("use --file")},
	{name: "role get", synopses: []string{"ID"}, summary: "show a role", setup: roleGet, names: idNames, args: oneArg("role ID")},
	{name: "role list", synopses: []string{"[--query Q] [--page-size N] [--sort FIELD] [--descending]"},
		summary: "list every role, one JSON line each (a table with --output text)", setup: roleList, names: listNames, args: noArgs("use --query")},
	{name: "role update", synopses: []string{"--file FILE"},
		summary: "replace a role (API v2); the file needs Id, Permissions and Claims (role get's output works)", setup: roleUpdate, args: noArgs("use --file")},
	{name: "role delete", synopses: []string{"ID", "--name NAME"}, summary: "delete a role, by id or by exact name",
		setup: roleDelete, names: idNames, args: idOrName("role")},
	{name: "role apply", synopses: []string{"--file FILE [--plan]",
		"--dir DIR [--plan] [--prune [--protect NAME]... [--prune-own NAME]...] [--concurrency N]"},
		summary: "make the server hold the role(s) in FILE, or the set of roles in DIR; --plan shows the changes, writes nothing",
		long: `Every role is validated before anything is written. Exit 0 when nothing
changes (or would change), 8 when --plan finds changes.

With --dir, every *.json file of DIR (each one role or an array) is one set,
applied at once: the role list is read once, only the roles the files name
are read, and the writes run --concurrency at a time. Anything the server
would refuse (a permission outside the role's permission set, a collection
or container name that does not resolve) stops the run before any write,
exit 2. --prune also deletes the roles no file names, except the immutable
role, each --protect NAME, and the roles the caller itself holds (a
pipeline must not lock itself out) unless --prune-own names them. Progress
goes to stderr when it is a terminal; the summary, as JSON (counts and every
role that changes or failed, with its id), goes to stdout. "role export --dir" writes such a directory.

A permission may name a collection or a certificate store container instead
of its id, so that one file serves every environment:
  /certificates/collections/read/{collection:Web Servers}/
  /certificate_stores/change_owner/{container:IIS Farm}/
The name, compared exactly, is resolved once per run.

` + roleFileHelp, setup: roleApply, args: noArgs("use --file or --dir"), checksOffline: true},
	{name: "role export", synopses: []string{"--dir DIR [--query Q] [--names] [--concurrency N]"},
		summary: "write one role file per role to DIR, which role apply --dir reads back as no change",
		long: `DIR is created if missing and must hold no *.json file (one left from an
earlier export would bring back a role deleted since). The immutable role is
left out: no file could change it. --names writes a collection or container
by name ({collection:NAME}) where no other has that name, and leaves out
PermissionSetId for roles in the Global set, so the files serve another
environment whose ids differ.`,
		setup: roleExport, args: noArgs("use --dir")},
	{name: "role validate", synopses: []string{"--file FILE"},
		summary: "check role files offline, with no server: exit 0 when valid, 2 naming every problem",
		long:    roleFileHelp, setup: roleValidate, args: noArgs("use --file"), offline: true},
	{name: "role clone", synopses: []string{"ID --name NAME [--description TEXT] [--email ADDRESS]"},
		summary: "create a role from an existing one", setup: roleClone, names: cloneNames, args: oneArg("role ID")},
	{name: "role create-v1", synopses: []string{"--file FILE"}, summary: "create a role with the deprecated v1 API",
		setup: roleCreateV1, args: noArgs("use --file")},
	{name: "role copy-v1", synopses: []string{"ID --name NAME --description TEXT [--email ADDRESS]"},
		summary: "copy a role with the deprecated v1 API", setup: roleCopyV1, names: cloneNames, args: oneArg("role ID")},
}
