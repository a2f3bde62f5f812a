package keyfactortest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Claim types, as the integers Keyfactor's v2 requests carry. They are the
// claim types the SDK names keyfactor.ClaimUser ... keyfactor.ClaimOAuthClientID
// (which are the names, as responses carry them); this package does not
// import the SDK, so convert a name with ClaimTypeOf:
//
//	keyfactortest.Claim{Type: keyfactortest.ClaimTypeOf(string(keyfactor.ClaimOAuthRole)), Value: "ops", Scheme: "Keycloak"}
const (
	ClaimUser = iota
	ClaimGroup
	ClaimComputer
	ClaimOAuthOid
	ClaimOAuthRole
	ClaimOAuthSubject
	ClaimOAuthClientID
)

// ClaimTypeOf returns the integer of a claim type named as Keyfactor's
// responses and the SDK's constants name it ("OAuthRole"), in any case, or
// -1 for an unknown name.
func ClaimTypeOf(name string) int {
	for i, n := range claimTypeNames {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

// claimTypeNames are the names v2 responses carry, indexed by integer.
var claimTypeNames = [...]string{"User", "Group", "Computer", "OAuthOid", "OAuthRole", "OAuthSubject", "OAuthClientId"}

const activeDirectory = "Active Directory"

// The built-in role every server starts with, as on Command: immutable,
// holding "/" (full control) and the administrator's claim. PUT and DELETE
// on it answer 400.
const (
	AdministratorRoleID   = 1
	AdministratorRoleName = "Administrator"
)

// Role is a security role as seeded with AddRole or read with Roles.
type Role struct {
	ID                                               int // assigned by the server
	Name, Description, EmailAddress, PermissionSetID string
	Permissions                                      []string // v2 paths
	PermissionsV1                                    []string // Area:Level, for roles written through v1
	Claims                                           []Claim
	// Immutable marks a built-in role, which the API refuses to change or
	// delete.
	Immutable bool
}

// Claim is one identity of a role. Type is one of the Claim constants;
// Scheme is "Active Directory" for AD identities.
type Claim struct {
	Type                       int
	Value, Scheme, Description string
}

// storedRole is a role as the server keeps it, with v1-only fields.
type storedRole struct {
	ID                                               int
	Name, Description, EmailAddress, PermissionSetID string
	Enabled, Private, Immutable                      bool
	PermissionsV2, PermissionsV1                     []string
	Claims                                           []storedClaim
}

type storedClaim struct {
	ID                         int
	Type                       int
	Value, Scheme, Description string
	SID                        string
}

// AddRole stores a role and returns its id. Unlike the API it checks
// nothing: seed what the test needs.
func (s *Server) AddRole(r Role) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &storedRole{Name: r.Name, Description: r.Description, EmailAddress: r.EmailAddress,
		PermissionSetID: cmp.Or(r.PermissionSetID, GlobalPermissionSetID), Enabled: true, Immutable: r.Immutable,
		PermissionsV2: slices.Clone(r.Permissions), PermissionsV1: slices.Clone(r.PermissionsV1)}
	for _, c := range r.Claims {
		st.Claims = append(st.Claims, storedClaim{Type: c.Type, Value: c.Value, Scheme: c.Scheme, Description: c.Description})
	}
	return s.store(st)
}

// store assigns ids and keeps the role. It runs under s.mu.
func (s *Server) store(r *storedRole) int {
	r.ID = s.nextRoleID
	s.nextRoleID++
	s.shareClaims(r)
	s.roles[r.ID] = r
	return r.ID
}

// Roles returns every stored role, ordered by id.
func (s *Server) Roles() []Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Role
	for _, r := range s.sortedRoles() {
		role := Role{ID: r.ID, Name: r.Name, Description: r.Description, EmailAddress: r.EmailAddress,
			PermissionSetID: r.PermissionSetID, Permissions: slices.Clone(r.PermissionsV2),
			PermissionsV1: slices.Clone(r.PermissionsV1), Immutable: r.Immutable}
		for _, c := range r.Claims {
			role.Claims = append(role.Claims, Claim{Type: c.Type, Value: c.Value, Scheme: c.Scheme, Description: c.Description})
		}
		out = append(out, role)
	}
	return out
}

func (s *Server) sortedRoles() []*storedRole {
	out := make([]*storedRole, 0, len(s.roles))
	for _, r := range s.roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Wire shapes, from Keyfactor's documentation of POST /Security/Roles
// (v1 and v2), GET /Security/Roles/{id} and POST /Security/Roles/{id}/Copy.

type claimIn struct {
	ClaimType                    *int   `json:"ClaimType"`
	ClaimValue                   string `json:"ClaimValue"`
	ProviderAuthenticationScheme string `json:"ProviderAuthenticationScheme"`
	Description                  string `json:"Description"`
}

// roleV2Update is the body of PUT /Security/Roles (v2): the whole role,
// with its Id. Pointers tell an omitted field from an empty one.
type roleV2Update struct {
	ID              *int      `json:"Id"`
	Name            string    `json:"Name"`
	Description     string    `json:"Description"`
	EmailAddress    string    `json:"EmailAddress"`
	PermissionSetID string    `json:"PermissionSetId"`
	Permissions     []string  `json:"Permissions"`
	Claims          []claimIn `json:"Claims"`
}

type roleV2In struct {
	Name            string    `json:"Name"`
	Description     string    `json:"Description"`
	EmailAddress    string    `json:"EmailAddress"`
	PermissionSetID string    `json:"PermissionSetId"`
	Permissions     []string  `json:"Permissions"`
	Claims          []claimIn `json:"Claims"`
}

type identityIn struct {
	AccountName string `json:"AccountName"`
	SID         string `json:"SID"`
}

type roleV1In struct {
	Name            string       `json:"Name"`
	Description     string       `json:"Description"`
	EmailAddress    string       `json:"EmailAddress"`
	Enabled         *bool        `json:"Enabled"`
	Private         *bool        `json:"Private"`
	PermissionSetID string       `json:"PermissionSetId"`
	Permissions     []string     `json:"Permissions"`
	Identities      []identityIn `json:"Identities"`
}

type copyIn struct {
	Name         string `json:"Name"`
	Description  string `json:"Description"`
	EmailAddress string `json:"EmailAddress"`
}

type providerOut struct {
	ID                   string `json:"Id"`
	AuthenticationScheme string `json:"AuthenticationScheme"`
	DisplayName          string `json:"DisplayName"`
}

type claimOut struct {
	ID          int         `json:"Id"`
	Description string      `json:"Description"`
	ClaimType   string      `json:"ClaimType"`
	ClaimValue  string      `json:"ClaimValue"`
	Provider    providerOut `json:"Provider"`
}

type roleV2Out struct {
	ID              int        `json:"Id"`
	Name            string     `json:"Name"`
	Description     string     `json:"Description"`
	EmailAddress    string     `json:"EmailAddress"`
	Immutable       bool       `json:"Immutable"`
	PermissionSetID string     `json:"PermissionSetId"`
	Permissions     []string   `json:"Permissions"`
	Claims          []claimOut `json:"Claims"`
}

// roleSummaryOut is a v2 list item: Keyfactor's list answers carry no
// Description, Permissions or Claims.
type roleSummaryOut struct {
	ID              int    `json:"Id"`
	Name            string `json:"Name"`
	EmailAddress    string `json:"EmailAddress"`
	Immutable       bool   `json:"Immutable"`
	PermissionSetID string `json:"PermissionSetId"`
	ClaimsCount     int    `json:"ClaimsCount"`
}

type identityOut struct {
	ID           int    `json:"Id"`
	AccountName  string `json:"AccountName"`
	IdentityType string `json:"IdentityType"`
	SID          string `json:"SID"`
}

type roleV1Out struct {
	ID              int           `json:"Id"`
	Name            string        `json:"Name"`
	Description     string        `json:"Description"`
	EmailAddress    string        `json:"EmailAddress"`
	Enabled         bool          `json:"Enabled"`
	Immutable       bool          `json:"Immutable"`
	Valid           bool          `json:"Valid"`
	Private         bool          `json:"Private"`
	PermissionSetID string        `json:"PermissionSetId"`
	Permissions     []string      `json:"Permissions"`
	Identities      []identityOut `json:"Identities"`
}

func (r *storedRole) v2() roleV2Out {
	out := roleV2Out{ID: r.ID, Name: r.Name, Description: r.Description, EmailAddress: r.EmailAddress, Immutable: r.Immutable,
		PermissionSetID: r.PermissionSetID, Permissions: nonNil(r.PermissionsV2), Claims: []claimOut{}}
	for _, c := range r.Claims {
		out.Claims = append(out.Claims, c.out())
	}
	return out
}

func (r *storedRole) v1() roleV1Out {
	out := roleV1Out{ID: r.ID, Name: r.Name, Description: r.Description, EmailAddress: r.EmailAddress, Enabled: r.Enabled,
		Immutable: r.Immutable, Valid: true, Private: r.Private, PermissionSetID: r.PermissionSetID, Permissions: nonNil(r.PermissionsV1),
		Identities: []identityOut{}}
	for _, c := range r.Claims {
		if c.Scheme == activeDirectory && c.Type <= ClaimComputer {
			out.Identities = append(out.Identities, identityOut{ID: c.ID, AccountName: c.Value,
				IdentityType: claimTypeNames[c.Type], SID: c.SID})
		}
	}
	return out
}

func (s *Server) view(c *reqCtx, r *storedRole) any {
	if c.version == 2 {
		return r.v2()
	}
	return r.v1()
}

// createRole serves POST /Security/Roles in either version.
func (s *Server) createRole(c *reqCtx) {
	if !c.requireSecurityModify("modify security roles") {
		return
	}
	var r *storedRole
	var problem string
	if c.version == 2 {
		r, problem = s.decodeV2(c.body)
	} else {
		r, problem = s.decodeV1(c.body)
	}
	if problem == "" {
		problem = s.checkCommon(r)
	}
	if problem != "" {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, problem)
		return
	}
	s.store(r)
	writeJSON(c.w, http.StatusOK, s.view(c, r))
}

func (s *Server) decodeV2(body []byte) (*storedRole, string) {
	var in roleV2In
	if err := decodeStrict(body, &in); err != nil {
		return nil, "The request body is not valid: " + err.Error()
	}
	r := &storedRole{Name: in.Name, Description: in.Description, EmailAddress: in.EmailAddress,
		PermissionSetID: in.PermissionSetID, Enabled: true, PermissionsV2: in.Permissions}
	claims, problem := decodeClaims(in.Claims)
	if problem != "" {
		return nil, problem
	}
	r.Claims = claims
	if p := redundant(in.Permissions); p != "" {
		return nil, p
	}
	return r, ""
}

// decodeClaims checks v2 request claims and converts them.
func decodeClaims(in []claimIn) ([]storedClaim, string) {
	var out []storedClaim
	for i, cl := range in {
		switch {
		case cl.ClaimType == nil:
			return nil, fmt.Sprintf("Claims[%d]: ClaimType is required.", i)
		case *cl.ClaimType < 0 || *cl.ClaimType >= len(claimTypeNames):
			return nil, fmt.Sprintf("Claims[%d]: ClaimType %d is not valid.", i, *cl.ClaimType)
		case strings.TrimSpace(cl.ClaimValue) == "":
			return nil, fmt.Sprintf("Claims[%d]: ClaimValue is required.", i)
		case strings.TrimSpace(cl.ProviderAuthenticationScheme) == "":
			return nil, fmt.Sprintf("Claims[%d]: ProviderAuthenticationScheme is required.", i)
		}
		out = append(out, storedClaim{Type: *cl.ClaimType, Value: cl.ClaimValue,
			Scheme: cl.ProviderAuthenticationScheme, Description: cl.Description})
	}
	return out, ""
}

func (s *Server) decodeV1(body []byte) (*storedRole, string) {
	var in roleV1In
	if err := decodeStrict(body, &in); err != nil {
		return nil, "The request body is not valid: " + err.Error()
	}
	r := &storedRole{Name: in.Name, Description: in.Description, EmailAddress: in.EmailAddress,
		PermissionSetID: in.PermissionSetID, Enabled: true, PermissionsV1: in.Permissions}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	if in.Private != nil {
		r.Private = *in.Private
	}
	for _, p := range in.Permissions {
		if area, level, ok := strings.Cut(p, ":"); !ok || area == "" || level == "" || strings.ContainsAny(p, " /") {
			return nil, fmt.Sprintf("The permission '%s' is not valid.", p)
		}
	}
	for i, id := range in.Identities {
		if strings.TrimSpace(id.AccountName) == "" {
			return nil, fmt.Sprintf("Identities[%d]: AccountName is required.", i)
		}
		r.Claims = append(r.Claims, storedClaim{Type: ClaimUser, Value: id.AccountName, Scheme: activeDirectory, SID: id.SID})
	}
	return r, ""
}

// checkCommon applies the rules both versions share. It runs under s.mu.
func (s *Server) checkCommon(r *storedRole) string {
	switch {
	case strings.TrimSpace(r.Name) == "":
		return "Name is required."
	case strings.TrimSpace(r.Description) == "":
		return "Description is required."
	case s.roleByName(r.Name) != nil && s.roleByName(r.Name).ID != r.ID:
		return fmt.Sprintf("A security role with the name '%s' already exists.", r.Name)
	}
	if r.PermissionSetID == "" {
		r.PermissionSetID = GlobalPermissionSetID
	} else if _, ok := s.permissionSets[strings.ToLower(r.PermissionSetID)]; !ok {
		return fmt.Sprintf("Permission set '%s' was not found.", r.PermissionSetID)
	}
	return s.checkSet(r)
}

// redundant describes the first malformed, repeated or redundant v2
// permission (a path together with one of its parents at the same scope),
// or returns "".
func redundant(perms []string) string {
	parsed := make([]perm, 0, len(perms))
	for _, p := range perms {
		pp, ok := parsePerm(p)
		if !ok {
			return fmt.Sprintf("The permission '%s' is not valid.", p)
		}
		parsed = append(parsed, pp)
	}
	for i, a := range parsed {
		for j, b := range parsed {
			if i != j && a.scope == b.scope && strings.HasPrefix(b.path, a.path) && (len(b.path) > len(a.path) || i < j) {
				return fmt.Sprintf("Redundant permissions detected: '%s' is already granted by '%s'.", perms[j], perms[i])
			}
		}
	}
	return ""
}

// getRole serves GET /Security/Roles/{id}.
func (s *Server) getRole(c *reqCtx, idText string) {
	if !c.require(perm{path: "/security/read/"}, "read security roles") {
		return
	}
	r, ok := s.roleFromPath(c, idText)
	if ok {
		writeJSON(c.w, http.StatusOK, s.view(c, r))
	}
}

func (s *Server) roleFromPath(c *reqCtx, idText string) (*storedRole, bool) {
	id, err := strconv.Atoi(idText)
	if err != nil || id <= 0 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The role id must be a positive integer.")
		return nil, false
	}
	r := s.roles[id]
	if r == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Security role with Id %d was not found.", id))
		return nil, false
	}
	return r, true
}

// listRoles serves GET /Security/Roles: QueryString (on Name), paging and
// sorting (by Name or Id). v2 items are summaries, as on Command; v1 items
// are whole legacy roles.
func (s *Server) listRoles(c *reqCtx) {
	if !c.require(perm{path: "/security/read/"}, "read security roles") {
		return
	}
	lr, ok := c.listQuery([]string{"Name", "Id"}, []string{"Name"}, "Validate")
	if !ok {
		return
	}
	clauses, p := lr.clauses, lr.paging
	var found []*storedRole
	for _, r := range s.sortedRoles() {
		if matches(clauses, func(string) string { return r.Name }) {
			found = append(found, r)
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if p.descending {
			a, b = b, a
		}
		if p.sortField == "Id" {
			return a.ID < b.ID
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})
	writePage(c, p, found, func(r *storedRole) any {
		if c.version == 2 {
			return roleSummaryOut{ID: r.ID, Name: r.Name, EmailAddress: r.EmailAddress, Immutable: r.Immutable,
				PermissionSetID: r.PermissionSetID, ClaimsCount: len(r.Claims)}
		}
		return r.v1()
	})
}

// updateRole serves PUT /Security/Roles (v2): a full replace, as on Command.
// Permissions or Claims left out of the body are cleared, and so are the
// other optional fields.
func (s *Server) updateRole(c *reqCtx) {
	if c.version != 2 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The fake serves role updates in API version 2.0 only.")
		return
	}
	if !c.requireSecurityModify("modify security roles") {
		return
	}
	var in roleV2Update
	if !c.decode(&in) {
		return
	}
	if in.ID == nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "Id is required.")
		return
	}
	old, ok := s.roleFromPath(c, strconv.Itoa(*in.ID))
	if !ok {
		return
	}
	if old.Immutable {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("The security role '%s' is immutable and cannot be edited.", old.Name))
		return
	}
	r := &storedRole{ID: old.ID, Name: in.Name, Description: in.Description, EmailAddress: in.EmailAddress,
		PermissionSetID: in.PermissionSetID, Enabled: old.Enabled, Private: old.Private, PermissionsV2: in.Permissions}
	claims, problem := decodeClaims(in.Claims)
	if problem == "" {
		problem = redundant(in.Permissions)
	}
	if problem == "" {
		problem = s.checkCommon(r)
	}
	if problem != "" {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, problem)
		return
	}
	// A claim sent again is the same shared claim (its id, its SID).
	for _, cl := range claims {
		for _, o := range old.Claims {
			if o.Type == cl.Type && strings.EqualFold(o.Value, cl.Value) && o.Scheme == cl.Scheme {
				cl.SID = o.SID
			}
		}
		r.Claims = append(r.Claims, cl)
	}
	s.shareClaims(r)
	s.roles[r.ID] = r
	writeJSON(c.w, http.StatusOK, r.v2())
}

// deleteRole serves DELETE /Security/Roles/{id}: 204, as on Command.
// Certificates the role owned are left without an owner (what Command does
// is not documented).
func (s *Server) deleteRole(c *reqCtx, idText string) {
	if c.version != 1 {
		// Keyfactor documents DELETE /Security/Roles/{id} in v1 only.
		writeError(c.w, http.StatusNotFound, codeNotFound, "Deleting a role is available in API version 1.0 only.")
		return
	}
	if !c.requireSecurityModify("modify security roles") {
		return
	}
	r, ok := s.roleFromPath(c, idText)
	if !ok {
		return
	}
	if r.Immutable {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("The security role '%s' is immutable and cannot be deleted.", r.Name))
		return
	}
	delete(s.roles, r.ID)
	for _, cert := range s.certs {
		if cert.OwnerRoleID == r.ID {
			cert.OwnerRoleID = 0
		}
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// copyRole serves POST /Security/Roles/{id}/Copy, which exists in v1 only.
func (s *Server) copyRole(c *reqCtx, idText string) {
	if c.version != 1 {
		writeError(c.w, http.StatusNotFound, codeNotFound, "Copying a role is available in API version 1.0 only.")
		return
	}
	if !c.requireSecurityModify("modify security roles") {
		return
	}
	src, ok := s.roleFromPath(c, idText)
	if !ok {
		return
	}
	var in copyIn
	if !c.decode(&in) {
		return
	}
	r := &storedRole{Name: in.Name, Description: in.Description, EmailAddress: in.EmailAddress,
		PermissionSetID: src.PermissionSetID, Enabled: src.Enabled, Private: src.Private,
		PermissionsV2: slices.Clone(src.PermissionsV2), PermissionsV1: slices.Clone(src.PermissionsV1),
		Claims: slices.Clone(src.Claims)}
	if problem := s.checkCommon(r); problem != "" {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, problem)
		return
	}
	s.store(r)
	writeJSON(c.w, http.StatusOK, r.v1())
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}
