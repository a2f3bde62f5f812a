package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/pflag"
)

// Claims, collections and containers.

// claimFlags are --type, --value, --scheme and (for writes) --description.
type claimFlags struct{ typ, value, scheme, description *string }

func addClaimFlags(fs *pflag.FlagSet, withDescription bool) claimFlags {
	f := claimFlags{
		typ:    fs.String("type", "", "claim type: User, Group, Computer, OAuthOid, OAuthRole, OAuthSubject, OAuthClientId (or its number)"),
		value:  fs.String("value", "", `claim value: DOMAIN\name for Active Directory, else the identity provider's value`),
		scheme: fs.String("scheme", "", `provider authentication scheme: "Active Directory", or the identity provider's`),
	}
	if withDescription {
		f.description = fs.String("description", "", "the claim's description")
	}
	return f
}

// claim builds the claim the flags name; the SDK checks it.
func (f claimFlags) claim() (keyfactor.Claim, error) {
	var t keyfactor.ClaimType
	if v := strings.TrimSpace(*f.typ); v != "" {
		text := strconv.Quote(v)
		if _, err := strconv.Atoi(v); err == nil {
			text = v
		}
		if err := json.Unmarshal([]byte(text), &t); err != nil {
			return keyfactor.Claim{}, usagef("--type %q is not a claim type", v)
		}
	}
	c := keyfactor.Claim{ClaimType: t, ClaimValue: *f.value, ProviderAuthenticationScheme: *f.scheme}
	if f.description != nil {
		c.Description = *f.description
	}
	return c, nil
}

// claimNames maps the SDK's claim fields to the flags.
var claimNames = map[string]string{"ClaimType": "--type", "ClaimValue": "--value", "ProviderAuthenticationScheme": "--scheme",
	"Description": "--description", "id": "ID", "roleID": "ROLE_ID", "PageSize": "--page-size"}

func (a *app) printClaim(c *keyfactor.Claim) error {
	return a.print(c, func(w io.Writer) {
		fmt.Fprintf(w, "claim %d %s %s (%s)\n", c.ID, c.ClaimType, c.ClaimValue, c.ProviderAuthenticationScheme)
		if c.Description != "" {
			fmt.Fprintf(w, "  description: %s\n", c.Description)
		}
	})
}

func claimList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return listCommand(a, fs, "claim", `Keyfactor query, e.g. 'ClaimType -eq 4 AND ClaimValue -startswith "pki"'`,
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[keyfactor.Claim, error] {
			return c.Claims.List(ctx, keyfactor.ListClaimsOptions{Query: query, PageSize: pageSize})
		},
		"ID\tTYPE\tVALUE\tSCHEME\tDESCRIPTION", func(cl keyfactor.Claim) string {
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%s", cl.ID, cl.ClaimType, cl.ClaimValue, cl.ProviderAuthenticationScheme, cl.Description)
		})
}

func claimGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		id, err := intArg("ID", args[0])
		if err != nil {
			return err
		}
		c := a.kf
		cl, err := c.Claims.Get(ctx, id)
		if err != nil {
			return err
		}
		return a.printClaim(cl)
	}
}

// claimByFlags makes a command that takes a claim by its flags and no
// argument, and prints what do returns.
func claimByFlags[T any](name string, withDescription bool, do func(context.Context, *keyfactor.Client, keyfactor.Claim) (T, error),
	print func(*app, T) error) func(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return func(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
		f := addClaimFlags(fs, withDescription)
		return func(ctx context.Context, args []string) error {
			cl, err := f.claim()
			if err != nil {
				return err
			}
			c := a.kf
			out, err := do(ctx, c, cl)
			if err != nil {
				return err
			}
			return print(a, out)
		}
	}
}

var (
	claimFind = claimByFlags("claim find", false, func(ctx context.Context, c *keyfactor.Client, cl keyfactor.Claim) (*keyfactor.Claim, error) {
		return c.Claims.Find(ctx, cl.ClaimType, cl.ClaimValue, cl.ProviderAuthenticationScheme)
	}, (*app).printClaim)
	claimCreate = claimByFlags("claim create", true, func(ctx context.Context, c *keyfactor.Client, cl keyfactor.Claim) (*keyfactor.Claim, error) {
		return c.Claims.Create(ctx, cl)
	}, (*app).printClaim)
	claimRoles = claimByFlags("claim roles", false, func(ctx context.Context, c *keyfactor.Client, cl keyfactor.Claim) ([]keyfactor.ClaimRole, error) {
		return c.Claims.Roles(ctx, cl)
	}, func(a *app, roles []keyfactor.ClaimRole) error {
		return a.print(roles, func(w io.Writer) {
			for _, r := range roles {
				fmt.Fprintf(w, "role %d %q\n", r.ID, r.Name)
			}
		})
	})
)

func claimDelete(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		id, err := intArg("ID", args[0])
		if err != nil {
			return err
		}
		c := a.kf
		if err := c.Claims.Delete(ctx, id); err != nil {
			return err
		}
		return a.print(deleted{ID: id, Deleted: true}, func(w io.Writer) { fmt.Fprintf(w, "claim %d deleted\n", id) })
	}
}

// claimCommands is the claim commands.
var claimCommands = []command{
	{name: "claim list", synopses: []string{"[--query Q] [--page-size N]"},
		summary: "list security claims, one JSON line each (a table with --output text)", setup: claimList, names: claimNames, args: noArgs("use --query")},
	{name: "claim get", synopses: []string{"ID"}, summary: "show a claim", setup: claimGet, names: claimNames, args: oneArg("claim ID")},
	{name: "claim find", synopses: []string{"--type T --value V --scheme S"},
		summary: "show the claim of that type, value and scheme (compared exactly)", setup: claimFind, names: claimNames, args: noArgs("use --type, --value and --scheme")},
	{name: "claim create", synopses: []string{"--type T --value V --scheme S [--description D]"},
		summary: "create a claim; a lost answer never creates a second", setup: claimCreate, names: claimNames, args: noArgs("use --type, --value and --scheme")},
	{name: "claim delete", synopses: []string{"ID"}, summary: "delete a claim no role holds", setup: claimDelete, names: claimNames, args: oneArg("claim ID")},
	{name: "claim roles", synopses: []string{"--type T --value V --scheme S"}, summary: "list the roles holding a claim",
		setup: claimRoles, names: claimNames, args: noArgs("use --type, --value and --scheme")},
}
