package keyfactortest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// After issue: revocation (a repeat in the CA's words, revocations a
// workflow holds), one-click renewal, metadata fields and a certificate's
// metadata (replaced or merged, as a test chooses), history, validation,
// locations and deletion.

// MetadataField is a metadata field the fake knows. DataType is one of
// String, Integer, Date, Boolean, MultipleChoice, BigText, Email;
// Enrollment one of Optional, Required, Hidden.
type MetadataField struct {
	ID                                int
	Name, Description, DataType, Hint string
	Validation, Message, Enrollment   string
	Options                           []string
	DefaultValue                      string
	DisplayOrder                      int
}

// HistoryEntry is one thing that happened to a certificate.
type HistoryEntry struct {
	ID       int64
	Action   string
	Comment  string
	Username string
	At       time.Time
}

var metadataTypeNames = []string{1: "String", 2: "Integer", 3: "Date", 4: "Boolean", 5: "MultipleChoice", 6: "BigText", 7: "Email"}
var metadataEnrollmentNames = []string{"Optional", "Required", "Hidden"}

// AddMetadataField adds or replaces a metadata field; an ID of 0 is
// assigned.
func (s *Server) AddMetadataField(f MetadataField) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.ID == 0 {
		s.nextFieldID++
		f.ID = s.nextFieldID
	}
	if f.Enrollment == "" {
		f.Enrollment = "Optional"
	}
	s.metadataFields[f.ID] = &f
	return f.ID
}

// MergeMetadata makes PUT /Certificates/Metadata merge the fields it names
// into the certificate's (merge true) instead of replacing the whole set
// (the default): Keyfactor's documentation leaves it open, so clients are
// tested against both.
func (s *Server) MergeMetadata(merge bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.metadataMerge = merge
}

// HoldRevocations makes every revocation wait for a workflow (hold true):
// the answer lists it in SuspendedCerts and the certificate stays active.
func (s *Server) HoldRevocations(hold bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdRevocations = hold
}

// History returns what happened to a certificate, oldest first.
func (s *Server) History(certificateID int) []HistoryEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.history[certificateID])
}

// record notes an action on a certificate. It runs under s.mu.
func (s *Server) record(id int, action, comment, user string) {
	s.nextHistoryID++
	s.history[id] = append(s.history[id], HistoryEntry{ID: s.nextHistoryID, Action: action, Comment: comment, Username: user,
		At: time.Now().UTC()})
}

// serveLifecycle routes what happens to a certificate after issue and the
// metadata fields. It reports whether it served the request.
func (s *Server) serveLifecycle(c *reqCtx, seg []string) bool {
	m := c.r.Method
	is := func(i int, name string) bool { return len(seg) > i && strings.EqualFold(seg[i], name) }
	switch {
	case len(seg) == 2 && is(0, "Certificates") && is(1, "Revoke") && m == http.MethodPost:
		s.revoke(c)
	case len(seg) == 2 && is(0, "Enrollment") && is(1, "Renew") && m == http.MethodPost:
		s.renew(c)
	case len(seg) == 4 && is(0, "Enrollment") && is(1, "AvailableRenewal") && is(2, "Id") && m == http.MethodGet:
		s.availableRenewal(c, seg[3])
	case len(seg) == 2 && is(0, "Certificates") && is(1, "Metadata") && m == http.MethodPut:
		s.putMetadata(c)
	case len(seg) == 3 && is(0, "Certificates") && is(1, "Metadata") && is(2, "All") && m == http.MethodPut:
		s.putMetadataAll(c)
	case len(seg) == 3 && is(0, "Certificates") && is(2, "History") && m == http.MethodGet:
		s.certHistory(c, seg[1])
	case len(seg) == 3 && is(0, "Certificates") && is(2, "Validate") && m == http.MethodGet:
		if cert := s.certFromPath(c, seg[1]); cert != nil {
			writeJSON(c.w, http.StatusOK, map[string]any{"Valid": true, "Results": map[string]string{}})
		}
	case len(seg) == 3 && is(0, "Certificates") && is(1, "Locations") && m == http.MethodGet:
		s.certLocations(c, seg[2])
	case len(seg) == 2 && is(0, "Certificates") && m == http.MethodDelete:
		if cert := s.certFromPath(c, seg[1]); cert != nil && c.require(perm{path: "/certificates/collections/delete/"}, "delete certificates") {
			delete(s.certs, cert.ID)
			s.record(cert.ID, "Deleted", "", c.acct.name)
			c.w.WriteHeader(http.StatusNoContent)
		}
	case is(0, "MetadataFields") && len(seg) <= 2:
		s.serveMetadataFields(c, seg)
	default:
		return false
	}
	return true
}

// certFromPath reads a certificate id from the path and checks read
// permission; it answers the error itself and returns nil.
func (s *Server) certFromPath(c *reqCtx, idText string) *Certificate {
	id, err := strconv.Atoi(idText)
	if err != nil || id <= 0 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The certificate id must be a positive integer.")
		return nil
	}
	collection, _ := queryInt(c.r.URL.Query().Get("collectionId"))
	if !c.readCert(collection) {
		return nil
	}
	cert := s.certs[id]
	if cert == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to locate Certificate with Id %d", id))
	}
	return cert
}

var revocationReasons = []int{-1, 0, 1, 2, 3, 4, 5, 6, 8, 999}

// revoke serves POST /Certificates/Revoke.
func (s *Server) revoke(c *reqCtx) {
	var in struct {
		CertificateIDs []int   `json:"CertificateIds"`
		Reason         *int    `json:"Reason"`
		Comment        *string `json:"Comment"`
		EffectiveDate  *string `json:"EffectiveDate"`
		CollectionID   *int    `json:"CollectionId"`
		PublishCRL     bool    `json:"PublishCRL"`
	}
	if !c.decode(&in) {
		return
	}
	collection := 0
	if in.CollectionID != nil {
		collection = *in.CollectionID
	}
	switch {
	case !c.require(perm{path: "/certificates/collections/revoke/", scope: collection}, "revoke certificates"):
		return
	case len(in.CertificateIDs) == 0:
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "CertificateIds is required.")
		return
	case in.Comment == nil || strings.TrimSpace(*in.Comment) == "":
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "A comment is required to revoke a certificate.")
		return
	case in.Reason == nil || !slices.Contains(revocationReasons, *in.Reason):
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The revocation reason is not valid.")
		return
	}
	type suspended struct {
		CertID     int    `json:"CertId"`
		WorkflowID string `json:"WorkflowId"`
		Message    string `json:"Message"`
	}
	out := struct {
		RevokedIDs     []int       `json:"RevokedIds"`
		SuspendedCerts []suspended `json:"SuspendedCerts"`
	}{RevokedIDs: []int{}, SuspendedCerts: []suspended{}}
	var already []*Certificate
	for _, id := range in.CertificateIDs {
		cert := s.certs[id]
		switch {
		case cert == nil:
			writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to locate Certificate with Id %d", id))
			return
		case cert.Revoked:
			already = append(already, cert)
		case s.holdRevocations:
			out.SuspendedCerts = append(out.SuspendedCerts, suspended{CertID: id,
				WorkflowID: fmt.Sprintf("7a1c0000-0000-4000-8000-%012d", id), Message: "The revocation awaits approval."})
			s.record(id, "RevocationRequested", *in.Comment, c.acct.name)
		default:
			cert.Revoked, cert.revocationReason, cert.revokedAt = true, *in.Reason, time.Now().UTC()
			out.RevokedIDs = append(out.RevokedIDs, id)
			s.record(id, "Revoked", *in.Comment, c.acct.name)
		}
	}
	if len(already) == len(in.CertificateIDs) {
		// The CA's own words for a repeat (EJBCA's), as Command passes them on.
		writeError(c.w, http.StatusBadRequest, codeBadRequest,
			fmt.Sprintf("Certificate with serial number %s has previously been revoked.", already[0].SerialNumber))
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}

// renew serves POST /Enrollment/Renew: one-click renewal, a new
// certificate of the same subject from the fake's CA, with a new key.
func (s *Server) renew(c *reqCtx) {
	var in struct {
		CertificateID        *int    `json:"CertificateId"`
		Thumbprint           *string `json:"Thumbprint"`
		CertificateAuthority *string `json:"CertificateAuthority"`
		Template             *string `json:"Template"`
		EnrollmentPatternID  *int    `json:"EnrollmentPatternId"`
		Timestamp            *string `json:"Timestamp"`
	}
	if !c.decode(&in) {
		return
	}
	if !c.require(perm{path: "/certificates/enrollment/pfx/"}, "renew certificates") {
		return
	}
	var old *Certificate
	switch {
	case (in.CertificateID == nil) == (in.Thumbprint == nil):
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "Provide either CertificateId or Thumbprint, not both.")
		return
	case in.CertificateID != nil:
		old = s.certs[*in.CertificateID]
	default:
		for _, x := range s.certs {
			if strings.EqualFold(x.Thumbprint, *in.Thumbprint) {
				old = x
			}
		}
	}
	if old == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, "Unable to locate the certificate to renew.")
		return
	}
	template := old.TemplateName
	if in.Template != nil {
		template = *in.Template
	}
	var key crypto.Signer
	if _, isRSA := old.key.(*rsa.PrivateKey); isRSA {
		key, _ = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	dn := old.IssuedDN
	if dn == "" {
		dn = "CN=" + old.IssuedCN
	}
	r := s.newRequest(&request{commonName: old.IssuedCN, template: template, key: key, subject: dn,
		meta: maps.Clone(old.Metadata), owner: old.OwnerRoleID})
	cert, err := s.issue(r)
	if err != nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	cert.CollectionIDs, cert.ContainerID = slices.Clone(old.CollectionIDs), old.ContainerID
	s.record(old.ID, "Renewed", fmt.Sprintf("renewed as certificate %d", cert.ID), c.acct.name)
	s.record(cert.ID, "Issued", fmt.Sprintf("renewal of certificate %d", old.ID), c.acct.name)
	writeJSON(c.w, http.StatusOK, map[string]any{"KeyfactorId": cert.ID, "KeyfactorRequestId": r.id, "Thumbprint": cert.Thumbprint,
		"SerialNumber": cert.SerialNumber, "IssuerDN": cert.IssuerDN, "RequestDisposition": "ISSUED",
		"DispositionMessage": "The certificate was renewed.", "Password": nil})
}

// availableRenewal serves GET /Enrollment/AvailableRenewal/Id/{id}:
// one-click for a certificate the fake issued, none for a seeded one.
func (s *Server) availableRenewal(c *reqCtx, idText string) {
	cert := s.certFromPath(c, idText)
	if cert == nil {
		return
	}
	if cert.der == nil {
		writeJSON(c.w, http.StatusOK, map[string]any{"AvailableRenewalType": 0, "Message": "The certificate's CA is not known to Command."})
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"AvailableRenewalType": 2, "Message": nil})
}

// putMetadata serves PUT /Certificates/Metadata: the fields sent replace
// the certificate's set, or merge into it (MergeMetadata).
func (s *Server) putMetadata(c *reqCtx) {
	var in struct {
		ID       *int              `json:"Id"`
		Metadata map[string]string `json:"Metadata"`
	}
	if err := decodeStrict(c.body, &in); err != nil || in.ID == nil || in.Metadata == nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "Id and Metadata are required.")
		return
	}
	collection, _ := queryInt(c.r.URL.Query().Get("collectionId"))
	if !c.require(perm{path: "/certificates/collections/metadata/modify/", scope: collection}, "edit certificate metadata") {
		return
	}
	cert := s.certs[*in.ID]
	if cert == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, fmt.Sprintf("Unable to locate Certificate with Id %d", *in.ID))
		return
	}
	if msg := s.checkMetadata(in.Metadata); msg != "" {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, msg)
		return
	}
	if s.metadataMerge {
		if cert.Metadata == nil {
			cert.Metadata = map[string]string{}
		}
		maps.Copy(cert.Metadata, in.Metadata)
	} else {
		cert.Metadata = maps.Clone(in.Metadata)
	}
	maps.DeleteFunc(cert.Metadata, func(_, v string) bool { return v == "" })
	s.record(cert.ID, "MetadataUpdated", strings.Join(slices.Sorted(maps.Keys(in.Metadata)), ", "), c.acct.name)
	c.w.WriteHeader(http.StatusNoContent)
}

// checkMetadata refuses a field the fake does not know, or a value of the
// wrong type. It runs under s.mu.
func (s *Server) checkMetadata(values map[string]string) string {
	for name, value := range values {
		var f *MetadataField
		for _, x := range s.metadataFields {
			if x.Name == name {
				f = x
			}
		}
		switch {
		case f == nil:
			return fmt.Sprintf("The metadata field '%s' does not exist.", name)
		case value == "":
		case f.DataType == "Integer":
			if _, err := strconv.ParseInt(value, 10, 64); err != nil {
				return fmt.Sprintf("The value '%s' is not valid for the Integer field '%s'.", value, name)
			}
		case f.DataType == "Boolean" && value != "true" && value != "false":
			return fmt.Sprintf("The value '%s' is not valid for the Boolean field '%s'.", value, name)
		case f.DataType == "MultipleChoice" && !slices.Contains(f.Options, value):
			return fmt.Sprintf("The value '%s' is not one of the options of '%s'.", value, name)
		}
	}
	return ""
}

// putMetadataAll serves PUT /Certificates/Metadata/All.
func (s *Server) putMetadataAll(c *reqCtx) {
	var in struct {
		Query          *string `json:"Query"`
		CertificateIDs []int   `json:"CertificateIds"`
		Metadata       []struct {
			MetadataName      string `json:"MetadataName"`
			Value             string `json:"Value"`
			OverwriteExisting bool   `json:"OverwriteExisting"`
		} `json:"Metadata"`
	}
	if err := decodeStrict(c.body, &in); err != nil || len(in.Metadata) == 0 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "Metadata is required.")
		return
	}
	if !c.require(perm{path: "/certificates/collections/metadata/modify/"}, "edit certificate metadata") {
		return
	}
	values := map[string]string{}
	for _, m := range in.Metadata {
		values[m.MetadataName] = m.Value
	}
	if msg := s.checkMetadata(values); msg != "" {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, msg)
		return
	}
	var clauses []clause
	if in.Query != nil {
		var err error
		if clauses, err = parseQuery(*in.Query, certQueryFields...); err != nil {
			writeError(c.w, http.StatusBadRequest, codeBadQuery, "Invalid query: "+err.Error())
			return
		}
	}
	for _, cert := range s.certs {
		if in.Query != nil && !matches(clauses, func(f string) string { return certField(cert, f) }) ||
			in.Query == nil && !slices.Contains(in.CertificateIDs, cert.ID) {
			continue
		}
		if cert.Metadata == nil {
			cert.Metadata = map[string]string{}
		}
		for _, m := range in.Metadata {
			if _, has := cert.Metadata[m.MetadataName]; !has || m.OverwriteExisting {
				cert.Metadata[m.MetadataName] = m.Value
			}
		}
		s.record(cert.ID, "MetadataUpdated", "by query", c.acct.name)
	}
	c.w.WriteHeader(http.StatusNoContent)
}

// certHistory serves GET /Certificates/{id}/History, paged.
func (s *Server) certHistory(c *reqCtx, idText string) {
	lr, ok := c.listQuery([]string{"Id"}, nil, "collectionId", "containerId")
	if !ok {
		return
	}
	cert := s.certFromPath(c, idText)
	if cert == nil {
		return
	}
	entries := slices.Clone(s.history[cert.ID])
	if lr.paging.descending {
		slices.Reverse(entries)
	}
	writePage(c, lr.paging, entries, func(e HistoryEntry) map[string]any {
		at := e.At.Format("2006-01-02T15:04:05.000")
		return map[string]any{"Id": e.ID, "OperationStart": at, "OperationEnd": at, "Username": e.Username,
			"Comment": e.Comment, "Action": e.Action}
	})
}

// certLocations serves GET /Certificates/Locations/{id}.
func (s *Server) certLocations(c *reqCtx, idText string) {
	cert := s.certFromPath(c, idText)
	if cert == nil {
		return
	}
	byType := map[int][]map[string]any{}
	names := map[int]string{}
	for i, l := range cert.Locations {
		names[l.StoreType] = l.StoreTypeName
		byType[l.StoreType] = append(byType[l.StoreType], map[string]any{"StoreId": fmt.Sprintf("00000000-0000-0000-0000-%012d", i+1),
			"StoreTypeId": l.StoreType, "ClientMachine": l.StoreMachine, "StorePath": l.StorePath, "AgentPool": nil, "Alias": l.Alias,
			"IPAddress": nil, "Port": nil, "NetworkName": nil})
	}
	for _, st := range s.sortedStores() {
		for alias, id := range st.Inventory {
			if id != cert.ID {
				continue
			}
			if t := s.storeTypes[st.StoreType]; t != nil {
				names[st.StoreType] = t.ShortName
			}
			byType[st.StoreType] = append(byType[st.StoreType], map[string]any{"StoreId": st.ID, "StoreTypeId": st.StoreType,
				"ClientMachine": st.ClientMachine, "StorePath": st.StorePath, "AgentPool": nil, "Alias": alias,
				"IPAddress": nil, "Port": nil, "NetworkName": nil})
		}
	}
	details := []map[string]any{}
	types := slices.Sorted(maps.Keys(byType))
	for _, t := range types {
		details = append(details, map[string]any{"StoreType": names[t], "StoreTypeId": t, "StoreCount": len(byType[t]), "Locations": byType[t]})
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"Details": details})
}

// metadataFieldIO is a metadata field on the wire: DataType and Enrollment
// as numbers, Options one comma-separated string.
type metadataFieldIO struct {
	ID                      *int    `json:"Id"`
	Name                    string  `json:"Name"`
	Description             string  `json:"Description"`
	DataType                int     `json:"DataType"`
	Hint                    *string `json:"Hint"`
	Validation              *string `json:"Validation"`
	Enrollment              int     `json:"Enrollment"`
	Message                 *string `json:"Message"`
	Options                 *string `json:"Options"`
	DefaultValue            *string `json:"DefaultValue"`
	DisplayOrder            int     `json:"DisplayOrder"`
	AllowAPI                bool    `json:"AllowAPI"`
	ExplicitUpdate          bool    `json:"ExplicitUpdate"`
	CaseSensitive           bool    `json:"CaseSensitive"`
	ExemptFromActionedCount bool    `json:"ExemptFromActionedCount"`
}

func (f *MetadataField) io() metadataFieldIO {
	id := f.ID
	str := func(s string) *string { return &s }
	return metadataFieldIO{ID: &id, Name: f.Name, Description: f.Description, DataType: max(slices.Index(metadataTypeNames, f.DataType), 0),
		Hint: str(f.Hint), Validation: str(f.Validation), Enrollment: max(slices.Index(metadataEnrollmentNames, f.Enrollment), 0),
		Message: str(f.Message), Options: str(strings.Join(f.Options, ",")), DefaultValue: str(f.DefaultValue),
		DisplayOrder: f.DisplayOrder, AllowAPI: true}
}

func fieldFromIO(in metadataFieldIO) (MetadataField, string) {
	if strings.TrimSpace(in.Name) == "" || strings.TrimSpace(in.Description) == "" {
		return MetadataField{}, "Name and Description are required."
	}
	if in.DataType < 1 || in.DataType >= len(metadataTypeNames) {
		return MetadataField{}, fmt.Sprintf("DataType %d is not valid.", in.DataType)
	}
	if in.Enrollment < 0 || in.Enrollment >= len(metadataEnrollmentNames) {
		return MetadataField{}, fmt.Sprintf("Enrollment %d is not valid.", in.Enrollment)
	}
	val := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	f := MetadataField{Name: in.Name, Description: in.Description, DataType: metadataTypeNames[in.DataType], Hint: val(in.Hint),
		Validation: val(in.Validation), Message: val(in.Message), Enrollment: metadataEnrollmentNames[in.Enrollment],
		DefaultValue: val(in.DefaultValue), DisplayOrder: in.DisplayOrder}
	for _, o := range strings.Split(val(in.Options), ",") {
		if o = strings.TrimSpace(o); o != "" {
			f.Options = append(f.Options, o)
		}
	}
	return f, ""
}

// serveMetadataFields serves /MetadataFields and /MetadataFields/{id|name}.
func (s *Server) serveMetadataFields(c *reqCtx, seg []string) {
	m := c.r.Method
	read, write := perm{path: "/metadata/types/read/"}, perm{path: "/metadata/types/modify/"}
	sorted := func() []*MetadataField {
		var all []*MetadataField
		for _, f := range s.metadataFields {
			all = append(all, f)
		}
		sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
		return all
	}
	byName := func(name string) *MetadataField {
		for _, f := range s.metadataFields {
			if strings.EqualFold(f.Name, name) {
				return f
			}
		}
		return nil
	}
	switch {
	case len(seg) == 1 && m == http.MethodGet:
		lr, ok := c.listQuery([]string{"Id", "Name"}, []string{"Name"})
		if !ok || !c.require(read, "read metadata fields") {
			return
		}
		var found []*MetadataField
		for _, f := range sorted() {
			if matches(lr.clauses, func(string) string { return f.Name }) {
				found = append(found, f)
			}
		}
		writePage(c, lr.paging, found, func(f *MetadataField) metadataFieldIO { return f.io() })
	case len(seg) == 2 && m == http.MethodGet:
		if !c.require(read, "read metadata fields") {
			return
		}
		var f *MetadataField
		if id, err := strconv.Atoi(seg[1]); err == nil {
			f = s.metadataFields[id]
		} else {
			f = byName(seg[1])
		}
		if f == nil {
			writeError(c.w, http.StatusNotFound, codeNotFound, "The metadata field "+seg[1]+" was not found.")
			return
		}
		writeJSON(c.w, http.StatusOK, f.io())
	case len(seg) == 1 && (m == http.MethodPost || m == http.MethodPut):
		if !c.require(write, "modify metadata fields") {
			return
		}
		var in metadataFieldIO
		if !c.decode(&in) {
			return
		}
		f, problem := fieldFromIO(in)
		if problem != "" {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, problem)
			return
		}
		if m == http.MethodPost {
			if byName(f.Name) != nil {
				writeError(c.w, http.StatusBadRequest, codeBadRequest, "A metadata field named '"+f.Name+"' already exists.")
				return
			}
			s.nextFieldID++
			f.ID = s.nextFieldID
		} else {
			if in.ID == nil || s.metadataFields[*in.ID] == nil {
				writeError(c.w, http.StatusNotFound, codeNotFound, "The metadata field was not found.")
				return
			}
			if other := byName(f.Name); other != nil && other.ID != *in.ID {
				writeError(c.w, http.StatusBadRequest, codeBadRequest, "A metadata field named '"+f.Name+"' already exists.")
				return
			}
			f.ID = *in.ID
		}
		s.metadataFields[f.ID] = &f
		writeJSON(c.w, http.StatusOK, f.io())
	case len(seg) == 2 && m == http.MethodDelete:
		if !c.require(write, "modify metadata fields") {
			return
		}
		id, _ := strconv.Atoi(seg[1])
		f := s.metadataFields[id]
		if f == nil {
			writeError(c.w, http.StatusNotFound, codeNotFound, "The metadata field "+seg[1]+" was not found.")
			return
		}
		force, _ := queryBool(c.r.URL.Query().Get("force"))
		for _, cert := range s.certs {
			if _, used := cert.Metadata[f.Name]; used && !force {
				writeError(c.w, http.StatusBadRequest, codeBadRequest, "The metadata field '"+f.Name+"' is in use.")
				return
			}
		}
		delete(s.metadataFields, id)
		c.w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(c.w, "GET, POST, PUT, DELETE")
	}
}
