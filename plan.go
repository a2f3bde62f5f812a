package keyfactor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Action is what Apply does, or would do, to make the server hold a desired
// role.
type Action string

// The actions of a RolePlan.
const (
	ActionNone   Action = "none"   // the server already holds the desired role
	ActionCreate Action = "create" // no role has the desired name
	ActionUpdate Action = "update" // the role exists and differs
)

// Change is one difference between a stored role and a desired one. Field
// is the Go field name (Description, EmailAddress, PermissionSetID,
// Permissions, Claims). Single values report Old and New; Permissions and
// Claims report the entries to add and remove, claims as Type:Value@Scheme.
// A claim present on both sides whose own Description differs is reported
// with Field "Claims[Type:Value@Scheme].Description" and Old and New.
type Change struct {
	Field          string
	Old, New       any      `json:",omitempty"`
	Added, Removed []string `json:",omitempty"`
}

// RolePlan is what Apply does, or would do, for one desired role.
type RolePlan struct {
	Action  Action
	Current *Role    // the stored role; nil when none has the desired name
	Changes []Change // empty unless Action is ActionUpdate
}

// Plan compares a desired role with the one the server holds under the same
// exact Name (read as GetByName does) and reports what Apply would do. It
// only reads. Permissions compare as sets of parsed permissions; claims as
// sets keyed by ClaimType, ClaimValue (case-insensitively) and scheme, with
// a changed claim Description reported too. An empty desired
// PermissionSetID matches any. desired is validated as Create validates it.
func (s *RolesService) Plan(ctx context.Context, desired CreateRoleRequest) (*RolePlan, error) {
	return s.plan(ctx, "Roles.Plan", desired)
}

func (s *RolesService) plan(ctx context.Context, op string, desired CreateRoleRequest) (*RolePlan, error) {
	v := newValidator(op)
	s.checkDefinition(ctx, v, desired, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	current, err := s.GetByName(ctx, desired.Name)
	switch {
	case errors.Is(err, ErrNotFound): // no such name, or it went away between its list and its GET
		return &RolePlan{Action: ActionCreate}, nil
	case err != nil:
		return nil, err
	}
	p := &RolePlan{Action: ActionNone, Current: current, Changes: roleChanges(current, desired)}
	if len(p.Changes) > 0 {
		p.Action = ActionUpdate
	}
	return p, nil
}

// Apply makes the server hold the desired role: it plans (see Plan), then
// creates the role, replaces it with Update, or does nothing. It returns the
// plan it acted on and the role the server holds afterwards. Applying the
// same desired role twice makes no write the second time.
//
// Apply never repeats a write that may have landed: a create whose answer
// was lost is reconciled as Create does, and an update is idempotent. Any
// failure returns an error (with the plan); a nil error means the server
// holds the desired role. The built-in immutable role is never changed:
// when it differs Apply sends nothing and returns an error matching
// ErrImmutable.
func (s *RolesService) Apply(ctx context.Context, desired CreateRoleRequest) (*RolePlan, *Role, error) {
	p, err := s.plan(ctx, "Roles.Apply", desired)
	if err != nil {
		return nil, nil, err
	}
	switch p.Action {
	case ActionNone:
		return p, p.Current, nil
	case ActionCreate:
		role, err := s.create(ctx, "Roles.Apply", desired, false)
		return p, role, err
	}
	cur := p.Current
	if cur.Immutable {
		return p, nil, fmt.Errorf("keyfactor: Roles.Apply: role %q (id %d) differs from the desired role (%s) and is not changed: %w",
			cur.Name, cur.ID, describeChanges(p.Changes), ErrImmutable)
	}
	role, err := s.update(ctx, "Roles.Apply", UpdateRoleRequest{ID: cur.ID, Name: desired.Name, Description: desired.Description,
		EmailAddress: desired.EmailAddress, PermissionSetID: cmp.Or(desired.PermissionSetID, cur.PermissionSetID),
		Permissions: nonNil(desired.Permissions), Claims: nonNil(desired.Claims)})
	return p, role, err
}

// roleChanges lists how current differs from desired, Name aside (roles are
// matched by it). It compares both ways: what desired adds and what it
// removes, so duplicates on either side cannot hide a difference.
func roleChanges(current *Role, desired CreateRoleRequest) []Change {
	var out []Change
	scalar := func(field, old, new string) {
		if old != new {
			out = append(out, Change{Field: field, Old: old, New: new})
		}
	}
	scalar("Description", current.Description, desired.Description)
	scalar("EmailAddress", current.EmailAddress, desired.EmailAddress)
	if desired.PermissionSetID != "" && !strings.EqualFold(current.PermissionSetID, desired.PermissionSetID) {
		out = append(out, Change{Field: "PermissionSetID", Old: current.PermissionSetID, New: desired.PermissionSetID})
	}
	added, removed := setDiff(current.Permissions, desired.Permissions, permissionKey, func(p string) string { return p })
	if len(added) > 0 || len(removed) > 0 {
		out = append(out, Change{Field: "Permissions", Added: added, Removed: removed})
	}
	claimKeyOf := func(c Claim) claimKey { return c.key() }
	label := func(c Claim) string { return c.label() }
	added, removed = setDiff(current.Claims, desired.Claims, claimKeyOf, label)
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

// setDiff returns, as labels, the entries of desired whose key current
// lacks and the entries of current whose key desired lacks, each once.
func setDiff[T any, K comparable](current, desired []T, key func(T) K, label func(T) string) (added, removed []string) {
	missing := func(from, in []T) []string {
		keys := make(map[K]bool, len(in))
		for _, x := range in {
			keys[key(x)] = true
		}
		var out []string
		for _, x := range from {
			if k := key(x); !keys[k] {
				keys[k] = true // once
				out = append(out, label(x))
			}
		}
		return out
	}
	return missing(desired, current), missing(current, desired)
}

// describeChanges names the changed fields, for error messages.
func describeChanges(changes []Change) string {
	fields := make([]string, 0, len(changes))
	for _, c := range changes {
		if !slices.Contains(fields, c.Field) {
			fields = append(fields, c.Field)
		}
	}
	if len(fields) == 0 {
		return "none"
	}
	return strings.Join(fields, ", ")
}
