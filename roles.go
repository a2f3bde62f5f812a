package keyfactor

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
)

// RolesService manages security roles. Reach it as Client.Roles. The v2
// methods (Create, Get, Clone) support every identity provider; the v1
// methods are deprecated by Keyfactor and kept for old servers.
type RolesService struct{ c *Client }

// ClaimType says what kind of identity a Claim names. The zero value is
// invalid, so a forgotten ClaimType never silently means User.
type ClaimType string

// The claim types Keyfactor Command documents. On the wire a request carries
// the integer after each name; responses carry the name.
const (
	ClaimUser          ClaimType = "User"          // 0
	ClaimGroup         ClaimType = "Group"         // 1
	ClaimComputer      ClaimType = "Computer"      // 2
	ClaimOAuthOid      ClaimType = "OAuthOid"      // 3
	ClaimOAuthRole     ClaimType = "OAuthRole"     // 4
	ClaimOAuthSubject  ClaimType = "OAuthSubject"  // 5
	ClaimOAuthClientID ClaimType = "OAuthClientId" // 6
)

// claimTypes is indexed by Keyfactor's integer for each claim type.
var claimTypes = [...]ClaimType{ClaimUser, ClaimGroup, ClaimComputer, ClaimOAuthOid, ClaimOAuthRole,
	ClaimOAuthSubject, ClaimOAuthClientID}

// number returns Keyfactor's integer for t; ok is false for a claim type
// outside the known set (including one decoded from a newer server).
func (t ClaimType) number() (n int, ok bool) {
	i := slices.Index(claimTypes[:], t)
	return i, i >= 0
}

// MarshalJSON encodes a known claim type as Keyfactor's integer. An unknown
// claim type is an error: the server would misread it.
func (t ClaimType) MarshalJSON() ([]byte, error) {
	n, ok := t.number()
	if !ok {
		return nil, fmt.Errorf("keyfactor: unknown claim type %q", string(t))
	}
	return strconv.AppendInt(nil, int64(n), 10), nil
}

// UnmarshalJSON accepts Keyfactor's integer or a name in any case and yields
// the matching constant. So that reading roles never fails on a claim type
// added by a newer server, an unknown name is kept as is and an unknown
// integer as its decimal text.
func (t *ClaimType) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var name string
		if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
			name = string(b[1 : len(b)-1]) // no escapes: no need to decode
		} else if err := json.Unmarshal(b, &name); err != nil {
			return fmt.Errorf("keyfactor: claim type: %w", err)
		}
		*t = ClaimType(name)
		for _, known := range claimTypes {
			if strings.EqualFold(name, string(known)) {
				*t = known
			}
		}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("keyfactor: claim type must be a name or an integer: %w", err)
	}
	if i, err := n.Int64(); err == nil && i >= 0 && i < int64(len(claimTypes)) {
		*t = claimTypes[i]
		return nil
	}
	*t = ClaimType(n.String())
	return nil
}

// Claim is one identity granted a role: an Active Directory user, group or
// computer, or an OAuth subject, role, object id or client id.
type Claim struct {
	ClaimType  ClaimType
	ClaimValue string // AD: DOMAIN\name (computers DOMAIN\host$); OAuth: the claim's value
	// ProviderAuthenticationScheme is "Active Directory" for AD claims,
	// otherwise the identity provider's scheme name. Decoding fills it from
	// Provider.AuthenticationScheme.
	ProviderAuthenticationScheme string
	Description                  string
	ID                           int            // filled from responses only; never sent
	Provider                     *ClaimProvider // filled from responses only; never sent
}

// ClaimProvider is the identity provider of a Claim, as the server reports it.
type ClaimProvider struct {
	ID, AuthenticationScheme, DisplayName string
}

// claimRequest is a Claim as requests carry it.
type claimRequest struct {
	ClaimType                    ClaimType `json:"ClaimType"`
	ClaimValue                   string    `json:"ClaimValue,omitempty"`
	ProviderAuthenticationScheme string    `json:"ProviderAuthenticationScheme,omitempty"`
	Description                  string    `json:"Description,omitempty"`
}

// MarshalJSON encodes the fields a request carries: ClaimType (as the
// integer), ClaimValue, ProviderAuthenticationScheme and Description.
func (c Claim) MarshalJSON() ([]byte, error) { return json.Marshal(c.request()) }

func (c Claim) request() claimRequest {
	return claimRequest{c.ClaimType, c.ClaimValue, c.ProviderAuthenticationScheme, c.Description}
}

// claimWire is a Claim as responses (and request bodies) spell it.
type claimWire struct {
	ID                           int           `json:"Id"`
	ClaimType                    ClaimType     `json:"ClaimType"`
	ClaimValue                   string        `json:"ClaimValue"`
	ProviderAuthenticationScheme string        `json:"ProviderAuthenticationScheme"`
	Description                  string        `json:"Description"`
	Provider                     *providerWire `json:"Provider"`
}

// providerWire is a ClaimProvider as responses spell it.
type providerWire struct {
	ID                   flexString `json:"Id"`
	AuthenticationScheme string     `json:"AuthenticationScheme"`
	DisplayName          string     `json:"DisplayName"`
}

func (p *providerWire) provider() *ClaimProvider {
	if p == nil {
		return nil
	}
	return &ClaimProvider{ID: string(p.ID), AuthenticationScheme: p.AuthenticationScheme, DisplayName: p.DisplayName}
}

func (w *claimWire) claim() Claim {
	c := Claim{ClaimType: w.ClaimType, ClaimValue: w.ClaimValue, ProviderAuthenticationScheme: w.ProviderAuthenticationScheme,
		Description: w.Description, ID: w.ID, Provider: w.Provider.provider()}
	if c.ProviderAuthenticationScheme == "" && c.Provider != nil {
		c.ProviderAuthenticationScheme = c.Provider.AuthenticationScheme
	}
	return c
}

// UnmarshalJSON decodes a claim from a response (ClaimType as a name,
// Provider object) or from a request body (ClaimType as an integer).
func (c *Claim) UnmarshalJSON(b []byte) error {
	var w claimWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = w.claim()
	return nil
}

// UnmarshalJSON accepts Provider.Id as a string (Keyfactor's OpenAPI) or a
// number (seen on some servers).
func (p *ClaimProvider) UnmarshalJSON(b []byte) error {
	var w providerWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = *w.provider()
	return nil
}

// flexString decodes a JSON string or number as text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("keyfactor: provider id: %w", err)
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("keyfactor: provider id must be a string or a number: %w", err)
		}
		*f = flexString(n)
	}
	return nil
}

// Role is a v2 security role as the server returns it.
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
// than into Role so that claims decode in the same pass instead of through a
// nested json.Unmarshal each (a third of a role create's allocations).
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
	r := &Role{ID: w.ID, Name: w.Name, Description: w.Description, EmailAddress: w.EmailAddress, Immutable: w.Immutable,
		PermissionSetID: w.PermissionSetID, Permissions: w.Permissions}
	if w.Claims != nil {
		r.Claims = make([]Claim, len(w.Claims))
		for i := range w.Claims {
			r.Claims[i] = w.Claims[i].claim()
		}
	}
	return r
}

// CreateRoleRequest is the body of a v2 role create. Name and Description
// are required; Permissions use the v2 grammar (see ParsePermission).
type CreateRoleRequest struct {
	Name            string   `json:"Name,omitempty"`
	Description     string   `json:"Description,omitempty"`
	EmailAddress    string   `json:"EmailAddress,omitempty"`
	PermissionSetID string   `json:"PermissionSetId,omitempty"`
	Permissions     []string `json:"Permissions,omitempty"`
	Claims          []Claim  `json:"Claims,omitempty"`
}

// createRoleWire is the body the SDK sends for a v2 create: CreateRoleRequest
// with claims already in request form, so they encode in one pass.
type createRoleWire struct {
	Name            string         `json:"Name,omitempty"`
	Description     string         `json:"Description,omitempty"`
	EmailAddress    string         `json:"EmailAddress,omitempty"`
	PermissionSetID string         `json:"PermissionSetId,omitempty"`
	Permissions     []string       `json:"Permissions,omitempty"`
	Claims          []claimRequest `json:"Claims,omitempty"`
}

func (r CreateRoleRequest) wire() createRoleWire {
	w := createRoleWire{Name: r.Name, Description: r.Description, EmailAddress: r.EmailAddress,
		PermissionSetID: r.PermissionSetID, Permissions: r.Permissions}
	if len(r.Claims) > 0 {
		w.Claims = make([]claimRequest, len(r.Claims))
		for i, c := range r.Claims {
			w.Claims[i] = c.request()
		}
	}
	return w
}

// CloneRoleRequest names the role Clone creates. An empty Description or
// EmailAddress means the source role's.
type CloneRoleRequest struct {
	Name, Description, EmailAddress string
}

// RoleV1 is a v1 security role as the server returns it.
type RoleV1 struct {
	ID              int        `json:"Id"`
	Name            string     `json:"Name"`
	Description     string     `json:"Description"`
	EmailAddress    string     `json:"EmailAddress"`
	Enabled         bool       `json:"Enabled"`
	Immutable       bool       `json:"Immutable"`
	Valid           bool       `json:"Valid"`
	Private         bool       `json:"Private"`
	PermissionSetID string     `json:"PermissionSetId"`
	Permissions     []string   `json:"Permissions"`
	Identities      []Identity `json:"Identities"`
}

// Identity is an Active Directory identity of a v1 role.
type Identity struct {
	ID           int    `json:"Id"`
	AccountName  string `json:"AccountName"`
	IdentityType string `json:"IdentityType"`
	SID          string `json:"SID"`
}

// IdentityRef names an Active Directory identity in a v1 create:
// AccountName is DOMAIN\name; SID is optional.
type IdentityRef struct {
	AccountName string `json:"AccountName,omitempty"`
	SID         string `json:"SID,omitempty"`
}

// CreateRoleV1Request is the body of a v1 role create. Enabled and Private
// are sent only when set (the server defaults them to true and false).
type CreateRoleV1Request struct {
	Name            string        `json:"Name,omitempty"`
	Description     string        `json:"Description,omitempty"`
	EmailAddress    string        `json:"EmailAddress,omitempty"`
	Enabled         *bool         `json:"Enabled,omitempty"`
	Private         *bool         `json:"Private,omitempty"`
	PermissionSetID string        `json:"PermissionSetId,omitempty"`
	Permissions     []string      `json:"Permissions,omitempty"`
	Identities      []IdentityRef `json:"Identities,omitempty"`
}

// CopyRoleV1Request names the role CopyV1 creates. Name and Description are
// required.
type CopyRoleV1Request struct {
	Name         string `json:"Name,omitempty"`
	Description  string `json:"Description,omitempty"`
	EmailAddress string `json:"EmailAddress,omitempty"`
}

// Create creates a security role (POST /Security/Roles, API v2). Bad input
// returns a *ValidationError listing every problem, and nothing is sent.
//
// A POST is not idempotent, so it is retried only when the server cannot
// have acted on it (connection refused, 429, 503). When it fails in a way
// that leaves the outcome unknown — a timeout, a connection lost after the
// request was sent, a 502 or 504 — Create looks the role up by name
// (GET /Security/Roles) and returns it if its definition matches the
// request (a role of that name with the same definition that existed before
// the call is returned too). Otherwise the original error is returned. No
// lookup is tried for a name holding a double quote, whose escaping in
// Keyfactor's query language is undocumented, or once ctx is done.
//
// A duplicate name or redundant permissions come back from the server as an
// *APIError (400) with Keyfactor's message.
func (s *RolesService) Create(ctx context.Context, req CreateRoleRequest) (*Role, error) {
	return s.create(ctx, "Roles.Create", req)
}

func (s *RolesService) create(ctx context.Context, op string, req CreateRoleRequest) (*Role, error) {
	v := newValidator(op)
	checkRoleText(v, req.Name, req.Description, req.EmailAddress)
	checkGUID(v, "PermissionSetID", req.PermissionSetID)
	s.noteUnknown(ctx, checkPermissionsV2(v, req.Permissions))
	checkClaims(v, req.Claims)
	if err := v.err(); err != nil {
		return nil, err
	}
	var role roleWire
	err := s.c.do(ctx, call{method: http.MethodPost, path: "Security/Roles", version: v2, body: req.wire()}, &role)
	if err == nil {
		return role.role(), nil
	}
	if !outcomeUnknown(err) || ctx.Err() != nil {
		return nil, err
	}
	found, lookupErr := s.findByName(ctx, req.Name)
	switch {
	case lookupErr != nil:
		return nil, fmt.Errorf("%w (looking the role up afterwards failed too: %v)", err, lookupErr)
	case found != nil && sameDefinition(found, req):
		if s.c.logger != nil {
			s.c.logger.InfoContext(ctx, "keyfactor: role create failed in transit but the server stored it; returning the stored role",
				slog.Int("id", found.ID), slog.String("error", err.Error()))
		}
		return found, nil
	}
	return nil, err
}

// outcomeUnknown reports whether a failed POST may still have been stored:
// a 502 or 504 from a gateway, or a transport failure whose last attempt
// reached the server (the retry layer's connection trace tells).
func outcomeUnknown(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode == http.StatusBadGateway || apiErr.StatusCode == http.StatusGatewayTimeout
	}
	var ae *attemptsError
	return errors.As(err, &ae) && !ae.unsent
}

// errNoLookup marks a name that Keyfactor's query language cannot match
// safely.
var errNoLookup = errors.New(`a name holding a double quote cannot be looked up`)

// roleListQuery is the query of GET /Security/Roles.
type roleListQuery struct {
	QueryString  string `url:"QueryString,omitempty"`
	PageReturned int    `url:"PageReturned,omitempty"`
	ReturnLimit  int    `url:"ReturnLimit,omitempty"`
}

// findByName returns the role whose Name is exactly name, or nil. The query
// language may compare case-insensitively, so the result is filtered here.
func (s *RolesService) findByName(ctx context.Context, name string) (*Role, error) {
	if strings.ContainsRune(name, '"') {
		return nil, errNoLookup
	}
	var roles []roleWire
	q := roleListQuery{QueryString: `Name -eq "` + name + `"`, PageReturned: 1, ReturnLimit: 50}
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Security/Roles", version: v2, query: q}, &roles); err != nil {
		return nil, err
	}
	for i := range roles {
		if roles[i].Name == name {
			return roles[i].role(), nil
		}
	}
	return nil, nil
}

// sameDefinition reports whether a stored role is what req asked for. Order
// of permissions and claims does not matter; a PermissionSetID left empty in
// the request matches the server's default.
func sameDefinition(r *Role, req CreateRoleRequest) bool {
	if r.Description != req.Description || r.EmailAddress != req.EmailAddress {
		return false
	}
	if req.PermissionSetID != "" && !strings.EqualFold(r.PermissionSetID, req.PermissionSetID) {
		return false
	}
	if !sameSet(r.Permissions, req.Permissions, func(a, b string) bool { return a == b }) {
		return false
	}
	return sameSet(r.Claims, req.Claims, func(a, b Claim) bool {
		return a.ClaimType == b.ClaimType && strings.EqualFold(a.ClaimValue, b.ClaimValue) &&
			a.ProviderAuthenticationScheme == b.ProviderAuthenticationScheme
	})
}

// sameSet compares two small lists as sets of distinct elements.
func sameSet[T any](a, b []T, eq func(T, T) bool) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y T) bool { return eq(x, y) }) {
			return false
		}
	}
	return true
}

// Get returns a security role (GET /Security/Roles/{id}, API v2).
func (s *RolesService) Get(ctx context.Context, id int) (*Role, error) {
	v := newValidator("Roles.Get")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	var role roleWire
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Security/Roles/" + strconv.Itoa(id), version: v2}, &role); err != nil {
		return nil, err
	}
	return role.role(), nil
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
	src, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.create(ctx, "Roles.Clone", cloneRequest(src, req))
}

// cloneRequest turns a role read from the server back into a create request:
// claims lose their response-only Id and Provider (the scheme is already in
// ProviderAuthenticationScheme) and the role's Id and Immutable are dropped.
func cloneRequest(src *Role, req CloneRoleRequest) CreateRoleRequest {
	out := CreateRoleRequest{
		Name:            req.Name,
		Description:     cmp.Or(req.Description, src.Description),
		EmailAddress:    cmp.Or(req.EmailAddress, src.EmailAddress),
		PermissionSetID: src.PermissionSetID,
		Permissions:     slices.Clone(src.Permissions),
	}
	for _, c := range src.Claims {
		out.Claims = append(out.Claims, Claim{ClaimType: c.ClaimType, ClaimValue: c.ClaimValue,
			ProviderAuthenticationScheme: c.ProviderAuthenticationScheme, Description: c.Description})
	}
	return out
}

// CreateV1 creates a security role with the v1 API (POST /Security/Roles,
// API v1), which supports Active Directory identities only.
//
// Deprecated: Keyfactor deprecated the v1 roles API; use Create.
func (s *RolesService) CreateV1(ctx context.Context, req CreateRoleV1Request) (*RoleV1, error) {
	v := newValidator("Roles.CreateV1")
	checkRoleText(v, req.Name, req.Description, req.EmailAddress)
	checkGUID(v, "PermissionSetID", req.PermissionSetID)
	s.noteUnknown(ctx, checkPermissionsV1(v, req.Permissions))
	for i, id := range req.Identities {
		if strings.TrimSpace(id.AccountName) == "" {
			v.add("Identities["+strconv.Itoa(i)+"].AccountName", "must not be blank")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var role RoleV1
	if err := s.c.do(ctx, call{method: http.MethodPost, path: "Security/Roles", version: v1, body: req}, &role); err != nil {
		return nil, err
	}
	return &role, nil
}

// CopyV1 copies a role into a new one (POST /Security/Roles/{id}/Copy, API
// v1). Name and Description are required.
//
// Deprecated: Keyfactor deprecated the copy endpoint and offers no v2
// equivalent; use Clone, which does the documented Get-then-Create.
func (s *RolesService) CopyV1(ctx context.Context, id int, req CopyRoleV1Request) (*RoleV1, error) {
	v := newValidator("Roles.CopyV1")
	v.positive("id", id)
	checkRoleText(v, req.Name, req.Description, req.EmailAddress)
	if err := v.err(); err != nil {
		return nil, err
	}
	var role RoleV1
	err := s.c.do(ctx, call{method: http.MethodPost, path: "Security/Roles/" + strconv.Itoa(id) + "/Copy", version: v1, body: req}, &role)
	if err != nil {
		return nil, err
	}
	return &role, nil
}

func (s *RolesService) noteUnknown(ctx context.Context, unknown []string) {
	if len(unknown) > 0 && s.c.logger != nil {
		s.c.logger.DebugContext(ctx, "keyfactor: permissions not in the SDK's table are sent as given",
			slog.Any("permissions", unknown))
	}
}

func checkRoleText(v *validator, name, description, email string) {
	v.notBlank("Name", name)
	v.notBlank("Description", description)
	checkEmail(v, "EmailAddress", email)
}

// checkEmail accepts a bare address only: "Team <a@b>" parses but is not
// what Keyfactor stores.
func checkEmail(v *validator, field, s string) {
	if s == "" {
		return
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Name != "" || a.Address != s {
		v.addf(field, "%q is not a bare email address such as pki-team@example.com", s)
	}
}

// checkGUID accepts a hyphenated GUID without braces.
func checkGUID(v *validator, field, s string) {
	if s == "" {
		return
	}
	ok := len(s) == 36
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			ok = c == '-'
		} else {
			ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		}
	}
	if !ok {
		v.addf(field, "%q is not a GUID such as 00000000-0000-0000-0000-000000000000", s)
	}
}

func checkClaims(v *validator, claims []Claim) {
	for i, c := range claims {
		// Field names are built only for a problem: this runs on every create.
		field := func(name string) string { return "Claims[" + strconv.Itoa(i) + "]." + name }
		if c.ClaimType == "" {
			v.add(field("ClaimType"), "required (ClaimUser, ClaimGroup, ClaimOAuthRole, ...)")
		} else if _, ok := c.ClaimType.number(); !ok {
			v.addf(field("ClaimType"), "unknown claim type %q", string(c.ClaimType))
		}
		if strings.TrimSpace(c.ClaimValue) == "" {
			v.add(field("ClaimValue"), "must not be blank")
		}
		if strings.TrimSpace(c.ProviderAuthenticationScheme) == "" {
			v.add(field("ProviderAuthenticationScheme"), "must not be blank")
		}
		for j := range i {
			d := claims[j]
			if d.ClaimType == c.ClaimType && d.ClaimValue == c.ClaimValue && d.ProviderAuthenticationScheme == c.ProviderAuthenticationScheme {
				v.addf(field("ClaimValue"), "repeats Claims[%d]", j)
				break
			}
		}
	}
}
