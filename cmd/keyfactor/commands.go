package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
)

// ownerResult is what owner commands print.
type ownerResult struct {
	CertificateID int     `json:"CertificateId"`
	NewRoleID     *int    `json:"NewRoleId,omitempty"`
	NewRoleName   *string `json:"NewRoleName,omitempty"`
	Cleared       bool    `json:"Cleared,omitempty"`
}

func scopeFlags(fs *flag.FlagSet) (collection, container *int) {
	return fs.Int("collection-id", 0, "collection whose permissions authorize the change"),
		fs.Int("container-id", 0, "container whose permissions authorize the change")
}

// certArg takes the single CERT_ID argument and the scope flags.
func certArg(args []string, collection, container int) (int, error) {
	if len(args) != 1 {
		return 0, usagef("expected one CERT_ID argument, got %d", len(args))
	}
	if collection != 0 && container != 0 {
		return 0, usagef("use either --collection-id or --container-id, not both")
	}
	return intArg("CERT_ID", args[0])
}

func ownerSet(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	collection, container := scopeFlags(fs)
	roleID := fs.Int("role-id", 0, "id of the new owner role")
	roleName := fs.String("role-name", "", "name of the new owner role")
	query := fs.String("query", "", "change every certificate this Keyfactor query matches, instead of CERT_ID")
	plan := fs.Bool("plan", false, "with --query: list what would change and send no write")
	state := fs.String("state", "", "with --query: file recording finished ids, to resume after an interruption")
	concurrency := fs.Int("concurrency", keyfactor.DefaultBulkConcurrency, "with --query: requests in flight at once")
	return func(ctx context.Context, args []string) error {
		req := keyfactor.UpdateOwnerRequest{CollectionID: *collection, ContainerID: *container}
		// Pass what was given, even both or a 0, so the SDK's validation
		// names the problem.
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "role-id":
				req.NewRoleID = roleID
			case "role-name":
				req.NewRoleName = roleName
			}
		})
		if *query != "" {
			switch {
			case len(args) != 0:
				return usagef("owner set --query takes no CERT_ID")
			case *collection != 0 && *container != 0:
				return usagef("use either --collection-id or --container-id, not both")
			case *concurrency < 1:
				return usagef("--concurrency must be at least 1")
			}
			a.followUps = "the owners are then changed from the list's answers"
			opts := keyfactor.ListCertificatesOptions{Query: *query, CollectionID: *collection}
			return a.ownerByQuery(ctx, opts, req, *plan, *state, *concurrency)
		}
		if *plan || *state != "" {
			return usagef("--plan and --state go with --query")
		}
		id, err := certArg(args, *collection, *container)
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		if err := c.Certificates.UpdateOwner(ctx, id, req); err != nil {
			return err
		}
		res := ownerResult{CertificateID: id, NewRoleID: req.NewRoleID, NewRoleName: req.NewRoleName}
		return a.print(res, func(w io.Writer) {
			if req.NewRoleID != nil {
				fmt.Fprintf(w, "certificate %d: owner set to role %d\n", id, *req.NewRoleID)
			} else {
				fmt.Fprintf(w, "certificate %d: owner set to role %q\n", id, *req.NewRoleName)
			}
		})
	}
}

func ownerClear(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	collection, container := scopeFlags(fs)
	return func(ctx context.Context, args []string) error {
		id, err := certArg(args, *collection, *container)
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		if err := c.Certificates.ClearOwner(ctx, id, keyfactor.OwnerScope{CollectionID: *collection, ContainerID: *container}); err != nil {
			return err
		}
		return a.print(ownerResult{CertificateID: id, Cleared: true}, func(w io.Writer) {
			fmt.Fprintf(w, "certificate %d: owner cleared\n", id)
		})
	}
}

func roleCreate(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	return fromFile(a, fs, "role create",
		func(ctx context.Context, c *keyfactor.Client, req keyfactor.CreateRoleRequest) (*keyfactor.Role, error) {
			return c.Roles.Create(ctx, req)
		}, a.printRole)
}

// fromFile makes a command whose request is a JSON file (--file, "-" for
// standard input): decode it, send it with do, print the answer.
func fromFile[Req, Resp any](a *app, fs *flag.FlagSet, name string,
	do func(context.Context, *keyfactor.Client, Req) (Resp, error), print func(Resp) error) func(context.Context, []string) error {
	file := fs.String("file", "", "JSON request body; - for standard input")
	return func(ctx context.Context, args []string) error {
		if len(args) != 0 {
			return usagef("%s takes no arguments; use --file", name)
		}
		var req Req
		if err := a.readJSONFile(*file, &req); err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		resp, err := do(ctx, c, req)
		if err != nil {
			return err
		}
		return print(resp)
	}
}

func roleGet(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		id, err := oneID(args)
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		role, err := c.Roles.Get(ctx, id)
		if err != nil {
			return err
		}
		return a.printRole(role)
	}
}

func roleClone(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	a.followUps = "the role is then created from the source role's answer"
	name := fs.String("name", "", "name of the new role")
	description := fs.String("description", "", "description (default: the source's)")
	email := fs.String("email", "", "email address (default: the source's)")
	return func(ctx context.Context, args []string) error {
		id, err := oneID(args)
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		role, err := c.Roles.Clone(ctx, id, keyfactor.CloneRoleRequest{Name: *name, Description: *description, EmailAddress: *email})
		if err != nil {
			return err
		}
		return a.printRole(role)
	}
}

func roleCreateV1(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	a.deprecated("role create-v1", "role create")
	return fromFile(a, fs, "role create-v1",
		func(ctx context.Context, c *keyfactor.Client, req keyfactor.CreateRoleV1Request) (*keyfactor.RoleV1, error) {
			//lint:ignore SA1019 this command is the deprecated API, on request
			return c.Roles.CreateV1(ctx, req)
		}, a.printRoleV1)
}

func roleCopyV1(a *app, fs *flag.FlagSet) func(context.Context, []string) error {
	name := fs.String("name", "", "name of the new role")
	description := fs.String("description", "", "description of the new role")
	email := fs.String("email", "", "email address of the new role")
	return func(ctx context.Context, args []string) error {
		a.deprecated("role copy-v1", "role clone")
		id, err := oneID(args)
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
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

func oneID(args []string) (int, error) {
	if len(args) != 1 {
		return 0, usagef("expected one role ID argument, got %d", len(args))
	}
	return intArg("ID", args[0])
}

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
