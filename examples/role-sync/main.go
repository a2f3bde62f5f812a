// Command role-sync makes Keyfactor Command hold the security roles
// described by a directory of JSON files: the shape of a nightly sync job.
// Each *.json file holds one role or an array of roles, in the body form of
// POST /Security/Roles (the same as "keyfactor role create --file").
//
//	go run ./examples/role-sync -dir examples/role-sync/roles -plan
//	go run ./examples/role-sync -dir examples/role-sync/roles
//
// Every file is read and every role validated before anything is written,
// so a typo in one file stops the run instead of leaving it half applied;
// the run reports every problem of every file at once. Files are read with
// keyfactor.DecodeRoles: unknown keys, a key written twice (in any case) and
// anything after the JSON value are errors.
// Then each role is applied: created if missing, replaced if it drifted,
// left alone otherwise; a second run writes nothing. Roles not described by
// any file are left alone too: deleting is a decision this job does not
// make for you.
//
// With no server configured (no KEYFACTOR_HOSTNAME, no host in
// command_config.json) it runs against the embedded fake Keyfactor Command
// (applying twice, to show the second run is a no-op); otherwise it uses
// the KEYFACTOR_* server and credentials.
//
// Exit codes: 0 done (or nothing to do), 1 some roles failed, 2 bad usage
// or invalid files (nothing written), 8 -plan found changes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/keyfactor-sdk/keyfactor-go/keyfactortest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "role-sync:", err)
	}
	os.Exit(code)
}

// desired is one role and the file it came from.
type desired struct {
	file string
	role keyfactor.CreateRoleRequest
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("role-sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "examples/role-sync/roles", "directory of role files (*.json)")
	planOnly := fs.Bool("plan", false, "show what would change and write nothing")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2, nil
	}
	roles, problems := readDir(*dir)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "role-sync:", p)
		}
		return 2, fmt.Errorf("%d problems in the role files; nothing was written", len(problems))
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	runs := 1
	var client *keyfactor.Client
	cfg, err := keyfactor.ConfigFromEnv()
	switch {
	case err == nil:
		client, err = keyfactor.NewClient(cfg)
	case errors.Is(err, keyfactor.ErrNotConfigured):
		fmt.Fprintln(stdout, "No Keyfactor Command is configured: using the embedded fake Keyfactor Command.")
		var srv *keyfactortest.Server
		srv, client, err = fake()
		if srv != nil {
			defer srv.Close()
		}
		if !*planOnly {
			runs = 2 // to show that the second run writes nothing
		}
	}
	if err != nil {
		return 2, err
	}

	if *planOnly {
		plans := make([]*keyfactor.RolePlan, len(roles))
		for i, d := range roles {
			if plans[i], err = client.Roles.Plan(ctx, d.role); err != nil {
				return 1, fmt.Errorf("%s: role %q: %w", d.file, d.role.Name, err)
			}
		}
		pending := 0
		for i, d := range roles {
			fmt.Fprintf(stdout, "%s: %s: %s%s\n", d.file, d.role.Name, plans[i].Action, describe(plans[i].Changes))
			if plans[i].Action != keyfactor.ActionNone {
				pending++
			}
		}
		if pending > 0 {
			return 8, nil
		}
		return 0, nil
	}
	code := 0
	for r := 1; r <= runs; r++ {
		if runs > 1 {
			fmt.Fprintf(stdout, "run %d\n", r)
		}
		if c := apply(ctx, client, roles, stdout); c != 0 {
			code = c
		}
	}
	return code, nil
}

// apply applies every role, reports each, and returns 1 if any failed.
// A failed role does not stop the others: the next run retries it.
func apply(ctx context.Context, client *keyfactor.Client, roles []desired, stdout io.Writer) int {
	counts := map[keyfactor.Action]int{}
	failed := 0
	for _, d := range roles {
		plan, _, err := client.Roles.Apply(ctx, d.role)
		if err != nil {
			failed++
			fmt.Fprintf(stdout, "  %s: %s: failed: %v\n", d.file, d.role.Name, err)
			continue
		}
		counts[plan.Action]++
		fmt.Fprintf(stdout, "  %s: %s: %s%s\n", d.file, d.role.Name, plan.Action, describe(plan.Changes))
	}
	fmt.Fprintf(stdout, "  %d roles: %d created, %d updated, %d unchanged, %d failed\n", len(roles),
		counts[keyfactor.ActionCreate], counts[keyfactor.ActionUpdate], counts[keyfactor.ActionNone], failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// describe lists the changed fields after a space, or returns "".
func describe(changes []keyfactor.Change) string {
	if len(changes) == 0 {
		return ""
	}
	s := " ("
	for i, c := range changes {
		if i > 0 {
			s += ", "
		}
		s += c.Field
	}
	return s + ")"
}

// readDir reads every *.json file of dir, in name order, and validates
// every role, returning every problem found: a file that does not decode,
// each bad field of each role, and a role named in two places (names are
// compared ignoring case, as Command compares them).
func readDir(dir string) ([]desired, []string) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, []string{err.Error()}
	}
	if len(files) == 0 {
		return nil, []string{"no *.json role files in " + dir}
	}
	sort.Strings(files)
	var out []desired
	var problems []string
	names := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		roles, err := keyfactor.DecodeRoles(data)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", f, err))
			continue
		}
		for i, r := range roles {
			var ve *keyfactor.ValidationError
			if errors.As(r.Validate(), &ve) {
				for _, fe := range ve.Fields {
					problems = append(problems, fmt.Sprintf("%s: role %d (%q): %s: %s", f, i+1, r.Name, fe.Field, fe.Problem))
				}
			}
			key := strings.ToLower(r.Name)
			if other, dup := names[key]; dup {
				problems = append(problems, fmt.Sprintf("%s: role %q is also described in %s", f, r.Name, other))
			}
			names[key] = f
			out = append(out, desired{file: filepath.Base(f), role: r})
		}
	}
	return out, problems
}

// fake starts the embedded fake server and a client for its administrator.
func fake() (*keyfactortest.Server, *keyfactor.Client, error) {
	srv := keyfactortest.NewServer()
	client, err := keyfactor.NewClient(keyfactor.Config{BaseURL: srv.URL, AllowInsecureHTTP: true,
		Auth: keyfactor.BasicAuth{Username: keyfactortest.AdminUser, Password: keyfactortest.AdminPassword}})
	return srv, client, err
}
