package main

import (
	"context"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/pflag"
)

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

// roleClaimCommands is role claim add and remove.
var roleClaimCommands = []command{
	{name: "role claim add", synopses: []string{"ROLE_ID --type T --value V --scheme S [--description D]"},
		summary: "give a role a claim, keeping everything else; one it holds already is not added twice",
		setup:   roleClaim(true), names: claimNames, args: oneArg("ROLE_ID")},
	{name: "role claim remove", synopses: []string{"ROLE_ID --type T --value V --scheme S"},
		summary: "take a claim from a role, keeping everything else (the claim itself stays)", setup: roleClaim(false), names: claimNames, args: oneArg("ROLE_ID")},
}
