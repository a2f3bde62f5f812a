package keyfactor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ActionDelete is Sync's action, with Prune, for a stored role the desired
// set does not name.
const ActionDelete Action = "delete"

// SyncOptions tunes Roles.Sync.
type SyncOptions struct {
	// Concurrency is the most requests in flight at once, for reading and
	// for writing; 0 means DefaultBulkConcurrency.
	Concurrency int
	// Prune deletes the stored roles the desired set does not name, except
	// the immutable built-in role, the names in Protect and the roles the
	// caller holds (see PruneOwn). Each is read
	// again just before its DELETE: one renamed since the list is not
	// deleted (its item's error matches ErrConflict). Off, Sync never
	// deletes.
	Prune bool
	// Protect names roles Prune never deletes, compared ignoring case.
	Protect []string
	// PruneOwn names roles the caller itself holds that Prune may delete.
	// Without it, Prune never deletes a role the caller holds (read from
	// /Security/My), so that a pipeline cannot lock itself out of the
	// server it manages.
	PruneOwn []string
	// PlanOnly plans the whole set and writes nothing.
	PlanOnly bool
	// Progress, when set, is called after each role's outcome (planned,
	// with PlanOnly; applied otherwise), never concurrently.
	Progress func(SyncEvent)
}

// SyncItem is one role of a sync: its plan, the role's id, and its error
// when it failed.
type SyncItem struct {
	Name string
	// ID is the role's id: the stored role's, or, once created, the new
	// one's; 0 for a role not (yet) created.
	ID   int
	Plan RolePlan // Action: create, update, none or delete
	Err  error
}

// SyncPlan is a whole set's plan: the desired roles in the order given,
// then the roles to delete.
type SyncPlan struct {
	Items []SyncItem
}

// SyncEvent reports one role's outcome to SyncOptions.Progress.
type SyncEvent struct {
	Item        SyncItem
	Done, Total int
}

// Sync makes the server hold a whole set of desired roles, as Apply does
// for one, without paying for them one at a time:
//
//   - It checks every definition first, offline, and returns a
//     *ValidationError naming each bad role and field (and a name given
//     twice, ignoring case), with nothing sent.
//   - It resolves the collections and containers the permissions name
//     (see below), each once, and reads the role list once, in pages of
//     MaxPageSize; then it reads, concurrently, only the roles the desired
//     set names and the server holds, and each permission set they use,
//     once. A permission its role's set does not cover, or a name that
//     resolves to nothing, is a *ValidationError before any write.
//   - It writes with bounded concurrency: creates (a lost answer is
//     reconciled as Create does), updates (through Modify, as Apply does)
//     and, with Prune, deletes.
//
// The plan comes back in any case. A nil error means every item succeeded;
// a non-nil error with a plan means some items failed (each carries its
// Err) and the others were applied, so running Sync again finishes the
// job. A second run with nothing changed makes no write.
//
// A permission may name a collection or container instead of its id,
// "/certificates/collections/read/{collection:Web Servers}/" or
// "/certificate_stores/change_owner/{container:IIS Farm}/", so that one
// role file serves every environment; Plan and Apply resolve names too.
func (s *RolesService) Sync(ctx context.Context, desired []CreateRoleRequest, opts SyncOptions) (*SyncPlan, error) {
	const op = "Roles.Sync"
	if err := checkSync(desired, opts); err != nil {
		return nil, err
	}
	workers := opts.Concurrency
	if workers == 0 {
		workers = DefaultBulkConcurrency
	}
	// What only the server can tell is gathered into rejected, for all the
	// roles at once: a name that resolves to nothing, a permission outside
	// its role's set.
	rejected := newValidator(op)
	r := newResolver(s.c)
	resolved := make([]CreateRoleRequest, len(desired))
	for i, d := range desired {
		field := func(j int) string { return syncField(i, d.Name, permField(j)) }
		perms, err := r.resolve(ctx, d.Permissions, rejected, field)
		if err != nil {
			return nil, err
		}
		checkResolved(rejected, d.Permissions, perms, field)
		d.Permissions = perms
		resolved[i] = d
	}

	// One pass over the list: every stored role, by name ignoring case. A
	// role the desired set names is read as soon as its page arrives, while
	// the pass goes on; the pass holds one of the workers' slots.
	want := make(map[string]bool, len(resolved))
	for _, d := range resolved {
		want[nameKey(d.Name)] = true
	}
	slots := make(slots, workers)
	reads := newRoleReads(s, slots)
	defer reads.wait() // no read outlives Sync, whatever it returns
	stored := map[string][]RoleSummary{}
	var all []RoleSummary
	if err := slots.acquire(ctx); err != nil {
		return nil, err
	}
	for role, err := range s.List(ctx, ListRolesOptions{PageSize: MaxPageSize}) {
		if err != nil {
			slots.release()
			return nil, err
		}
		key := nameKey(role.Name)
		if slices.ContainsFunc(stored[key], func(o RoleSummary) bool { return o.ID == role.ID }) {
			continue // a page that shifted under the pass shows a role twice
		}
		stored[key] = append(stored[key], role)
		all = append(all, role)
		if want[key] && len(stored[key]) == 1 {
			reads.start(ctx, role.ID)
		}
	}
	slots.release()

	plan := &SyncPlan{Items: make([]SyncItem, len(resolved))}
	sets := newSetCache(s.c)
	sets.slots = slots
	var mu sync.Mutex
	planned := forEach(ctx, len(resolved), workers, func(i int) {
		d := resolved[i]
		p, err := s.planAgainst(ctx, op, stored[nameKey(d.Name)], d, sets, reads.get)
		item := SyncItem{Name: d.Name, Err: err}
		if p != nil {
			item.Plan = *p
			if p.Current != nil {
				item.ID = p.Current.ID
			}
		}
		var ve *ValidationError
		if errors.As(err, &ve) {
			mu.Lock()
			for _, f := range ve.Fields {
				rejected.add(syncField(i, d.Name, f.Field), f.Problem)
			}
			mu.Unlock()
		}
		plan.Items[i] = item
	})
	if err := rejected.err(); err != nil {
		return plan, err // what the server would refuse stops the run before any write
	}
	if planned < len(resolved) {
		return plan, errorf("%s: planned %d of %d roles before the context ended; nothing was written: %w",
			op, planned, len(resolved), ctx.Err())
	}
	if opts.Prune {
		// The caller's own roles are kept unless named in PruneOwn: a
		// pipeline must not delete the role it runs as, and find out
		// only on its next run.
		me, err := s.c.Security.my(ctx)
		if err != nil {
			return plan, errorf("%s: Prune needs the roles the caller holds (GET /Security/My); nothing was written: %w", op, err)
		}
		keep := slices.Clone(opts.Protect)
		for _, held := range me.Roles {
			if !slices.ContainsFunc(opts.PruneOwn, func(own string) bool { return nameKey(own) == nameKey(held) }) {
				keep = append(keep, held)
			}
		}
		plan.Items = append(plan.Items, s.pruned(all, resolved, keep)...)
	}

	progress := progressOf(opts.Progress, len(plan.Items))
	if opts.PlanOnly {
		for _, item := range plan.Items {
			progress(item)
		}
		return plan, failures(op, plan)
	}
	done := forEach(ctx, len(plan.Items), workers, func(i int) {
		item := &plan.Items[i]
		if item.Err == nil {
			item.Err = s.syncWrite(ctx, op, item, resolved, i)
		}
		progress(*item)
	})
	for i := done; i < len(plan.Items); i++ {
		plan.Items[i].Err = fmt.Errorf("not attempted: %w", ctx.Err())
	}
	return plan, failures(op, plan)
}

// checkSync checks every desired role and the options, offline.
func checkSync(desired []CreateRoleRequest, opts SyncOptions) error {
	v := newValidator("Roles.Sync")
	if opts.Concurrency < 0 {
		v.addf("opts.Concurrency", "must not be negative, got %d", opts.Concurrency)
	}
	names := map[string]int{}
	for i, d := range desired {
		dv := newValidator("")
		checkDefinition(dv, d, false, true)
		for _, f := range dv.fields {
			v.add(syncField(i, d.Name, f.Field), f.Problem)
		}
		key := nameKey(d.Name)
		if j, dup := names[key]; dup && key != "" {
			v.addf(syncField(i, d.Name, "Name"), "repeats desired[%d] (names are compared ignoring case, as Command compares them)", j)
		}
		names[key] = i
	}
	for field, list := range map[string][]string{"opts.Protect": opts.Protect, "opts.PruneOwn": opts.PruneOwn} {
		for i, name := range list {
			checkName(v, field+"["+strconv.Itoa(i)+"]", name)
		}
	}
	return v.err()
}

// syncField names a field of the i-th desired role: desired[3]("PKI Ops").Description.
func syncField(i int, name, field string) string {
	return "desired[" + strconv.Itoa(i) + "](" + strconv.Quote(name) + ")." + field
}

// pruned plans the deletion of the stored roles the desired set does not
// name, except the immutable ones and the names in keep.
func (s *RolesService) pruned(all []RoleSummary, desired []CreateRoleRequest, protect []string) []SyncItem {
	keep := map[string]bool{}
	for _, d := range desired {
		keep[nameKey(d.Name)] = true
	}
	for _, p := range protect {
		keep[nameKey(p)] = true
	}
	var out []SyncItem
	for _, r := range all {
		if r.Immutable || keep[nameKey(r.Name)] {
			continue
		}
		current := &Role{ID: r.ID, Name: r.Name, EmailAddress: r.EmailAddress, PermissionSetID: r.PermissionSetID}
		out = append(out, SyncItem{Name: r.Name, ID: r.ID, Plan: RolePlan{Action: ActionDelete, Current: current}})
	}
	return out
}

// syncWrite carries out one item's plan.
func (s *RolesService) syncWrite(ctx context.Context, op string, item *SyncItem, desired []CreateRoleRequest, i int) error {
	switch item.Plan.Action {
	case ActionNone:
		return nil
	case ActionDelete:
		return s.prune(ctx, op, item.Plan.Current)
	case ActionCreate:
		role, err := s.create(ctx, op, desired[i], false)
		if role != nil {
			item.ID = role.ID
		}
		return err
	}
	_, err := s.act(ctx, op, &item.Plan, desired[i])
	return err
}

// slots bounds the requests a Sync has in flight: the list pass, the role
// reads and the permission-set reads share them.
type slots chan struct{}

func (s slots) acquire(ctx context.Context) error {
	select {
	case s <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s slots) release() { <-s }

// roleReads are the GETs of the roles a Sync plans against, started while
// the list pass goes on, each at most once, each in a slot.
type roleReads struct {
	s     *RolesService
	slots slots
	mu    sync.Mutex
	reads map[int]*roleRead
	wg    sync.WaitGroup
}

type roleRead struct {
	done chan struct{} // closed when role and err are set
	role *Role
	err  error
}

func newRoleReads(s *RolesService, sl slots) *roleReads {
	return &roleReads{s: s, slots: sl, reads: map[int]*roleRead{}}
}

// start reads role id in the background, once.
func (r *roleReads) start(ctx context.Context, id int) *roleRead {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rr, ok := r.reads[id]; ok {
		return rr
	}
	rr := &roleRead{done: make(chan struct{})}
	r.reads[id] = rr
	r.wg.Go(func() {
		defer close(rr.done)
		if rr.err = r.slots.acquire(ctx); rr.err != nil {
			return
		}
		defer r.slots.release()
		rr.role, rr.err = r.s.get(ctx, id)
	})
	return rr
}

// get is a roleReader: the read of id, started now if it was not yet.
func (r *roleReads) get(ctx context.Context, id int) (*Role, error) {
	rr := r.start(ctx, id)
	select {
	case <-rr.done:
		return rr.role, rr.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *roleReads) wait() { r.wg.Wait() }

// prune deletes a role the list showed and the desired set does not name,
// after reading it again: a role renamed since the list (perhaps to a name
// the set or Protect holds) or made immutable is not deleted, and one
// already gone is done.
func (s *RolesService) prune(ctx context.Context, op string, listed *Role) error {
	role, err := s.get(ctx, listed.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case !strings.EqualFold(role.Name, listed.Name):
		return errorf("%s: role %d, listed as %q, is now named %q: renamed since the list, so not deleted: %w",
			op, listed.ID, listed.Name, role.Name, ErrConflict)
	case role.Immutable:
		return errorf("%s: role %d %q is immutable: not deleted: %w", op, role.ID, role.Name, ErrImmutable)
	}
	return s.Delete(ctx, listed.ID)
}

// progressOf serializes calls to fn, counting them.
func progressOf(fn func(SyncEvent), total int) func(SyncItem) {
	if fn == nil {
		return func(SyncItem) {}
	}
	var mu sync.Mutex
	done := 0
	return func(item SyncItem) {
		mu.Lock()
		defer mu.Unlock()
		done++
		fn(SyncEvent{Item: item, Done: done, Total: total})
	}
}

// failures is the error of a plan whose items failed, or nil; ctx's
// ending leaves items unattempted, each marked with its error.
func failures(op string, p *SyncPlan) error {
	var first error
	n := 0
	for _, item := range p.Items {
		if item.Err != nil {
			if first == nil {
				first = item.Err
			}
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return errorf("%s: %d of %d roles failed (each item carries its error); first: %w", op, n, len(p.Items), first)
}
