package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/internal/strictjson"
	"github.com/spf13/pflag"
)

// The caller, permission sets, and the preflight of commands that write.

func permissionSetList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	pageSize := fs.Int("page-size", 0, "sets per request (default 100, at most 1000)")
	return func(ctx context.Context, args []string) error {
		a.followUps = "further pages are read while pages come back full"
		c := a.kf
		opts := keyfactor.ListPermissionSetsOptions{PageSize: *pageSize}
		return stream(a, c.PermissionSets.List(ctx, opts), "ID\tNAME\tPERMISSIONS", func(s keyfactor.PermissionSet) string {
			return s.ID + "\t" + s.Name + "\t" + strings.Join(s.Permissions, " ")
		})
	}
}

// setArg takes a permission set's ID argument (its count checked by
// idOrName), or --name.
func setArg(args []string, fs *pflag.FlagSet) (id string, byName bool) {
	if fs.Changed("name") {
		return "", true
	}
	return args[0], false
}

func permissionSetGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	name := fs.String("name", "", "the set with exactly this name, instead of ID")
	return func(ctx context.Context, args []string) error {
		id, byName := setArg(args, fs)
		c := a.kf
		var set *keyfactor.PermissionSet
		var err error
		if byName {
			a.followUps = "the set is found among every page of the list"
			set, err = c.PermissionSets.GetByName(ctx, *name)
		} else {
			set, err = c.PermissionSets.Get(ctx, id)
		}
		if err != nil {
			return err
		}
		return a.printSet(set)
	}
}

func (a *app) printSet(s *keyfactor.PermissionSet) error {
	return a.print(s, func(w io.Writer) {
		fmt.Fprintf(w, "permission set %s %q\n  permissions: %s\n", s.ID, s.Name, strings.Join(s.Permissions, " "))
	})
}

func permissionSetDelete(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	name := fs.String("name", "", "delete the set with exactly this name, instead of ID")
	return func(ctx context.Context, args []string) error {
		id, byName := setArg(args, fs)
		c := a.kf
		if byName {
			a.followUps = "the set is then deleted by the id the lookup finds"
			set, err := c.PermissionSets.GetByName(ctx, *name)
			if err != nil {
				return err
			}
			id = set.ID
		}
		if err := c.PermissionSets.Delete(ctx, id); err != nil {
			return err
		}
		out := struct {
			ID      string `json:"Id"`
			Name    string `json:"Name,omitempty"`
			Deleted bool   `json:"Deleted"`
		}{id, *name, true}
		return a.print(out, func(w io.Writer) { fmt.Fprintf(w, "permission set %s deleted\n", id) })
	}
}

func permissionSetApply(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	file := fs.StringP("file", "f", "", "JSON permission set, or array of sets; - for standard input")
	planOnly := fs.Bool("plan", false, "show what would change and send no write")
	return func(ctx context.Context, args []string) error {
		a.followUps = "the set is then created or updated from the list's answer"
		desired, err := a.readSets(ctx, *file)
		if err != nil {
			return err
		}
		c := a.kf
		if !*planOnly {
			if err := a.preflight(ctx, c, "permission-set apply", []string{"/security/modify/"}); err != nil {
				return err
			}
		}
		return a.applyEach(len(desired), *planOnly, func(i int) (bool, error) {
			d := desired[i]
			return planOrApply(a, *planOnly,
				func() (*keyfactor.PermissionSetPlan, error) { return c.PermissionSets.Plan(ctx, d) },
				func() (*keyfactor.PermissionSetPlan, *keyfactor.PermissionSet, error) {
					return c.PermissionSets.Apply(ctx, d)
				},
				func(err error) { a.printPlan(planOut{Name: d.Name, Error: oneLine(err.Error())}, nil) },
				func(p *keyfactor.PermissionSetPlan, set *keyfactor.PermissionSet, msg string) keyfactor.Action {
					out := setPlanOut{Name: d.Name, Action: p.Action, Changes: p.Changes, Error: msg}
					switch {
					case p.Current != nil:
						out.ID = p.Current.ID
					case set != nil:
						out.ID = set.ID
					}
					a.printSetPlan(out, d)
					return p.Action
				})
		})
	}
}

// setPlanOut is one set's plan as permission-set apply prints it.
type setPlanOut struct {
	Name    string             `json:"Name"`
	ID      string             `json:"Id,omitempty"`
	Action  keyfactor.Action   `json:"Action"`
	Changes []keyfactor.Change `json:"Changes,omitempty"`
	Error   string             `json:"Error,omitempty"`
}

// printSetPlan prints one set's plan, in role apply's forms.
func (a *app) printSetPlan(p setPlanOut, d keyfactor.CreatePermissionSetRequest) {
	if a.output != "text" { // the set's id is a GUID: its own line type, not planOut's number
		b, _ := json.Marshal(p)
		fmt.Fprintln(a.stdout, string(b))
		return
	}
	w := a.stdout
	switch p.Action {
	case keyfactor.ActionCreate:
		fmt.Fprintf(w, "+ permission set %q\n", p.Name)
		for _, perm := range d.Permissions {
			fmt.Fprintf(w, "    + Permissions: %s\n", perm)
		}
	case keyfactor.ActionNone:
		fmt.Fprintf(w, "= permission set %q (id %s): no change\n", p.Name, p.ID)
	default:
		fmt.Fprintf(w, "~ permission set %q (id %s)\n", p.Name, p.ID)
	}
	printChanges(w, p.Changes, p.Error)
}

// readSets reads a permission set file (one {Name, Permissions} object, or
// an array) strictly, and validates every set before anything is sent.
func (a *app) readSets(ctx context.Context, path string) ([]keyfactor.CreatePermissionSetRequest, error) {
	data, err := a.readInput(ctx, "--file", path, maxRequestFile)
	if err != nil {
		return nil, err
	}
	array := isArray(data)
	sets, err := strictjson.DecodeList[keyfactor.CreatePermissionSetRequest](data)
	if err != nil {
		return nil, usagef("%s: not a valid request: %v", displayName(path), err)
	}
	var fields []keyfactor.FieldError
	for i, s := range sets {
		var ve *keyfactor.ValidationError
		if errors.As(s.Validate(), &ve) {
			for _, f := range ve.Fields {
				if array {
					f.Field = fmt.Sprintf("[%d].%s", i, f.Field)
				}
				fields = append(fields, f)
			}
		}
	}
	if len(fields) > 0 {
		return nil, &keyfactor.ValidationError{Op: "permission set file", Fields: fields}
	}
	return sets, nil
}

// permissionSetCommands is the permission-set commands.
var permissionSetCommands = []command{
	{name: "permission-set list", synopses: []string{"[--page-size N]"},
		summary: "list the permission sets the caller may see, one JSON line each (a table with --output text)",
		setup:   permissionSetList, names: listNames, args: noArgs("")},
	{name: "permission-set get", synopses: []string{"ID", "--name NAME"}, summary: "show a permission set, by id (a GUID) or exact name",
		setup: permissionSetGet, names: idNames, args: idOrName("permission set")},
	{name: "permission-set apply", synopses: []string{"--file FILE [--plan]"},
		summary: "make the server hold the permission set(s) in FILE; --plan shows the changes, writes nothing",
		long: `FILE holds one permission set, or an array, as {"Name": ..., "Permissions": [...]}, read
strictly like role files. Sets are found by exact name (the API cannot rename one); a
set's permissions are replaced as a whole. Every set is validated before anything is
written. Exit 0 when nothing changes (or would change), 8 when --plan finds changes.`,
		setup: permissionSetApply, args: noArgs("use --file")},
	{name: "permission-set delete", synopses: []string{"ID", "--name NAME"}, summary: "delete a permission set, by id or exact name",
		setup: permissionSetDelete, names: idNames, args: idOrName("permission set")},
}
