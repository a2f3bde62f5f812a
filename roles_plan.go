package keyfactor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// RolePlan is what Apply does, or would do, for one desired role.
type RolePlan struct {
	Action  Action
	Current *Role    // the stored role; nil when none has the desired name
	Changes []Change // empty unless Action is ActionUpdate
}

// Plan compares a desired role with the one the server holds under the same
// name and reports what Apply would do. It only reads.
//
// Plan also checks what the server would refuse: it reads the role's
// permission set (the desired PermissionSetID, else the stored role's, else
// the set named "Global"; once) and returns, with the plan, a
// *ValidationError naming each permission the set does not cover, and a
// PermissionSetID that names no set the caller can see.
//
// The stored role is found as Command enforces unique names: ignoring case.
// A stored "PKI Operators" is the role desired "pki operators" names, and
// the plan reports a Name change; two stored roles whose names differ only
// in case make Plan an error naming both ids. (A server whose query compares
// names case-sensitively hides such a role from Plan; Apply still finds it,
// when the server refuses the create as a duplicate.)
//
// Permissions compare as sets of parsed permissions; claims as sets keyed by
// ClaimType, ClaimValue (case-insensitively) and scheme, with a changed
// claim Description reported too. An empty desired PermissionSetID matches
// any. A nil desired Permissions or Claims is not managed: whatever the
// server holds stays, and is not compared; an empty, non-nil slice means
// none. desired is validated as Create validates it.
func (s *RolesService) Plan(ctx context.Context, desired CreateRoleRequest) (*RolePlan, error) {
	p, _, err := s.plan(ctx, "Roles.Plan", desired)
	return p, err
}

// plan plans desired and returns it with its named scopes resolved.
func (s *RolesService) plan(ctx context.Context, op string, desired CreateRoleRequest) (*RolePlan, CreateRoleRequest, error) {
	v := newValidator(op)
	s.noteUnknown(ctx, checkDefinition(v, desired, false, true))
	if err := v.err(); err != nil {
		return nil, desired, err
	}
	desired, err := newResolver(s.c).resolveRole(ctx, op, desired)
	if err != nil {
		return nil, desired, err
	}
	named, err := s.named(ctx, desired.Name)
	if err != nil {
		return nil, desired, err
	}
	p, err := s.planAgainst(ctx, op, named, desired, newSetCache(s.c), s.get)
	return p, desired, err
}

// roleReader reads one role by id: RolesService.get, or Sync's reads
// started while the list was still arriving.
type roleReader func(ctx context.Context, id int) (*Role, error)

// planAgainst plans desired against the stored roles a lookup found under
// its name (ignoring case), reading the one it found with read.
func (s *RolesService) planAgainst(ctx context.Context, op string, named []RoleSummary, desired CreateRoleRequest,
	sets *setCache, read roleReader) (*RolePlan, error) {
	p := &RolePlan{Action: ActionCreate}
	switch len(named) {
	case 0:
	case 1:
		role, err := read(ctx, named[0].ID)
		current, err := namedRead(op, named[0].ID, desired.Name, true, role, err)
		switch {
		case errors.Is(err, ErrNotFound):
			// Deleted, or renamed to another name, since the list: the name is free.
		case err != nil:
			return nil, err
		default:
			p = &RolePlan{Action: ActionNone, Current: current, Changes: roleChanges(current, desired)}
			if len(p.Changes) > 0 {
				p.Action = ActionUpdate
			}
		}
	default:
		return nil, errorf("%s: %d roles are named %q when case is ignored, as Command compares names (ids %s); rename all but one",
			op, len(named), desired.Name, summaryIDs(named))
	}
	if p.Action == ActionNone {
		return p, nil // nothing will be written, so nothing for the set to refuse
	}
	// What the set refuses is an error beside the plan, not instead of it:
	// the caller sees what would have changed, and why it cannot.
	return p, s.checkSet(ctx, op, p.Current, desired, sets)
}

// setCache reads each permission set once, however many roles name it:
// once per Plan or Apply, once per Sync run. It is safe for concurrent use.
type setCache struct {
	c     *Client
	slots slots // when set, each read takes one (Sync's bound on requests)
	mu    sync.Mutex
	sets  map[string]setRead // by lower-case id; "" for the set named Global
}

type setRead struct {
	set *PermissionSet
	err error
}

func newSetCache(c *Client) *setCache { return &setCache{c: c, sets: map[string]setRead{}} }

// get reads the set id, or the set named "Global" for "".
func (sc *setCache) get(ctx context.Context, op, id string) (*PermissionSet, error) {
	key := strings.ToLower(id)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if r, ok := sc.sets[key]; ok {
		return r.set, r.err
	}
	var r setRead
	if sc.slots != nil {
		if err := sc.slots.acquire(ctx); err != nil {
			return nil, err
		}
		defer sc.slots.release()
	}
	if id != "" {
		r.set, r.err = sc.c.PermissionSets.get(ctx, id)
	} else {
		r.set, r.err = sc.c.PermissionSets.getByName(ctx, op, globalSetName)
	}
	if r.err == nil || errors.Is(r.err, ErrNotFound) {
		sc.sets[key] = r // a failure may pass; an answer stands for the run
	}
	return r.set, r.err
}

// globalSetName is the permission set every install starts with, holding
// "/"; a role that names no set belongs to it.
const globalSetName = "Global"

// checkSet refuses, before any write, the permissions the role's
// permission set does not cover, as the server would: the role's
// permissions (desired, or the stored role's when desired leaves them
// unmanaged) must each be covered by a permission of the set desired
// names, else the stored role's set, else the set named "Global". The set
// is read once. When no set named "Global" is visible to the caller, the
// check is left to the server (noted at debug level).
func (s *RolesService) checkSet(ctx context.Context, op string, current *Role, desired CreateRoleRequest, sets *setCache) error {
	perms, stored := desired.Permissions, false
	if perms == nil && current != nil {
		perms, stored = current.Permissions, true
	}
	if len(perms) == 0 {
		return nil
	}
	id, field := desired.PermissionSetID, "PermissionSetID"
	if id == "" && current != nil {
		id, field = current.PermissionSetID, "the stored role's PermissionSetID"
	}
	set, err := sets.get(ctx, op, id)
	if id != "" {
		if errors.Is(err, ErrNotFound) {
			v := newValidator(op)
			v.addf("PermissionSetID", "%s %q names no permission set the caller can see", field, id)
			return v.err()
		}
	} else {
		if errors.Is(err, ErrNotFound) {
			if s.c.logger != nil {
				s.c.logger.DebugContext(ctx, "keyfactor: no permission set named Global is visible; the server checks the role's permissions against its set")
			}
			return nil
		}
	}
	if err != nil {
		return err
	}
	v := newValidator(op)
	for i, perm := range perms {
		p, err := ParsePermission(perm)
		if err != nil || coveredBy(p, set.Permissions) {
			continue // a malformed one is reported by the definition check
		}
		whose := ""
		if stored {
			whose = " (the stored role's; desired leaves Permissions unmanaged)"
		}
		v.addf(permField(i), "%q%s is not covered by the role's permission set %q (%s): the server would refuse it",
			perm, whose, set.Name, set.ID)
	}
	return v.err()
}

// Apply makes the server hold the desired role: it plans (see Plan), then
// creates the role, updates it, or does nothing. It returns the plan it
// acted on and the role the server holds afterwards. Applying the same
// desired role twice makes no write the second time.
//
// An update goes through Modify: it re-reads the role, keeps what desired
// does not manage (a nil Permissions or Claims, an empty PermissionSetID),
// writes, and verifies. If the role was renamed since the plan (so it is no
// longer the role desired names), Apply changes nothing and returns an
// error matching ErrConflict.
//
// Apply never repeats a write that may have landed: a create whose answer
// was lost is reconciled as Create does, and an update is verified as
// Modify does. Any failure returns an error (with the plan); a nil error
// means the server holds the desired role. The built-in immutable role is
// never changed: when it differs Apply sends nothing and returns an error
// matching ErrImmutable.
func (s *RolesService) Apply(ctx context.Context, desired CreateRoleRequest) (*RolePlan, *Role, error) {
	const op = "Roles.Apply"
	p, desired, err := s.plan(ctx, op, desired)
	if err != nil {
		return p, nil, err
	}
	if p.Action == ActionCreate {
		role, err := s.create(ctx, op, desired, false)
		if !errors.Is(err, ErrConflict) || errors.Is(err, ErrOutcomeUnknown) {
			return p, role, err
		}
		// Refused as a duplicate, yet the lookup found no such role: a
		// server whose query compares case-sensitively hid one named in
		// another case. Read the whole list to find it.
		named, ferr := sameName(s.List(ctx, ListRolesOptions{PageSize: MaxPageSize}), desired.Name, roleIDName)
		if ferr != nil || len(named) == 0 {
			return p, nil, err
		}
		if p, err = s.planAgainst(ctx, op, named, desired, newSetCache(s.c), s.get); err != nil || p.Action == ActionCreate {
			return p, nil, err
		}
	}
	role, err := s.act(ctx, op, p, desired)
	return p, role, err
}

// act carries out a plan that is not a create: nothing, or an update
// through Modify, which re-reads the role and refuses one renamed since
// the plan or immutable.
func (s *RolesService) act(ctx context.Context, op string, p *RolePlan, desired CreateRoleRequest) (*Role, error) {
	if p.Action == ActionNone {
		return p.Current, nil
	}
	cur := p.Current
	if cur.Immutable {
		return nil, errorf("%s: role %q (id %d) differs from the desired role (%s) and is not changed: %w",
			op, cur.Name, cur.ID, describeChanges(p.Changes), ErrImmutable)
	}
	return s.modify(ctx, op, cur.ID, func(r *Role) error {
		switch {
		case !strings.EqualFold(r.Name, desired.Name):
			return fmt.Errorf("it is now named %q, not %q: renamed since it was planned, so it is not the role to change: %w",
				r.Name, desired.Name, ErrConflict)
		case r.Immutable:
			return fmt.Errorf("role %q is immutable and is not changed: %w", r.Name, ErrImmutable)
		}
		desired.applyTo(r)
		return nil
	})
}

// applyTo puts the desired definition on r, keeping what desired does not
// manage.
func (d *CreateRoleRequest) applyTo(r *Role) {
	r.Name, r.Description, r.EmailAddress = d.Name, d.Description, d.EmailAddress
	r.PermissionSetID = cmp.Or(d.PermissionSetID, r.PermissionSetID)
	if d.Permissions != nil {
		r.Permissions = slices.Clone(d.Permissions)
	}
	if d.Claims != nil {
		r.Claims = slices.Clone(d.Claims)
	}
}

// roleChanges lists how current differs from desired. It compares both
// ways: what desired adds and what it removes, so duplicates on either side
// cannot hide a difference. A nil desired Permissions or Claims is not
// compared (not managed); pass an empty slice to compare with none.
func roleChanges(current *Role, desired CreateRoleRequest) []Change {
	var out []Change
	scalar := func(field, old, new string) {
		if old != new {
			out = append(out, Change{Field: field, Old: old, New: new})
		}
	}
	scalar("Name", current.Name, desired.Name)
	scalar("Description", current.Description, desired.Description)
	scalar("EmailAddress", current.EmailAddress, desired.EmailAddress)
	if desired.PermissionSetID != "" && !strings.EqualFold(current.PermissionSetID, desired.PermissionSetID) {
		out = append(out, Change{Field: "PermissionSetID", Old: current.PermissionSetID, New: desired.PermissionSetID})
	}
	if desired.Permissions != nil {
		out = append(out, permissionChanges(current.Permissions, desired.Permissions)...)
	}
	if desired.Claims == nil {
		return out
	}
	claimKeyOf := func(c Claim) claimKey { return c.key() }
	label := func(c Claim) string { return c.label() }
	added, removed := setDiff(current.Claims, desired.Claims, claimKeyOf, label)
	if len(added) > 0 || len(removed) > 0 {
		out = append(out, Change{Field: "Claims", Added: added, Removed: removed})
	}
	stored := make(map[claimKey]string, len(current.Claims))
	for _, c := range current.Claims {
		stored[c.key()] = c.Description
	}
	for _, c := range desired.Claims {
		if old, ok := stored[c.key()]; ok && old != c.Description {
			out = append(out, Change{Field: "Claims[" + c.label() + "].Description", Old: old, New: c.Description})
			delete(stored, c.key()) // report a duplicated desired claim once
		}
	}
	return out
}

// permissionKey compares permissions as parsed; a permission that does not
// parse (a server's newer grammar) compares as its text.
func permissionKey(s string) Permission {
	if p, err := ParsePermission(s); err == nil {
		return p
	}
	return Permission{Path: s}
}
