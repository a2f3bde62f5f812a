package keyfactortest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// Permission sets, the caller (/Security/My) and the permission catalogue
// (/Permissions), from the fake's reading of Keyfactor's documentation:
//
//   - Every server starts with the built-in set "Global" (GlobalPermissionSetID),
//     holding "/"; it cannot be changed or deleted here. A role that names no
//     set belongs to it.
//   - A v2 role write whose permissions are not all covered by its set's
//     permissions is refused with a 400 (the hierarchy of v2 grants applies:
//     "/certificates/" covers "/certificates/collections/read/5/").
//   - A set is updated with PUT /PermissionSets {Id, Permissions} (no Name:
//     sets cannot be renamed); an update that would leave one of its roles
//     with a permission outside it, and a delete of a set that still has
//     roles, are refused with a 400.
//   - Visibility, simplified: GET /PermissionSets needs /security/read/ and
//     shows every set, unless the user was added with VisiblePermissionSets,
//     in which case it shows those only (GET by id of another answers 404).
//   - A caller's roles are the roles with a claim naming it (a User claim
//     with its DOMAIN\name, or an OAuthClientId claim with its client id); its
//     permissions are its own (User.Permissions) and those of its roles.
//     /Security/My lists the roles' names and their v1 permissions;
//     /Security/My/Permissions the merged v2 permissions, sorted, without a
//     scoped grant that a global one covers. WithoutMyPermissions makes the
//     server answer 404 there, as servers older than that endpoint do.
//   - GET /PermissionSets/My?accessControlString=P returns the sets of the
//     caller's roles that cover P.

// permissionSet is a stored permission set.
type permissionSet struct {
	id, name    string
	permissions []string
}

// PermissionSet is a permission set as seeded or read with PermissionSets.
type PermissionSet struct {
	ID, Name    string
	Permissions []string
}

// AddPermissionSet adds or replaces a permission set that roles may name,
// holding exactly permissions (v2 paths).
func (s *Server) AddPermissionSet(id, name string, permissions ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.permissionSets[strings.ToLower(id)] = &permissionSet{id: id, name: name, permissions: slices.Clone(permissions)}
}

// PermissionSets returns every stored permission set, ordered by id.
func (s *Server) PermissionSets() []PermissionSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PermissionSet
	for _, p := range s.sortedSets() {
		out = append(out, PermissionSet{ID: p.id, Name: p.name, Permissions: slices.Clone(p.permissions)})
	}
	return out
}

// WithoutMyPermissions makes GET /Security/My/Permissions answer 404, as
// Command versions older than that endpoint do.
func WithoutMyPermissions() Option {
	return func(s *Server) { s.noMyPermissions = true }
}

func (s *Server) sortedSets() []*permissionSet {
	out := make([]*permissionSet, 0, len(s.permissionSets))
	for _, p := range s.permissionSets {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].id) < strings.ToLower(out[j].id) })
	return out
}

// setCovers reports the first of perms (v2 strings) that set does not
// cover, or "".
func setCovers(set *permissionSet, perms []string) string {
	granted := parsePerms(set.permissions)
	for _, p := range perms {
		need, ok := parsePerm(p)
		if !ok {
			continue // reported as malformed elsewhere
		}
		if !slices.ContainsFunc(granted, func(g perm) bool { return g.grants(need) }) {
			return p
		}
	}
	return ""
}

// checkSet refuses role permissions outside the role's set. It runs under
// s.mu, after checkCommon has defaulted the set.
func (s *Server) checkSet(r *storedRole) string {
	set := s.permissionSets[strings.ToLower(r.PermissionSetID)]
	if set == nil {
		return ""
	}
	if p := setCovers(set, r.PermissionsV2); p != "" {
		return fmt.Sprintf("The permission '%s' is not in the permission set '%s'; a role may be granted only permissions of its set.",
			p, set.name)
	}
	return ""
}

// Wire shapes of the permission set endpoints.
type permissionSetOut struct {
	ID          string   `json:"Id"`
	Name        string   `json:"Name"`
	Permissions []string `json:"Permissions"`
}

type permissionSetCreate struct {
	Name        *string  `json:"Name"`
	Permissions []string `json:"Permissions"`
}

type permissionSetUpdate struct {
	ID          *string  `json:"Id"`
	Permissions []string `json:"Permissions"`
}

func (p *permissionSet) out() permissionSetOut {
	return permissionSetOut{ID: p.id, Name: p.name, Permissions: nonNil(p.permissions)}
}

// visible reports whether the caller may see set.
func (c *reqCtx) visible(set *permissionSet) bool {
	return c.acct.visibleSets == nil || slices.ContainsFunc(c.acct.visibleSets, func(id string) bool { return strings.EqualFold(id, set.id) })
}

// servePermissionSets routes /PermissionSets[/...].
func (s *Server) servePermissionSets(c *reqCtx, seg []string) {
	m := c.r.Method
	switch {
	case len(seg) == 1 && m == http.MethodGet:
		s.listPermissionSets(c)
	case len(seg) == 1 && m == http.MethodPost:
		s.createPermissionSet(c)
	case len(seg) == 1 && m == http.MethodPut:
		s.updatePermissionSet(c)
	case len(seg) == 2 && strings.EqualFold(seg[1], "My") && m == http.MethodGet:
		s.myPermissionSets(c)
	case len(seg) == 2 && m == http.MethodGet:
		if set := s.setFromPath(c, seg[1]); set != nil {
			writeJSON(c.w, http.StatusOK, set.out())
		}
	case len(seg) == 2 && m == http.MethodDelete:
		s.deletePermissionSet(c, seg[1])
	case len(seg) <= 2:
		methodNotAllowed(c.w, "GET, POST, PUT, DELETE")
	default:
		writeError(c.w, http.StatusNotFound, codeNotFound, "No endpoint matches "+c.r.Method+" "+c.r.URL.Path+".")
	}
}

func (s *Server) setFromPath(c *reqCtx, id string) *permissionSet {
	if !c.require(perm{path: "/security/read/"}, "read permission sets") {
		return nil
	}
	set := s.permissionSets[strings.ToLower(id)]
	if set == nil || !c.visible(set) {
		writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to find 'Permission Set' with Id '%s'", id))
		return nil
	}
	return set
}

// listPermissionSets serves GET /PermissionSets: paging and sorting (Id or
// Name); QueryString is accepted and ignored, as on Command.
func (s *Server) listPermissionSets(c *reqCtx) {
	if !c.require(perm{path: "/security/read/"}, "read permission sets") {
		return
	}
	lr, ok := c.listQuery([]string{"Id", "Name"}, nil)
	if !ok {
		return
	}
	p := lr.paging
	var found []*permissionSet
	for _, set := range s.sortedSets() {
		if c.visible(set) {
			found = append(found, set)
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if p.descending {
			a, b = b, a
		}
		if p.sortField == "Name" {
			return strings.ToLower(a.name) < strings.ToLower(b.name)
		}
		return strings.ToLower(a.id) < strings.ToLower(b.id)
	})
	writePage(c, p, found, (*permissionSet).out)
}

func (s *Server) myPermissionSets(c *reqCtx) {
	q, problem := strictQuery(c.r, "accessControlString")
	if problem != "" {
		writeError(c.w, http.StatusBadRequest, codeBadQuery, problem)
		return
	}
	need, ok := parsePerm(q("accessControlString"))
	if !ok {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "accessControlString is required and must be a permission such as '/security/read/'.")
		return
	}
	out := []permissionSetOut{}
	seen := map[*permissionSet]bool{}
	for _, r := range s.rolesOf(c.acct) {
		set := s.permissionSets[strings.ToLower(r.PermissionSetID)]
		if set != nil && !seen[set] && setCovers(set, []string{permString(need)}) == "" {
			seen[set] = true
			out = append(out, set.out())
		}
	}
	writeJSON(c.w, http.StatusOK, out)
}

func (s *Server) createPermissionSet(c *reqCtx) {
	if !c.requireSecurityModify("modify permission sets") {
		return
	}
	var in permissionSetCreate
	if !c.decode(&in) {
		return
	}
	problem := ""
	switch {
	case in.Name == nil || strings.TrimSpace(*in.Name) == "":
		problem = "Name is required."
	case in.Permissions == nil:
		problem = "Permissions is required."
	default:
		problem = malformed(in.Permissions)
		for _, set := range s.permissionSets {
			if strings.EqualFold(set.name, *in.Name) {
				problem = fmt.Sprintf("A permission set with the name '%s' already exists.", *in.Name)
			}
		}
	}
	if problem != "" {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, problem)
		return
	}
	s.nextSetID++
	set := &permissionSet{id: fmt.Sprintf("7e3f0c2a-0000-4000-8000-%012d", s.nextSetID), name: *in.Name, permissions: in.Permissions}
	s.permissionSets[set.id] = set
	writeJSON(c.w, http.StatusOK, set.out())
}

func (s *Server) updatePermissionSet(c *reqCtx) {
	if !c.requireSecurityModify("modify permission sets") {
		return
	}
	var in permissionSetUpdate
	if !c.decode(&in) {
		return
	}
	if in.ID == nil || in.Permissions == nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "Id and Permissions are required.")
		return
	}
	set := s.setFromPath(c, *in.ID)
	if set == nil {
		return
	}
	problem := malformed(in.Permissions)
	if strings.EqualFold(set.id, GlobalPermissionSetID) {
		problem = "The Global permission set cannot be changed."
	}
	next := &permissionSet{id: set.id, name: set.name, permissions: in.Permissions}
	for _, r := range s.sortedRoles() {
		if problem == "" && strings.EqualFold(r.PermissionSetID, set.id) {
			if p := setCovers(next, r.PermissionsV2); p != "" {
				problem = fmt.Sprintf("The security role '%s' holds the permission '%s', which the permission set would no longer contain.", r.Name, p)
			}
		}
	}
	if problem != "" {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, problem)
		return
	}
	s.permissionSets[strings.ToLower(set.id)] = next
	writeJSON(c.w, http.StatusOK, next.out())
}

func (s *Server) deletePermissionSet(c *reqCtx, id string) {
	if !c.requireSecurityModify("modify permission sets") {
		return
	}
	set := s.setFromPath(c, id)
	if set == nil {
		return
	}
	if strings.EqualFold(set.id, GlobalPermissionSetID) {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The Global permission set cannot be deleted.")
		return
	}
	for _, r := range s.sortedRoles() {
		if strings.EqualFold(r.PermissionSetID, set.id) {
			writeError(c.w, http.StatusBadRequest, codeBadRequest,
				fmt.Sprintf("The permission set '%s' still has the security role '%s'.", set.name, r.Name))
			return
		}
	}
	delete(s.permissionSets, strings.ToLower(set.id))
	c.w.WriteHeader(http.StatusNoContent)
}

// malformed describes the first permission that is not a v2 path, or "".
func malformed(perms []string) string {
	for _, p := range perms {
		if _, ok := parsePerm(p); !ok {
			return fmt.Sprintf("The permission '%s' is not valid.", p)
		}
	}
	return ""
}

// rolesOf returns the roles with a claim naming acct, ordered by id. It
// runs under s.mu.
func (s *Server) rolesOf(acct *account) []*storedRole {
	// Every request asks, so only the matches are sorted, not every role.
	var out []*storedRole
	for _, r := range s.roles {
		for _, cl := range r.Claims {
			if acct.client != "" && cl.Type == ClaimOAuthClientID && cl.Value == acct.client ||
				acct.client == "" && cl.Type == ClaimUser && strings.EqualFold(cl.Value, acct.name) {
				out = append(out, r)
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b *storedRole) int { return a.ID - b.ID })
	return out
}

// grants returns everything acct holds: its own permissions and its roles'.
// It runs under s.mu.
func (s *Server) grants(acct *account) []perm {
	out := slices.Clone(acct.permissions)
	for _, r := range s.rolesOf(acct) {
		out = append(out, parsePerms(r.PermissionsV2)...)
	}
	return out
}

// securityMyOut is the body of GET /Security/My.
type securityMyOut struct {
	Roles             []string           `json:"Roles"`
	GlobalPermissions []globalPermission `json:"GlobalPermissions"`
}

type globalPermission struct {
	Area       string `json:"Area"`
	Permission string `json:"Permission"`
}

// serveSecurityMy serves GET /Security/My and /Security/My/Permissions,
// which need only an authenticated caller.
func (s *Server) serveSecurityMy(c *reqCtx, seg []string) {
	if c.r.Method != http.MethodGet {
		methodNotAllowed(c.w, http.MethodGet)
		return
	}
	if len(seg) == 3 {
		if !strings.EqualFold(seg[2], "Permissions") || s.noMyPermissions {
			writeError(c.w, http.StatusNotFound, codeNotFound, "No endpoint matches "+c.r.Method+" "+c.r.URL.Path+".")
			return
		}
		writeJSON(c.w, http.StatusOK, map[string][]string{"Permissions": mergeGrants(s.grants(c.acct))})
		return
	}
	out := securityMyOut{Roles: []string{}, GlobalPermissions: []globalPermission{}}
	for _, r := range s.rolesOf(c.acct) {
		out.Roles = append(out.Roles, r.Name)
		for _, p := range r.PermissionsV1 {
			area, level, _ := strings.Cut(p, ":")
			g := globalPermission{Area: area, Permission: level}
			if !slices.Contains(out.GlobalPermissions, g) {
				out.GlobalPermissions = append(out.GlobalPermissions, g)
			}
		}
	}
	writeJSON(c.w, http.StatusOK, out)
}

// mergeGrants renders grants as /Security/My/Permissions lists them:
// sorted, without repeats, and without a scoped grant a global one covers.
func mergeGrants(grants []perm) []string {
	out := []string{}
	for _, g := range grants {
		covered := g.scope != 0 && slices.ContainsFunc(grants, func(o perm) bool { return o.scope == 0 && o.grants(g) })
		if s := permString(g); !covered && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// catalogue is what GET /Permissions lists: the v2 permissions Keyfactor
// documents, generic (scoped grants append an id), with every parent.
var catalogue = buildCatalogue()

func buildCatalogue() []string {
	leaves := []string{"/agents/auto_registration/modify/", "/agents/auto_registration/read/", "/agents/management/modify/",
		"/agents/management/read/", "/agents/management/mac/auto-enrollment/management/modify/",
		"/agents/management/mac/auto-enrollment/management/read/", "/application_settings/modify/", "/application_settings/read/",
		"/auditing/read/", "/certificate_authorities/modify/", "/certificate_authorities/read/", "/certificate_stores/modify/",
		"/certificate_stores/read/", "/certificate_stores/schedule/", "/certificate_stores/change_owner/",
		"/certificate_templates/modify/", "/certificate_templates/read/", "/certificates/collections/change_owner/",
		"/certificates/collections/delete/", "/certificates/collections/metadata/modify/", "/certificates/collections/modify/",
		"/certificates/collections/private_key/import/", "/certificates/collections/private_key/read/",
		"/certificates/collections/read/", "/certificates/collections/revoke/", "/certificates/enrollment/csr_generation/",
		"/certificates/enrollment/csr/", "/certificates/enrollment/pfx/", "/certificates/expanded_change_owner/",
		"/certificates/import/", "/certificates/requests/manage/", "/dashboard/read/", "/dashboard/risk_header/read/",
		"/enrollment_pattern/modify/", "/enrollment_pattern/read/", "/identity_providers/modify/", "/identity_providers/read/",
		"/metadata/types/modify/", "/metadata/types/read/", "/monitoring/alerts/modify/", "/monitoring/alerts/read/",
		"/monitoring/alerts/schedule/", "/monitoring/alerts/schedule/revocation/", "/monitoring/alerts/test/",
		"/monitoring/handlers/registration/modify/", "/monitoring/handlers/registration/read/", "/pam/modify/", "/pam/read/",
		"/portal/read/", "/reports/modify/", "/reports/read/", "/scripts/modify/", "/scripts/read/", "/security/modify/",
		"/security/read/", "/ssh/enterprise_admin/", "/ssh/server_admin/", "/ssh/user/", "/ssl/modify/", "/ssl/read/",
		"/system_settings/modify/", "/system_settings/read/", "/workflows/definitions/modify/", "/workflows/definitions/read/",
		"/workflows/instances/manage/", "/workflows/instances/read/", "/workflows/instances/read/mine/",
		"/workflows/instances/read/pending/"}
	seen := map[string]bool{"/": true}
	for _, p := range leaves {
		for q := p; q != "/"; q = q[:strings.LastIndexByte(q[:len(q)-1], '/')+1] {
			seen[q] = true
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// servePermissions serves GET /Permissions.
func (s *Server) servePermissions(c *reqCtx) {
	if c.r.Method != http.MethodGet {
		methodNotAllowed(c.w, http.MethodGet)
		return
	}
	if c.require(perm{path: "/security/read/"}, "read the permission catalogue") {
		writeJSON(c.w, http.StatusOK, catalogue)
	}
}
