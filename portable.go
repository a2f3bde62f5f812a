package keyfactor

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Portable permissions: a role file may name a collection or a container
// instead of its id, where a scoped permission carries the id, so that one
// file serves every environment (their ids differ between test and
// production):
//
//	/certificates/collections/read/{collection:Web Servers}/
//	/certificate_stores/change_owner/{container:IIS Farm}/
//
// The name is everything between "{collection:" or "{container:" and the
// next "}", compared exactly (as Collections.GetByName and
// Containers.GetByName compare). Plan, Apply and Sync resolve each name once
// per call (Sync: per run) and refuse, before any write, a name that
// resolves to nothing. CreateRoleRequest.Validate checks the rest of such a
// permission offline. Create and Update send permissions as given, so they
// refuse a name: resolve it first.

// portableRef is one {kind:name} scope.
type portableRef struct{ kind, name string }

// splitPortable finds a {collection:...} or {container:...} scope at the
// end of p, and returns the path before it.
func splitPortable(p string) (path string, ref portableRef, ok bool) {
	if !strings.HasSuffix(p, "}/") {
		return "", portableRef{}, false
	}
	open := strings.LastIndex(p, "/{")
	if open < 0 {
		return "", portableRef{}, false
	}
	kind, name, found := strings.Cut(p[open+2:len(p)-2], ":")
	if !found || (kind != "collection" && kind != "container") || strings.TrimSpace(name) == "" || strings.Contains(name, "}") {
		return "", portableRef{}, false
	}
	return p[:open+1], portableRef{kind, name}, true
}

// hasPortable reports whether any permission names a scope.
func hasPortable(perms []string) bool {
	for _, p := range perms {
		if _, _, ok := splitPortable(p); ok {
			return true
		}
	}
	return false
}

// withPlaceholders replaces each named scope with a stand-in id, distinct
// per name, so the grammar and redundancy rules can be checked offline.
func withPlaceholders(perms []string) []string {
	if !hasPortable(perms) {
		return perms
	}
	ids := map[portableRef]int{}
	out := make([]string, len(perms))
	for i, p := range perms {
		path, ref, ok := splitPortable(p)
		if !ok {
			out[i] = p
			continue
		}
		if _, seen := ids[ref]; !seen {
			ids[ref] = 1<<31 - 1 - len(ids) // far from any real id
		}
		out[i] = path + strconv.Itoa(ids[ref]) + "/"
	}
	return out
}

// resolver turns collection and container names into ids, each once.
type resolver struct {
	c   *Client
	mu  sync.Mutex
	ids map[portableRef]int // 0: the name resolves to nothing
}

func newResolver(c *Client) *resolver { return &resolver{c: c, ids: map[portableRef]int{}} }

// resolve returns perms with every named scope replaced by its id. A name
// that resolves to nothing is reported into v under the permission's
// field (field(i)); other failures are returned.
func (r *resolver) resolve(ctx context.Context, perms []string, v *validator, field func(int) string) ([]string, error) {
	if !hasPortable(perms) {
		return perms, nil
	}
	out := make([]string, len(perms))
	for i, p := range perms {
		path, ref, ok := splitPortable(p)
		if !ok {
			out[i] = p
			continue
		}
		id, err := r.id(ctx, ref)
		if err != nil {
			return nil, err
		}
		if id == 0 {
			v.addf(field(i), "%q: no %s is named %q", p, ref.kind, ref.name)
			out[i] = p
			continue
		}
		out[i] = path + strconv.Itoa(id) + "/"
	}
	return out, nil
}

func (r *resolver) id(ctx context.Context, ref portableRef) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock() // one lookup per name, however many roles ask
	if id, ok := r.ids[ref]; ok {
		return id, nil
	}
	var id int
	var err error
	if ref.kind == "collection" {
		var col *Collection
		if col, err = r.c.Collections.getByName(ctx, "resolve", ref.name); err == nil {
			id = col.ID
		}
	} else {
		var ct *Container
		if ct, err = r.c.Containers.getByName(ctx, "resolve", ref.name); err == nil {
			id = ct.ID
		}
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("keyfactor: resolving %s %q: %w", ref.kind, ref.name, err)
	}
	r.ids[ref] = id
	return id, nil
}

// resolveRole returns desired with its named scopes resolved, and a
// *ValidationError (under op) for names that resolve to nothing.
func (r *resolver) resolveRole(ctx context.Context, op string, desired CreateRoleRequest) (CreateRoleRequest, error) {
	v := newValidator(op)
	perms, err := r.resolve(ctx, desired.Permissions, v, permField)
	if err != nil {
		return desired, err
	}
	desired.Permissions = perms
	return desired, v.err()
}
