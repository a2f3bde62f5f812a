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

// listCommand is a "list [--query Q] [--page-size N]" command for what:
// one JSON line per item, or a table with --output text.
func listCommand[T any](a *app, fs *pflag.FlagSet, what, queryHelp string,
	list func(context.Context, *keyfactor.Client, string, int) iter.Seq2[T, error],
	header string, row func(T) string) func(context.Context, []string) error {
	query := fs.StringP("query", "q", "", queryHelp)
	pageSize := fs.Int("page-size", 0, what+"s per request (default 100, at most 1000)")
	return func(ctx context.Context, args []string) error {
		a.followUps = "further pages are read while pages come back full"
		c := a.kf
		return stream(a, list(ctx, c, *query, *pageSize), header, row)
	}
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

// roleClaim makes role claim add and role claim remove.
func roleClaim(add bool) func(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return func(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
		f := addClaimFlags(fs, add)
		return func(ctx context.Context, args []string) error {
			a.followUps = "the role is then written back with the claim, and read again to verify"
			id, err := intArg("ROLE_ID", args[0])
			if err != nil {
				return err
			}
			cl, err := f.claim()
			if err != nil {
				return err
			}
			c := a.kf
			var role *keyfactor.Role
			if add {
				role, err = c.Roles.AddClaim(ctx, id, cl)
			} else {
				role, err = c.Roles.RemoveClaim(ctx, id, cl)
			}
			if err != nil {
				return err
			}
			return a.printRole(role)
		}
	}
}

// byIDOrName reads the argument of a get whose count idOrName checked: an
// id, or --name.
func byIDOrName(args []string, fs *pflag.FlagSet) (id int, byName bool, err error) {
	if fs.Changed("name") {
		return 0, true, nil
	}
	id, err = intArg("ID", args[0])
	return id, false, err
}

func collectionList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return listCommand(a, fs, "collection", `Keyfactor query over Name, Query and Favorite, e.g. 'Name -startswith "Web"'`,
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[keyfactor.Collection, error] {
			return c.Collections.List(ctx, keyfactor.ListCollectionsOptions{Query: query, PageSize: pageSize})
		},
		"ID\tNAME\tCERTIFICATES\tCONTENT", func(col keyfactor.Collection) string {
			return fmt.Sprintf("%d\t%s\t%d\t%s", col.ID, col.Name, col.EstimatedCertCount, col.Content)
		})
}

func collectionGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return getByIDOrName(a, fs, "collection",
		func(ctx context.Context, c *keyfactor.Client, id int) (*keyfactor.Collection, error) {
			return c.Collections.Get(ctx, id)
		},
		func(ctx context.Context, c *keyfactor.Client, name string) (*keyfactor.Collection, error) {
			return c.Collections.GetByName(ctx, name)
		},
		func(w io.Writer, col *keyfactor.Collection) {
			fmt.Fprintf(w, "collection %d %q\n  description: %s\n  content: %s\n  certificates: %d\n", col.ID, col.Name,
				col.Description, col.Content, col.EstimatedCertCount)
		})
}

// getByIDOrName is a "get ID | --name NAME" command for what.
func getByIDOrName[T any](a *app, fs *pflag.FlagSet, what string,
	byID func(context.Context, *keyfactor.Client, int) (*T, error),
	byName func(context.Context, *keyfactor.Client, string) (*T, error),
	text func(io.Writer, *T)) func(context.Context, []string) error {
	name := fs.String("name", "", "the "+what+" with exactly this name, instead of ID")
	return func(ctx context.Context, args []string) error {
		id, named, err := byIDOrName(args, fs)
		if err != nil {
			return err
		}
		c := a.kf
		var x *T
		if named {
			x, err = byName(ctx, c, *name)
		} else {
			x, err = byID(ctx, c, id)
		}
		if err != nil {
			return err
		}
		return a.print(x, func(w io.Writer) { text(w, x) })
	}
}

func containerList(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return listCommand(a, fs, "container", `Keyfactor query over Name, Id and CertStoreType, e.g. 'Name -startswith "IIS"'`,
		func(ctx context.Context, c *keyfactor.Client, query string, pageSize int) iter.Seq2[keyfactor.Container, error] {
			return c.Containers.List(ctx, keyfactor.ListContainersOptions{Query: query, PageSize: pageSize})
		},
		"ID\tNAME\tSTORE TYPE\tSTORES\tSCHEDULE", func(ct keyfactor.Container) string {
			return fmt.Sprintf("%d\t%s\t%d\t%d\t%s", ct.ID, ct.Name, ct.CertStoreType, ct.StoreCount, ct.Schedule)
		})
}

func containerGet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	return getByIDOrName(a, fs, "container",
		func(ctx context.Context, c *keyfactor.Client, id int) (*keyfactor.Container, error) {
			return c.Containers.Get(ctx, id)
		},
		func(ctx context.Context, c *keyfactor.Client, name string) (*keyfactor.Container, error) {
			return c.Containers.GetByName(ctx, name)
		},
		func(w io.Writer, ct *keyfactor.Container) {
			fmt.Fprintf(w, "container %d %q\n  store type: %d\n  stores: %d\n  schedule: %s\n", ct.ID, ct.Name, ct.CertStoreType,
				ct.StoreCount, orNone(ct.Schedule))
		})
}
