package keyfactor

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// EnrollmentService issues certificates: from a CSR whose key the caller
// keeps, or as a PFX whose key Command makes (API v1 /Enrollment/CSR, v2
// /Enrollment/PFX). Reach it as Client.Enrollment.
//
// An enrollment is never sent twice: its POST may issue a certificate
// although the answer is lost, and a re-sent one would issue a second.
// After an answer that may have landed, CSR finds the certificate it issued
// by the CSR's public key, and PFX adopts the one certificate of its
// subject and template imported since the call began; see CSR and PFX.
type EnrollmentService struct{ c *Client }

// EnrollmentPolicy is what Command issues under: exactly one of Template
// (the template's short name) and EnrollmentPatternID (Command 25.1+).
type EnrollmentPolicy struct {
	Template            string
	EnrollmentPatternID int
	// CertificateAuthority is "host\logical" (CertificateAuthority.Name);
	// optional with a pattern, which lets Command choose.
	CertificateAuthority string
}

// SANs are the subject alternative names an enrollment asks for, each of
// its kind: DNS names, IP addresses, email addresses and absolute URIs.
type SANs struct {
	DNS, IP, Email, URI []string
}

// EnrollCSRRequest enrolls a PKCS#10 request whose key the caller keeps.
type EnrollCSRRequest struct {
	// CSR is the request, PEM or DER; it is parsed and its signature
	// checked before anything is sent.
	CSR []byte
	EnrollmentPolicy
	SANs     SANs
	Metadata map[string]string
	// OwnerRoleID or OwnerRoleName (not both) names the certificate's
	// owner role.
	OwnerRoleID   *int
	OwnerRoleName *string
	// IncludeChain asks for the issuers with the leaf.
	IncludeChain bool
}

// EnrollPFXRequest enrolls a certificate whose key Command makes, returned
// as a PKCS#12 archive (POST /Enrollment/PFX, API v2, which also delivers
// into certificate stores).
type EnrollPFXRequest struct {
	// Subject is the distinguished name, "CN=web01.example.com,O=Example".
	Subject string
	EnrollmentPolicy
	SANs          SANs
	Metadata      map[string]string
	OwnerRoleID   *int
	OwnerRoleName *string
	// KeyType is "RSA" or "ECC"; empty leaves it to the template. RSA
	// takes KeyLength (2048 or more); ECC takes Curve ("P-256", "P-384",
	// "P-521" or its OID) or KeyLength (256, 384, 521), or neither.
	KeyType   string
	KeyLength int
	Curve     string
	// Password protects the PKCS#12 archive on the wire; empty makes a
	// fresh random one. It never appears in fmt, slog or JSON output, an
	// error or a log line.
	Password     string
	IncludeChain bool
	// Stores delivers the certificate into certificate stores (v2).
	Stores []StoreDelivery
	// RenewalCertificateID is the certificate this enrollment renews; 0
	// is none (sent as null: Command refuses 0).
	RenewalCertificateID int
}

// StoreDelivery is a certificate store a PFX enrollment delivers into.
type StoreDelivery struct {
	StoreID    string // the store's GUID
	Alias      string
	Overwrite  bool
	Properties map[string]string
}

func (r EnrollPFXRequest) safeFields() []safeField {
	return []safeField{{name: "Subject", value: r.Subject}, {name: "EnrollmentPolicy", value: r.EnrollmentPolicy},
		{name: "SANs", value: r.SANs}, {name: "KeyType", value: r.KeyType}, {name: "KeyLength", value: r.KeyLength},
		{name: "Curve", value: r.Curve}, {name: "Password", value: r.Password, secret: true},
		{name: "IncludeChain", value: r.IncludeChain}, {name: "Stores", value: len(r.Stores)},
		{name: "RenewalCertificateID", value: r.RenewalCertificateID}}
}

// Format prints the request with its Password redacted, for every verb.
func (r EnrollPFXRequest) Format(f fmt.State, verb rune) {
	formatSafe(f, verb, "EnrollPFXRequest", r.safeFields())
}

// LogValue is what slog records: the request without its Password.
func (r EnrollPFXRequest) LogValue() slog.Value { return logSafe(r.safeFields()) }

// MarshalJSON writes the request without its Password.
func (r EnrollPFXRequest) MarshalJSON() ([]byte, error) { return jsonSafe(r.safeFields()) }

// EnrollmentStatus is where an enrollment stands.
type EnrollmentStatus string

// The statuses of an Enrollment.
const (
	EnrollmentIssued  EnrollmentStatus = "issued"
	EnrollmentPending EnrollmentStatus = "pending" // approval required: see Wait
	EnrollmentDenied  EnrollmentStatus = "denied"
)

// Enrollment is the outcome of an enrollment: issued, with its bundle, or
// pending approval, with the ids Wait follows. A denial is an error
// matching ErrDenied.
type Enrollment struct {
	Status  EnrollmentStatus
	Message string // Command's DispositionMessage
	// CertificateID is the issued certificate's id (0 while pending);
	// RequestID is Command's certificate-request id (the issued
	// certificate's CertRequestId).
	CertificateID, RequestID int
	// WorkflowInstanceID is the Command workflow holding a pending request;
	// "" when a CA manager's approval holds it instead.
	WorkflowInstanceID                 string
	SerialNumber, IssuerDN, Thumbprint string
	Bundle                             *CertificateBundle // set when issued
	SuccessfulStores                   []string           // PFX: the stores a delivery job was scheduled for
	// Recovered says the answer was lost and the certificate was found on
	// the server instead (by the CSR's key, or a PFX's subject, template
	// and import time); nothing was sent twice.
	Recovered bool

	pfx bool // the key is the server's: Wait recovers it
}

// Timing of enrollment recovery and waiting.
const (
	// clockSkew widens the import window a lost enrollment is searched in:
	// the server's clock may lag the caller's.
	clockSkew = 5 * time.Minute
)

// CSR enrolls a PKCS#10 request (POST /Enrollment/CSR, API v1, format
// PEM). It returns an issued Enrollment with the certificate (and, with
// IncludeChain, its issuers) parsed, or a pending one (approval required;
// see Wait) with no error. A request denied at submission is an error
// matching ErrDenied carrying the server's message.
//
// Everything checkable is checked first, and a *ValidationError names
// every bad field with nothing sent: the CSR parses and its signature
// verifies, SANs are of their kind, exactly one of Template and
// EnrollmentPatternID, owner by id or by name.
//
// The POST is never sent twice. When its answer is lost (the error would
// match ErrOutcomeUnknown), CSR lists the certificates of the CSR's common
// name imported since the call began (less five minutes of clock skew)
// and adopts the one whose public key is the CSR's: the match is exact.
// It comes back with Recovered set. When none or several match, the error
// matches ErrOutcomeUnknown and names every candidate. A CSR with no CN
// (SANs only, as cert-manager sends) enrolls, but after a lost answer
// there is nothing to search by: the error matches ErrOutcomeUnknown.
func (s *EnrollmentService) CSR(ctx context.Context, req EnrollCSRRequest) (*Enrollment, error) {
	const op = "Enrollment.CSR"
	v := newValidator(op)
	csr := parseCSR(v, req.CSR)
	if csr != nil && strings.TrimSpace(csr.Subject.CommonName) == "" && !namesSAN(csr) &&
		len(req.SANs.DNS)+len(req.SANs.IP)+len(req.SANs.Email)+len(req.SANs.URI) == 0 {
		v.add("CSR", "names neither a common name (CN) nor a subject alternative name, and SANs adds none: the certificate would name nothing")
	}
	req.EnrollmentPolicy.check(v)
	req.SANs.check(v)
	checkOwnerRef(v, req.OwnerRoleID, req.OwnerRoleName)
	if err := v.err(); err != nil {
		return nil, err
	}
	since := s.c.now()
	body := enrollCSRWire{CSR: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr.Raw})),
		enrollmentCommon: newEnrollmentCommon(req.EnrollmentPolicy, req.SANs, req.Metadata, req.OwnerRoleID, req.OwnerRoleName,
			req.IncludeChain, since)}
	var ans csrAnswer
	err := s.c.do(ctx, call{method: http.MethodPost, path: "Enrollment/CSR", version: v1, format: "PEM", body: body}, &ans)
	if errors.Is(err, ErrOutcomeUnknown) && ctx.Err() == nil {
		return s.findCSR(ctx, op, err, csr, since, req.IncludeChain)
	}
	if err != nil {
		return nil, err
	}
	info := ans.CertificateInformation
	e, err := info.enrollment(op, info.KeyfactorID)
	if err != nil || e.Status != EnrollmentIssued {
		return e, err
	}
	n := 0
	for _, c := range info.Certificates {
		n += len(c) + 1
	}
	pemText := make([]byte, 0, n)
	for _, c := range info.Certificates {
		pemText = append(pemText, c...)
		pemText = append(pemText, '\n')
	}
	if e.Bundle, err = parseBundle(pemText, nil); err != nil {
		return e, errorf("%s: certificate %d: %w", op, e.CertificateID, err)
	}
	return e, nil
}

// PFX enrolls a certificate whose key Command makes (POST /Enrollment/PFX,
// API v2, format PFX) and returns it with its key, parsed from the PKCS#12
// archive, or pending approval (see Wait; it then recovers the key). Store
// delivery (Stores) schedules jobs; SuccessfulStores names them.
//
// It is checked as CSR is, and also: the subject DN parses, and the key
// type is one Command can issue (RSA of 2048 bits or more; ECC by curve or
// length). The POST is never sent twice: after a lost answer PFX adopts
// exactly one certificate with the same subject and template imported
// since the call began, and recovers its key (POST /Certificates/Recover);
// none or several is an error matching ErrOutcomeUnknown naming each.
func (s *EnrollmentService) PFX(ctx context.Context, req EnrollPFXRequest) (*Enrollment, error) {
	const op = "Enrollment.PFX"
	v := newValidator(op)
	cn := checkDN(v, "Subject", req.Subject)
	req.EnrollmentPolicy.check(v)
	req.SANs.check(v)
	checkOwnerRef(v, req.OwnerRoleID, req.OwnerRoleName)
	checkKeySpec(v, req.KeyType, req.KeyLength, req.Curve)
	v.notNegative("RenewalCertificateID", req.RenewalCertificateID)
	for i, st := range req.Stores {
		checkGUID(v, "Stores["+strconv.Itoa(i)+"].StoreID", st.StoreID)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	password := req.Password
	if password == "" {
		password = newPassword()
	}
	since := s.c.now()
	body := enrollPFXWire{Subject: req.Subject, Password: password, KeyType: req.KeyType, KeyLength: req.KeyLength,
		Curve: req.Curve, enrollmentCommon: newEnrollmentCommon(req.EnrollmentPolicy, req.SANs, req.Metadata, req.OwnerRoleID,
			req.OwnerRoleName, req.IncludeChain, since)}
	if req.RenewalCertificateID > 0 {
		body.RenewalCertificateID = &req.RenewalCertificateID
	}
	for _, st := range req.Stores {
		body.Stores = append(body.Stores, storeDeliveryWire(st))
	}
	var ans pfxAnswer
	err := s.c.do(ctx, call{method: http.MethodPost, path: "Enrollment/PFX", version: v2, format: "PFX", body: body,
		secrets: []string{password}, keyMaterial: true}, &ans)
	if errors.Is(err, ErrOutcomeUnknown) && ctx.Err() == nil {
		return s.findPFX(ctx, op, err, cn, req, since)
	}
	if err != nil {
		return nil, err
	}
	info := ans.CertificateInformation
	e, err := info.enrollment(op, info.KeyfactorID)
	if e != nil {
		e.pfx, e.SuccessfulStores = true, ans.SuccessfulStores
	}
	if err != nil || e.Status != EnrollmentIssued {
		return e, err
	}
	archive, derr := base64.StdEncoding.DecodeString(info.Pkcs12Blob)
	if derr != nil || len(archive) == 0 {
		// No archive with the certificate (a server delivering to stores
		// only, say): the key is recovered instead.
		b, rerr := s.c.Certificates.recover(ctx, e.CertificateID, RecoverOptions{IncludeChain: req.IncludeChain})
		if rerr != nil {
			return e, errorf("%s: certificate %d was issued, but its key could not be recovered: %w", op, e.CertificateID, rerr)
		}
		e.Bundle = b
		return e, nil
	}
	if e.Bundle, err = parsePKCS12(archive, password); err != nil {
		return e, errorf("%s: certificate %d: %w", op, e.CertificateID, err)
	}
	return e, nil
}

// Wait turns a pending enrollment into an issued one: it polls, with the
// Client's retry waits (RetryPolicy.MinWait doubling to MaxWait), the
// approval that holds it — the Command workflow instance
// (WorkflowInstanceID) or the CA manager's (/Workflow/Certificates/{id}) —
// until the certificate exists, the request is denied (an error matching
// ErrDenied, with the denial comment when the server gives one) or fails
// (an error with the server's message that does not match ErrDenied), or
// ctx ends. The issued certificate is found by its request id; a PFX
// enrollment's key is recovered with a one-time password. An issued
// enrollment comes back as it is.
func (s *EnrollmentService) Wait(ctx context.Context, e *Enrollment) (*Enrollment, error) {
	const op = "Enrollment.Wait"
	switch {
	case e == nil:
		return nil, &ValidationError{Op: op, Fields: []FieldError{{Field: "e", Problem: "must not be nil"}}}
	case e.Status == EnrollmentIssued:
		return e, nil
	case e.Status == EnrollmentDenied:
		return e, errorf("%s: request %d was denied: %s: %w", op, e.RequestID, e.Message, ErrDenied)
	case e.RequestID <= 0 && noWorkflow(e.WorkflowInstanceID):
		return nil, &ValidationError{Op: op, Fields: []FieldError{{Field: "e.RequestID",
			Problem: "a pending enrollment names its request id or workflow instance; this one names neither"}}}
	}
	retry := s.c.retry
	wait := retry.MinWait
	for {
		done, out, err := s.poll(ctx, op, e)
		if done {
			return out, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return e, errorf("%s: request %d is still pending: %w", op, e.RequestID, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, retry.MaxWait)
	}
}

// poll looks once at what holds e: done reports an outcome.
func (s *EnrollmentService) poll(ctx context.Context, op string, e *Enrollment) (done bool, out *Enrollment, err error) {
	if !noWorkflow(e.WorkflowInstanceID) {
		var inst workflowInstance
		err := s.c.do(ctx, call{method: http.MethodGet, path: "Workflow/Instances/" + url.PathEscape(e.WorkflowInstanceID), version: v1}, &inst)
		switch {
		case errors.Is(err, ErrForbidden):
			// The caller may not read workflow instances: the certificate,
			// once it exists, still tells.
			inst.Status = "complete"
		case err != nil:
			return true, e, err
		}
		switch strings.ToLower(string(inst.Status)) {
		case "rejected":
			return true, e, errorf("%s: workflow %s rejected request %d: %s: %w", op, e.WorkflowInstanceID, e.RequestID, inst.StatusMessage, ErrDenied)
		case "failed", "canceledforrestart":
			return true, e, errorf("%s: workflow %s ended %s without a certificate: %s", op, e.WorkflowInstanceID, inst.Status, inst.StatusMessage)
		case "complete":
		default:
			return false, nil, nil // running, suspended, or a number the SDK cannot name: no verdict
		}
	} else {
		var req workflowCertificate
		err := s.c.do(ctx, call{method: http.MethodGet, path: "Workflow/Certificates/" + strconv.Itoa(e.RequestID), version: v1}, &req)
		switch {
		case errors.Is(err, ErrNotFound): // no longer a request: look for the certificate
		case errors.Is(err, ErrForbidden): // the caller may not read requests (Alerts - Read): look for the certificate
		case err != nil:
			return true, e, err
		case req.State == certStateDenied:
			return true, e, errorf("%s: request %d was denied: %s: %w", op, e.RequestID, req.DenialComment, ErrDenied)
		case req.State == certStateFailed:
			return true, e, errorf("%s: request %d failed at the CA", op, e.RequestID)
		case req.State != certStateActive:
			return false, nil, nil // pending, or external validation
		}
	}
	found, err := s.byRequest(ctx, e.RequestID)
	if err != nil || found == nil {
		return err != nil, e, err
	}
	out, err = s.issued(ctx, op, found, e.pfx, true)
	if out != nil {
		out.RequestID, out.WorkflowInstanceID, out.SuccessfulStores = e.RequestID, e.WorkflowInstanceID, e.SuccessfulStores
		out.Recovered = false
	}
	return true, out, err
}

// byRequest finds the certificate a request produced (CertRequestId),
// compared on the client too; nil when there is none yet.
func (s *EnrollmentService) byRequest(ctx context.Context, requestID int) (*Certificate, error) {
	if requestID <= 0 {
		return nil, nil
	}
	opts := ListCertificatesOptions{Query: "CertRequestId -eq " + strconv.Itoa(requestID), IncludeRevoked: true, IncludeExpired: true}
	var newest *Certificate
	for c, err := range s.c.Certificates.List(ctx, opts) {
		if err != nil {
			return nil, err
		}
		if c.CertRequestID != nil && *c.CertRequestID == requestID && (newest == nil || c.ImportDate.After(newest.ImportDate)) {
			newest = &c
		}
	}
	return newest, nil
}

// issued fetches the bundle of certificate c: Recover for a key the
// server made, else Download.
func (s *EnrollmentService) issued(ctx context.Context, op string, c *Certificate, pfx, chain bool) (*Enrollment, error) {
	e := &Enrollment{Status: EnrollmentIssued, CertificateID: c.ID, SerialNumber: c.SerialNumber, IssuerDN: c.IssuerDN,
		Thumbprint: c.Thumbprint, pfx: pfx}
	if c.CertRequestID != nil {
		e.RequestID = *c.CertRequestID
	}
	var err error
	if pfx {
		e.Bundle, err = s.c.Certificates.recover(ctx, c.ID, RecoverOptions{IncludeChain: chain})
	} else {
		e.Bundle, err = s.c.Certificates.download(ctx, c.ID, DownloadOptions{IncludeChain: chain})
	}
	if err != nil {
		return e, errorf("%s: certificate %d was issued, but fetching it failed: %w", op, c.ID, err)
	}
	return e, nil
}

// candidates lists the certificates of common name cn imported since the
// call began (less clockSkew), each once, that keep reports true for.
func (s *EnrollmentService) candidates(ctx context.Context, cn string, since time.Time, keep func(*Certificate) bool) ([]Certificate, error) {
	q := eqQuery("IssuedCN", cn)
	if q == "" {
		return nil, errors.New("its common name holds a double quote, which a query cannot name")
	}
	var out []Certificate
	seen := map[int]bool{}
	for c, err := range s.c.Certificates.List(ctx, ListCertificatesOptions{Query: q, IncludeRevoked: true, PageSize: MaxPageSize}) {
		if err != nil {
			return nil, err
		}
		// ImportDate, never NotBefore: CAs backdate NotBefore.
		if seen[c.ID] || c.IssuedCN != cn || c.ImportDate.Before(since.Add(-clockSkew)) || !keep(&c) {
			continue
		}
		seen[c.ID] = true
		out = append(out, c)
	}
	return out, nil
}

// findCSR is CSR after a lost answer: the certificate whose key is the
// CSR's, or sendErr with the candidates named.
func (s *EnrollmentService) findCSR(ctx context.Context, op string, sendErr error, csr *x509.CertificateRequest, since time.Time,
	chain bool) (*Enrollment, error) {
	if strings.TrimSpace(csr.Subject.CommonName) == "" {
		// Certificates are searched by IssuedCN; one without a CN cannot be
		// told from every other certificate imported meanwhile.
		return nil, errorf("%w (the CSR names no common name to search for what it issued by); nothing was re-sent", sendErr)
	}
	cands, err := s.candidates(ctx, csr.Subject.CommonName, since, func(*Certificate) bool { return true })
	if err != nil {
		return nil, errorf("%w (searching for what it issued failed too: %v); nothing was re-sent", sendErr, err)
	}
	var match []Certificate
	for _, c := range cands {
		b, err := s.c.Certificates.download(ctx, c.ID, DownloadOptions{})
		if err != nil {
			return nil, errorf("%w (reading candidate %d failed: %v); nothing was re-sent", sendErr, c.ID, err)
		}
		if samePublicKey(b.Leaf.PublicKey, csr.PublicKey) {
			match = append(match, c)
		}
	}
	if len(match) != 1 {
		return nil, unknownEnrollment(sendErr, "with the CSR's public key", cands, match)
	}
	return s.adopt(ctx, op, &match[0], false, chain)
}

// findPFX is PFX after a lost answer: the one certificate of its subject
// and template imported since the call began, with its key recovered.
func (s *EnrollmentService) findPFX(ctx context.Context, op string, sendErr error, cn string, req EnrollPFXRequest, since time.Time) (*Enrollment, error) {
	cands, err := s.candidates(ctx, cn, since, func(c *Certificate) bool {
		return req.Template == "" || strings.EqualFold(c.TemplateName, req.Template)
	})
	if err != nil {
		return nil, errorf("%w (searching for what it issued failed too: %v); nothing was re-sent", sendErr, err)
	}
	if len(cands) != 1 {
		return nil, unknownEnrollment(sendErr, "of that subject and template", cands, cands)
	}
	return s.adopt(ctx, op, &cands[0], true, req.IncludeChain)
}

func (s *EnrollmentService) adopt(ctx context.Context, op string, c *Certificate, pfx, chain bool) (*Enrollment, error) {
	e, err := s.issued(ctx, op, c, pfx, chain)
	if err != nil {
		return nil, err
	}
	e.Recovered = true
	if s.c.logger != nil {
		s.c.logger.InfoContext(ctx, "keyfactor: enrollment answer lost; adopted the certificate it issued", slog.Int("certificate", c.ID))
	}
	return e, nil
}

// unknownEnrollment is the error of a lost enrollment answer whose
// certificate could not be told: every candidate id named, nothing re-sent.
func unknownEnrollment(sendErr error, what string, cands, match []Certificate) error {
	ids := make([]int, len(cands))
	for i, c := range cands {
		ids[i] = c.ID
	}
	switch {
	case len(cands) == 0:
		return errorf("%w; no certificate of that name was imported since the call began (it may be pending approval); nothing was re-sent",
			sendErr)
	case len(match) == 0:
		return errorf("%w; none of the candidates (ids %s) is %s; nothing was re-sent", sendErr, joinInts(ids), what)
	}
	mids := make([]int, len(match))
	for i, c := range match {
		mids[i] = c.ID
	}
	return errorf("%w; %d certificates %s were imported since the call began (ids %s): it cannot tell which it issued; nothing was re-sent",
		sendErr, len(match), what, joinInts(mids))
}

// Context reads what the caller may enroll with (GET
// /Enrollment/CSR/Context/My and /Enrollment/PFX/Context/My): the
// templates, their CAs and key types, and the standalone CAs.
func (s *EnrollmentService) Context(ctx context.Context) (*EnrollmentContext, error) {
	out := &EnrollmentContext{}
	for _, kind := range []string{"CSR", "PFX"} {
		var w enrollmentContextWire
		if err := s.c.do(ctx, call{method: http.MethodGet, path: "Enrollment/" + kind + "/Context/My", version: v1}, &w); err != nil {
			return nil, err
		}
		ts := make([]EnrollmentTemplate, len(w.Templates))
		for i, t := range w.Templates {
			ts[i] = EnrollmentTemplate{ID: t.ID, Name: t.Name, DisplayName: t.DisplayName, RequiresApproval: t.RequiresApproval,
				KeyTypes: splitNonEmpty(string(t.KeyType))}
			for _, ca := range t.CAs {
				ts[i].CAs = append(ts[i].CAs, ca.Name)
			}
			for _, m := range t.MetadataFields {
				ts[i].MetadataFields = append(ts[i].MetadataFields, m.Name)
			}
		}
		if kind == "CSR" {
			out.CSR = ts
		} else {
			out.PFX = ts
		}
		for _, ca := range w.StandaloneCAs {
			if !slices.Contains(out.StandaloneCAs, ca.Name) {
				out.StandaloneCAs = append(out.StandaloneCAs, ca.Name)
			}
		}
	}
	return out, nil
}

// EnrollmentContext is what the caller may enroll with.
type EnrollmentContext struct {
	CSR, PFX      []EnrollmentTemplate
	StandaloneCAs []string
}

// EnrollmentTemplate is a template the caller may enroll with.
type EnrollmentTemplate struct {
	ID                int
	Name, DisplayName string
	RequiresApproval  bool
	CAs               []string // "host\logical"
	KeyTypes          []string
	MetadataFields    []string
}

// newPassword is a one-time archive password: 32 random bytes, base64.
// It protects a PKCS#12 archive in transit and never leaves the process.
func newPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// noWorkflow reports whether a workflow instance id names none: absent,
// null, "" and the all-zero GUID all mean no Command workflow.
func noWorkflow(id string) bool {
	return strings.Trim(id, "0-{}") == ""
}

// Keyfactor's certificate and request states (CertState, State).
const (
	certStateActive = 1
	certStateDenied = 3
	certStateFailed = 4
)

// parseCSR reads a PEM or DER PKCS#10 request and checks its signature.
func parseCSR(v *validator, data []byte) *x509.CertificateRequest {
	if len(data) == 0 {
		v.add("CSR", "required: a PEM or DER PKCS#10 request")
		return nil
	}
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if !strings.Contains(block.Type, "CERTIFICATE REQUEST") {
			v.addf("CSR", "a PEM %q block, not a CERTIFICATE REQUEST", block.Type)
			return nil
		}
		der = block.Bytes
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		v.addf("CSR", "does not parse as PKCS#10: %v", err)
		return nil
	}
	if err := csr.CheckSignature(); err != nil {
		v.add("CSR", "its signature does not verify: it was not made by the key it names")
		return nil
	}
	return csr
}

// namesSAN says whether a CSR asks for a subject alternative name, as the
// CSRs of cert-manager and ACME clients do, often with no CN at all.
func namesSAN(csr *x509.CertificateRequest) bool {
	return len(csr.DNSNames)+len(csr.IPAddresses)+len(csr.EmailAddresses)+len(csr.URIs) > 0
}

func (p EnrollmentPolicy) check(v *validator) {
	switch {
	case p.Template != "" && p.EnrollmentPatternID != 0:
		v.add("EnrollmentPatternID", "set Template or EnrollmentPatternID, not both")
	case strings.TrimSpace(p.Template) == "" && p.EnrollmentPatternID == 0:
		v.add("Template", "set Template (a template's short name) or EnrollmentPatternID")
	}
	v.notNegative("EnrollmentPatternID", p.EnrollmentPatternID)
	if p.CertificateAuthority != "" {
		checkCAName(v, "CertificateAuthority", p.CertificateAuthority)
	}
}

// checkCAName requires a CA's name as enrollment takes it: "host\logical",
// neither part blank (CertificateAuthority.Name).
func checkCAName(v *validator, field, name string) {
	host, logical, ok := strings.Cut(name, `\`)
	if !ok || strings.TrimSpace(host) == "" || strings.TrimSpace(logical) == "" {
		v.addf(field, `%q is not "host\logical" (CertificateAuthority.Name)`, name)
	}
}

func (s SANs) check(v *validator) {
	for i, d := range s.DNS {
		if !validDNSName(d) {
			v.addf("SANs.DNS["+strconv.Itoa(i)+"]", "%q is not a DNS name", d)
		}
	}
	for i, ip := range s.IP {
		if net.ParseIP(ip) == nil {
			v.addf("SANs.IP["+strconv.Itoa(i)+"]", "%q is not an IP address", ip)
		}
	}
	for i, e := range s.Email {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			v.addf("SANs.Email["+strconv.Itoa(i)+"]", "%q is not a bare email address", e)
		}
	}
	for i, u := range s.URI {
		if p, err := url.Parse(u); err != nil || !p.IsAbs() {
			v.addf("SANs.URI["+strconv.Itoa(i)+"]", "%q is not an absolute URI", u)
		}
	}
}

// wire is Keyfactor's SAN object: "dns", "ip4"/"ip6", "rfc822", "uri".
func (s SANs) wire() map[string][]string {
	m := map[string][]string{}
	add := func(k string, vs ...string) {
		if len(vs) > 0 {
			m[k] = append(m[k], vs...)
		}
	}
	add("dns", s.DNS...)
	for _, ip := range s.IP {
		if p := net.ParseIP(ip); p != nil && p.To4() != nil {
			add("ip4", ip)
		} else {
			add("ip6", ip)
		}
	}
	add("rfc822", s.Email...)
	add("uri", s.URI...)
	if len(m) == 0 {
		return nil
	}
	return m
}

func validDNSName(d string) bool {
	d = strings.TrimPrefix(d, "*.")
	if d == "" || len(d) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(d, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r == '_' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

func checkOwnerRef(v *validator, id *int, name *string) {
	switch {
	case id != nil && name != nil:
		v.add("OwnerRoleName", "set OwnerRoleID or OwnerRoleName, not both")
	case id != nil && *id <= 0:
		v.addf("OwnerRoleID", "must be greater than 0, got %d", *id)
	case name != nil && strings.TrimSpace(*name) == "":
		v.add("OwnerRoleName", "must not be blank (leave it nil for no owner)")
	}
}

// ecCurves are the curves Command issues, by the names and OIDs a caller
// may give, with their lengths.
var ecCurves = map[string]int{"P-256": 256, "P-384": 384, "P-521": 521, "1.2.840.10045.3.1.7": 256,
	"1.3.132.0.34": 384, "1.3.132.0.35": 521}

func checkKeySpec(v *validator, keyType string, length int, curve string) {
	switch strings.ToUpper(keyType) {
	case "":
		if length != 0 || curve != "" {
			v.add("KeyType", `required with KeyLength or Curve: "RSA" or "ECC"`)
		}
	case "RSA":
		if curve != "" {
			v.add("Curve", "an RSA key has no curve")
		}
		if length != 0 && (length < 2048 || length > 16384 || length%8 != 0) {
			v.addf("KeyLength", "an RSA key of %d bits is not one Command issues (2048 to 16384, a multiple of 8)", length)
		}
	case "ECC":
		bits, known := ecCurves[curve]
		switch {
		case curve != "" && !known:
			v.addf("Curve", "%q is not a curve Command issues (P-256, P-384, P-521 or their OIDs)", curve)
		case length != 0 && length != 256 && length != 384 && length != 521:
			v.addf("KeyLength", "%d is no curve's length (256, 384, 521)", length)
		case curve != "" && length != 0 && bits != length:
			v.addf("KeyLength", "%d does not match curve %s (%d)", length, curve, bits)
		}
	default:
		v.addf("KeyType", `%q is not "RSA" or "ECC"`, keyType)
	}
}

// checkDN parses a distinguished name ("CN=web01.example.com,O=Example")
// and returns its CN.
func checkDN(v *validator, field, dn string) (cn string) {
	if strings.TrimSpace(dn) == "" {
		v.add(field, `required: a distinguished name, "CN=web01.example.com,O=Example"`)
		return ""
	}
	for _, rdn := range splitUnescaped(dn, ',') {
		attr, value, ok := strings.Cut(rdn, "=")
		attr, value = strings.TrimSpace(attr), strings.TrimSpace(value)
		if !ok || attr == "" || value == "" || !isDNAttr(attr) {
			v.addf(field, "%q is not a distinguished name: %q is not ATTRIBUTE=value", dn, strings.TrimSpace(rdn))
			return ""
		}
		if strings.EqualFold(attr, "CN") && cn == "" {
			cn = strings.ReplaceAll(value, `\`, "")
		}
	}
	if cn == "" {
		v.addf(field, "%q names no common name (CN)", dn)
	}
	return cn
}

// splitUnescaped splits s at each sep not preceded by a backslash.
func splitUnescaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// isDNAttr reports whether a is an attribute name (letters, digits, '-')
// or a dotted OID.
func isDNAttr(a string) bool {
	for i, r := range a {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && (r == '-' || r == '.' || r >= '0' && r <= '9') ||
			r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func splitNonEmpty(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Wire forms of the enrollment endpoints, with Keyfactor's key names —
// which differ between sibling models: the CSR answer's KeyfactorID, the
// PFX answer's KeyfactorId.

// enrollmentCommon is what the CSR and PFX bodies share.
type enrollmentCommon struct {
	CertificateAuthority string              `json:"CertificateAuthority,omitempty"`
	IncludeChain         bool                `json:"IncludeChain"`
	Metadata             map[string]string   `json:"Metadata,omitempty"`
	OwnerRoleID          *int                `json:"OwnerRoleId,omitempty"`
	OwnerRoleName        *string             `json:"OwnerRoleName,omitempty"`
	Template             string              `json:"Template,omitempty"`
	SANs                 map[string][]string `json:"SANs,omitempty"`
	EnrollmentPatternID  int                 `json:"EnrollmentPatternId,omitempty"`
	Timestamp            string              `json:"Timestamp"`
}

func newEnrollmentCommon(p EnrollmentPolicy, sans SANs, metadata map[string]string, ownerID *int, ownerName *string, chain bool,
	now time.Time) enrollmentCommon {
	return enrollmentCommon{CertificateAuthority: p.CertificateAuthority, IncludeChain: chain, Metadata: metadata,
		OwnerRoleID: ownerID, OwnerRoleName: ownerName, Template: p.Template, SANs: sans.wire(),
		EnrollmentPatternID: p.EnrollmentPatternID, Timestamp: now.UTC().Format(time.RFC3339)}
}

type enrollCSRWire struct {
	CSR string `json:"CSR"`
	enrollmentCommon
}

type enrollPFXWire struct {
	Subject  string `json:"Subject"`
	Password string `json:"Password"`
	// RenewalCertificateID is null unless renewing: Command refuses 0.
	RenewalCertificateID *int                `json:"RenewalCertificateId"`
	KeyType              string              `json:"KeyType,omitempty"`
	KeyLength            int                 `json:"KeyLength,omitempty"`
	Curve                string              `json:"Curve,omitempty"`
	Stores               []storeDeliveryWire `json:"Stores,omitempty"`
	enrollmentCommon
}

type storeDeliveryWire struct {
	StoreID    string            `json:"StoreId"`
	Alias      string            `json:"Alias,omitempty"`
	Overwrite  bool              `json:"Overwrite"`
	Properties map[string]string `json:"Properties,omitempty"`
}

// certInfo is what both answers' CertificateInformation share.
type certInfo struct {
	SerialNumber       string `json:"SerialNumber"`
	IssuerDN           string `json:"IssuerDN"`
	Thumbprint         string `json:"Thumbprint"`
	WorkflowInstanceID string `json:"WorkflowInstanceId"`
	KeyfactorRequestID int    `json:"KeyfactorRequestId"`
	RequestDisposition string `json:"RequestDisposition"`
	DispositionMessage string `json:"DispositionMessage"`
}

type csrAnswer struct {
	CertificateInformation struct {
		certInfo
		KeyfactorID  int      `json:"KeyfactorID"`
		Certificates []string `json:"Certificates"`
	} `json:"CertificateInformation"`
}

type pfxAnswer struct {
	SuccessfulStores       []string `json:"SuccessfulStores"`
	CertificateInformation struct {
		certInfo
		KeyfactorID int    `json:"KeyfactorId"`
		Pkcs12Blob  string `json:"Pkcs12Blob"`
	} `json:"CertificateInformation"`
}

// enrollment reads an answer's disposition: issued, pending, or an error
// (a denial matches ErrDenied). certificateID is the answer's KeyfactorId.
func (i *certInfo) enrollment(op string, certificateID int) (*Enrollment, error) {
	e := &Enrollment{Message: i.DispositionMessage, CertificateID: certificateID, RequestID: i.KeyfactorRequestID,
		SerialNumber: i.SerialNumber, IssuerDN: i.IssuerDN, Thumbprint: i.Thumbprint}
	if !noWorkflow(i.WorkflowInstanceID) {
		e.WorkflowInstanceID = i.WorkflowInstanceID
	}
	// "Issued", "ISSUED", "External_Validation", "External Validation"
	d := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '_' || r == ' ' {
			return -1
		}
		return r
	}, i.RequestDisposition))
	switch {
	case d == "ISSUED" || d == "" && certificateID > 0:
		e.Status = EnrollmentIssued
		return e, nil
	case d == "PENDING" || d == "EXTERNALVALIDATION":
		e.Status = EnrollmentPending
		return e, nil
	case d == "DENIED":
		e.Status = EnrollmentDenied
		return e, errorf("%s: request %d was denied: %s: %w", op, e.RequestID, e.Message, ErrDenied)
	}
	return nil, errorf("%s: the request ended %q: %s", op, i.RequestDisposition, i.DispositionMessage)
}

// workflowInstance is the part of GET /Workflow/Instances/{id} Wait reads.
// Status is a name or a number on the wire.
type workflowInstance struct {
	Status        flexString `json:"Status"`
	StatusMessage string     `json:"StatusMessage"`
}

// workflowCertificate is the part of GET /Workflow/Certificates/{id} Wait
// reads: State is a certificate state number.
type workflowCertificate struct {
	ID            int    `json:"Id"`
	State         int    `json:"State"`
	DenialComment string `json:"DenialComment"`
}

type enrollmentContextWire struct {
	Templates []struct {
		ID               int        `json:"Id"`
		Name             string     `json:"Name"`
		DisplayName      string     `json:"DisplayName"`
		RequiresApproval bool       `json:"RequiresApproval"`
		KeyType          flexString `json:"KeyType"`
		CAs              []struct {
			Name string `json:"Name"`
		} `json:"CAs"`
		MetadataFields []struct {
			Name string `json:"Name"`
		} `json:"MetadataFields"`
	} `json:"Templates"`
	StandaloneCAs []struct {
		Name string `json:"Name"`
	} `json:"StandaloneCAs"`
}
