package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/pflag"
)

// Whole sets of roles: role apply --dir (keyfactor's Roles.Sync) and role
// export, which writes the files that apply reads back.

// setFlags are role apply's flags for a directory of role files.
type setFlags struct {
	fs          *pflag.FlagSet
	dir         string
	prune       bool
	protect     []string
	pruneOwn    []string
	concurrency int
}

func (s *setFlags) register(fs *pflag.FlagSet) {
	s.fs = fs
	fs.StringVar(&s.dir, "dir", "", "apply every *.json role file in DIR as one set")
	fs.BoolVar(&s.prune, "prune", false, "with --dir: delete the roles no file names (never the immutable role or a --protect name)")
	fs.StringArrayVar(&s.protect, "protect", nil, "with --prune: a role name never deleted, compared ignoring case (repeat for more)")
	fs.StringArrayVar(&s.pruneOwn, "prune-own", nil,
		"with --prune: a role the caller itself holds that may be deleted (without it, --prune keeps every role the caller holds; repeat for more)")
	fs.IntVar(&s.concurrency, "concurrency", keyfactor.DefaultBulkConcurrency, "with --dir: requests in flight at once")
}

// check refuses flag combinations that cannot mean what they say.
func (s *setFlags) check(file string) error {
	switch {
	case s.dir != "" && file != "":
		return usagef("--file and --dir exclude each other")
	case s.dir == "" && (s.prune || len(s.protect) > 0 || len(s.pruneOwn) > 0 || s.fs.Changed("concurrency")):
		return usagef("--prune, --protect, --prune-own and --concurrency go with --dir")
	case len(s.protect) > 0 && !s.prune:
		return usagef("--protect goes with --prune")
	case len(s.pruneOwn) > 0 && !s.prune:
		return usagef("--prune-own goes with --prune")
	case s.concurrency <= 0:
		return usagef("--concurrency must be positive, got %d", s.concurrency)
	}
	for _, p := range s.protect {
		if strings.TrimSpace(p) == "" {
			return usagef("--protect needs a role name")
		}
	}
	return nil
}

// maxRoleFiles bounds what --dir reads: far above any real set of roles.
const (
	maxRoleFiles = 10000
	maxRoleDir   = 256 << 20
)

// applyDir is role apply --dir: every role of every file, as one Sync.
func (a *app) applyDir(ctx context.Context, set setFlags, planOnly bool) error {
	a.followUps = "the roles are then planned from the list's answer and written as planned"
	roles, labels, err := a.readRoleDir(ctx, set.dir)
	if err != nil {
		return err
	}
	c := a.kf
	if c == nil { // --dry-run with no server configured: the input is checked
		return a.printValid(len(roles), "no server is configured, so no request is shown")
	}
	needs := [][]string{{"/security/read/"}}
	if !planOnly {
		needs = append(needs, []string{"/security/modify/"})
	}
	if err := a.preflight(ctx, c, "role apply", needs...); err != nil {
		return err
	}
	plan, err := c.Roles.Sync(ctx, roles, keyfactor.SyncOptions{Concurrency: set.concurrency, Prune: set.prune,
		Protect: set.protect, PruneOwn: set.pruneOwn, PlanOnly: planOnly, Progress: a.syncProgress(planOnly)})
	var ve *keyfactor.ValidationError
	if errors.As(err, &ve) {
		return relabel(ve, labels) // nothing was written
	}
	if plan == nil {
		return err
	}
	sum := summarize(plan, labels, planOnly)
	if perr := a.printSummary(sum, roles); perr != nil {
		return perr
	}
	switch {
	case err != nil:
		return err
	case planOnly && sum.Created+sum.Updated+sum.Deleted > 0:
		return errChangesPending
	}
	return nil
}

// readRoleDir reads every *.json file of dir, in name order, and checks
// every role of all of them before anything is sent: one error names each
// file that does not decode and each bad field, as web.json[1].Description.
func (a *app) readRoleDir(ctx context.Context, dir string) ([]keyfactor.CreateRoleRequest, []string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, &usageError{err.Error()}
	}
	var srcs []roleSource
	var bad []keyfactor.FieldError
	total := 0
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !strings.EqualFold(filepath.Ext(name), ".json") {
			continue
		}
		path := filepath.Join(dir, name)
		if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
			continue // a directory, a FIFO, a dangling link: not a role file
		}
		if len(srcs)+len(bad) == maxRoleFiles {
			return nil, nil, usagef("--dir %s holds more than %d role files", dir, maxRoleFiles)
		}
		data, err := a.readInput(ctx, "--dir", path, maxRequestFile)
		if err != nil {
			return nil, nil, err
		}
		if total += len(data); total > maxRoleDir {
			return nil, nil, usagef("--dir %s holds more than %d MiB of role files", dir, maxRoleDir>>20)
		}
		roles, err := keyfactor.DecodeRoles(data)
		if err != nil {
			bad = append(bad, keyfactor.FieldError{Field: name, Problem: "not a valid role file: " + err.Error()})
			continue
		}
		srcs = append(srcs, roleSource{label: name, array: isArray(data), roles: roles})
	}
	if len(srcs)+len(bad) == 0 {
		return nil, nil, usagef("--dir %s holds no *.json role files", dir)
	}
	roles, labels, err := checkRoleSources(srcs)
	if len(bad) > 0 {
		var ve *keyfactor.ValidationError
		if errors.As(err, &ve) {
			bad = append(bad, ve.Fields...)
		}
		return nil, nil, &keyfactor.ValidationError{Op: "role files", Fields: bad}
	}
	return roles, labels, err
}

// relabel names Sync's fields by file: desired[3]("Web").Permissions[0]
// becomes web.json.Permissions[0].
func relabel(ve *keyfactor.ValidationError, labels []string) error {
	out := &keyfactor.ValidationError{Op: "role files", Fields: make([]keyfactor.FieldError, 0, len(ve.Fields))}
	for _, f := range ve.Fields {
		field := f.Field
		if rest, ok := strings.CutPrefix(field, "desired["); ok {
			if end := strings.Index(rest, "]("); end > 0 {
				i, err := strconv.Atoi(rest[:end])
				quoted, qerr := strconv.QuotedPrefix(rest[end+2:])
				if err == nil && qerr == nil && i >= 0 && i < len(labels) {
					field = labels[i] + strings.TrimPrefix(rest[end+2+len(quoted):], ")")
				}
			}
		}
		if field == "opts.Concurrency" {
			field = "--concurrency"
		}
		out.Fields = append(out.Fields, keyfactor.FieldError{Field: field, Problem: f.Problem})
	}
	return out
}

// syncSummary is what role apply --dir prints: counts, and every role that
// changes (or, with --plan, would) or failed.
type syncSummary struct {
	Plan      bool      `json:"Plan"`
	Roles     int       `json:"Roles"`
	Created   int       `json:"Created"`
	Updated   int       `json:"Updated"`
	Deleted   int       `json:"Deleted"`
	Unchanged int       `json:"Unchanged"`
	Failed    int       `json:"Failed"`
	Items     []planOut `json:"Items"`
	index     []int     // of each item in the plan
}

func summarize(plan *keyfactor.SyncPlan, labels []string, planOnly bool) syncSummary {
	sum := syncSummary{Plan: planOnly, Roles: len(labels), Items: []planOut{}}
	for i, item := range plan.Items {
		switch {
		case item.Err != nil:
			sum.Failed++
		case item.Plan.Action == keyfactor.ActionCreate:
			sum.Created++
		case item.Plan.Action == keyfactor.ActionUpdate:
			sum.Updated++
		case item.Plan.Action == keyfactor.ActionDelete:
			sum.Deleted++
		default:
			sum.Unchanged++
			continue
		}
		out := planOut{Name: item.Name, Action: item.Plan.Action, Changes: item.Plan.Changes}
		if i < len(labels) {
			out.File = labels[i]
		}
		out.ID = item.ID // the new role's id after a create
		if item.Err != nil {
			out.Error = oneLine(item.Err.Error())
		}
		sum.Items = append(sum.Items, out)
		sum.index = append(sum.index, i)
	}
	return sum
}

func (a *app) printSummary(sum syncSummary, desired []keyfactor.CreateRoleRequest) error {
	return a.print(sum, func(w io.Writer) {
		for j, out := range sum.Items {
			var d *keyfactor.CreateRoleRequest // nil for a delete
			if i := sum.index[j]; i < len(desired) {
				d = &desired[i]
			}
			a.printPlan(out, d)
		}
		verbs := []string{"created", "updated", "deleted"}
		if sum.Plan {
			verbs = []string{"to create", "to update", "to delete"}
		}
		fmt.Fprintf(w, "%d roles: %d %s, %d %s, %d %s, %d unchanged, %d failed\n", sum.Roles,
			sum.Created, verbs[0], sum.Updated, verbs[1], sum.Deleted, verbs[2], sum.Unchanged, sum.Failed)
	})
}

// syncProgress is a progress line on stderr when it is a terminal.
func (a *app) syncProgress(planOnly bool) func(keyfactor.SyncEvent) {
	if !a.terminal {
		return nil
	}
	verb := "changed"
	if planOnly {
		verb = "to change"
	}
	changed, failed := 0, 0
	return func(e keyfactor.SyncEvent) {
		switch {
		case e.Item.Err != nil:
			failed++
		case e.Item.Plan.Action != keyfactor.ActionNone:
			changed++
		}
		fmt.Fprintf(a.tty, "\r%d/%d roles: %d %s, %d failed", e.Done, e.Total, changed, verb, failed)
		if e.Done == e.Total {
			fmt.Fprintln(a.tty)
		}
	}
}

// roleExport is role export: one file per role, in role file form.
func roleExport(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	dir := fs.String("dir", "", "directory to write the files to (created if missing; it must hold no *.json file)")
	query := fs.StringP("query", "q", "", "export only the roles this Keyfactor query matches")
	names := fs.Bool("names", false, "name collections and containers instead of their ids, and leave out the Global permission set")
	concurrency := fs.Int("concurrency", keyfactor.DefaultBulkConcurrency, "requests in flight at once")
	return func(ctx context.Context, args []string) error {
		a.followUps = "each role is then read by id and written to --dir"
		switch {
		case *dir == "":
			return usagef("--dir is required")
		case *concurrency <= 0:
			return usagef("--concurrency must be positive, got %d", *concurrency)
		}
		if err := checkExportDir(*dir); err != nil {
			return err
		}
		c := a.kf
		if err := a.preflight(ctx, c, "role export", []string{"/security/read/"}); err != nil {
			return err
		}
		roles, skipped, err := readAllRoles(ctx, c, *query, *concurrency)
		if err != nil {
			return err
		}
		if *names {
			if err := portableRoles(ctx, c, roles); err != nil {
				return err
			}
		}
		files, err := writeRoleFiles(*dir, roles)
		if err != nil {
			return err
		}
		out := exportOut{Dir: *dir, Roles: len(files), Files: files, Skipped: skipped}
		return a.print(out, func(w io.Writer) {
			fmt.Fprintf(w, "wrote %d role files to %s\n", len(files), *dir)
			for _, s := range skipped {
				fmt.Fprintf(w, "skipped %q: it is immutable, so no file could change it\n", s)
			}
		})
	}
}

// checkExportDir refuses a directory that holds role files already: a file
// left from an earlier export would bring back a role deleted since.
func checkExportDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &usageError{err.Error()}
	}
	for _, e := range entries {
		if strings.EqualFold(filepath.Ext(e.Name()), ".json") && !strings.HasPrefix(e.Name(), ".") {
			return usagef("--dir %s holds %s already: export into an empty or new directory", dir, e.Name())
		}
	}
	return nil
}

// readAllRoles lists the roles a query matches and reads each, concurrently,
// leaving out the immutable ones (returned by name).
func readAllRoles(ctx context.Context, c *keyfactor.Client, query string, workers int) ([]*keyfactor.Role, []string, error) {
	var ids []int
	var skipped []string
	for r, err := range c.Roles.List(ctx, keyfactor.ListRolesOptions{Query: query, PageSize: keyfactor.MaxPageSize}) {
		if err != nil {
			return nil, nil, err
		}
		if r.Immutable {
			skipped = append(skipped, r.Name)
			continue
		}
		if !slices.Contains(ids, r.ID) {
			ids = append(ids, r.ID)
		}
	}
	roles := make([]*keyfactor.Role, len(ids))
	errs := make([]error, len(ids))
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(workers, len(ids)) {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(ids) || ctx.Err() != nil {
					return
				}
				roles[i], errs[i] = c.Roles.Get(ctx, ids[i])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, nil, fmt.Errorf("reading role %d: %w", ids[i], err)
		}
	}
	return roles, skipped, nil
}

// portableRoles names, in place of their ids, the collections and
// containers the roles' permissions scope to, where the name is unique (so
// that it resolves back to the same one), and drops the PermissionSetId of
// roles in the Global set (a role naming none belongs to it, and the
// set's id differs between installs).
func portableRoles(ctx context.Context, c *keyfactor.Client, roles []*keyfactor.Role) error {
	kinds := []struct {
		kind, prefix string
		list         func() (map[int]string, error)
	}{
		{"collection", "/certificates/collections/", func() (map[int]string, error) {
			return uniqueNames(c.Collections.List(ctx, keyfactor.ListCollectionsOptions{}), func(x keyfactor.Collection) (int, string) { return x.ID, x.Name })
		}},
		{"container", "/certificate_stores/", func() (map[int]string, error) {
			return uniqueNames(c.Containers.List(ctx, keyfactor.ListContainersOptions{}), func(x keyfactor.Container) (int, string) { return x.ID, x.Name })
		}},
	}
	for _, k := range kinds {
		var names map[int]string
		for _, r := range roles {
			for i, p := range r.Permissions {
				perm, err := keyfactor.ParsePermission(p)
				if err != nil || perm.ScopeID == 0 || !strings.HasPrefix(perm.Path, k.prefix) {
					continue
				}
				if names == nil {
					if names, err = k.list(); err != nil {
						return fmt.Errorf("naming the %ss of the roles: %w", k.kind, err)
					}
				}
				if name, ok := names[perm.ScopeID]; ok {
					r.Permissions[i] = perm.Path + "{" + k.kind + ":" + name + "}/"
				}
			}
		}
	}
	global := map[string]bool{}
	for _, r := range roles {
		id := strings.ToLower(r.PermissionSetID)
		if id == "" {
			continue
		}
		isGlobal, seen := global[id]
		if !seen {
			set, err := c.PermissionSets.Get(ctx, r.PermissionSetID)
			switch {
			case errors.Is(err, keyfactor.ErrNotFound) || errors.Is(err, keyfactor.ErrForbidden):
				// A set the caller cannot see keeps its id.
			case err != nil:
				return fmt.Errorf("reading permission set %s: %w", r.PermissionSetID, err)
			default:
				isGlobal = set.Name == "Global"
			}
			global[id] = isGlobal
		}
		if isGlobal {
			r.PermissionSetID = ""
		}
	}
	return nil
}

// uniqueNames maps each id to its name, for the names that one object
// alone has and that the {kind:NAME} syntax can carry.
func uniqueNames[T any](items func(func(T, error) bool), idName func(T) (int, string)) (map[int]string, error) {
	byName := map[string][]int{}
	for x, err := range items {
		if err != nil {
			return nil, err
		}
		id, name := idName(x)
		byName[name] = append(byName[name], id)
	}
	out := map[int]string{}
	for name, ids := range byName {
		if len(ids) == 1 && strings.TrimSpace(name) != "" && !strings.Contains(name, "}") {
			out[ids[0]] = name
		}
	}
	return out, nil
}

// exportOut is what role export prints.
type exportOut struct {
	Dir     string       `json:"Dir"`
	Roles   int          `json:"Roles"`
	Files   []exportFile `json:"Files"`
	Skipped []string     `json:"Skipped,omitempty"` // immutable roles
}

type exportFile struct {
	Name string `json:"Name"`
	ID   int    `json:"Id"`
	File string `json:"File"`
}

// roleFile is a role as role files spell it: the body of POST
// /Security/Roles, claim types by name.
type roleFile struct {
	Name            string      `json:"Name"`
	Description     string      `json:"Description"`
	EmailAddress    string      `json:"EmailAddress"`
	PermissionSetID string      `json:"PermissionSetId,omitempty"`
	Permissions     []string    `json:"Permissions"`
	Claims          []claimFile `json:"Claims"`
}

type claimFile struct {
	ClaimType                    string `json:"ClaimType"`
	ClaimValue                   string `json:"ClaimValue"`
	ProviderAuthenticationScheme string `json:"ProviderAuthenticationScheme"`
	Description                  string `json:"Description"`
}

// writeRoleFiles writes one file per role, named from the role's name, in
// the order of the names. Files are created inside dir through os.Root,
// each new (O_EXCL): a symbolic link, whether placed in dir before the
// export or during it, is never followed out of it, nor is a file
// written twice.
func writeRoleFiles(dir string, roles []*keyfactor.Role) ([]exportFile, error) {
	slices.SortFunc(roles, func(x, y *keyfactor.Role) int { return strings.Compare(x.Name, y.Name) })
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &usageError{err.Error()}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	defer root.Close()
	used := map[string]bool{}
	files := make([]exportFile, 0, len(roles))
	for _, r := range roles {
		f := roleFile{Name: r.Name, Description: r.Description, EmailAddress: r.EmailAddress,
			PermissionSetID: r.PermissionSetID, Permissions: r.Permissions, Claims: make([]claimFile, len(r.Claims))}
		if f.Permissions == nil {
			f.Permissions = []string{} // managed, and none: what the server holds
		}
		for i, cl := range r.Claims {
			f.Claims[i] = claimFile{ClaimType: string(cl.ClaimType), ClaimValue: cl.ClaimValue,
				ProviderAuthenticationScheme: cl.ProviderAuthenticationScheme, Description: cl.Description}
		}
		b, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return nil, err
		}
		name := roleFileName(r.Name, r.ID, used)
		if err := writeNew(root, name, append(b, '\n')); err != nil {
			return nil, fmt.Errorf("writing %s: %w", name, err)
		}
		files = append(files, exportFile{Name: r.Name, ID: r.ID, File: name})
	}
	return files, nil
}

// writeNew writes a file that must not exist yet, inside root.
func writeNew(root *os.Root, name string, data []byte) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// roleFileName makes a file name from a role name: lower-case letters and
// digits, other runs as "-"; the role's id is added when two names make
// the same file, and a counter when that is taken too ("x-5.json" may be
// the slug of "!x 5" as well as "x." with id 5): each role gets a file of
// its own.
func roleFileName(name string, id int, used map[string]bool) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	slug := strings.TrimSuffix(b.String(), "-")
	if len(slug) > 80 {
		slug = strings.TrimSuffix(slug[:80], "-")
	}
	if slug == "" {
		slug = "role"
	}
	file := slug + ".json"
	for n := 1; used[file]; n++ {
		file = slug + "-" + strconv.Itoa(id) + ".json"
		if n > 1 {
			file = slug + "-" + strconv.Itoa(id) + "-" + strconv.Itoa(n) + ".json"
		}
	}
	used[file] = true
	return file
}
