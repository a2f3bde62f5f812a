package keyfactor

import (
	"cmp"
	"context"
	"errors"
	"iter"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// RolesService manages security roles. Reach it as Client.Roles. Its
// methods use Keyfactor's v2 API, which supports every identity provider,
// except Delete (Keyfactor has only a v1 DELETE) and the deprecated v1
// methods in roles_v1.go.
type RolesService struct {
	c *Client
	// modifying serializes the read-change-write rounds of Modify (and of
	// Apply's updates) per role id on this Client.
	modifying keyLocks[int]
}

// Role is a v2 security role as the server returns it. It marshals to JSON
// as it reads, with Keyfactor's names.
type Role struct {
	ID              int      `json:"Id"`
	Name            string   `json:"Name"`
	Description     string   `json:"Description"`
	EmailAddress    string   `json:"EmailAddress"`
	Immutable       bool     `json:"Immutable"`
	PermissionSetID string   `json:"PermissionSetId"`
	Permissions     []string `json:"Permissions"`
	Claims          []Claim  `json:"Claims"`
}

// roleWire is a Role as responses spell it. The SDK decodes into it rather
// than into Role so that claims decode in the same pass, with leaf-level
// decoders only (a nested json.Unmarshal per claim was a third of a role
// create's allocations).
type roleWire struct {
	ID              int         `json:"Id"`
	Name            string      `json:"Name"`
	Description     string      `json:"Description"`
	EmailAddress    string      `json:"EmailAddress"`
	Immutable       bool        `json:"Immutable"`
	PermissionSetID string      `json:"PermissionSetId"`
	Permissions     []string    `json:"Permissions"`
	Claims          []claimWire `json:"Claims"`
}

func (w *roleWire) role() *Role {
	return &Role{ID: w.ID, Name: w.Name, Description: w.Description, EmailAddress: w.EmailAddress, Immutable: w.Immutable,
		PermissionSetID: w.PermissionSetID, Permissions: w.Permissions, Claims: claimsFromWire(w.Claims)}
}

// RoleSummary is a role as the v2 list returns it: Keyfactor's list items
// carry no Description, Permissions or Claims. Get or GetByName reads the
// whole role.
type RoleSummary struct {
	ID              int    `json:"Id"`
	Name            string `json:"Name"`
	EmailAddress    string `json:"EmailAddress"`
	Immutable       bool   `json:"Immutable"`
	PermissionSetID string `json:"PermissionSetId"`
	ClaimsCount     int    `json:"ClaimsCount"`
}

// CreateRoleRequest is the body of a v2 role create, and the desired state
// for Plan and Apply. Name and Description are required; Permissions use
// the v2 grammar (see ParsePermission).
type CreateRoleRequest struct {
	Name            string   `json:"Name,omitempty"`
	Description     string   `json:"Description,omitempty"`
	EmailAddress    string   `json:"EmailAddress,omitempty"`
	PermissionSetID string   `json:"PermissionSetId,omitempty"`
	Permissions     []string `json:"Permissions,omitempty"`
	Claims          []Claim  `json:"Claims,omitempty"`
}

// createRoleWire is the body the SDK sends for a v2 create.
type createRoleWire struct {
	Name            string         `json:"Name,omitempty"`
	Description     string         `json:"Description,omitempty"`
	EmailAddress    string         `json:"EmailAddress,omitempty"`
	PermissionSetID string         `json:"PermissionSetId,omitempty"`
	Permissions     []string       `json:"Permissions,omitempty"`
	Claims          []claimRequest `json:"Claims,omitempty"`
}

func (r *CreateRoleRequest) wire() createRoleWire {
	return createRoleWire{Name: r.Name, Description: r.Description, EmailAddress: r.EmailAddress,
		PermissionSetID: r.PermissionSetID, Permissions: r.Permissions, Claims: claimRequests(r.Claims)}
}

// UpdateRoleRequest is the body of a v2 role update, which replaces the
// whole role: a field left empty is cleared on the server. Permissions and
// Claims must not be nil; pass an empty slice to clear them.
type UpdateRoleRequest struct {
	ID              int      `json:"Id"`
	Name            string   `json:"Name"`
	Description     string   `json:"Description"`
	EmailAddress    string   `json:"EmailAddress,omitempty"`
	PermissionSetID string   `json:"PermissionSetId,omitempty"`
	Permissions     []string `json:"Permissions"`
	Claims          []Claim  `json:"Claims"`
}

// updateRoleWire is the body the SDK sends for a v2 update. Permissions and
// Claims are always sent, [] when empty, so that clearing is explicit on the
// wire rather than left to the server's wiping of omitted fields.
type updateRoleWire struct {
	ID              int            `json:"Id"`
	Name            string         `json:"Name"`
	Description     string         `json:"Description"`
	EmailAddress    string         `json:"EmailAddress,omitempty"`
	PermissionSetID string         `json:"PermissionSetId,omitempty"`
	Permissions     []string       `json:"Permissions"`
	Claims          []claimRequest `json:"Claims"`
}

func (r *UpdateRoleRequest) wire() updateRoleWire {
	return updateRoleWire{ID: r.ID, Name: r.Name, Description: r.Description, EmailAddress: r.EmailAddress,
		PermissionSetID: r.PermissionSetID, Permissions: nonNil(r.Permissions), Claims: nonNil(claimRequests(r.Claims))}
}

// definition is the request's role definition, for comparing with what the
// server holds.
func (r *UpdateRoleRequest) definition() CreateRoleRequest {
	return CreateRoleRequest{Name: r.Name, Description: r.Description, EmailAddress: r.EmailAddress,
		PermissionSetID: r.PermissionSetID, Permissions: r.Permissions, Claims: r.Claims}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// CloneRoleRequest names the role Clone creates. An empty Description or
// EmailAddress means the source role's.
type CloneRoleRequest struct {
	Name, Description, EmailAddress string
}

// ListRolesOptions selects and orders the roles List returns.
type ListRolesOptions struct {
	// Query is a Keyfactor QueryString, such as `Name -startswith "PKI"`;
	// "" lists every role.
	Query string
	// PageSize is the ReturnLimit of each request: 0 means DefaultPageSize;
	// at most MaxPageSize.
	PageSize int
	// SortField orders the roles; "" is the server's default (Name).
	SortField string
	// Descending reverses the order.
	Descending bool
}

// roleListQuery is the query of GET /Security/Roles.
type roleListQuery struct{ pageQuery }

// Create creates a security role (POST /Security/Roles, API v2). Bad input
// returns a *ValidationError listing every problem, and nothing is sent.
//
// A POST is not idempotent, so it is retried only when the server cannot
// have acted on it (connection refused, 429, 503). When it fails in a way
// that leaves the outcome unknown — a timeout, a connection lost after the
// request was sent, a 502 or 504 — Create reads the role of that name (as
// GetByName does) and returns it if the server holds exactly the requested
// definition (a role of that name with the same definition that existed
// before the call is returned too). Otherwise the original error is
// returned; it matches ErrOutcomeUnknown. No lookup is tried once ctx is
// done.
//
// A duplicate name or redundant permissions come back from the server as an
// *APIError (400) with Keyfactor's message.
func (s *RolesService) Create(ctx context.Context, req CreateRoleRequest) (*Role, error) {
	return s.create(ctx, "Roles.Create", req, false)
}

// create sends a v2 create. Claims read from the server (Clone) may carry a
// claim type newer than this SDK.
func (s *RolesService) create(ctx context.Context, op string, req CreateRoleRequest, fromServer bool) (*Role, error) {
	v := newValidator(op)
	s.checkDefinition(ctx, v, req, fromServer)
	if err := v.err(); err != nil {
		return nil, err
	}
	// What the create sends is the whole definition: nil sends no
	// permissions or claims, so a stored role that proves it has none.
	sent := req
	sent.Permissions, sent.Claims = nonNil(req.Permissions), nonNil(req.Claims)
	return writeOnce(ctx, s.c, "role", call{method: http.MethodPost, path: "Security/Roles", version: v2, body: req.wire()},
		(*roleWire).role,
		func() (*Role, error) { return s.GetByName(ctx, req.Name) },
		func(found *Role) bool { return len(roleChanges(found, sent)) == 0 })
}

// Get returns a security role (GET /Security/Roles/{id}, API v2).
func (s *RolesService) Get(ctx context.Context, id int) (*Role, error) {
	v := newValidator("Roles.Get")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.get(ctx, id)
}

func (s *RolesService) get(ctx context.Context, id int) (*Role, error) {
	var role roleWire
	if err := s.c.do(ctx, call{method: http.MethodGet, path: rolePath(id), version: v2}, &role); err != nil {
		return nil, err
	}
	return role.role(), nil
}

func rolePath(id int) string { return "Security/Roles/" + strconv.Itoa(id) }

// List returns every role matching opts (GET /Security/Roles, API v2),
// reading page after page as the loop consumes them: a page is fetched only
// when needed, and breaking out of the loop stops fetching. An error (bad
// options, a failed page) is yielded once and ends the sequence.
//
// List items are summaries; use Get for a role's permissions and claims.
func (s *RolesService) List(ctx context.Context, opts ListRolesOptions) iter.Seq2[RoleSummary, error] {
	v := newValidator("Roles.List")
	checkPageSize(v, "PageSize", opts.PageSize)
	if err := v.err(); err != nil {
		return failed[RoleSummary](err)
	}
	newCall := func() (call, *pageQuery) {
		q := &roleListQuery{newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)}
		return call{method: http.MethodGet, path: "Security/Roles", version: v2, query: q}, &q.pageQuery
	}
	return paginate(ctx, s.c, newCall, func(r *RoleSummary) int { return r.ID }, func(r *RoleSummary) RoleSummary { return *r })
}

// GetByName returns the role whose Name is exactly name (compared
// case-sensitively), read in full with GET /Security/Roles/{id}, since list
// items are summaries. No such role gives an error matching ErrNotFound; so
// does a role whose name is no longer name when it is read (renamed between
// the list and the GET): a role is never returned under another name.
// Several roles of that exact name give an error naming their ids.
//
// The lookup queries `Name -eq "name"`. Keyfactor's query language has no
// documented escape for a double quote, so for a name holding one GetByName
// reads the whole list instead and filters it here.
func (s *RolesService) GetByName(ctx context.Context, name string) (*Role, error) {
	v := newValidator("Roles.GetByName")
	v.notBlank("name", name)
	if err := v.err(); err != nil {
		return nil, err
	}
	found, err := findNamed(s.List(ctx, byNameOptions(name)), "Roles.GetByName", "role", name, "", roleIDName)
	if err != nil {
		return nil, err
	}
	return s.getNamed(ctx, "Roles.GetByName", found.ID, name, false)
}

// named lists the roles whose name is name ignoring case, each once.
func (s *RolesService) named(ctx context.Context, name string) ([]RoleSummary, error) {
	return sameName(s.List(ctx, byNameOptions(name)), name, roleIDName)
}

// byNameOptions narrows the role list to name, or reads it all in large
// pages when the name cannot be queried.
func byNameOptions(name string) ListRolesOptions {
	opts := ListRolesOptions{Query: nameQuery(name)}
	if opts.Query == "" {
		opts.PageSize = MaxPageSize
	}
	return opts
}

func roleIDName(r *RoleSummary) (int, string) { return r.ID, r.Name }

// getNamed reads role id, which a list showed under name, and checks that
// it still has that name (ignoring case when fold is set). A role deleted
// or renamed in between gives an error matching ErrNotFound.
func (s *RolesService) getNamed(ctx context.Context, op string, id int, name string, fold bool) (*Role, error) {
	role, err := s.get(ctx, id)
	return namedRead(op, id, name, fold, role, err)
}

// namedRead checks a read of role id, which a list showed under name, as
// getNamed does.
func namedRead(op string, id int, name string, fold bool, role *Role, err error) (*Role, error) {
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, errorf("%s: role %d, listed as %q, was deleted before it could be read: %w", op, id, name, err)
	case err != nil:
		return nil, err
	case role.Name != name && !(fold && strings.EqualFold(role.Name, name)):
		return nil, errorf("%s: role %d was listed as %q but reads as %q (renamed meanwhile): %w",
			op, id, name, role.Name, ErrNotFound)
	}
	return role, nil
}

// ownerTarget resolves the role an owner change names: by id, or by name
// ignoring case as the owner PUT matches it. None is an error matching
// ErrNotFound; several names that differ only in case are an error too.
func (s *RolesService) ownerTarget(ctx context.Context, req UpdateOwnerRequest) (id int, name string, err error) {
	if req.NewRoleID != nil {
		role, err := s.get(ctx, *req.NewRoleID)
		if errors.Is(err, ErrNotFound) {
			return 0, "", errorf("the new owner, role %d, does not exist: %w", *req.NewRoleID, err)
		}
		if err != nil {
			return 0, "", err
		}
		return role.ID, role.Name, nil
	}
	named, err := s.named(ctx, *req.NewRoleName)
	switch {
	case err != nil:
		return 0, "", err
	case len(named) == 0:
		return 0, "", errorf("the new owner, role %q, does not exist: %w", *req.NewRoleName, ErrNotFound)
	case len(named) > 1:
		return 0, "", errorf("the new owner %q is ambiguous: %d roles have that name when case is ignored (ids %s)",
			*req.NewRoleName, len(named), summaryIDs(named))
	}
	return named[0].ID, named[0].Name, nil
}

func summaryIDs(rs []RoleSummary) string {
	ids := make([]int, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return joinInts(ids)
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// Clone creates a new role from an existing one: Keyfactor's documented
// replacement for the deprecated v1 copy. It gets the source role (v2) and
// creates a role with the new Name and the source's permission set,
// permissions and claims; Description and EmailAddress are the source's
// unless req sets them. The create step behaves as Create does under faults.
func (s *RolesService) Clone(ctx context.Context, id int, req CloneRoleRequest) (*Role, error) {
	v := newValidator("Roles.Clone")
	v.positive("id", id)
	v.notBlank("Name", req.Name)
	checkEmail(v, "EmailAddress", req.EmailAddress)
	if err := v.err(); err != nil {
		return nil, err
	}
	src, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.create(ctx, "Roles.Clone", cloneRequest(src, req), true)
}

// cloneRequest turns a role read from the server back into a create request:
// claims lose their response-only Id and Provider (the scheme is already in
// ProviderAuthenticationScheme) and the role's Id and Immutable are dropped.
func cloneRequest(src *Role, req CloneRoleRequest) CreateRoleRequest {
	return CreateRoleRequest{
		Name:            req.Name,
		Description:     cmp.Or(req.Description, src.Description),
		EmailAddress:    cmp.Or(req.EmailAddress, src.EmailAddress),
		PermissionSetID: src.PermissionSetID,
		Permissions:     slices.Clone(src.Permissions),
		Claims:          requestClaims(src.Claims),
	}
}

// requestClaims copies claims read from the server without their
// response-only fields.
func requestClaims(claims []Claim) []Claim {
	if claims == nil {
		return nil
	}
	out := make([]Claim, len(claims))
	for i := range claims {
		c := &claims[i]
		out[i] = Claim{ClaimType: c.ClaimType, ClaimValue: c.ClaimValue, ProviderAuthenticationScheme: c.scheme(),
			Description: c.Description}
	}
	return out
}

// Update replaces a security role (PUT /Security/Roles, API v2) and returns
// what the server stored. The server clears every field the request leaves
// out, so Permissions == nil or Claims == nil is a *ValidationError: pass an
// empty slice to really clear them, or use Modify to change part of a role.
// Name and Description must not be blank and ID must be positive; the other
// rules are Create's. Claims read from a role may be passed back as they
// are: they are sent in request form.
//
// Update is idempotent and retried like a GET. An unknown ID gives an error
// matching ErrNotFound; the built-in Administrator role is refused by the
// server (except for added claims).
func (s *RolesService) Update(ctx context.Context, req UpdateRoleRequest) (*Role, error) {
	return s.update(ctx, "Roles.Update", req, idempotent)
}

func (s *RolesService) update(ctx context.Context, op string, req UpdateRoleRequest, repeat repeatability) (*Role, error) {
	v := newValidator(op)
	v.positive("ID", req.ID)
	s.checkDefinition(ctx, v, req.definition(), true)
	if req.Permissions == nil {
		v.add("Permissions", "nil would clear the role's permissions: pass an empty slice to clear them, or use Modify")
	}
	if req.Claims == nil {
		v.add("Claims", "nil would clear the role's claims: pass an empty slice to clear them, or use Modify")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var role roleWire
	if err := s.c.do(ctx, call{method: http.MethodPut, path: "Security/Roles", version: v2, body: req.wire(), repeat: repeat}, &role); err != nil {
		return nil, err
	}
	return role.role(), nil
}

// modifyAttempts is how many read-change-write rounds Modify makes in all.
const modifyAttempts = 3

// Modify changes part of a role safely: it reads the role (GET), lets
// change edit it, writes the whole role back (PUT), and reads it again to
// verify that the server holds what was sent. If another writer changed the
// role in between, Modify starts again from a fresh read, at most 3 rounds
// in all; then it returns an error matching ErrConflict. When change leaves
// the role exactly as it was, nothing is written; any change is written,
// even one that only changes the case of a claim value.
//
// A nil error means the verifying read saw what Modify wrote. Modify's PUT
// is never sent twice on its own: when its answer is lost, a re-sent copy
// could land after another writer's change and erase it, so Modify reads
// the role instead, and starts a new round from what it finds if the write
// did not land or was overwritten.
//
// change must not change the role's ID (it is restored); returning an error
// from it aborts Modify with that error, and nothing is written.
//
// On one Client, Modify calls for the same role (and Apply's updates) run
// one at a time, so they never lose each other's changes. Keyfactor's roles
// have no version or ETag, so across Clients and programs the verifying
// read sees only a writer that lands after Modify's PUT: a write between
// Modify's GET and its PUT is overwritten by the full replace and cannot be
// detected.
func (s *RolesService) Modify(ctx context.Context, id int, change func(*Role) error) (*Role, error) {
	v := newValidator("Roles.Modify")
	v.positive("id", id)
	if change == nil {
		v.add("change", "required")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.modify(ctx, "Roles.Modify", id, change)
}

func (s *RolesService) modify(ctx context.Context, op string, id int, change func(*Role) error) (*Role, error) {
	unlock, err := s.modifying.lock(ctx, id)
	if err != nil {
		return nil, errorf("%s: role %d: waiting for another change of it on this Client: %w", op, id, err)
	}
	defer unlock()
	var drift []Change
	for range modifyAttempts {
		current, err := s.get(ctx, id)
		if err != nil {
			return nil, err
		}
		want := cloneRole(current)
		if err := change(want); err != nil {
			return nil, errorf("%s: role %d: %w", op, id, err)
		}
		req := UpdateRoleRequest{ID: id, Name: want.Name, Description: want.Description, EmailAddress: want.EmailAddress,
			PermissionSetID: want.PermissionSetID, Permissions: nonNil(want.Permissions), Claims: nonNil(requestClaims(want.Claims))}
		if sameDefinition(current, req.definition()) {
			return current, nil
		}
		if _, err := s.update(ctx, op, req, notIdempotent); err != nil && !errors.Is(err, ErrOutcomeUnknown) {
			return nil, err
		}
		stored, err := s.get(ctx, id)
		if err != nil {
			return nil, err
		}
		if drift = roleChanges(stored, req.definition()); len(drift) == 0 {
			return stored, nil
		}
	}
	return nil, errorf("%s: role %d was changed by another writer after each of %d attempts (last difference: %s): %w",
		op, id, modifyAttempts, describeChanges(drift), ErrConflict)
}

// sameDefinition reports whether r already holds d exactly: no field, no
// permission and no claim (value, case and description included) differs.
// Order does not count, as the server keeps none.
func sameDefinition(r *Role, d CreateRoleRequest) bool {
	if r.Name != d.Name || r.Description != d.Description || r.EmailAddress != d.EmailAddress ||
		!strings.EqualFold(r.PermissionSetID, d.PermissionSetID) || len(r.Permissions) != len(d.Permissions) ||
		len(r.Claims) != len(d.Claims) {
		return false
	}
	a, b := slices.Clone(r.Permissions), slices.Clone(d.Permissions)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		return false
	}
	exact := func(c Claim) string {
		return string(c.ClaimType) + "\x00" + c.ClaimValue + "\x00" + c.scheme() + "\x00" + c.Description
	}
	x, y := make([]string, len(r.Claims)), make([]string, len(d.Claims))
	for i := range r.Claims {
		x[i], y[i] = exact(r.Claims[i]), exact(d.Claims[i])
	}
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// cloneRole deep-copies a role, so that a change function cannot alter the
// role Modify compares against.
func cloneRole(r *Role) *Role {
	out := *r
	out.Permissions = slices.Clone(r.Permissions)
	out.Claims = slices.Clone(r.Claims)
	for i := range out.Claims {
		if p := out.Claims[i].Provider; p != nil {
			cp := *p
			out.Claims[i].Provider = &cp
		}
	}
	return &out
}

// Delete deletes a security role (DELETE /Security/Roles/{id}, API v1:
// Keyfactor has no v2 delete). The server answers 204.
//
// Delete is idempotent and retried like a GET. When an earlier attempt may
// have reached the server (its answer was lost, or a gateway answered 502
// or 504) and a retry answers 404, the role is gone as asked and Delete
// returns nil; this also forgives a wrong id whose first attempt was lost.
// A 404 on the first attempt gives an error matching ErrNotFound. The
// built-in Administrator role cannot be deleted (the server refuses it).
func (s *RolesService) Delete(ctx context.Context, id int) error {
	v := newValidator("Roles.Delete")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return err
	}
	return s.c.deleteIdempotent(ctx, rolePath(id), nil, v1, "role")
}

// checkDefinition applies the rules every v2 role write shares (Create,
// Clone, Update, Modify, Plan, Apply) and notes, at debug level,
// permissions the SDK does not know. fromServer allows what a role read
// back may carry: a claim type newer than the SDK, a scheme in Provider.
func (s *RolesService) checkDefinition(ctx context.Context, v *validator, d CreateRoleRequest, fromServer bool) {
	s.noteUnknown(ctx, checkDefinition(v, d, fromServer, false))
}

// checkDefinition applies the rules of a v2 role definition and returns the
// well-formed permissions the SDK does not know. portable allows a
// collection or container named instead of its id (see portable.go): the
// rest of such a permission is checked with a stand-in id. Without it, a
// named scope is refused: what is sent must be resolved.
func checkDefinition(v *validator, d CreateRoleRequest, fromServer, portable bool) (unknown []string) {
	checkRoleText(v, d.Name, d.Description, d.EmailAddress)
	checkOptionalGUID(v, "PermissionSetID", d.PermissionSetID)
	if portable {
		checkPlaceholders(v, d.Permissions)
	} else {
		for i, p := range d.Permissions {
			if _, ref, ok := splitPortable(p); ok {
				v.addf(permField(i), "%q names a %s: resolve it to its id first (Plan, Apply and Sync resolve names)", p, ref.kind)
			}
		}
	}
	unknown = checkPermissionsV2(v, withPlaceholders(d.Permissions))
	checkClaims(v, d.Claims, fromServer)
	return unknown
}

func (s *RolesService) noteUnknown(ctx context.Context, unknown []string) {
	if len(unknown) > 0 && s.c.logger != nil {
		s.c.logger.DebugContext(ctx, "keyfactor: permissions not in the SDK's table are sent as given",
			slog.Any("permissions", unknown))
	}
}

func checkRoleText(v *validator, name, description, email string) {
	checkName(v, "Name", name)
	v.notBlank("Description", description)
	checkEmail(v, "EmailAddress", email)
}

// Validate checks the role as Plan, Apply and Sync do before sending
// anything, without a server: it returns a *ValidationError naming every
// bad field, or nil. Use it to check role files offline, or every role of
// a batch before the first write. A collection or container named in a
// permission (see Roles.Sync) passes: only a server can resolve it.
func (r CreateRoleRequest) Validate() error {
	v := newValidator("CreateRoleRequest.Validate")
	checkDefinition(v, r, false, true)
	return v.err()
}
