package keyfactor

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// PermissionSetsService manages permission sets, which bound what a role
// may be granted: a role's permissions must all be covered by its set.
// Reach it as Client.PermissionSets. Keyfactor serves them in API v1 only.
//
// What GET /PermissionSets shows depends on the caller: every set when the
// caller's role is in the Global set with global security read, otherwise
// only the sets tied to the caller's roles that grant security modify. A
// set that cannot be found may only be hidden from the caller.
type PermissionSetsService struct{ c *Client }

// PermissionSet is a permission set as the server returns it. Its Name is
// fixed at creation: the API cannot rename a set.
type PermissionSet struct {
	ID          string   `json:"Id"` // a GUID
	Name        string   `json:"Name"`
	Permissions []string `json:"Permissions"`
}

// ListPermissionSetsOptions orders the permission sets List returns. The
// list cannot be filtered: Keyfactor accepts a QueryString here and ignores
// it.
type ListPermissionSetsOptions struct {
	// PageSize is the ReturnLimit of each request: 0 means DefaultPageSize;
	// at most MaxPageSize.
	PageSize int
	// SortField orders the sets; "" is the server's default (Id).
	SortField string
	// Descending reverses the order.
	Descending bool
}

// CreatePermissionSetRequest is the body of a permission set create, and
// the desired state for Plan and Apply. Name is required; Permissions use
// the v2 grammar.
type CreatePermissionSetRequest struct {
	Name        string   `json:"Name"`
	Permissions []string `json:"Permissions"`
}

// UpdatePermissionSetRequest replaces a permission set's permissions. It
// carries no Name: the API cannot rename a set.
type UpdatePermissionSetRequest struct {
	ID          string   `json:"Id"`
	Permissions []string `json:"Permissions"`
}

// PermissionSetPlan is what Apply does, or would do, for one desired set.
type PermissionSetPlan struct {
	Action  Action
	Current *PermissionSet // the stored set; nil when none has the desired name
	Changes []Change       // empty unless Action is ActionUpdate
}

// permissionSetWire is a permission set as requests spell it: Permissions
// always sent, [] when empty (Keyfactor's own SDK sends null for nil).
type permissionSetWire struct {
	ID          string   `json:"Id,omitempty"`
	Name        string   `json:"Name,omitempty"`
	Permissions []string `json:"Permissions"`
}

func permissionSetPath(id string) string { return "PermissionSets/" + url.PathEscape(id) }

// List returns every permission set the caller may see (GET /PermissionSets,
// API v1), reading page after page as the loop consumes them, as
// Roles.List does.
func (s *PermissionSetsService) List(ctx context.Context, opts ListPermissionSetsOptions) iter.Seq2[PermissionSet, error] {
	q := newPageQuery("", opts.PageSize, opts.SortField, opts.Descending)
	return listPlain(ctx, s.c, "PermissionSets.List", "PermissionSets", q, func(p *PermissionSet) string { return strings.ToLower(p.ID) },
		func(p *PermissionSet) PermissionSet { return *p })
}

// Get returns a permission set (GET /PermissionSets/{id}, API v1). id must
// be a hyphenated GUID; an unknown or hidden set gives an error matching
// ErrNotFound.
func (s *PermissionSetsService) Get(ctx context.Context, id string) (*PermissionSet, error) {
	v := newValidator("PermissionSets.Get")
	checkSetID(v, "id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.get(ctx, id)
}

func (s *PermissionSetsService) get(ctx context.Context, id string) (*PermissionSet, error) {
	var set PermissionSet
	if err := s.c.do(ctx, call{method: http.MethodGet, path: permissionSetPath(id), version: v1}, &set); err != nil {
		return nil, err
	}
	return &set, nil
}

// GetByName returns the permission set named exactly name (compared
// case-sensitively). Keyfactor cannot filter the list, so GetByName reads
// every page the caller may see and compares names here. None gives an
// error matching ErrNotFound that says the caller may lack the rights to
// see it; several give an error naming their ids.
func (s *PermissionSetsService) GetByName(ctx context.Context, name string) (*PermissionSet, error) {
	v := newValidator("PermissionSets.GetByName")
	v.notBlank("name", name)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.getByName(ctx, "PermissionSets.GetByName", name)
}

func (s *PermissionSetsService) getByName(ctx context.Context, op, name string) (*PermissionSet, error) {
	return findNamed(s.List(ctx, ListPermissionSetsOptions{PageSize: MaxPageSize}), op, "permission set", name,
		" that the caller can see: it does not exist, or the caller's roles may not see it"+
			" (only a role in the Global set with /security/read/ sees every set)",
		func(p *PermissionSet) (string, string) { return p.ID, p.Name })
}

// Mine returns the permission sets that hold permission among those of the
// caller's roles (GET /PermissionSets/My?accessControlString=, API v1), the
// one permission-set endpoint any authenticated caller may use. permission
// is a v2 permission, such as "/certificates/collections/modify/".
func (s *PermissionSetsService) Mine(ctx context.Context, permission string) ([]PermissionSet, error) {
	v := newValidator("PermissionSets.Mine")
	if _, err := ParsePermission(permission); err != nil {
		v.addf("permission", "%q %v", permission, err)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	q := struct {
		AccessControlString string `url:"accessControlString"`
	}{permission}
	var sets []PermissionSet
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "PermissionSets/My", version: v1, query: q}, &sets); err != nil {
		return nil, err
	}
	return nonNil(sets), nil // a JSON null is none, as for the other lists
}

// Create creates a permission set (POST /PermissionSets, API v1). Name is
// required; Permissions are sent as [] when empty. A POST is not
// idempotent: when its answer is lost, Create reads the set of that name
// and returns it if the server holds exactly the requested permissions,
// as Roles.Create does; it never sends the POST twice.
func (s *PermissionSetsService) Create(ctx context.Context, req CreatePermissionSetRequest) (*PermissionSet, error) {
	return s.create(ctx, "PermissionSets.Create", req)
}

func (s *PermissionSetsService) create(ctx context.Context, op string, req CreatePermissionSetRequest) (*PermissionSet, error) {
	v := newValidator(op)
	req.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	body := permissionSetWire{Name: req.Name, Permissions: nonNil(req.Permissions)}
	return writeOnce(ctx, s.c, "permission set", call{method: http.MethodPost, path: "PermissionSets", version: v1, body: body},
		func(set *PermissionSet) *PermissionSet { return set },
		func() (*PermissionSet, error) { return s.getByName(ctx, op, req.Name) },
		func(found *PermissionSet) bool {
			return len(permissionChanges(found.Permissions, body.Permissions)) == 0
		})
}

// Validate checks the set as Create, Plan and Apply do before sending
// anything, without a server: a *ValidationError naming every bad field,
// or nil.
func (r CreatePermissionSetRequest) Validate() error {
	v := newValidator("CreatePermissionSetRequest.Validate")
	r.check(v)
	return v.err()
}

// check reports the request's bad fields.
func (r *CreatePermissionSetRequest) check(v *validator) {
	v.notBlank("Name", r.Name)
	checkPermissionList(v, r.Permissions, false)
}

// Update replaces a permission set's permissions (PUT /PermissionSets, API
// v1, the id in the body). It is a full replace: Permissions == nil is a
// *ValidationError (pass an empty slice to clear them), and an ID that is
// not a hyphenated GUID is refused before sending.
//
// The PUT is never sent twice once it may have reached the server: a copy
// re-sent after a lost answer would erase a permission another writer
// added meanwhile. Update reads the set back instead, and returns it when
// it holds exactly what was sent; otherwise the error matches
// ErrOutcomeUnknown, and the set is as the server holds it.
func (s *PermissionSetsService) Update(ctx context.Context, req UpdatePermissionSetRequest) (*PermissionSet, error) {
	v := newValidator("PermissionSets.Update")
	checkSetID(v, "ID", req.ID)
	if req.Permissions == nil {
		v.add("Permissions", "nil would clear the set's permissions: pass an empty slice to clear them")
	}
	checkPermissionList(v, req.Permissions, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.update(ctx, req)
}

func (s *PermissionSetsService) update(ctx context.Context, req UpdatePermissionSetRequest) (*PermissionSet, error) {
	body := permissionSetWire{ID: req.ID, Permissions: nonNil(req.Permissions)}
	return writeOnce(ctx, s.c, "permission set",
		call{method: http.MethodPut, path: "PermissionSets", version: v1, body: body, repeat: notIdempotent},
		func(set *PermissionSet) *PermissionSet { return set },
		func() (*PermissionSet, error) { return s.get(ctx, req.ID) },
		func(found *PermissionSet) bool {
			return len(permissionChanges(found.Permissions, body.Permissions)) == 0
		})
}

// Delete deletes a permission set (DELETE /PermissionSets/{id}, API v1).
// It is retried like a GET: a 404 on a retry after an attempt that may have
// deleted the set returns nil; a 404 on the first attempt gives an error
// matching ErrNotFound.
func (s *PermissionSetsService) Delete(ctx context.Context, id string) error {
	v := newValidator("PermissionSets.Delete")
	checkSetID(v, "id", id)
	if err := v.err(); err != nil {
		return err
	}
	return s.c.deleteIdempotent(ctx, permissionSetPath(id), nil, v1, "permission set")
}

// Plan compares a desired permission set with the one the server holds
// under exactly the same name (sets cannot be renamed, so a set named in
// another case is not the desired one) and reports what Apply would do.
// It only reads. Permissions compare as sets of parsed permissions; a nil
// desired Permissions is not managed.
func (s *PermissionSetsService) Plan(ctx context.Context, desired CreatePermissionSetRequest) (*PermissionSetPlan, error) {
	return s.plan(ctx, "PermissionSets.Plan", desired)
}

func (s *PermissionSetsService) plan(ctx context.Context, op string, desired CreatePermissionSetRequest) (*PermissionSetPlan, error) {
	v := newValidator(op)
	desired.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	action, current, changes, err := planNamed(func() (*PermissionSet, error) { return s.getByName(ctx, op, desired.Name) },
		func(cur *PermissionSet) []Change {
			if desired.Permissions == nil {
				return nil
			}
			return permissionChanges(cur.Permissions, desired.Permissions)
		})
	if err != nil {
		return nil, err
	}
	return &PermissionSetPlan{Action: action, Current: current, Changes: changes}, nil
}

// Apply makes the server hold the desired permission set: it plans (see
// Plan), then creates the set, replaces its permissions, or does nothing,
// and returns the plan and the set the server holds afterwards. Applying
// the same desired set twice makes no write the second time. A write whose
// answer was lost is never sent again: a create is reconciled as Create
// does, an update as Update does.
func (s *PermissionSetsService) Apply(ctx context.Context, desired CreatePermissionSetRequest) (*PermissionSetPlan, *PermissionSet, error) {
	const op = "PermissionSets.Apply"
	p, err := s.plan(ctx, op, desired)
	if err != nil {
		return nil, nil, err
	}
	set, err := applyPlanned(p.Action, p.Current,
		func() (*PermissionSet, error) { return s.create(ctx, op, desired) },
		func(cur *PermissionSet) (*PermissionSet, error) {
			return s.update(ctx, UpdatePermissionSetRequest{ID: cur.ID, Permissions: slices.Clone(desired.Permissions)})
		})
	return p, set, err
}

// checkSetID requires a permission set id: a hyphenated GUID.
func checkSetID(v *validator, field, id string) {
	checkGUID(v, field, id)
}
