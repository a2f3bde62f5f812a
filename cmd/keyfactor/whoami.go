package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/pflag"
)

func whoami(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		c := a.kf
		me, err := c.Security.Me(ctx)
		if err != nil {
			return err
		}
		return a.print(me, func(w io.Writer) {
			fmt.Fprintf(w, "roles: %s\n", orNone(strings.Join(me.Roles, ", ")))
			global := make([]string, len(me.GlobalPermissions))
			for i, g := range me.GlobalPermissions {
				global[i] = g.Area + ":" + g.Permission
			}
			fmt.Fprintf(w, "v1 permissions: %s\n", orNone(strings.Join(global, " ")))
			if me.Permissions == nil {
				fmt.Fprintln(w, "v2 permissions: (not reported by this server)")
			} else {
				fmt.Fprintf(w, "v2 permissions: %s\n", orNone(strings.Join(me.Permissions, " ")))
			}
		})
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// preflight checks, before the first write, that the caller holds each of
// needs (each an alternative list: one of its permissions suffices), when
// the server reports the caller's v2 permissions. A missing one stops the
// command with exit 3 naming it; a server that cannot report them lets
// the command go on, which -v says. A dry run skips the check: its first
// request is the one to show.
func (a *app) preflight(ctx context.Context, c *keyfactor.Client, what string, needs ...[]string) error {
	if a.dryRun {
		return nil
	}
	me, err := c.Security.Me(ctx)
	if err != nil {
		return fmt.Errorf("checking the caller's permissions before %s: %w", what, err)
	}
	if me.Permissions == nil {
		if a.verbose {
			fmt.Fprintf(a.stderr, "keyfactor: the server does not report the caller's permissions (GET /Security/My/Permissions); "+
				"going on with %s unchecked\n", what)
		}
		return nil
	}
	var missing []string
	for _, alternatives := range needs {
		held := false
		for _, p := range alternatives {
			held = held || me.Has(p)
		}
		if !held {
			missing = append(missing, strings.Join(alternatives, " or "))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the caller (roles %s) lacks %s, which %s needs; nothing was written: %w",
			orNone(strings.Join(me.Roles, ", ")), strings.Join(missing, ", and "), what, keyfactor.ErrForbidden)
	}
	return nil
}

// whoamiCommands is whoami.
var whoamiCommands = []command{
	{name: "whoami", synopses: []string{""}, summary: "show who the caller is: its roles and what it may do",
		setup: whoami, args: noArgs("")},
}
