package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"strings"
	"text/tabwriter"

	"github.com/keyfactor-sdk/keyfactor-go"
)

// The role lifecycle commands: list, update, delete and apply.

func roleList(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	a.followUps = "further pages are read while pages come back full"
	query := fs.String("query", "", `Keyfactor query, e.g. 'Name -startswith "PKI"'`)
	pageSize := fs.Int("page-size", 0, "roles per request (default 100, at most 1000)")
	sortField := fs.String("sort", "", "sort field (default Name)")
	descending := fs.Bool("descending", false, "sort in descending order")
	return func(ctx context.Context, args []string) error {
		if len(args) != 0 {
			return usagef("role list takes no arguments; use --query")
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		opts := keyfactor.ListRolesOptions{Query: *query, PageSize: *pageSize, SortField: *sortField, Descending: *descending}
		return stream(a, c.Roles.List(ctx, opts), "ID\tNAME\tCLAIMS\tIMMUTABLE\tEMAIL", func(r keyfactor.RoleSummary) string {
			return fmt.Sprintf("%d\t%s\t%d\t%t\t%s", r.ID, r.Name, r.ClaimsCount, r.Immutable, r.EmailAddress)
		})
	}
}

// stream prints each item of a list as it arrives: a JSON line, or with
// --output text a table row (header names the columns, tab-separated). A
// long list streams, and a page that fails leaves the earlier items
// printed.
func stream[T any](a *app, items iter.Seq2[T, error], header string, row func(T) string) error {
	var table *tabwriter.Writer
	enc := json.NewEncoder(a.stdout)
	if a.output == "text" {
		table = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		defer table.Flush()
		fmt.Fprintln(table, header)
	}
	for item, err := range items {
		if err != nil {
			return err
		}
		if table != nil {
			fmt.Fprintln(table, row(item))
		} else if err := enc.Encode(item); err != nil {
			return err
		}
	}
	return nil
}

// updateFile is the file role update reads: the v2 update body, or a role
// as role get prints it (its read-only Immutable is accepted and ignored).
type updateFile struct {
	keyfactor.UpdateRoleRequest
	Immutable *bool `json:"Immutable"`
}

func roleUpdate(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	return fromFile(a, fs, "role update",
		func(ctx context.Context, c *keyfactor.Client, f updateFile) (*keyfactor.Role, error) {
			return c.Roles.Update(ctx, f.UpdateRoleRequest)
		}, a.printRole)
}

// deleted is what role delete prints.
type deleted struct {
	ID      int  `json:"Id"`
	Deleted bool `json:"Deleted"`
}

func roleDelete(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		id, err := oneID(args)
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		if err := c.Roles.Delete(ctx, id); err != nil {
			return err
		}
		return a.print(deleted{ID: id, Deleted: true}, func(w io.Writer) { fmt.Fprintf(w, "role %d deleted\n", id) })
	}
}

// errChangesPending makes role apply --plan exit 8 when it found changes.
var errChangesPending = errors.New("changes pending")

// planOut is one role's plan as role apply prints it.
type planOut struct {
	Name    string             `json:"Name"`
	ID      int                `json:"Id,omitempty"`
	Action  keyfactor.Action   `json:"Action"`
	Changes []keyfactor.Change `json:"Changes,omitempty"`
	Error   string             `json:"Error,omitempty"`
}

func roleApply(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	a.followUps = "the role is then created or updated from the lookup's answer"
	file := fs.String("file", "", "JSON role, or array of roles; - for standard input")
	planOnly := fs.Bool("plan", false, "show what would change and send no write")
	return func(ctx context.Context, args []string) error {
		if len(args) != 0 {
			return usagef("role apply takes no arguments; use --file")
		}
		desired, err := a.readRoles(*file)
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		var first error
		changed := false
		for _, d := range desired {
			var p *keyfactor.RolePlan
			if *planOnly {
				p, err = c.Roles.Plan(ctx, d)
			} else {
				p, _, err = c.Roles.Apply(ctx, d)
			}
			if err != nil && (p == nil || errors.Is(err, keyfactor.ErrDryRun)) {
				if first == nil {
					first = err
				}
				if a.dry != nil {
					return err // a dry run shows the first request only
				}
				a.printPlan(planOut{Name: d.Name, Error: oneLine(err.Error())}, nil)
				continue
			}
			changed = changed || p.Action != keyfactor.ActionNone
			out := planOut{Name: d.Name, Action: p.Action, Changes: p.Changes}
			if p.Current != nil {
				out.ID = p.Current.ID
			}
			if err != nil {
				out.Error = oneLine(err.Error())
				if first == nil {
					first = err
				}
			}
			a.printPlan(out, &d)
		}
		switch {
		case first != nil:
			return first
		case *planOnly && changed:
			return errChangesPending
		}
		return nil
	}
}

// readRoles reads one role or an array of roles, strictly.
func (a *app) readRoles(path string) ([]keyfactor.CreateRoleRequest, error) {
	data, err := a.readInput(path)
	if err != nil {
		return nil, err
	}
	var roles []keyfactor.CreateRoleRequest
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		err = decodeStrict(path, data, &roles)
	} else {
		roles = make([]keyfactor.CreateRoleRequest, 1)
		err = decodeStrict(path, data, &roles[0])
	}
	return roles, err
}

// printPlan prints one role's plan: a JSON line, or +/-/~ lines with
// --output text.
func (a *app) printPlan(p planOut, desired *keyfactor.CreateRoleRequest) {
	if a.output != "text" {
		b, _ := json.Marshal(p)
		fmt.Fprintln(a.stdout, string(b))
		return
	}
	w := a.stdout
	switch {
	case p.Action == "":
		fmt.Fprintf(w, "! role %q: %s\n", p.Name, p.Error)
		return
	case p.Action == keyfactor.ActionCreate:
		fmt.Fprintf(w, "+ role %q\n", p.Name)
		for _, perm := range desired.Permissions {
			fmt.Fprintf(w, "    + Permissions: %s\n", perm)
		}
		for _, cl := range desired.Claims {
			fmt.Fprintf(w, "    + Claims: %s:%s@%s\n", cl.ClaimType, cl.ClaimValue, cl.ProviderAuthenticationScheme)
		}
	case p.Action == keyfactor.ActionNone:
		fmt.Fprintf(w, "= role %q (id %d): no change\n", p.Name, p.ID)
	default:
		fmt.Fprintf(w, "~ role %q (id %d)\n", p.Name, p.ID)
	}
	for _, ch := range p.Changes {
		if ch.Added == nil && ch.Removed == nil {
			fmt.Fprintf(w, "    ~ %s: %q -> %q\n", ch.Field, ch.Old, ch.New)
		}
		for _, s := range ch.Removed {
			fmt.Fprintf(w, "    - %s: %s\n", ch.Field, s)
		}
		for _, s := range ch.Added {
			fmt.Fprintf(w, "    + %s: %s\n", ch.Field, s)
		}
	}
	if p.Error != "" {
		fmt.Fprintf(w, "    ! %s\n", strings.TrimPrefix(p.Error, "keyfactor: "))
	}
}
