package keyfactortest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// The fake issues real X.509 certificates from an in-memory CA: a root
// and an intermediate ("Example Issuing CA 1"), made when the first
// certificate is issued. Enrollment (CSR and PFX), Download and Recover
// speak Keyfactor's wire format, templates that require approval hold
// requests until a test approves or denies them (the CA-manager level,
// /Workflow/Certificates), and WithRootFirstChains answers chains in the
// order some servers do.

// Template is a certificate template the fake knows. ShortName is what
// enrollment takes ("WebServer"); DisplayName what a portal shows.
type Template struct {
	ID                     int
	ShortName, DisplayName string
	KeyType                string // "RSA" (the default) or "ECC"
	KeySize                int    // 2048 by default
	RequiresApproval       bool
	ValidityDays           int // 365 by default
	AllowedEnrollmentTypes int
	ForestRoot, Oid        string
	ConfigurationTenant    string
}

// CA is a certificate authority the fake knows; enrollment names it
// "HostName\LogicalName".
type CA struct {
	ID                    int
	HostName, LogicalName string
	Standalone            bool
}

// WithRootFirstChains answers chains root first, as some servers do, so a
// client that takes the first certificate for the leaf takes the root.
func WithRootFirstChains() Option {
	return func(s *Server) { s.rootFirst = true }
}

// pki is the fake's CA hierarchy.
type pki struct {
	root, issuing       *x509.Certificate
	rootKey, issuingKey *ecdsa.PrivateKey
	serial              int64
}

// request is an enrollment request the fake holds: pending, denied or
// issued.
type request struct {
	id            int
	state         int // certificate state: 5 pending, 3 denied, 1 issued
	denialComment string
	commonName    string
	template      string
	// what to issue on approval
	csr     *x509.CertificateRequest
	key     crypto.Signer // PFX: the key the fake made
	subject string
	sans    map[string][]string
	meta    map[string]string
	owner   int
}

// AddTemplate adds or replaces a template; an ID of 0 is assigned.
func (s *Server) AddTemplate(t Template) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeTemplate(t)
}

func (s *Server) storeTemplate(t Template) int {
	if t.ID == 0 {
		t.ID = len(s.templates) + 100
		for s.templates[t.ID] != nil {
			t.ID++
		}
	}
	if t.KeyType == "" {
		t.KeyType = "RSA"
	}
	if t.KeySize == 0 && t.KeyType == "RSA" {
		t.KeySize = 2048
	}
	if t.ValidityDays == 0 {
		t.ValidityDays = 365
	}
	if t.DisplayName == "" {
		t.DisplayName = t.ShortName
	}
	s.templates[t.ID] = &t
	return t.ID
}

// AddCA adds or replaces a certificate authority; an ID of 0 is assigned.
func (s *Server) AddCA(ca CA) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ca.ID == 0 {
		ca.ID = len(s.cas) + 1
		for s.cas[ca.ID] != nil {
			ca.ID++
		}
	}
	s.cas[ca.ID] = &ca
	return ca.ID
}

// IssuingCA returns the fake's root and issuing CA certificates, for a
// client's trust pool.
func (s *Server) IssuingCA() (root, issuing *x509.Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pkiOnce()
	return p.root, p.issuing
}

// PendingRequests returns the ids (KeyfactorRequestId) of the enrollment
// requests waiting for approval, in order.
func (s *Server) PendingRequests() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int
	for id, r := range s.enrollRequests {
		if r.state == 5 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Approve issues a pending request's certificate, as a CA manager's
// approval does, and returns its id.
func (s *Server) Approve(requestID int) (certificateID int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.enrollRequests[requestID]
	if r == nil || r.state != 5 {
		return 0, fmt.Errorf("keyfactortest: request %d is not pending", requestID)
	}
	cert, err := s.issue(r)
	if err != nil {
		return 0, err
	}
	return cert.ID, nil
}

// Deny denies a pending request with comment.
func (s *Server) Deny(requestID int, comment string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.enrollRequests[requestID]
	if r == nil || r.state != 5 {
		return fmt.Errorf("keyfactortest: request %d is not pending", requestID)
	}
	r.state, r.denialComment = 3, comment
	return nil
}

// pkiOnce makes the CA hierarchy on first use. It runs under s.mu.
func (s *Server) pkiOnce() *pki {
	if s.pki != nil {
		return s.pki
	}
	p := &pki{}
	p.rootKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p.issuingKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now().Add(-time.Hour)
	root := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Example Root CA", Organization: []string{"Example"}},
		NotBefore: now, NotAfter: now.AddDate(20, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, _ := x509.CreateCertificate(rand.Reader, root, root, &p.rootKey.PublicKey, p.rootKey)
	p.root, _ = x509.ParseCertificate(der)
	issuing := &x509.Certificate{SerialNumber: big.NewInt(2),
		Subject:   pkix.Name{CommonName: "Example Issuing CA 1", Organization: []string{"Example"}},
		NotBefore: now, NotAfter: now.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, _ = x509.CreateCertificate(rand.Reader, issuing, p.root, &p.issuingKey.PublicKey, p.rootKey)
	p.issuing, _ = x509.ParseCertificate(der)
	p.serial = time.Now().UnixNano()
	s.pki = p
	return p
}

// issue makes request r's certificate and stores it. It runs under s.mu.
func (s *Server) issue(r *request) (*Certificate, error) {
	p := s.pkiOnce()
	t := s.templateByName(r.template)
	days := 365
	if t != nil {
		days = t.ValidityDays
	}
	var pub crypto.PublicKey
	var subject pkix.Name
	if r.csr != nil {
		pub, subject = r.csr.PublicKey, r.csr.Subject
	} else {
		pub = r.key.Public()
		var err error
		if subject, err = parseDN(r.subject); err != nil {
			return nil, err
		}
	}
	p.serial++
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(p.serial), Subject: subject,
		NotBefore: now.Add(-10 * time.Minute), // CAs backdate NotBefore
		NotAfter:  now.AddDate(0, 0, days), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	tmpl.DNSNames = append(tmpl.DNSNames, r.sans["dns"]...)
	for _, ip := range append(slices.Clone(r.sans["ip4"]), r.sans["ip6"]...) {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	tmpl.EmailAddresses = append(tmpl.EmailAddresses, r.sans["rfc822"]...)
	for _, u := range r.sans["uri"] {
		if parsed, err := url.Parse(u); err == nil {
			tmpl.URIs = append(tmpl.URIs, parsed)
		}
	}
	if r.csr != nil && len(tmpl.DNSNames) == 0 {
		tmpl.DNSNames = r.csr.DNSNames
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.issuing, pub, p.issuingKey)
	if err != nil {
		return nil, fmt.Errorf("the CA could not issue: %v", err)
	}
	leaf, _ := x509.ParseCertificate(der)
	sum := sha1.Sum(der)
	id := 1
	for s.certs[id] != nil {
		id++
	}
	cert := &Certificate{ID: id, Thumbprint: strings.ToUpper(hex.EncodeToString(sum[:])),
		SerialNumber: strings.ToUpper(leaf.SerialNumber.Text(16)), IssuedCN: subject.CommonName, IssuedDN: subject.String(),
		IssuerDN: p.issuing.Subject.String(), TemplateName: r.template, NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter,
		ImportDate: now, CertRequestID: r.id, HasPrivateKey: r.key != nil, Metadata: r.meta, OwnerRoleID: r.owner,
		der: der, key: r.key}
	s.certs[id] = cert
	r.state = 1
	s.record(id, "Issued", "request "+strconv.Itoa(r.id), "")
	return cert, nil
}

func (s *Server) templateByName(name string) *Template {
	for _, t := range s.templates {
		if t.ShortName == name {
			return t
		}
	}
	return nil
}

// chainPEM is a certificate's PEM, with its issuers when chain is set, in
// the order the server is set to answer with.
func (s *Server) chainDER(c *Certificate, chain bool) [][]byte {
	out := [][]byte{c.der}
	if chain {
		p := s.pkiOnce()
		out = append(out, p.issuing.Raw, p.root.Raw)
	}
	if s.rootFirst {
		slices.Reverse(out)
	}
	return out
}

func pemOf(ders [][]byte) []string {
	out := make([]string, len(ders))
	for i, d := range ders {
		out[i] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d}))
	}
	return out
}

// Wire shapes of the enrollment endpoints, from Keyfactor's models — the
// CSR answer spells KeyfactorID, the PFX answer KeyfactorId.
type enrollCommonIn struct {
	CertificateAuthority *string             `json:"CertificateAuthority"`
	IncludeChain         bool                `json:"IncludeChain"`
	IncludeSubjectHeader bool                `json:"IncludeSubjectHeader"`
	Metadata             map[string]string   `json:"Metadata"`
	OwnerRoleID          *int                `json:"OwnerRoleId"`
	OwnerRoleName        *string             `json:"OwnerRoleName"`
	Template             *string             `json:"Template"`
	SANs                 map[string][]string `json:"SANs"`
	EnrollmentPatternID  *int                `json:"EnrollmentPatternId"`
	Timestamp            *string             `json:"Timestamp"`
	AdditionalFields     map[string]any      `json:"AdditionalEnrollmentFields"`
}

type enrollCSRIn struct {
	CSR        string  `json:"CSR"`
	PrivateKey *string `json:"PrivateKey"`
	enrollCommonIn
}

type enrollPFXIn struct {
	Subject              string  `json:"Subject"`
	Password             string  `json:"Password"`
	CustomFriendlyName   *string `json:"CustomFriendlyName"`
	RenewalCertificateID *int    `json:"RenewalCertificateId"`
	KeyType              string  `json:"KeyType"`
	KeyLength            int     `json:"KeyLength"`
	Curve                string  `json:"Curve"`
	ChainOrder           *string `json:"ChainOrder"`
	Stores               []struct {
		StoreID    string         `json:"StoreId"`
		Alias      *string        `json:"Alias"`
		Overwrite  bool           `json:"Overwrite"`
		Properties map[string]any `json:"Properties"`
	} `json:"Stores"`
	InstallIntoExistingCertificateStores bool    `json:"InstallIntoExistingCertificateStores"`
	JobTime                              *string `json:"JobTime"`
	enrollCommonIn
}

type csrInfoOut struct {
	SerialNumber        string            `json:"SerialNumber"`
	IssuerDN            string            `json:"IssuerDN"`
	Thumbprint          string            `json:"Thumbprint"`
	KeyfactorID         int               `json:"KeyfactorID"`
	Certificates        []string          `json:"Certificates"`
	WorkflowInstanceID  string            `json:"WorkflowInstanceId"`
	WorkflowReferenceID int64             `json:"WorkflowReferenceId"`
	KeyfactorRequestID  int               `json:"KeyfactorRequestId"`
	RequestDisposition  string            `json:"RequestDisposition"`
	DispositionMessage  string            `json:"DispositionMessage"`
	EnrollmentContext   map[string]string `json:"EnrollmentContext"`
}

type pfxInfoOut struct {
	SerialNumber              string            `json:"SerialNumber"`
	IssuerDN                  string            `json:"IssuerDN"`
	Thumbprint                string            `json:"Thumbprint"`
	KeyfactorID               int               `json:"KeyfactorId"`
	Pkcs12Blob                *string           `json:"Pkcs12Blob"`
	Password                  *string           `json:"Password"`
	WorkflowInstanceID        string            `json:"WorkflowInstanceId"`
	WorkflowReferenceID       int64             `json:"WorkflowReferenceId"`
	StoreIdsInvalidForRenewal []string          `json:"StoreIdsInvalidForRenewal"`
	KeyfactorRequestID        int               `json:"KeyfactorRequestId"`
	RequestDisposition        string            `json:"RequestDisposition"`
	DispositionMessage        string            `json:"DispositionMessage"`
	EnrollmentContext         map[string]string `json:"EnrollmentContext"`
}

const zeroGUID = "00000000-0000-0000-0000-000000000000"

// requireFormat checks x-certificateformat against the endpoint's values.
func (c *reqCtx) requireFormat(allowed ...string) (string, bool) {
	f := c.r.Header.Get("x-certificateformat")
	for _, a := range allowed {
		if strings.EqualFold(f, a) {
			return a, true
		}
	}
	writeError(c.w, http.StatusBadRequest, codeBadRequest,
		fmt.Sprintf("The x-certificateformat header is required and must be one of %s; got %q.", strings.Join(allowed, ", "), f))
	return "", false
}

// policy resolves an enrollment's template and CA. It runs under s.mu.
func (s *Server) policy(c *reqCtx, in enrollCommonIn) (*Template, bool) {
	var t *Template
	switch {
	case in.Template != nil && in.EnrollmentPatternID != nil:
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "Provide either Template or EnrollmentPatternId, not both.")
		return nil, false
	case in.EnrollmentPatternID != nil:
		t = s.templates[*in.EnrollmentPatternID] // the fake's patterns are its templates, by id
	case in.Template != nil:
		t = s.templateByName(*in.Template)
	default:
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "A Template or EnrollmentPatternId is required.")
		return nil, false
	}
	if t == nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The template or enrollment pattern was not found.")
		return nil, false
	}
	if in.CertificateAuthority != nil && *in.CertificateAuthority != "" {
		known := false
		for _, ca := range s.cas {
			known = known || ca.HostName+`\`+ca.LogicalName == *in.CertificateAuthority
		}
		if !known {
			writeError(c.w, http.StatusBadRequest, codeBadRequest,
				fmt.Sprintf("The certificate authority '%s' was not found.", *in.CertificateAuthority))
			return nil, false
		}
	}
	return t, true
}

// newRequest stores an enrollment request. It runs under s.mu.
func (s *Server) newRequest(r *request) *request {
	s.nextRequestID++
	r.id = s.nextRequestID
	r.state = 5
	s.enrollRequests[r.id] = r
	return r
}

// enrollCSR serves POST /Enrollment/CSR (v1).
func (s *Server) enrollCSR(c *reqCtx) {
	format, ok := c.requireFormat("PEM", "DER")
	if !ok || !c.require(perm{path: "/certificates/enrollment/csr/"}, "enroll certificates from CSRs") {
		return
	}
	var in enrollCSRIn
	if !c.decode(&in) {
		return
	}
	block, _ := pem.Decode([]byte(in.CSR))
	der := []byte(nil)
	if block != nil {
		der = block.Bytes
	} else {
		der, _ = base64.StdEncoding.DecodeString(in.CSR)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil || csr.CheckSignature() != nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The CSR is not valid.")
		return
	}
	t, owner, ok := s.enrollTerms(c, in.enrollCommonIn)
	if !ok {
		return
	}
	r := s.newRequest(&request{commonName: csr.Subject.CommonName, template: t.ShortName, csr: csr, sans: in.SANs,
		meta: in.Metadata, owner: owner})
	out := csrInfoOut{WorkflowInstanceID: zeroGUID, KeyfactorRequestID: r.id, Certificates: []string{},
		EnrollmentContext: map[string]string{}}
	if t.RequiresApproval {
		out.RequestDisposition, out.DispositionMessage = "PENDING", "The request requires approval by a certificate manager."
		writeJSON(c.w, http.StatusOK, map[string]any{"CertificateInformation": out, "Metadata": map[string]string{}})
		return
	}
	cert, err := s.issue(r)
	if err != nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	out.SerialNumber, out.IssuerDN, out.Thumbprint, out.KeyfactorID = cert.SerialNumber, cert.IssuerDN, cert.Thumbprint, cert.ID
	out.RequestDisposition, out.DispositionMessage = "ISSUED", "The certificate was issued."
	ders := s.chainDER(cert, in.IncludeChain)
	if format == "DER" {
		for _, d := range ders {
			out.Certificates = append(out.Certificates, base64.StdEncoding.EncodeToString(d))
		}
	} else {
		out.Certificates = pemOf(ders)
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"CertificateInformation": out, "Metadata": cert.Metadata})
}

// enrollTerms resolves what an enrollment is issued under (its template)
// and to (its owner role, 0 for none), or answers the refusal.
func (s *Server) enrollTerms(c *reqCtx, in enrollCommonIn) (*Template, int, bool) {
	t, ok := s.policy(c, in)
	if !ok {
		return nil, 0, false
	}
	owner, ok := s.enrollmentOwner(c, in)
	return t, owner, ok
}

// enrollmentOwner resolves OwnerRoleId / OwnerRoleName (0: none).
func (s *Server) enrollmentOwner(c *reqCtx, in enrollCommonIn) (int, bool) {
	switch {
	case in.OwnerRoleID != nil && in.OwnerRoleName != nil:
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "Provide either OwnerRoleId or OwnerRoleName, not both.")
		return 0, false
	case in.OwnerRoleID != nil:
		if s.roles[*in.OwnerRoleID] == nil {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("Security role with Id %d was not found.", *in.OwnerRoleID))
			return 0, false
		}
		return *in.OwnerRoleID, true
	case in.OwnerRoleName != nil:
		r := s.roleByName(*in.OwnerRoleName)
		if r == nil {
			writeError(c.w, http.StatusBadRequest, codeBadRequest, fmt.Sprintf("Security role '%s' was not found.", *in.OwnerRoleName))
			return 0, false
		}
		return r.ID, true
	}
	return 0, true
}

// enrollPFX serves POST /Enrollment/PFX (v2, with store delivery).
func (s *Server) enrollPFX(c *reqCtx) {
	if c.version != 2 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The fake serves PFX enrollment as API v2 only.")
		return
	}
	if _, ok := c.requireFormat("PFX"); !ok || !c.require(perm{path: "/certificates/enrollment/pfx/"}, "enroll PFX certificates") {
		return
	}
	var in enrollPFXIn
	if !c.decode(&in) {
		return
	}
	if in.RenewalCertificateID != nil && *in.RenewalCertificateID == 0 {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "RenewalCertificateId must be null when the certificate is not being renewed.")
		return
	}
	if in.Password == "" {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "A Password is required to protect the PFX.")
		return
	}
	subject, err := parseDN(in.Subject)
	if err != nil || subject.CommonName == "" {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The Subject is not a valid distinguished name.")
		return
	}
	t, owner, ok := s.enrollTerms(c, in.enrollCommonIn)
	if !ok {
		return
	}
	key, err := newKey(cmpOr(in.KeyType, t.KeyType), cmpInt(in.KeyLength, t.KeySize), in.Curve)
	if err != nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	r := s.newRequest(&request{commonName: subject.CommonName, template: t.ShortName, key: key, subject: in.Subject,
		sans: in.SANs, meta: in.Metadata, owner: owner})
	out := pfxInfoOut{WorkflowInstanceID: zeroGUID, KeyfactorRequestID: r.id, StoreIdsInvalidForRenewal: []string{},
		EnrollmentContext: map[string]string{}}
	stores := []string{}
	for _, st := range in.Stores {
		stores = append(stores, st.StoreID)
	}
	if t.RequiresApproval {
		out.RequestDisposition, out.DispositionMessage = "PENDING", "The request requires approval by a certificate manager."
		writeJSON(c.w, http.StatusOK, map[string]any{"SuccessfulStores": stores, "CertificateInformation": out, "Metadata": map[string]string{}})
		return
	}
	cert, err := s.issue(r)
	if err != nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, err.Error())
		return
	}
	blob, err := s.pfxOf(cert, in.IncludeChain, in.Password)
	if err != nil {
		writeError(c.w, http.StatusInternalServerError, codeBadRequest, err.Error())
		return
	}
	out.SerialNumber, out.IssuerDN, out.Thumbprint, out.KeyfactorID = cert.SerialNumber, cert.IssuerDN, cert.Thumbprint, cert.ID
	out.RequestDisposition, out.DispositionMessage, out.Pkcs12Blob = "ISSUED", "The certificate was issued.", &blob
	writeJSON(c.w, http.StatusOK, map[string]any{"SuccessfulStores": stores, "CertificateInformation": out, "Metadata": cert.Metadata})
}

// pfxOf is a certificate and its key as a base64 PKCS#12 archive under
// password (modern AES encryption).
func (s *Server) pfxOf(c *Certificate, chain bool, password string) (string, error) {
	leaf, _ := x509.ParseCertificate(c.der)
	var cas []*x509.Certificate
	for _, d := range s.chainDER(c, chain) {
		if cert, _ := x509.ParseCertificate(d); cert != nil && !cert.Equal(leaf) {
			cas = append(cas, cert)
		}
	}
	der, err := pkcs12.Modern.Encode(c.key, leaf, cas, password)
	if err != nil {
		return "", fmt.Errorf("the PFX could not be made: %v", err)
	}
	return base64.StdEncoding.EncodeToString(der), nil
}

// newKey makes the key a PFX enrollment asks for; a refusal comes as
// Keyfactor's message.
func newKey(keyType string, length int, curve string) (crypto.Signer, error) {
	switch strings.ToUpper(keyType) {
	case "RSA":
		if length < 2048 {
			return nil, refusal(fmt.Sprintf("RSA keys of %d bits are not allowed by the template.", length))
		}
		return rsa.GenerateKey(rand.Reader, length)
	case "ECC":
		c := elliptic.P256()
		switch {
		case curve == "P-384" || curve == "1.3.132.0.34" || length == 384:
			c = elliptic.P384()
		case curve == "P-521" || curve == "1.3.132.0.35" || length == 521:
			c = elliptic.P521()
		}
		return ecdsa.GenerateKey(c, rand.Reader)
	}
	return nil, refusal(fmt.Sprintf("The key type '%s' is not supported.", keyType))
}

// refusal is an error whose text is a message for the client, as
// Keyfactor words it.
type refusal string

func (r refusal) Error() string { return string(r) }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func cmpInt(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// parseDN reads "CN=x,O=y" into a pkix.Name (the attributes the fake
// knows; others are kept as extra names by OID when dotted).
func parseDN(dn string) (pkix.Name, error) {
	var n pkix.Name
	for _, part := range strings.Split(dn, ",") {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.ToUpper(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return n, fmt.Errorf("'%s' is not a distinguished name", dn)
		}
		switch k {
		case "CN":
			n.CommonName = v
		case "O":
			n.Organization = append(n.Organization, v)
		case "OU":
			n.OrganizationalUnit = append(n.OrganizationalUnit, v)
		case "L":
			n.Locality = append(n.Locality, v)
		case "ST", "S":
			n.Province = append(n.Province, v)
		case "C":
			n.Country = append(n.Country, v)
		case "E", "EMAIL":
			n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, Value: v})
		}
	}
	return n, nil
}

// downloadIn and recoverIn are the bodies of /Certificates/Download and
// /Certificates/Recover: CertID, with ID in capitals.
type downloadIn struct {
	CertID               *int    `json:"CertID"`
	SerialNumber         *string `json:"SerialNumber"`
	IssuerDN             *string `json:"IssuerDN"`
	Thumbprint           *string `json:"Thumbprint"`
	IncludeChain         bool    `json:"IncludeChain"`
	IncludeSubjectHeader bool    `json:"IncludeSubjectHeader"`
	FriendlyName         *string `json:"FriendlyName"`
	ChainOrder           *string `json:"ChainOrder"`
}

type recoverIn struct {
	Password            string  `json:"Password"`
	UseLegacyEncryption *bool   `json:"UseLegacyEncryption"`
	MicrosoftTargetCSP  *string `json:"MicrosoftTargetCSP"`
	downloadIn
}

// retrieved finds the certificate a Download or Recover names. It runs
// under s.mu.
func (s *Server) retrieved(c *reqCtx, in downloadIn) *Certificate {
	q, problem := strictQuery(c.r, "collectionId", "containerId")
	if problem != "" {
		writeError(c.w, http.StatusBadRequest, codeBadQuery, problem)
		return nil
	}
	collection, _ := queryInt(q("collectionId"))
	if !c.readCert(collection) {
		return nil
	}
	var cert *Certificate
	switch {
	case in.CertID != nil:
		cert = s.certs[*in.CertID]
	case in.Thumbprint != nil:
		for _, x := range s.certs {
			if strings.EqualFold(x.Thumbprint, *in.Thumbprint) {
				cert = x
			}
		}
	default:
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "A certificate ID, thumbprint, or serial number and issuer DN is required.")
		return nil
	}
	if cert == nil || cert.der == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, "Unable to locate the requested certificate.")
		return nil
	}
	return cert
}

// downloadCertificate serves POST /Certificates/Download.
func (s *Server) downloadCertificate(c *reqCtx) {
	format, ok := c.requireFormat("DER", "PEM", "P7B")
	if !ok {
		return
	}
	var in downloadIn
	if !c.decode(&in) {
		return
	}
	cert := s.retrieved(c, in)
	if cert == nil {
		return
	}
	ders := s.chainDER(cert, in.IncludeChain)
	var content []byte
	switch format {
	case "DER":
		content = cert.der
	case "PEM":
		content = []byte(strings.Join(pemOf(ders), ""))
	default:
		content = p7b(ders)
	}
	writeJSON(c.w, http.StatusOK, map[string]string{"Content": base64.StdEncoding.EncodeToString(content)})
}

// recoverCertificate serves POST /Certificates/Recover.
func (s *Server) recoverCertificate(c *reqCtx) {
	if _, ok := c.requireFormat("PFX"); !ok {
		return
	}
	var in recoverIn
	if !c.decode(&in) {
		return
	}
	if in.Password == "" {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "A Password is required.")
		return
	}
	cert := s.retrieved(c, in.downloadIn)
	if cert == nil {
		return
	}
	if cert.key == nil {
		writeError(c.w, http.StatusBadRequest, codeBadRequest, "The certificate's private key is not available for recovery.")
		return
	}
	blob, err := s.pfxOf(cert, in.IncludeChain, in.Password)
	if err != nil {
		writeError(c.w, http.StatusInternalServerError, codeBadRequest, err.Error())
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"PFX": blob, "FileName": cert.IssuedCN + ".pfx"})
}

// p7b wraps certificates in a PKCS#7 SignedData with no signers, as a P7B
// file does.
func p7b(ders [][]byte) []byte {
	type contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
	}
	type signedData struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		ContentInfo      contentInfo
		Certificates     asn1.RawValue `asn1:"tag:0"`
		SignerInfos      asn1.RawValue
	}
	var certs []byte
	for _, d := range ders {
		certs = append(certs, d...)
	}
	emptySet := asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true}
	sd, _ := asn1.Marshal(signedData{Version: 1, DigestAlgorithms: emptySet,
		ContentInfo:  contentInfo{ContentType: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}},
		Certificates: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certs},
		SignerInfos:  emptySet})
	// The outer ContentInfo's [0] EXPLICIT content, written by hand:
	// encoding/asn1 does not wrap a RawValue that carries its own bytes.
	out, _ := asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sd}})
	return out
}

// templateOut is a template as GET /Templates answers: KeySize a string.
type templateOut struct {
	ID                     int     `json:"Id"`
	CommonName             string  `json:"CommonName"`
	TemplateName           string  `json:"TemplateName"`
	Oid                    string  `json:"Oid"`
	KeySize                *string `json:"KeySize"`
	KeyType                string  `json:"KeyType"`
	ForestRoot             string  `json:"ForestRoot"`
	ConfigurationTenant    string  `json:"ConfigurationTenant"`
	FriendlyName           string  `json:"FriendlyName"`
	DisplayName            string  `json:"DisplayName"`
	RequiresApproval       bool    `json:"RequiresApproval"`
	AllowedEnrollmentTypes int     `json:"AllowedEnrollmentTypes"`
	KeyRetention           string  `json:"KeyRetention"`
	KeyArchival            bool    `json:"KeyArchival"`
}

func (t *Template) out() templateOut {
	o := templateOut{ID: t.ID, CommonName: t.ShortName, TemplateName: t.DisplayName, Oid: t.Oid, KeyType: t.KeyType,
		ForestRoot: t.ForestRoot, ConfigurationTenant: t.ConfigurationTenant, FriendlyName: t.DisplayName, DisplayName: t.DisplayName,
		RequiresApproval: t.RequiresApproval, AllowedEnrollmentTypes: t.AllowedEnrollmentTypes, KeyRetention: "None"}
	if t.KeySize > 0 {
		size := strconv.Itoa(t.KeySize)
		o.KeySize = &size
	}
	return o
}

type caOut struct {
	ID                     int    `json:"Id"`
	LogicalName            string `json:"LogicalName"`
	HostName               string `json:"HostName"`
	ForestRoot             string `json:"ForestRoot"`
	ConfigurationTenant    string `json:"ConfigurationTenant"`
	Standalone             bool   `json:"Standalone"`
	AllowedEnrollmentTypes int    `json:"AllowedEnrollmentTypes"`
	UseForEnrollment       bool   `json:"UseForEnrollment"`
}

// serveEnrollment routes /Templates, /CertificateAuthority, /Enrollment/*,
// /Certificates/Download|Recover and /Workflow/Certificates/{id}. It
// reports whether it served the request.
func (s *Server) serveEnrollment(c *reqCtx, seg []string) bool {
	m := c.r.Method
	is := func(i int, name string) bool { return len(seg) > i && strings.EqualFold(seg[i], name) }
	switch {
	case len(seg) == 1 && is(0, "Templates") && m == http.MethodGet:
		lr, ok := c.listQuery([]string{"Id", "CommonName"}, []string{"CommonName", "DisplayName"})
		if !ok || !c.require(perm{path: "/certificate_templates/read/"}, "read certificate templates") {
			return true
		}
		var all []*Template
		for _, t := range s.templates {
			if matches(lr.clauses, func(f string) string {
				if f == "CommonName" {
					return t.ShortName
				}
				return t.DisplayName
			}) {
				all = append(all, t)
			}
		}
		slices.SortFunc(all, func(a, b *Template) int { return a.ID - b.ID })
		writePage(c, lr.paging, all, func(t *Template) templateOut { return t.out() })
	case len(seg) == 2 && is(0, "Templates") && m == http.MethodGet:
		id, err := strconv.Atoi(seg[1])
		if !c.require(perm{path: "/certificate_templates/read/"}, "read certificate templates") {
			return true
		}
		if t := s.templates[id]; err == nil && t != nil {
			writeJSON(c.w, http.StatusOK, t.out())
		} else {
			writeError(c.w, http.StatusNotFound, codeNotFound, "Template with Id "+seg[1]+" was not found.")
		}
	case len(seg) == 1 && is(0, "CertificateAuthority") && m == http.MethodGet:
		lr, ok := c.listQuery([]string{"Id"}, []string{"LogicalName", "HostName"})
		if !ok || !c.require(perm{path: "/certificate_authorities/read/"}, "read certificate authorities") {
			return true
		}
		var all []*CA
		for _, ca := range s.cas {
			all = append(all, ca)
		}
		slices.SortFunc(all, func(a, b *CA) int { return a.ID - b.ID })
		writePage(c, lr.paging, all, func(ca *CA) caOut {
			return caOut{ID: ca.ID, LogicalName: ca.LogicalName, HostName: ca.HostName, Standalone: ca.Standalone,
				AllowedEnrollmentTypes: 3, UseForEnrollment: true}
		})
	case len(seg) == 4 && is(0, "Enrollment") && is(2, "Context") && is(3, "My") && m == http.MethodGet:
		s.enrollmentContext(c)
	case len(seg) == 2 && is(0, "Enrollment") && is(1, "CSR") && m == http.MethodPost:
		s.enrollCSR(c)
	case len(seg) == 2 && is(0, "Enrollment") && is(1, "PFX") && m == http.MethodPost:
		s.enrollPFX(c)
	case len(seg) == 2 && is(0, "Certificates") && is(1, "Download") && m == http.MethodPost:
		s.downloadCertificate(c)
	case len(seg) == 2 && is(0, "Certificates") && is(1, "Recover") && m == http.MethodPost:
		s.recoverCertificate(c)
	case len(seg) == 3 && is(0, "Workflow") && is(1, "Certificates") && m == http.MethodGet:
		s.workflowCertificate(c, seg[2])
	default:
		return false
	}
	return true
}

// enrollmentContext serves GET /Enrollment/{CSR,PFX}/Context/My: every
// template, with every CA.
func (s *Server) enrollmentContext(c *reqCtx) {
	type named struct {
		ID   int    `json:"Id"`
		Name string `json:"Name"`
	}
	type tmpl struct {
		ID               int     `json:"Id"`
		Name             string  `json:"Name"`
		DisplayName      string  `json:"DisplayName"`
		RequiresApproval bool    `json:"RequiresApproval"`
		KeyType          string  `json:"KeyType"`
		KeySize          *string `json:"KeySize"`
		CAs              []named `json:"CAs"`
		MetadataFields   []named `json:"MetadataFields"`
	}
	var cas []named
	var standalone []named
	for _, ca := range s.cas {
		if ca.Standalone {
			standalone = append(standalone, named{ca.ID, ca.HostName + `\` + ca.LogicalName})
		} else {
			cas = append(cas, named{ca.ID, ca.HostName + `\` + ca.LogicalName})
		}
	}
	out := struct {
		Templates     []tmpl  `json:"Templates"`
		StandaloneCAs []named `json:"StandaloneCAs"`
	}{Templates: []tmpl{}, StandaloneCAs: append([]named{}, standalone...)}
	var ids []int
	for id := range s.templates {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		t := s.templates[id]
		o := t.out()
		out.Templates = append(out.Templates, tmpl{ID: t.ID, Name: t.ShortName, DisplayName: t.DisplayName,
			RequiresApproval: t.RequiresApproval, KeyType: t.KeyType, KeySize: o.KeySize, CAs: append([]named{}, cas...),
			MetadataFields: []named{}})
	}
	writeJSON(c.w, http.StatusOK, out)
}

// workflowCertificate serves GET /Workflow/Certificates/{id}: a request in
// any state.
func (s *Server) workflowCertificate(c *reqCtx, idText string) {
	id, _ := strconv.Atoi(idText)
	r := s.enrollRequests[id]
	if r == nil {
		writeError(c.w, http.StatusNotFound, codeNotFound, "Certificate request with Id "+idText+" was not found.")
		return
	}
	names := map[int]string{1: "Active", 3: "Denied", 5: "Pending"}
	var comment *string
	if r.denialComment != "" {
		comment = &r.denialComment
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"Id": r.id, "CARequestId": strconv.Itoa(r.id), "CommonName": r.commonName,
		"State": r.state, "StateString": names[r.state], "Template": r.template, "DenialComment": comment})
}
