package keyfactor

import (
	"context"
	"errors"
	"slices"
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

// rewriteScopes returns perms with each named scope replaced by what
// replace makes of permission i, split into its path and scope; perms
// itself when none names a scope.
func rewriteScopes(perms []string, replace func(i int, path string, ref portableRef) (string, error)) ([]string, error) {
	var out []string
	for i, p := range perms {
		path, ref, ok := splitPortable(p)
		if !ok {
			continue
		}
		if out == nil {
			out = slices.Clone(perms)
		}
		var err error
		if out[i], err = replace(i, path, ref); err != nil {
			return nil, err
		}
	}
	if out == nil {
		return perms, nil
	}
	return out, nil
}

// withPlaceholders replaces each named scope with a stand-in id, distinct
// per name, so the grammar and redundancy rules can be checked offline.
func withPlaceholders(perms []string) []string {
	ids := map[portableRef]int{}
	out, _ := rewriteScopes(perms, func(_ int, path string, ref portableRef) (string, error) {
		if _, seen := ids[ref]; !seen {
			ids[ref] = 1<<31 - 1 - len(ids) // far from any real id
		}
		return path + strconv.Itoa(ids[ref]) + "/", nil
	})
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
	return rewriteScopes(perms, func(i int, path string, ref portableRef) (string, error) {
		id, err := r.id(ctx, ref)
		switch {
		case err != nil:
			return "", err
		case id == 0:
			v.addf(field(i), "%q: no %s is named %q", perms[i], ref.kind, ref.name)
			return perms[i], nil
		}
		return path + strconv.Itoa(id) + "/", nil
	})
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
		return 0, errorf("resolving %s %q: %w", ref.kind, ref.name, err)
	}
	r.ids[ref] = id
	return id, nil
}

// resolveRole returns desired with its named scopes resolved, and a
// *ValidationError (under op) for names that resolve to nothing and for
// permissions that repeat once resolved.
func (r *resolver) resolveRole(ctx context.Context, op string, desired CreateRoleRequest) (CreateRoleRequest, error) {
	v := newValidator(op)
	perms, err := r.resolve(ctx, desired.Permissions, v, permField)
	if err != nil {
		return desired, err
	}
	checkResolved(v, desired.Permissions, perms, permField)
	desired.Permissions = perms
	return desired, v.err()
}

// checkResolved checks again, once names are resolved, what a name could
// hide offline: "{collection:Web}" and "5" are one permission when Web is
// collection 5, and a role holding both is refused by the server (a
// repeat) after the writes before it. Problems go into v under field(i).
func checkResolved(v *validator, named, resolved []string, field func(int) string) {
	if slices.Equal(named, resolved) {
		return
	}
	tmp := newValidator("")
	checkPermissionsV2(tmp, resolved)
	for _, f := range tmp.fields {
		i, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(f.Field, "Permissions["), "]"))
		v.add(field(i), f.Problem+" once names are resolved")
	}
}

// checkPlaceholders refuses, offline, a placeholder of the wrong kind for
// its permission: a collection's name where the permission is scoped by a
// container, and either where the permission takes no scope at all. (A
// container's id in a collection permission would grant rights on an
// unrelated collection that happens to have that id.)
func checkPlaceholders(v *validator, perms []string) {
	for i, p := range perms {
		path, ref, ok := splitPortable(p)
		if !ok {
			continue
		}
		switch want := scopeKind(path); want {
		case ref.kind:
		case "":
			v.addf(permField(i), "%q: %s takes no scope, so no {%s:NAME} can stand in it", p, path, ref.kind)
		default:
			v.addf(permField(i), "%q: %s is scoped by a %s, not a %s: write {%s:NAME}", p, path, want, ref.kind, want)
		}
	}
}

// scopeKind is what scopes a v2 permission path: "collection" for the
// collection permissions, "container" for the certificate store ones, ""
// for a path that takes no scope. A path the SDK does not know (a newer
// server's) under either takes its kind.
func scopeKind(path string) string {
	scopable, known := knownV2[path]
	switch {
	case known && !scopable:
		return ""
	case strings.HasPrefix(path, "/certificates/collections/"):
		return "collection"
	case strings.HasPrefix(path, "/certificate_stores/"):
		return "container"
	}
	return ""
}
