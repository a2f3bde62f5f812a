package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/keyfactor-sdk/keyfactor-go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Owner commands: one certificate, or every certificate a query matches.

// ownerResult is what owner commands print.
type ownerResult struct {
	CertificateID int     `json:"CertificateId"`
	NewRoleID     *int    `json:"NewRoleId,omitempty"`
	NewRoleName   *string `json:"NewRoleName,omitempty"`
	Cleared       bool    `json:"Cleared,omitempty"`
}

// scope is --collection-id and --container-id, each an id or a name. A
// name is resolved once, with an exact compare; one that names nothing is
// exit 4, and nothing is written.
type scope struct{ collection, container string }

func scopeFlags(fs *pflag.FlagSet, what string) *scope {
	s := &scope{}
	fs.StringVar(&s.collection, "collection-id", "", "collection whose permissions authorize "+what+": its id or its name")
	fs.StringVar(&s.container, "container-id", "", "container whose permissions authorize "+what+": its id or its name")
	return s
}

func (s *scope) both() bool {
	return strings.TrimSpace(s.collection) != "" && strings.TrimSpace(s.container) != ""
}

// offline returns the ids the flags give without a lookup (a name counts as
// 1, for checking the rest of the request), and whether a name needs one.
func (s *scope) offline() (collection, container int, names bool) {
	id := func(v string) int {
		v = strings.TrimSpace(v)
		if n, err := strconv.Atoi(v); err == nil || v == "" {
			return n
		}
		names = true
		return 1
	}
	return id(s.collection), id(s.container), names
}

// resolve returns the ids, looking names up.
func (s *scope) resolve(ctx context.Context, c *keyfactor.Client) (collection, container int, err error) {
	if collection, err = resolveID(ctx, "--collection-id", s.collection, func(ctx context.Context, name string) (int, error) {
		col, err := c.Collections.GetByName(ctx, name)
		if err != nil {
			return 0, err
		}
		return col.ID, nil
	}); err != nil {
		return 0, 0, err
	}
	container, err = resolveID(ctx, "--container-id", s.container, func(ctx context.Context, name string) (int, error) {
		ct, err := c.Containers.GetByName(ctx, name)
		if err != nil {
			return 0, err
		}
		return ct.ID, nil
	})
	return collection, container, err
}

// resolveID reads a flag that takes an id or a name.
func resolveID(ctx context.Context, flag, value string, byName func(context.Context, string) (int, error)) (int, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n, nil
	}
	id, err := byName(ctx, v)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w", flag, v, err)
	}
	return id, nil
}

// ownerSetArgs checks owner set's arguments: CERT_ID, or none with --query.
func ownerSetArgs(c *cobra.Command, args []string) error {
	if q, _ := c.Flags().GetString("query"); q != "" {
		if len(args) != 0 {
			return usagef("owner set --query takes no CERT_ID")
		}
		return nil
	}
	return oneArg("CERT_ID")(c, args)
}

// certArg takes the CERT_ID argument (its count checked by cobra) and the
// scope flags.
func certArg(args []string, s *scope) (int, error) {
	if s.both() {
		return 0, usagef("use either --collection-id or --container-id, not both")
	}
	return intArg("CERT_ID", args[0])
}

// checkOwner refuses a bad owner request offline when a scope name would
// otherwise be looked up before the SDK's own check: bad input sends
// nothing.
func checkOwner(certificateID int, req keyfactor.UpdateOwnerRequest, clear bool) error {
	var fields []keyfactor.FieldError
	if certificateID <= 0 {
		fields = append(fields, keyfactor.FieldError{Field: "certificateID", Problem: fmt.Sprintf("must be greater than 0, got %d", certificateID)})
	}
	if clear {
		req.NewRoleID = keyfactor.Ptr(1)
	}
	var ve *keyfactor.ValidationError
	if errors.As(req.Validate(), &ve) {
		fields = append(fields, ve.Fields...)
	}
	if len(fields) > 0 {
		return &keyfactor.ValidationError{Op: "owner", Fields: fields}
	}
	return nil
}

func ownerSet(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	sc := scopeFlags(fs, "the change")
	roleID := fs.Int("role-id", 0, "id of the new owner role")
	roleName := fs.String("role-name", "", "name of the new owner role")
	query := fs.StringP("query", "q", "", "change every certificate this Keyfactor query matches, instead of CERT_ID")
	plan := fs.Bool("plan", false, "with --query: list what would change and send no write")
	state := fs.String("state", "", "with --query: file recording finished ids, to resume after an interruption")
	concurrency := fs.Int("concurrency", keyfactor.DefaultBulkConcurrency, "with --query: requests in flight at once")
	return func(ctx context.Context, args []string) error {
		collection, container, names := sc.offline()
		req := keyfactor.UpdateOwnerRequest{CollectionID: collection, ContainerID: container}
		// Pass what was given, even both or a 0, so the SDK's validation
		// names the problem.
		if fs.Changed("role-id") {
			req.NewRoleID = roleID
		}
		if fs.Changed("role-name") {
			req.NewRoleName = roleName
		}
		if *query != "" {
			switch {
			case sc.both():
				return usagef("use either --collection-id or --container-id, not both")
			case *concurrency < 1:
				return usagef("--concurrency must be at least 1")
			}
			if names {
				if err := checkOwner(1, req, false); err != nil {
					return err
				}
			}
			a.followUps = "the owners are then changed from the list's answers"
			return a.ownerByQuery(ctx, *query, sc, req, *plan, *state, *concurrency)
		}
		if *plan || *state != "" {
			return usagef("--plan and --state go with --query")
		}
		id, err := certArg(args, sc)
		if err != nil {
			return err
		}
		if names {
			if err := checkOwner(id, req, false); err != nil {
				return err
			}
		}
		c := a.kf
		if req.CollectionID, req.ContainerID, err = sc.resolve(ctx, c); err != nil {
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

func ownerClear(a *app, fs *pflag.FlagSet) func(context.Context, []string) error {
	sc := scopeFlags(fs, "the change")
	return func(ctx context.Context, args []string) error {
		id, err := certArg(args, sc)
		if err != nil {
			return err
		}
		collection, container, names := sc.offline()
		if names {
			if err := checkOwner(id, keyfactor.UpdateOwnerRequest{CollectionID: collection, ContainerID: container}, true); err != nil {
				return err
			}
		}
		c := a.kf
		if collection, container, err = sc.resolve(ctx, c); err != nil {
			return err
		}
		if err := c.Certificates.ClearOwner(ctx, id, keyfactor.OwnerScope{CollectionID: collection, ContainerID: container}); err != nil {
			return err
		}
		return a.print(ownerResult{CertificateID: id, Cleared: true}, func(w io.Writer) {
			fmt.Fprintf(w, "certificate %d: owner cleared\n", id)
		})
	}
}

// ownerSummary is what owner set --query prints when it is done.
type ownerSummary struct {
	Matched      int            `json:"Matched"`
	Changed      int            `json:"Changed"`
	AlreadyOwned int            `json:"AlreadyOwned"`
	DoneEarlier  int            `json:"DoneEarlier"`
	NotAttempted int            `json:"NotAttempted"`
	Failed       []ownerFailure `json:"Failed"`
}

type ownerFailure struct {
	CertificateID int    `json:"CertificateId"`
	Error         string `json:"Error"`
}

// ownerPlanOut is what owner set --query --plan prints.
type ownerPlanOut struct {
	Matched      int   `json:"Matched"`
	WouldChange  []int `json:"WouldChange"`
	AlreadyOwned int   `json:"AlreadyOwned"`
	DoneEarlier  int   `json:"DoneEarlier"`
}

// ownerByQuery changes the owner of every certificate the query matches:
// snapshot the ids and resolve the target role (PlanOwners), skip those
// already owned or finished in an earlier run of the same request
// (--state), update the rest with bounded concurrency, record each success
// in the state file as it lands, and summarize.
func (a *app) ownerByQuery(ctx context.Context, query string, sc *scope, req keyfactor.UpdateOwnerRequest,
	plan bool, statePath string, concurrency int) error {
	st, err := a.loadState(ctx, statePath)
	if err != nil {
		return err
	}
	c := a.kf
	if req.CollectionID, req.ContainerID, err = sc.resolve(ctx, c); err != nil {
		return err
	}
	opts := keyfactor.ListCertificatesOptions{Query: query, CollectionID: req.CollectionID}
	if err := a.preflight(ctx, c, "owner set --query", ownerNeeds(req, plan)...); err != nil {
		return err
	}
	p, err := c.Certificates.PlanOwners(ctx, opts, req)
	if err != nil {
		return err
	}
	if err := st.bind(stateRequest{Query: opts.Query, CollectionID: req.CollectionID, ContainerID: req.ContainerID,
		RoleID: p.RoleID}); err != nil {
		return err
	}
	var todo []int
	earlier := 0
	for _, id := range p.ChangeIDs {
		if st.done[id] {
			earlier++
		} else {
			todo = append(todo, id)
		}
	}
	matched := len(p.ChangeIDs) + len(p.AlreadyOwned)
	if plan {
		out := ownerPlanOut{Matched: matched, WouldChange: nonNilInts(todo), AlreadyOwned: len(p.AlreadyOwned), DoneEarlier: earlier}
		if err := a.print(out, func(w io.Writer) {
			fmt.Fprintf(w, "%d certificates match: %d would change, %d already have that owner, %d done in an earlier run\n",
				matched, len(todo), len(p.AlreadyOwned), earlier)
			for _, id := range todo {
				fmt.Fprintf(w, "  ~ certificate %d\n", id)
			}
		}); err != nil {
			return err
		}
		if len(todo) > 0 {
			return errChangesPending
		}
		return nil
	}

	record, closeState, err := st.open()
	if err != nil {
		return err
	}
	defer closeState()
	progress := a.progress(len(todo))
	results, runErr := c.Certificates.UpdateOwners(ctx, todo, req, keyfactor.BulkOptions{Concurrency: concurrency,
		Progress: func(n, total int, r keyfactor.OwnerResult) {
			if r.Err == nil {
				record(r.CertificateID)
			}
			progress(r.Err)
		}})
	sum := ownerSummary{Matched: matched, AlreadyOwned: len(p.AlreadyOwned), DoneEarlier: earlier,
		NotAttempted: len(todo) - len(results), Failed: []ownerFailure{}}
	var firstErr error
	for _, r := range results {
		if r.Err == nil {
			sum.Changed++
			continue
		}
		sum.Failed = append(sum.Failed, ownerFailure{CertificateID: r.CertificateID, Error: reason(r.Err)})
		if firstErr == nil {
			firstErr = r.Err
		}
	}
	if err := a.print(sum, func(w io.Writer) {
		fmt.Fprintf(w, "%d certificates match: %d changed, %d already had that owner, %d done in an earlier run, %d failed, %d not attempted\n",
			sum.Matched, sum.Changed, sum.AlreadyOwned, sum.DoneEarlier, len(sum.Failed), sum.NotAttempted)
		for _, f := range sum.Failed {
			fmt.Fprintf(w, "  ! certificate %d: %s\n", f.CertificateID, f.Error)
		}
	}); err != nil {
		return err
	}
	switch {
	case runErr != nil:
		return runErr
	case firstErr != nil:
		return fmt.Errorf("%d of %d certificates failed; first: %w", len(sum.Failed), len(todo), firstErr)
	}
	return nil
}

// ownerNeeds are the permissions an owner change by query needs: reading
// the certificates (in the collection, when one scopes it) and the target
// role, and, to write, one of Keyfactor's change-owner permissions for the
// scope asked.
func ownerNeeds(req keyfactor.UpdateOwnerRequest, planOnly bool) [][]string {
	read := "/certificates/collections/read/"
	change := []string{"/certificates/collections/change_owner/", "/certificate_stores/change_owner/",
		"/certificates/expanded_change_owner/"}
	switch {
	case req.CollectionID > 0:
		read = keyfactor.CollectionPermission("read", req.CollectionID)
		change[0] = keyfactor.CollectionPermission("change_owner", req.CollectionID)
	case req.ContainerID > 0:
		change[1] = keyfactor.ContainerPermission("change_owner", req.ContainerID)
	}
	needs := [][]string{{read}, {"/security/read/"}}
	if !planOnly {
		needs = append(needs, change)
	}
	return needs
}

func nonNilInts(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

// reason is the short text of one certificate's failure.
func reason(err error) string {
	var apiErr *keyfactor.APIError
	if errors.As(err, &apiErr) && apiErr.Message != "" {
		return fmt.Sprintf("%d %s", apiErr.StatusCode, apiErr.Message)
	}
	return oneLine(err.Error())
}

// A state file (--state) is a header line naming the request it belongs
// to, then one finished certificate id per line. The header keeps a file
// left by a run for another query, scope or target role from passing its
// ids off as done for this one; only newline-terminated lines count, and a
// torn last piece (a kill in the middle of a write) is cut off before
// anything is appended, so that it never joins the next id ("3" + "1\n"
// would read as 31).

// stateHeader starts a state file; the request follows as JSON.
const stateHeader = "# keyfactor owner set --query state v1 "

// stateRequest is what a state file is bound to: the query, the scope, and
// the target role as PlanOwners resolved it (so --role-name and --role-id
// of the same role are the same request).
type stateRequest struct {
	Query        string `json:"Query"`
	CollectionID int    `json:"CollectionId"`
	ContainerID  int    `json:"ContainerId"`
	RoleID       int    `json:"RoleId"`
}

// ownerState is a --state file as read.
type ownerState struct {
	path string
	req  *stateRequest // nil for a new or empty file
	done map[int]bool
	keep int64 // bytes of complete lines; a torn last piece comes after
}

// loadState reads the state file at path; none (or no --state) is an empty
// state.
func (a *app) loadState(ctx context.Context, path string) (*ownerState, error) {
	st := &ownerState{path: path, done: map[int]bool{}}
	if path == "" {
		return st, nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	data, err := a.readInput(ctx, "--state", path, maxStateFile)
	if err != nil {
		return nil, err
	}
	return st, st.parse(data)
}

// parse reads a state file's contents.
func (st *ownerState) parse(data []byte) error {
	st.keep = int64(bytes.LastIndexByte(data, '\n') + 1)
	complete := data[:st.keep]
	if len(complete) == 0 {
		return nil // empty, or a header cut short: start afresh
	}
	lines := strings.Split(strings.TrimSuffix(string(complete), "\n"), "\n")
	head, ok := strings.CutPrefix(lines[0], stateHeader)
	var req stateRequest
	if !ok || json.Unmarshal([]byte(head), &req) != nil {
		return usagef("--state %s is not a state file of owner set --query (an older version's, or another file): "+
			"check what it is, and remove it to start afresh", st.path)
	}
	st.req = &req
	for i, line := range lines[1:] {
		id, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil || id <= 0 {
			return usagef("--state %s: line %d is not a certificate id: %q", st.path, i+2, line)
		}
		st.done[id] = true
	}
	return nil
}

// bind checks that the file belongs to this request, or makes it so.
func (st *ownerState) bind(req stateRequest) error {
	if st.path == "" {
		return nil
	}
	if st.req != nil && *st.req != req {
		return usagef("--state %s belongs to another request (query %q, collection %d, container %d, role %d); this run is "+
			"query %q, collection %d, container %d, role %d: its ids are not done here. Use another file, or remove it",
			st.path, st.req.Query, st.req.CollectionID, st.req.ContainerID, st.req.RoleID,
			req.Query, req.CollectionID, req.ContainerID, req.RoleID)
	}
	st.req = &req
	return nil
}

// open prepares the file for appending: a torn last piece is cut off and a
// new file gets its header. record writes one id, with one unbuffered
// write: what the kernel has survives the process being killed.
func (st *ownerState) open() (record func(id int), closeFile func(), err error) {
	if st.path == "" {
		return func(int) {}, func() {}, nil
	}
	f, err := os.OpenFile(st.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, &usageError{err.Error()}
	}
	fail := func(err error) (func(int), func(), error) {
		_ = f.Close()
		return nil, nil, fmt.Errorf("--state %s: %w", st.path, err)
	}
	if err := f.Truncate(st.keep); err != nil {
		return fail(err)
	}
	if _, err := f.Seek(st.keep, io.SeekStart); err != nil {
		return fail(err)
	}
	if st.keep == 0 {
		head, _ := json.Marshal(st.req)
		if _, err := f.WriteString(stateHeader + string(head) + "\n"); err != nil {
			return fail(err)
		}
	}
	return func(id int) { _, _ = f.WriteString(strconv.Itoa(id) + "\n") }, func() { _ = f.Close() }, nil
}

// progress returns a function to call per certificate: a progress line on
// stderr when stderr is a terminal, nothing otherwise (logs and pipes stay
// clean).
func (a *app) progress(total int) func(error) {
	if !a.terminal || total == 0 {
		return func(error) {}
	}
	changed, failed := 0, 0
	return func(err error) {
		if err == nil {
			changed++
		} else {
			failed++
		}
		fmt.Fprintf(a.tty, "\r%d/%d: %d changed, %d failed", changed+failed, total, changed, failed)
		if changed+failed == total {
			fmt.Fprintln(a.tty)
		}
	}
}

// isTerminal reports whether w (a writer or a reader) is a terminal (a
// character device).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ownerCommands is the owner commands.
var ownerCommands = []command{
	{name: "owner set", synopses: []string{
		"CERT_ID (--role-id N | --role-name NAME) [--collection-id N | --container-id N]",
		"--query Q (--role-id N | --role-name NAME) [--plan] [--state FILE] [--concurrency N]"},
		summary: "make a role the owner of a certificate, or of every certificate a query matches",
		long: `With --query, every matching certificate is listed first (a snapshot, so that
changing owners cannot shift the pages), the target role is resolved (a role
that does not exist is exit 4, and nothing is written), certificates that
already have that owner are skipped, and the rest change with bounded
concurrency. --state FILE records each finished id; run the same command
again after an interruption and it finishes the rest. The file is bound to
its request (query, scope and target role): one from another request is
refused, exit 2.`,
		setup: ownerSet, names: ownerNames, args: ownerSetArgs},
	{name: "owner clear", synopses: []string{"CERT_ID [--collection-id N | --container-id N]"},
		summary: "remove a certificate's owner", setup: ownerClear, names: ownerNames, args: oneArg("CERT_ID")},
}
