// Command role-sync makes Keyfactor Command hold the security roles
// described by a directory of JSON files: the shape of a nightly sync job.
// Each *.json file holds one role or an array of roles, in the body form of
// POST /Security/Roles (the same as "keyfactor role create --file").
//
//	go run ./examples/role-sync -dir examples/role-sync/roles -plan
//	go run ./examples/role-sync -dir examples/role-sync/roles
//
// Every file is read and every role validated before anything is written,
// so a typo in one file stops the run instead of leaving it half applied.
// Then each role is applied: created if missing, replaced if it drifted,
// left alone otherwise; a second run writes nothing. Roles not described by
// any file are left alone too: deleting is a decision this job does not
// make for you.
//
// Without KEYFACTOR_HOSTNAME it runs against the embedded fake Keyfactor
// Command (applying twice, to show the second run is a no-op); with it, it
// uses the KEYFACTOR_* server and credentials.
//
// Exit codes: 0 done (or nothing to do), 1 some roles failed, 2 bad usage
// or invalid files (nothing written), 8 -plan found changes.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
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
	roles, err := readDir(*dir)
	if err != nil {
		return 2, err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	runs := 1
	var client *keyfactor.Client
	if os.Getenv("KEYFACTOR_HOSTNAME") != "" {
		client, err = keyfactor.NewClientFromEnv()
	} else {
		fmt.Fprintln(stdout, "KEYFACTOR_HOSTNAME is not set: using the embedded fake Keyfactor Command.")
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

	// Validate everything first: Plan checks each role before reading.
	plans := make([]*keyfactor.RolePlan, len(roles))
	for i, d := range roles {
		if plans[i], err = client.Roles.Plan(ctx, d.role); errors.Is(err, keyfactor.ErrValidation) {
			return 2, fmt.Errorf("%s: %w", d.file, err)
		} else if err != nil {
			return 1, fmt.Errorf("%s: role %q: %w", d.file, d.role.Name, err)
		}
	}
	if *planOnly {
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

// readDir reads every *.json file of dir, in name order. Unknown keys are
// errors, at every depth, so a typo never silently drops a setting.
func readDir(dir string) ([]desired, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.json role files in %s", dir)
	}
	sort.Strings(files)
	var out []desired
	names := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var roles []keyfactor.CreateRoleRequest
		if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '[' {
			data = append(append([]byte("["), data...), ']')
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&roles); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, r := range roles {
			if other, dup := names[r.Name]; dup {
				return nil, fmt.Errorf("%s: role %q is also described in %s", f, r.Name, other)
			}
			names[r.Name] = f
			out = append(out, desired{file: filepath.Base(f), role: r})
		}
	}
	return out, nil
}

// fake starts the embedded fake server and a client for its administrator.
func fake() (*keyfactortest.Server, *keyfactor.Client, error) {
	srv := keyfactortest.NewServer()
	client, err := keyfactor.NewClient(keyfactor.Config{BaseURL: srv.URL, AllowInsecureHTTP: true,
		Auth: keyfactor.BasicAuth{Username: keyfactortest.AdminUser, Password: keyfactortest.AdminPassword}})
	return srv, client, err
}
