package keyfactor

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// RenewRequest renews a certificate with one-click renewal: the same
// subject, a new key, from its CA.
type RenewRequest struct {
	// CertificateID or Thumbprint (one of the two) names the certificate.
	CertificateID int
	Thumbprint    string
	// EnrollmentPolicy is optional: neither Template nor
	// EnrollmentPatternID keeps the certificate's own; both is refused.
	EnrollmentPolicy
	Scope OwnerScope
}

type renewWire struct {
	CertificateID        *int   `json:"CertificateId,omitempty"`
	Thumbprint           string `json:"Thumbprint,omitempty"`
	CertificateAuthority string `json:"CertificateAuthority,omitempty"`
	Template             string `json:"Template,omitempty"`
	EnrollmentPatternID  int    `json:"EnrollmentPatternId,omitempty"`
	Timestamp            string `json:"Timestamp"`
}

type renewAnswer struct {
	KeyfactorID int `json:"KeyfactorId"`
	certInfo
}

// Renew renews a certificate (POST /Enrollment/Renew, API v1): Command
// issues a new one with the same subject. The answer holds no
// certificate, so the Enrollment's Bundle is nil (Download fetches it);
// renewal does not deliver to stores (Certificates.Rotate does). A
// renewal that needs approval is pending, as an enrollment is (Wait).
//
// The POST issues, so it is never re-sent: Renew reads the certificate
// first (its subject), and after a lost answer adopts the one certificate
// of that subject imported since the call began, other than the one
// renewed, and newer than it (Recovered); none or several is an error matching
// ErrOutcomeUnknown naming the candidates.
func (s *CertificatesService) Renew(ctx context.Context, req RenewRequest) (*Enrollment, error) {
	const op = "Certificates.Renew"
	v := newValidator(op)
	switch {
	case req.CertificateID != 0 && req.Thumbprint != "":
		v.add("Thumbprint", "set CertificateID or Thumbprint, not both")
	case req.CertificateID == 0 && strings.TrimSpace(req.Thumbprint) == "":
		v.add("CertificateID", "set CertificateID or Thumbprint")
	}
	v.notNegative("CertificateID", req.CertificateID)
	if req.Template != "" && req.EnrollmentPatternID != 0 {
		v.add("EnrollmentPatternID", "set Template or EnrollmentPatternID, not both (neither keeps the certificate's own)")
	}
	v.notNegative("EnrollmentPatternID", req.EnrollmentPatternID)
	req.Scope.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	old, err := s.renewed(ctx, req)
	if err != nil {
		return nil, err
	}
	since := s.c.now()
	body := renewWire{Thumbprint: req.Thumbprint, CertificateAuthority: req.CertificateAuthority, Template: req.Template,
		EnrollmentPatternID: req.EnrollmentPatternID, Timestamp: since.UTC().Format(time.RFC3339)}
	if req.CertificateID > 0 {
		body.CertificateID = &req.CertificateID
	}
	var ans renewAnswer
	// The answer has a Password field (a renewal's PFX password): a body
	// that does not decode is not quoted in the error.
	err = s.c.do(ctx, call{method: http.MethodPost, path: "Enrollment/Renew", version: v1, query: req.Scope.retrieval(), body: body,
		keyMaterial: true}, &ans)
	if errors.Is(err, ErrOutcomeUnknown) && ctx.Err() == nil {
		// The renewal is newer than the certificate renewed: an earlier
		// renewal of the same subject, within the clock-skew window, is not it.
		newer := func(c *Certificate) bool {
			return c.ID != old.ID && (c.ImportDate.After(old.ImportDate) || c.ImportDate.Equal(old.ImportDate) && c.ID > old.ID)
		}
		cands, ferr := s.c.Enrollment.candidates(ctx, old.IssuedCN, since, newer)
		if ferr != nil {
			return nil, errorf("%w (searching for the renewed certificate failed too: %v); nothing was re-sent", err, ferr)
		}
		if len(cands) != 1 {
			return nil, unknownEnrollment(err, "of its subject", cands, cands)
		}
		c := cands[0]
		e := &Enrollment{Status: EnrollmentIssued, CertificateID: c.ID, SerialNumber: c.SerialNumber, IssuerDN: c.IssuerDN,
			Thumbprint: c.Thumbprint, Recovered: true}
		if c.CertRequestID != nil {
			e.RequestID = *c.CertRequestID
		}
		return e, nil
	}
	if err != nil {
		return nil, err
	}
	return ans.certInfo.enrollment(op, ans.KeyfactorID)
}

// renewed reads the certificate a renewal names, by id or thumbprint.
func (s *CertificatesService) renewed(ctx context.Context, req RenewRequest) (*Certificate, error) {
	if req.CertificateID > 0 {
		return s.Get(ctx, req.CertificateID, GetCertificateOptions{CollectionID: req.Scope.CollectionID})
	}
	q := `Thumbprint -eq "` + strings.ReplaceAll(req.Thumbprint, `"`, "") + `"`
	for c, err := range s.List(ctx, ListCertificatesOptions{Query: q, IncludeRevoked: true, IncludeExpired: true,
		CollectionID: req.Scope.CollectionID}) {
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(c.Thumbprint, req.Thumbprint) {
			return &c, nil
		}
	}
	return nil, errorf("Certificates.Renew: no certificate has thumbprint %s: %w", req.Thumbprint, ErrNotFound)
}

// RenewalKind is what Command offers for renewing a certificate.
type RenewalKind string

// The renewals Command offers (AvailableRenewalType 0, 1, 2).
const (
	RenewalNone     RenewalKind = "none"
	RenewalSeamless RenewalKind = "seamless"
	RenewalOneClick RenewalKind = "one-click"
)

// RenewalAvailable reports what renewal Command offers for a certificate
// (GET /Enrollment/AvailableRenewal/Id/{id}, API v1), with the server's
// message. The wire's 0, 1 and 2 are read as none, seamless and one-click
// (Keyfactor's model names none of them); another number is an error.
func (s *CertificatesService) RenewalAvailable(ctx context.Context, id int, scope OwnerScope) (RenewalKind, string, error) {
	v := newValidator("Certificates.RenewalAvailable")
	v.positive("id", id)
	scope.check(v)
	if err := v.err(); err != nil {
		return "", "", err
	}
	var ans struct {
		AvailableRenewalType flexInt `json:"AvailableRenewalType"`
		Message              string  `json:"Message"`
	}
	q := &struct {
		CollectionID int `url:"collectionId,omitempty"`
	}{scope.CollectionID}
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Enrollment/AvailableRenewal/Id/" + url.PathEscape(strconv.Itoa(id)),
		version: v1, query: q}, &ans); err != nil {
		return "", "", err
	}
	switch ans.AvailableRenewalType {
	case 0:
		return RenewalNone, ans.Message, nil
	case 1:
		return RenewalSeamless, ans.Message, nil
	case 2:
		return RenewalOneClick, ans.Message, nil
	}
	return "", ans.Message, errorf("Certificates.RenewalAvailable: certificate %d: renewal type %d is not one the SDK knows",
		id, int(ans.AvailableRenewalType))
}
