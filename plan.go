package keyfactor

import (
	"errors"
	"slices"
	"strings"
)

// The plan shape every declarative service shares: an Action, the Changes
// between what the server holds and what is desired, and the set diff
// that reports them.

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
// is the Go field name (Name, Description, EmailAddress, PermissionSetID,
// Permissions, Claims). Single values report Old and New; Permissions and
// Claims report the entries to add and remove, claims as Type:Value@Scheme.
// A claim present on both sides whose own Description differs is reported
// with Field "Claims[Type:Value@Scheme].Description" and Old and New. A
// Name change is only ever one of case: roles are found by name.
type Change struct {
	Field          string
	Old, New       any      `json:",omitempty"`
	Added, Removed []string `json:",omitempty"`
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

// permissionChanges is the Permissions change between two lists, compared
// as sets of parsed permissions, or none.
func permissionChanges(current, desired []string) []Change {
	added, removed := setDiff(current, desired, permissionKey, func(p string) string { return p })
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	return []Change{{Field: "Permissions", Added: added, Removed: removed}}
}

// planNamed is the plan every declarative service makes of a resource it
// finds by name: find reads the stored one (an error matching ErrNotFound:
// none), changes lists how it differs from what is desired. The action is
// create, update or none.
func planNamed[T any](find func() (*T, error), changes func(*T) []Change) (Action, *T, []Change, error) {
	current, err := find()
	switch {
	case errors.Is(err, ErrNotFound):
		return ActionCreate, nil, nil, nil
	case err != nil:
		return "", nil, nil, err
	}
	ch := changes(current)
	if len(ch) == 0 {
		return ActionNone, current, nil, nil
	}
	return ActionUpdate, current, ch, nil
}

// applyPlanned carries out such a plan: create, update the current one,
// or nothing; it returns what the server holds afterwards.
func applyPlanned[T any](action Action, current *T, create func() (*T, error), update func(*T) (*T, error)) (*T, error) {
	switch action {
	case ActionCreate:
		return create()
	case ActionUpdate:
		return update(current)
	}
	return current, nil
}
