// Command role-sync makes Keyfactor Command hold the security roles
// described by a directory of JSON files: the shape of a nightly sync job,
// as a thin program over keyfactor's Roles.Sync. Each *.json file holds one
// role or an array of roles, in the body form of POST /Security/Roles (the
// same as "keyfactor role create --file").
//
//	go run ./examples/role-sync -dir examples/role-sync/roles -plan
//	go run ./examples/role-sync -dir examples/role-sync/roles
//	go run ./examples/role-sync -dir roles -prune -protect "Break Glass"
//
// Every file is read and every role validated before anything is written,
// so a typo in one file stops the run instead of leaving it half applied;
// the run reports every problem of every file at once. Files are read with
// keyfactor.DecodeRoles: unknown keys, a key written twice (in any case) and
// anything after the JSON value are errors. Sync then reads the role list
// once and only the roles the files name, refuses anything the server would
// (a permission outside the role's permission set, a collection named as
// {collection:NAME} that does not exist) before the first write, and
// writes with bounded concurrency: created if missing, updated if it
// drifted, left alone otherwise; a second run writes nothing. Roles no
// file describes are left alone unless -prune is given (never the
// immutable role, nor a -protect name).
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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("role-sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "examples/role-sync/roles", "directory of role files (*.json)")
	planOnly := fs.Bool("plan", false, "show what would change and write nothing")
	prune := fs.Bool("prune", false, "delete the roles no file describes (never the immutable role or a -protect name)")
	var protect []string
	fs.Func("protect", "a role -prune never deletes (repeat for more)", func(s string) error {
		protect = append(protect, s)
		return nil
	})
	concurrency := fs.Int("concurrency", keyfactor.DefaultBulkConcurrency, "requests in flight at once")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2, nil
	}
	roles, files, problems := readDir(*dir)
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

	opts := keyfactor.SyncOptions{Concurrency: *concurrency, Prune: *prune, Protect: protect, PlanOnly: *planOnly}
	code := 0
	for r := 1; r <= runs; r++ {
		if runs > 1 {
			fmt.Fprintf(stdout, "run %d\n", r)
		}
		plan, err := client.Roles.Sync(ctx, roles, opts)
		if plan == nil || errors.Is(err, keyfactor.ErrValidation) {
			// Nothing was written: the files, or the server, refused a role.
			return 2, err
		}
		pending := report(stdout, plan, files)
		switch {
		case err != nil:
			code = 1 // the others were applied; the next run retries these
		case *planOnly && pending > 0:
			code = 8
		}
	}
	return code, nil
}

// report prints each role's outcome and the counts, and returns how many
// roles change (or, planning, would).
func report(stdout io.Writer, plan *keyfactor.SyncPlan, files []string) int {
	counts := map[keyfactor.Action]int{}
	failed := 0
	for i, item := range plan.Items {
		file := "(not in any file)" // a role Prune deletes
		if i < len(files) {
			file = files[i]
		}
		if item.Err != nil {
			failed++
			fmt.Fprintf(stdout, "  %s: %s: failed: %v\n", file, item.Name, item.Err)
			continue
		}
		counts[item.Plan.Action]++
		fmt.Fprintf(stdout, "  %s: %s: %s%s\n", file, item.Name, item.Plan.Action, describe(item.Plan.Changes))
	}
	fmt.Fprintf(stdout, "  %d roles: %d created, %d updated, %d deleted, %d unchanged, %d failed\n", len(files),
		counts[keyfactor.ActionCreate], counts[keyfactor.ActionUpdate], counts[keyfactor.ActionDelete], counts[keyfactor.ActionNone], failed)
	return counts[keyfactor.ActionCreate] + counts[keyfactor.ActionUpdate] + counts[keyfactor.ActionDelete]
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
// every role offline, returning every problem found: a file that does not
// decode, each bad field of each role, and a role named in two places
// (names are compared ignoring case, as Command compares them). files[i]
// is the file roles[i] came from.
func readDir(dir string) (roles []keyfactor.CreateRoleRequest, files []string, problems []string) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, []string{err.Error()}
	}
	if len(paths) == 0 {
		return nil, nil, []string{"no *.json role files in " + dir}
	}
	sort.Strings(paths)
	names := map[string]string{}
	for _, f := range paths {
		data, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		decoded, err := keyfactor.DecodeRoles(data)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", f, err))
			continue
		}
		for i, r := range decoded {
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
			roles = append(roles, r)
			files = append(files, filepath.Base(f))
		}
	}
	return roles, files, problems
}

// fake starts the embedded fake server and a client for its administrator.
func fake() (*keyfactortest.Server, *keyfactor.Client, error) {
	srv := keyfactortest.NewServer()
	client, err := keyfactor.NewClient(keyfactor.Config{BaseURL: srv.URL, AllowInsecureHTTP: true,
		Auth: keyfactor.BasicAuth{Username: keyfactortest.AdminUser, Password: keyfactortest.AdminPassword}})
	return srv, client, err
}
