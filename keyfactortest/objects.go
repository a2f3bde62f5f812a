package keyfactortest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Claims, collections and containers, from the fake's reading of
// Keyfactor's documentation:
//
//   - Claims are objects of their own (/Security/Claims), shared with roles:
//     a role write carrying a claim that matches an existing one by type,
//     value (ignoring case) and scheme reuses its id; a new one creates a
//     claim. When the role's copy carries another description, the shared
//     claim takes it (what Command does there is not documented). Only a
//     claim's Description can change; a claim a role still holds cannot be
//     deleted (400).
//   - Collections (/CertificateCollections): reads never return Query,
//     only Content (here the query as written); create, update and copy
//     echo Query. A certificate added with a collection id that names no
//     collection creates one named "Collection N". An owner change scoped
//     to a collection or container that does not exist is a 400.
//   - Containers (/CertificateStoreContainers, and /Applications as on
//     Command 25): the list carries Schedule as a string, a single GET as an
//     object. WithApplicationsOnly serves /Applications alone. A
//     certificate's container id that names no container creates one named
//     "Container N".

// sharedClaim is a claim as /Security/Claims holds it.
type sharedClaim struct {
	id                         int
	typ                        int
	value, scheme, description string
}

func (c *sharedClaim) out() claimOut {
	return storedClaim{ID: c.id, Type: c.typ, Value: c.value, Scheme: c.scheme, Description: c.description}.out()
}

// out renders a claim as responses carry it.
func (c storedClaim) out() claimOut {
	p := providerOut{ID: "00000000-0000-0000-0000-000000000002", AuthenticationScheme: c.Scheme, DisplayName: c.Scheme}
	if c.Scheme == activeDirectory {
		p.ID = "00000000-0000-0000-0000-000000000001"
	}
	return claimOut{ID: c.ID, Description: c.Description, ClaimType: claimTypeNames[c.Type], ClaimValue: c.Value, Provider: p}
}

// claimFor returns the shared claim with c's identity, creating it when
// there is none. It runs under s.mu.
func (s *Server) claimFor(c storedClaim) *sharedClaim {
	for _, sc := range s.claims {
		if sc.typ == c.Type && strings.EqualFold(sc.value, c.Value) && sc.scheme == c.Scheme {
			return sc
		}
	}
	sc := &sharedClaim{id: s.nextClaimID, typ: c.Type, value: c.Value, scheme: c.Scheme, description: c.Description}
	s.nextClaimID++
	s.claims[sc.id] = sc
	return sc
}

// shareClaims gives each of r's claims the id of its shared claim, and the
// shared claim r's description. It runs under s.mu.
func (s *Server) shareClaims(r *storedRole) {
	for i := range r.Claims {
		sc := s.claimFor(r.Claims[i])
		r.Claims[i].ID = sc.id
		if sc.description != r.Claims[i].Description {
			s.describeClaim(sc, r.Claims[i].Description)
		}
	}
}

// describeClaim sets a shared claim's description, and every role's copy.
func (s *Server) describeClaim(sc *sharedClaim, description string) {
	sc.description = description
	for _, r := range s.roles {
		for i := range r.Claims {
			if r.Claims[i].ID == sc.id {
				r.Claims[i].Description = description
			}
		}
	}
}

// rolesHolding returns the roles holding claim id, ordered by id.
func (s *Server) rolesHolding(id int) []*storedRole {
	var out []*storedRole
	for _, r := range s.sortedRoles() {
		if slices.ContainsFunc(r.Claims, func(c storedClaim) bool { return c.ID == id }) {
			out = append(out, r)
		}
	}
	return out
}

type claimCreateIn struct {
	ClaimType                    *int    `json:"ClaimType"`
	ClaimValue                   *string `json:"ClaimValue"`
	ProviderAuthenticationScheme *string `json:"ProviderAuthenticationScheme"`
	Description                  *string `json:"Description"`
}

type claimUpdateIn struct {
	ID          *int    `json:"Id"`
	Description *string `json:"Description"`
}

type claimRoleOut struct {
	ID              int    `json:"Id"`
	Name            string `json:"Name"`
	Description     string `json:"Description"`
	PermissionSetID string `json:"PermissionSetId"`
}

// serveClaims routes /Security/Claims[/...].
func (s *Server) serveClaims(c *reqCtx, seg []string) {
	m := c.r.Method
	read := perm{path: "/security/read/"}
	switch {
	case len(seg) == 2 && m == http.MethodGet:
		if c.require(read, "read security claims") {
			s.listClaims(c)
		}
	case len(seg) == 2 && m == http.MethodPost:
		if c.requireSecurityModify("modify security claims") {
			s.createClaim(c)
		}
	case len(seg) == 2 && m == http.MethodPut:
		if c.requireSecurityModify("modify security claims") {
			s.updateClaim(c)
		}
	case len(seg) == 3 && strings.EqualFold(seg[2], "Roles") && m == http.MethodGet:
		if c.require(read, "read security claims") {
			s.claimRoles(c)
		}
	case len(seg) == 3 && m == http.MethodGet:
		if sc := s.claimFromPath(c, false, seg[2]); sc != nil {
			writeJSON(c.w, http.StatusOK, sc.out())
		}
	case len(seg) == 3 && m == http.MethodDelete:
		s.deleteClaim(c, seg[2])
	default:
		methodNotAllowed(c.w, "GET, POST, PUT, DELETE")
	}
}

func (s *Server) claimFromPath(c *reqCtx, write bool, idText string) *sharedClaim {
	if write && !c.requireSecurityModify("modify security claims") || !write && !c.require(perm{path: "/security/read/"}, "read security claims") {
		return nil
	}
	id, err := strconv.Atoi(idText)
	if err != nil || id <= 0 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The claim id must be a positive integer.")
		return nil
	}
	sc := s.claims[id]
	if sc == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to find 'Security Claim' with Id '%d'", id))
	}
	return sc
}

// listClaims serves GET /Security/Claims: QueryString on ClaimType (the
// integer), ClaimValue, ADClaimValue and Description; paging; sorting by
// Provider (the scheme, the default), Id or ClaimValue.
func (s *Server) listClaims(c *reqCtx) {
	lr, ok := c.listQuery([]string{"Provider", "Id", "ClaimValue"}, []string{"ClaimType", "ClaimValue", "ADClaimValue", "Description"})
	if !ok {
		return
	}
	clauses, p := lr.clauses, lr.paging
	var found []*sharedClaim
	for _, sc := range s.claims {
		field := func(f string) string {
			switch f {
			case "ClaimType":
				return strconv.Itoa(sc.typ)
			case "Description":
				return sc.description
			}
			return sc.value
		}
		if matches(clauses, field) {
			found = append(found, sc)
		}
	}
	sort.Slice(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if p.descending {
			a, b = b, a
		}
		switch {
		case p.sortField == "ClaimValue" && a.value != b.value:
			return a.value < b.value
		case p.sortField == "Provider" && a.scheme != b.scheme:
			return a.scheme < b.scheme
		}
		return a.id < b.id
	})
	writePage(c, p, found, (*sharedClaim).out)
}

func (s *Server) createClaim(c *reqCtx) {
	var in claimCreateIn
	if !c.decode(&in) {
		return
	}
	switch {
	case in.ClaimType == nil || in.ClaimValue == nil || in.ProviderAuthenticationScheme == nil || in.Description == nil:
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "ClaimType, ClaimValue, ProviderAuthenticationScheme and Description are required.")
		return
	case *in.ClaimType < 0 || *in.ClaimType >= len(claimTypeNames):
		writeError(c.w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("ClaimType %d is not valid.", *in.ClaimType))
		return
	case strings.TrimSpace(*in.ClaimValue) == "" || strings.TrimSpace(*in.ProviderAuthenticationScheme) == "":
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "ClaimValue and ProviderAuthenticationScheme must not be blank.")
		return
	}
	want := storedClaim{Type: *in.ClaimType, Value: *in.ClaimValue, Scheme: *in.ProviderAuthenticationScheme, Description: *in.Description}
	for _, sc := range s.claims {
		if sc.typ == want.Type && strings.EqualFold(sc.value, want.Value) && sc.scheme == want.Scheme {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("The claim '%s' already exists.", want.Value))
			return
		}
	}
	writeJSON(c.w, http.StatusOK, s.claimFor(want).out())
}

func (s *Server) updateClaim(c *reqCtx) {
	var in claimUpdateIn
	if !c.decode(&in) {
		return
	}
	if in.ID == nil || in.Description == nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "Id and Description are required.")
		return
	}
	sc := s.claimFromPath(c, true, strconv.Itoa(*in.ID))
	if sc == nil {
		return
	}
	s.describeClaim(sc, *in.Description)
	writeJSON(c.w, http.StatusOK, sc.out())
}

func (s *Server) deleteClaim(c *reqCtx, idText string) {
	sc := s.claimFromPath(c, true, idText)
	if sc == nil {
		return
	}
	if held := s.rolesHolding(sc.id); len(held) > 0 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest,
			fmt.Sprintf("The claim '%s' is held by the security role '%s'; remove it from the role first.", sc.value, held[0].Name))
		return
	}
	delete(s.claims, sc.id)
	c.w.WriteHeader(http.StatusNoContent)
}

// claimRoles serves GET /Security/Claims/Roles?ClaimType&ClaimValue&ProviderAuthenticationScheme.
func (s *Server) claimRoles(c *reqCtx) {
	q, problem := strictQuery(c.r, "ClaimType", "ClaimValue", "ProviderAuthenticationScheme")
	if problem != "" {
		writeError(c.w, http.StatusBadRequest, codeBadQuery, problem)
		return
	}
	typ, err := strconv.Atoi(q("ClaimType"))
	if err != nil || q("ClaimValue") == "" || q("ProviderAuthenticationScheme") == "" {
		writeError(c.w, http.StatusBadRequest, codeBadQuery, "ClaimType (an integer), ClaimValue and ProviderAuthenticationScheme are required.")
		return
	}
	out := []claimRoleOut{}
	for _, sc := range s.claims {
		if sc.typ == typ && strings.EqualFold(sc.value, q("ClaimValue")) && sc.scheme == q("ProviderAuthenticationScheme") {
			for _, r := range s.rolesHolding(sc.id) {
				out = append(out, claimRoleOut{ID: r.ID, Name: r.Name, Description: r.Description, PermissionSetID: r.PermissionSetID})
			}
		}
	}
	writeJSON(c.w, http.StatusOK, out)
}

// Collection is a certificate collection as seeded with AddCollection or
// read with Collections.
type Collection struct {
	ID                       int // assigned by the server
	Name, Description, Query string
	DuplicationField         int
	ShowOnDashboard          bool
	Favorite                 bool
}

// AddCollection stores a collection and returns its id.
func (s *Server) AddCollection(c Collection) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeCollection(&c)
}

func (s *Server) storeCollection(c *Collection) int {
	if c.ID == 0 {
		c.ID = s.nextCollectionID
	}
	s.nextCollectionID = max(s.nextCollectionID, c.ID+1)
	s.collections[c.ID] = c
	return c.ID
}

// Collections returns every collection, ordered by id.
func (s *Server) Collections() []Collection {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Collection
	for _, c := range s.collections {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

type collectionIn struct {
	ID               *int    `json:"Id"`
	CopyFromID       *int    `json:"CopyFromId"`
	Name             *string `json:"Name"`
	Description      *string `json:"Description"`
	Query            *string `json:"Query"`
	DuplicationField *int    `json:"DuplicationField"`
	ShowOnDashboard  *bool   `json:"ShowOnDashboard"`
	Favorite         *bool   `json:"Favorite"`
}

// collectionOut is a collection as reads return it: no Query.
type collectionOut struct {
	ID                 int     `json:"Id"`
	Name               string  `json:"Name"`
	Description        string  `json:"Description"`
	Automated          bool    `json:"Automated"`
	Content            string  `json:"Content"`
	DuplicationField   int     `json:"DuplicationField"`
	ShowOnDashboard    bool    `json:"ShowOnDashboard"`
	Favorite           bool    `json:"Favorite"`
	EstimatedCertCount int     `json:"EstimatedCertCount"`
	LastEstimated      *string `json:"LastEstimated"`
}

// collectionWriteOut is a collection as create, update and copy return it.
type collectionWriteOut struct {
	collectionOut
	Query string `json:"Query"`
}

func (s *Server) collectionOut(col *Collection) collectionOut {
	n := 0
	for _, cert := range s.certs {
		if slices.Contains(cert.CollectionIDs, col.ID) {
			n++
		}
	}
	return collectionOut{ID: col.ID, Name: col.Name, Description: col.Description, Content: col.Query,
		DuplicationField: col.DuplicationField, ShowOnDashboard: col.ShowOnDashboard, Favorite: col.Favorite, EstimatedCertCount: n}
}

// serveCollections routes /CertificateCollections[/...].
func (s *Server) serveCollections(c *reqCtx, seg []string) {
	m := c.r.Method
	read, write := perm{path: "/certificates/collections/read/"}, perm{path: "/certificates/collections/modify/"}
	switch {
	case len(seg) == 1 && m == http.MethodGet:
		if c.require(read, "read collections") {
			s.listCollections(c)
		}
	case len(seg) == 1 && m == http.MethodPost, len(seg) == 2 && strings.EqualFold(seg[1], "Copy") && m == http.MethodPost:
		if c.require(read, "read collections") && c.require(write, "modify collections") {
			s.writeCollection(c, len(seg) == 2)
		}
	case len(seg) == 1 && m == http.MethodPut:
		if c.require(read, "read collections") && c.require(write, "modify collections") {
			s.writeCollection(c, false)
		}
	case len(seg) == 2 && m == http.MethodGet:
		if c.require(read, "read collections") {
			// One route for an id and a name, as on Command.
			if col := s.collectionByIDOrName(seg[1]); col != nil {
				writeJSON(c.w, http.StatusOK, s.collectionOut(col))
			} else {
				writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to find 'Certificate Collection' with Id '%s'", seg[1]))
			}
		}
	case len(seg) == 2 && m == http.MethodDelete:
		id, _ := strconv.Atoi(seg[1])
		switch {
		case !c.require(write, "modify collections"):
		case s.collections[id] == nil:
			writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to find 'Certificate Collection' with Id '%s'", seg[1]))
		default:
			delete(s.collections, id)
			c.w.WriteHeader(http.StatusNoContent)
		}
	default:
		methodNotAllowed(c.w, "GET, POST, PUT, DELETE")
	}
}

func (s *Server) collectionByIDOrName(seg string) *Collection {
	if id, err := strconv.Atoi(seg); err == nil {
		return s.collections[id]
	}
	for _, col := range s.collections {
		if strings.EqualFold(col.Name, seg) {
			return col
		}
	}
	return nil
}

func (s *Server) listCollections(c *reqCtx) {
	lr, ok := c.listQuery([]string{"Id", "Name"}, []string{"Name", "Query", "Favorite"})
	if !ok {
		return
	}
	clauses, p := lr.clauses, lr.paging
	var found []*Collection
	for _, col := range s.collections {
		field := func(f string) string {
			switch f {
			case "Query":
				return col.Query
			case "Favorite":
				return strconv.FormatBool(col.Favorite)
			}
			return col.Name
		}
		if matches(clauses, field) {
			found = append(found, col)
		}
	}
	sort.Slice(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if p.descending {
			a, b = b, a
		}
		if p.sortField == "Name" && !strings.EqualFold(a.Name, b.Name) {
			return strings.ToLower(a.Name) < strings.ToLower(b.Name)
		}
		return a.ID < b.ID
	})
	writePage(c, p, found, s.collectionOut)
}

// writeCollection serves a create (POST), a copy (POST .../Copy) and a full
// replace (PUT).
func (s *Server) writeCollection(c *reqCtx, isCopy bool) {
	var in collectionIn
	if !c.decode(&in) {
		return
	}
	bad := func(msg string) { writeError(c.w, http.StatusBadRequest, codeBadRequest, msg) }
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		bad("Name is required.")
		return
	}
	col := &Collection{Name: *in.Name}
	switch {
	case isCopy:
		src := s.collections[deref(in.CopyFromID)]
		if src == nil {
			bad(fmt.Sprintf("The collection %d to copy from does not exist.", deref(in.CopyFromID)))
			return
		}
		*col = Collection{Name: *in.Name, Description: src.Description, Query: src.Query, DuplicationField: src.DuplicationField}
	case c.r.Method == http.MethodPut:
		if in.ID == nil || s.collections[*in.ID] == nil {
			writeError(c.w, http.StatusNotFound, codeNotFound, "Unable to find 'Certificate Collection' with that Id.")
			return
		}
		col.ID = *in.ID // a full replace: what is left out is cleared
	}
	if in.Description != nil {
		col.Description = *in.Description
	}
	if in.Query != nil {
		col.Query = *in.Query
	}
	col.DuplicationField = deref(in.DuplicationField)
	col.ShowOnDashboard, col.Favorite = deref(in.ShowOnDashboard), deref(in.Favorite)
	if col.DuplicationField < 0 || col.DuplicationField > 4 {
		bad("DuplicationField must be 0 to 4.")
		return
	}
	for _, other := range s.collections {
		if other.ID != col.ID && strings.EqualFold(other.Name, col.Name) {
			bad(fmt.Sprintf("A collection with the name '%s' already exists.", col.Name))
			return
		}
	}
	s.storeCollection(col)
	writeJSON(c.w, http.StatusOK, collectionWriteOut{collectionOut: s.collectionOut(col), Query: col.Query})
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// Container is a certificate store container as seeded with AddContainer.
type Container struct {
	ID                 int // assigned by the server
	Name               string
	CertStoreType      int
	OverwriteSchedules bool
	// IntervalMinutes, when set, is the inventory schedule: the list shows
	// it as text, a single GET as {"Interval": {"Minutes": N}}.
	IntervalMinutes int
}

// AddContainer stores a container and returns its id.
func (s *Server) AddContainer(c Container) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeContainer(&c)
}

func (s *Server) storeContainer(c *Container) int {
	if c.ID == 0 {
		c.ID = s.nextContainerID
	}
	s.nextContainerID = max(s.nextContainerID, c.ID+1)
	s.containers[c.ID] = c
	return c.ID
}

// WithApplicationsOnly serves containers at /Applications alone, as a
// Command that no longer answers /CertificateStoreContainers would.
func WithApplicationsOnly() Option {
	return func(s *Server) { s.applicationsOnly = true }
}

type containerListOut struct {
	ID                 int     `json:"Id"`
	Name               string  `json:"Name"`
	OverwriteSchedules bool    `json:"OverwriteSchedules"`
	Schedule           *string `json:"Schedule"`
	CertStoreType      int     `json:"CertStoreType"`
	StoreCount         int     `json:"StoreCount"`
}

type containerOut struct {
	ID                int            `json:"Id"`
	Name              string         `json:"Name"`
	Schedule          map[string]any `json:"Schedule"`
	CertStoreType     int            `json:"CertStoreType"`
	CertificateStores []any          `json:"CertificateStores"`
}

func (s *Server) storesIn(id int) int {
	n := 0
	for _, cert := range s.certs {
		if cert.ContainerID == id {
			n++
		}
	}
	return n
}

// serveContainers routes /CertificateStoreContainers[/{id}] and
// /Applications[/{id}].
func (s *Server) serveContainers(c *reqCtx, seg []string) {
	if strings.EqualFold(seg[0], "CertificateStoreContainers") && s.applicationsOnly {
		writeError(c.w, http.StatusNotFound, codeNotFound, "No endpoint matches "+c.r.Method+" "+c.r.URL.Path+".")
		return
	}
	if c.r.Method != http.MethodGet {
		methodNotAllowed(c.w, http.MethodGet)
		return
	}
	if !c.require(perm{path: "/certificate_stores/read/"}, "read certificate store containers") {
		return
	}
	if len(seg) == 2 {
		id, _ := strconv.Atoi(seg[1])
		ct := s.containers[id]
		if ct == nil {
			writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to find 'Certificate Store Container' with Id '%s'", seg[1]))
			return
		}
		out := containerOut{ID: ct.ID, Name: ct.Name, Schedule: map[string]any{}, CertStoreType: ct.CertStoreType,
			CertificateStores: make([]any, s.storesIn(ct.ID))}
		for i := range out.CertificateStores {
			out.CertificateStores[i] = map[string]any{"ContainerId": ct.ID}
		}
		if ct.IntervalMinutes > 0 {
			out.Schedule = map[string]any{"Interval": map[string]int{"Minutes": ct.IntervalMinutes}}
		}
		writeJSON(c.w, http.StatusOK, out)
		return
	}
	lr, ok := c.listQuery([]string{"Id", "Name"}, []string{"Name", "Id", "CertStoreType"})
	if !ok {
		return
	}
	clauses, p := lr.clauses, lr.paging
	var found []*Container
	for _, ct := range s.containers {
		field := func(f string) string {
			switch f {
			case "Id":
				return strconv.Itoa(ct.ID)
			case "CertStoreType":
				return strconv.Itoa(ct.CertStoreType)
			}
			return ct.Name
		}
		if matches(clauses, field) {
			found = append(found, ct)
		}
	}
	sort.Slice(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if p.descending {
			a, b = b, a
		}
		if p.sortField == "Name" && !strings.EqualFold(a.Name, b.Name) {
			return strings.ToLower(a.Name) < strings.ToLower(b.Name)
		}
		return a.ID < b.ID
	})
	writePage(c, p, found, func(ct *Container) containerListOut {
		item := containerListOut{ID: ct.ID, Name: ct.Name, OverwriteSchedules: ct.OverwriteSchedules, CertStoreType: ct.CertStoreType,
			StoreCount: s.storesIn(ct.ID)}
		if ct.IntervalMinutes > 0 {
			text := fmt.Sprintf("*/%d * * * *", ct.IntervalMinutes)
			item.Schedule = &text
		}
		return item
	})
}
