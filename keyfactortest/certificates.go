package keyfactortest

import (
	"crypto"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Certificate is a certificate the server knows, with the collections and
// the certificate store container it belongs to. Fields left zero get
// values derived from ID (a thumbprint, "cert-ID.example.com", validity
// from 2025-01-01 for two years), so tests seed only what they care about.
type Certificate struct {
	ID            int
	CollectionIDs []int
	ContainerID   int
	// OwnerRoleID is the owning role's id; 0 means no owner.
	OwnerRoleID int
	// OwnerRequired mirrors an enrollment pattern or system policy that
	// makes the Certificate Owner Role required: clearing is refused.
	OwnerRequired bool

	Thumbprint, SerialNumber, IssuedCN, IssuedDN, IssuerDN string
	TemplateName                                           string
	NotBefore, NotAfter                                    time.Time
	// Revoked certificates (CertState 2) and expired ones are left out of
	// lists unless IncludeRevoked / IncludeExpired ask for them.
	Revoked       bool
	HasPrivateKey bool
	Metadata      map[string]string
	// Locations are the certificate stores holding it, reported only when
	// a read asks with includeLocations=true (as LocationsCount, counted by
	// StoreTypeName, and Locations).
	Locations []Location
	// ImportDate is when Command imported the certificate; NotBefore when
	// zero. An issued certificate's is the time of issue.
	ImportDate time.Time
	// CertRequestID is the enrollment request that produced it (0: none).
	CertRequestID int

	der []byte        // the certificate, for one the fake issued
	key crypto.Signer // its key, when the fake made it (PFX): Recover returns it

	revocationReason int
	revokedAt        time.Time
}

// Location is a certificate store that holds a certificate.
type Location struct {
	StoreMachine, StorePath string
	StoreType               int
	StoreTypeName           string // "IIS", "PEM", ...: what LocationsCount counts by
	Alias                   string
}

// AddCertificate adds or replaces a certificate.
func (s *Server) AddCertificate(c Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.CollectionIDs = slices.Clone(c.CollectionIDs)
	c.Metadata = maps.Clone(c.Metadata)
	c.Locations = slices.Clone(c.Locations)
	if c.Thumbprint == "" {
		c.Thumbprint = fmt.Sprintf("%040X", c.ID*2654435761)
	}
	if c.SerialNumber == "" {
		c.SerialNumber = fmt.Sprintf("%016X", c.ID)
	}
	if c.IssuedCN == "" {
		c.IssuedCN = fmt.Sprintf("cert-%d.example.com", c.ID)
	}
	if c.IssuedDN == "" {
		c.IssuedDN = "CN=" + c.IssuedCN
	}
	if c.IssuerDN == "" {
		c.IssuerDN = "CN=Example Issuing CA 1, O=Example"
	}
	if c.TemplateName == "" {
		c.TemplateName = "WebServer"
	}
	if c.NotBefore.IsZero() {
		c.NotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.NotAfter.IsZero() {
		c.NotAfter = c.NotBefore.AddDate(2, 0, 0)
	}
	for _, id := range c.CollectionIDs {
		if s.collections[id] == nil {
			s.storeCollection(&Collection{ID: id, Name: fmt.Sprintf("Collection %d", id)})
		}
	}
	if c.ContainerID > 0 && s.containers[c.ContainerID] == nil {
		s.storeContainer(&Container{ID: c.ContainerID, Name: fmt.Sprintf("Container %d", c.ContainerID)})
	}
	s.certs[c.ID] = &c
}

// Certificates returns every certificate the server holds, seeded or
// issued, ordered by id.
func (s *Server) Certificates() []Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Certificate, 0, len(s.certs))
	for _, c := range s.certs {
		cp := *c
		cp.CollectionIDs, cp.Metadata, cp.Locations = slices.Clone(c.CollectionIDs), maps.Clone(c.Metadata), slices.Clone(c.Locations)
		out = append(out, cp)
	}
	slices.SortFunc(out, func(a, b Certificate) int { return a.ID - b.ID })
	return out
}

// Owner returns the id of the role owning a certificate; ok is false when
// the certificate is unknown or has no owner.
func (s *Server) Owner(certificateID int) (roleID int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.certs[certificateID]
	if c == nil || c.OwnerRoleID == 0 {
		return 0, false
	}
	return c.OwnerRoleID, true
}

// ownerRequest is the body of PUT /Certificates/{id}/Owner. Pointers tell an
// absent field from a zero one.
type ownerRequest struct {
	NewRoleID   *int    `json:"NewRoleId"`
	NewRoleName *string `json:"NewRoleName"`
}

// putOwner serves PUT /Certificates/{id}/Owner (v1; the v2 header is
// accepted too, as the endpoint has a single version).
func (s *Server) putOwner(c *reqCtx, idText string) {
	id, err := strconv.Atoi(idText)
	if err != nil || id <= 0 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The certificate id must be a positive integer.")
		return
	}
	q := c.r.URL.Query()
	collection, okCol := queryInt(q.Get("CollectionId"))
	container, okCon := queryInt(q.Get("ContainerId"))
	if !okCol || !okCon {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "CollectionId and ContainerId must be integers.")
		return
	}
	if collection > 0 {
		container = 0 // Keyfactor: CollectionId takes precedence and ContainerId is ignored.
	}
	var req ownerRequest
	if len(c.body) == 0 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "A request body is required.")
		return
	}
	if !c.decode(&req) {
		return
	}
	cert := s.certs[id]
	if cert == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to locate Certificate with Id %d", id))
		return
	}
	// Keyfactor: any one of the change-owner permissions (a scoped one
	// counts for the collection or container the request names), and, to
	// name a new owner, /security/read/.
	forms := []perm{{path: "/certificates/collections/change_owner/", scope: collection},
		{path: "/certificate_stores/change_owner/", scope: container}, {path: "/certificates/expanded_change_owner/"}}
	if !slices.ContainsFunc(forms, c.has) {
		c.deny(permString(forms[0])+"', '"+permString(forms[1])+"' or '"+permString(forms[2]), "change certificate owners")
		return
	}
	if (req.NewRoleID != nil || req.NewRoleName != nil) && !c.require(perm{path: "/security/read/"}, "read the new owner role") {
		return
	}
	switch {
	case collection > 0 && s.collections[collection] == nil:
		writeError(c.w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("The certificate collection %d does not exist.", collection))
		return
	case container > 0 && s.containers[container] == nil:
		writeError(c.w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("The certificate store container %d does not exist.", container))
		return
	case collection > 0 && !slices.Contains(cert.CollectionIDs, collection):
		writeError(c.w, http.StatusForbidden, codeForbidden, fmt.Sprintf("Certificate %d is not in collection %d.", id, collection))
		return
	case container > 0 && cert.ContainerID != container:
		writeError(c.w, http.StatusForbidden, codeForbidden, fmt.Sprintf("Certificate %d is not in container %d.", id, container))
		return
	}

	switch {
	case req.NewRoleID != nil && req.NewRoleName != nil:
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "Provide either NewRoleId or NewRoleName, not both.")
	case req.NewRoleID != nil:
		r := s.roles[*req.NewRoleID]
		if r == nil {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("Security role with Id %d was not found.", *req.NewRoleID))
			return
		}
		cert.OwnerRoleID = r.ID
		s.record(cert.ID, "OwnerChanged", r.Name, c.acct.name)
		c.w.WriteHeader(http.StatusNoContent)
	case req.NewRoleName != nil:
		// An empty name does not clear the owner (seen against Command 25.5):
		// it names a role that does not exist.
		r := s.roleByName(*req.NewRoleName)
		if r == nil {
			writeError(c.w, http.StatusBadRequest, codeBadRequest,
				fmt.Sprintf("Security role '%s' was not found.", *req.NewRoleName))
			return
		}
		cert.OwnerRoleID = r.ID
		s.record(cert.ID, "OwnerChanged", r.Name, c.acct.name)
		c.w.WriteHeader(http.StatusNoContent)
	default:
		if cert.OwnerRequired {
			writeError(c.w, http.StatusBadRequest, codeBadRequest,
				"The certificate owner role cannot be removed because a Certificate Owner Role is required by policy.")
			return
		}
		cert.OwnerRoleID = 0
		s.record(cert.ID, "OwnerCleared", "", c.acct.name)
		c.w.WriteHeader(http.StatusNoContent)
	}
}

func queryInt(v string) (int, bool) {
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

// roleByName finds a role by name, case-insensitively as Command does.
func (s *Server) roleByName(name string) *storedRole {
	for _, r := range s.roles {
		if strings.EqualFold(r.Name, name) {
			return r
		}
	}
	return nil
}

// certificateOut is a certificate as GET /Certificates and
// GET /Certificates/{id} return it: Keyfactor's retrieval model, with the
// owner fields null when there is no owner. NotBefore and NotAfter carry no
// zone offset and ImportDate does, as different Command versions send them.
type certificateOut struct {
	ID                       int               `json:"Id"`
	Thumbprint               string            `json:"Thumbprint"`
	SerialNumber             string            `json:"SerialNumber"`
	IssuedDN                 string            `json:"IssuedDN"`
	IssuedCN                 string            `json:"IssuedCN"`
	ImportDate               string            `json:"ImportDate"`
	NotBefore                string            `json:"NotBefore"`
	NotAfter                 string            `json:"NotAfter"`
	IssuerDN                 string            `json:"IssuerDN"`
	TemplateID               int               `json:"TemplateId"`
	TemplateName             string            `json:"TemplateName"`
	CertificateAuthorityID   int               `json:"CertificateAuthorityId"`
	CertificateAuthorityName string            `json:"CertificateAuthorityName"`
	CertState                int               `json:"CertState"`
	CertStateString          string            `json:"CertStateString"`
	KeyType                  int               `json:"KeyType"`
	KeyTypeString            string            `json:"KeyTypeString"`
	KeySizeInBits            int               `json:"KeySizeInBits"`
	SigningAlgorithm         string            `json:"SigningAlgorithm"`
	OwnerRoleID              *int              `json:"OwnerRoleId"`
	OwnerRoleName            *string           `json:"OwnerRoleName"`
	RevocationEffDate        *string           `json:"RevocationEffDate"`
	RevocationReason         *int              `json:"RevocationReason"`
	HasPrivateKey            bool              `json:"HasPrivateKey"`
	SubjectAltNameElements   []sanOut          `json:"SubjectAltNameElements"`
	Metadata                 map[string]string `json:"Metadata"`
	Locations                []locationOut     `json:"Locations"`
	LocationsCount           []locationCount   `json:"LocationsCount"`
	SSLLocations             []any             `json:"SSLLocations"`
	CertRequestID            *int              `json:"CertRequestId"`
}

type locationOut struct {
	StoreMachine string `json:"StoreMachine"`
	StorePath    string `json:"StorePath"`
	StoreType    int    `json:"StoreType"`
	Alias        string `json:"Alias"`
	ChainLevel   int    `json:"ChainLevel"`
	CertStoreID  string `json:"CertStoreId"`
}

type locationCount struct {
	Type  string `json:"Type"`
	Count int    `json:"Count"`
}

type sanOut struct {
	ID        int    `json:"Id"`
	Value     string `json:"Value"`
	Type      int    `json:"Type"`
	ValueHash string `json:"ValueHash"`
}

// certOut renders a certificate; hasKey says whether HasPrivateKey is
// reported (lists report it only when asked), locations whether its
// locations are. It runs under s.mu.
func (s *Server) certOut(c *Certificate, metadata, hasKey, locations bool) certificateOut {
	imported := c.ImportDate
	if imported.IsZero() {
		imported = c.NotBefore
	}
	out := certificateOut{ID: c.ID, Thumbprint: c.Thumbprint, SerialNumber: c.SerialNumber, IssuedDN: c.IssuedDN,
		IssuedCN: c.IssuedCN, ImportDate: imported.UTC().Format("2006-01-02T15:04:05.000"),
		NotBefore: c.NotBefore.UTC().Format("2006-01-02T15:04:05"), NotAfter: c.NotAfter.UTC().Format("2006-01-02T15:04:05"),
		IssuerDN: c.IssuerDN, TemplateID: 3, TemplateName: c.TemplateName, CertificateAuthorityID: 1,
		CertificateAuthorityName: "Example Issuing CA 1", CertState: 1, CertStateString: "Active", KeyType: 1,
		KeyTypeString: "RSA", KeySizeInBits: 2048, SigningAlgorithm: "SHA256-RSA", HasPrivateKey: hasKey && c.HasPrivateKey,
		SubjectAltNameElements: []sanOut{{ID: c.ID, Value: c.IssuedCN, Type: 2, ValueHash: fmt.Sprintf("%08x", c.ID)}},
		Metadata:               map[string]string{}, Locations: []locationOut{}, LocationsCount: []locationCount{}, SSLLocations: []any{}}
	if locations {
		for i, l := range c.Locations {
			out.Locations = append(out.Locations, locationOut{StoreMachine: l.StoreMachine, StorePath: l.StorePath,
				StoreType: l.StoreType, Alias: l.Alias, CertStoreID: fmt.Sprintf("00000000-0000-0000-0000-%012d", i+1)})
			if j := slices.IndexFunc(out.LocationsCount, func(lc locationCount) bool { return lc.Type == l.StoreTypeName }); j >= 0 {
				out.LocationsCount[j].Count++
			} else {
				out.LocationsCount = append(out.LocationsCount, locationCount{Type: l.StoreTypeName, Count: 1})
			}
		}
	}
	if c.Revoked {
		out.CertState, out.CertStateString = 2, "Revoked"
		at, reason := c.NotBefore.AddDate(0, 1, 0).Format("2006-01-02T15:04:05"), 1
		if !c.revokedAt.IsZero() {
			at, reason = c.revokedAt.Format("2006-01-02T15:04:05"), c.revocationReason
		}
		out.RevocationEffDate, out.RevocationReason = &at, &reason
	}
	if c.CertRequestID > 0 {
		out.CertRequestID = &c.CertRequestID
	}
	if r := s.roles[c.OwnerRoleID]; r != nil {
		id, name := r.ID, r.Name
		out.OwnerRoleID, out.OwnerRoleName = &id, &name
	}
	if metadata && c.Metadata != nil {
		out.Metadata = maps.Clone(c.Metadata)
	}
	return out
}

// readCert authorizes reading certificates, globally or through
// collection (0: none). It runs under s.mu.
func (c *reqCtx) readCert(collection int) bool {
	return c.require(perm{path: "/certificates/collections/read/", scope: collection}, "read certificates")
}

// getCertificate serves GET /Certificates/{id}.
func (s *Server) getCertificate(c *reqCtx, idText string) {
	q, problem := strictQuery(c.r, "includeLocations", "includeMetadata", "includeHasPrivateKey", "collectionId")
	if problem != "" {
		writeError(c.w, http.StatusBadRequest, codeBadQuery, problem)
		return
	}
	id, err := strconv.Atoi(idText)
	collection, okCol := queryInt(q("collectionId"))
	metadata, okMeta := queryBool(q("includeMetadata"))
	locations, okLoc := queryBool(q("includeLocations"))
	if err != nil || id <= 0 || !okCol || !okMeta || !okLoc {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The certificate id and query parameters must be valid.")
		return
	}
	if !c.readCert(collection) {
		return
	}
	cert := s.certs[id]
	if cert == nil || collection > 0 && !slices.Contains(cert.CollectionIDs, collection) {
		writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to locate Certificate with Id %d", id))
		return
	}
	writeJSON(c.w, http.StatusOK, s.certOut(cert, metadata, true, locations))
}

// certQueryFields are the certificate fields the fake's QueryString knows.
var certQueryFields = []string{"Thumbprint", "SerialNumber", "IssuedCN", "IssuedDN", "IssuerDN", "TemplateName", "CertRequestId"}

// listCertificates serves GET /Certificates: QueryString on a few string
// fields, collection scoping, revoked and expired filtering, paging and
// sorting (Id, IssuedCN, NotAfter).
func (s *Server) listCertificates(c *reqCtx) {
	lr, ok := c.listQuery([]string{"Id", "IssuedCN", "NotAfter"}, certQueryFields,
		"IncludeRevoked", "IncludeExpired", "collectionId", "includeLocations", "includeMetadata", "includeHasPrivateKey")
	if !ok {
		return
	}
	q, clauses, p := lr.get, lr.clauses, lr.paging
	collection, okCol := queryInt(q("collectionId"))
	revoked, ok1 := queryBool(q("IncludeRevoked"))
	expired, ok2 := queryBool(q("IncludeExpired"))
	metadata, ok3 := queryBool(q("includeMetadata"))
	hasKey, ok4 := queryBool(q("includeHasPrivateKey"))
	locations, ok5 := queryBool(q("includeLocations"))
	if !okCol || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		writeError(c.w, http.StatusBadRequest, codeBadQuery, "Invalid query parameters.")
		return
	}
	if !c.readCert(collection) {
		return
	}
	now := time.Now()
	var found []*Certificate
	for _, cert := range s.certs {
		switch {
		case collection > 0 && !slices.Contains(cert.CollectionIDs, collection),
			cert.Revoked && !revoked,
			cert.NotAfter.Before(now) && !expired:
			continue
		}
		if matches(clauses, func(f string) string { return certField(cert, f) }) {
			found = append(found, cert)
		}
	}
	sort.Slice(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if p.descending {
			a, b = b, a
		}
		switch p.sortField {
		case "IssuedCN":
			if a.IssuedCN != b.IssuedCN {
				return a.IssuedCN < b.IssuedCN
			}
		case "NotAfter":
			if !a.NotAfter.Equal(b.NotAfter) {
				return a.NotAfter.Before(b.NotAfter)
			}
		}
		return a.ID < b.ID
	})
	writePage(c, p, found, func(cert *Certificate) certificateOut { return s.certOut(cert, metadata, hasKey, locations) })
}

func certField(c *Certificate, field string) string {
	switch field {
	case "Thumbprint":
		return c.Thumbprint
	case "SerialNumber":
		return c.SerialNumber
	case "IssuedCN":
		return c.IssuedCN
	case "IssuedDN":
		return c.IssuedDN
	case "IssuerDN":
		return c.IssuerDN
	case "CertRequestId":
		return strconv.Itoa(c.CertRequestID)
	}
	return c.TemplateName
}

func queryBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "", "false", "0":
		return false, true
	case "true", "1":
		return true, true
	}
	return false, false
}
