package keyfactor

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RevocationReason is a revocation reason, by Keyfactor's code: exactly
// the constants below; any other value is refused before sending.
type RevocationReason int

// The revocation reasons Command takes (its codes for Microsoft CAs).
const (
	ReasonUnspecified          RevocationReason = 0
	ReasonKeyCompromise        RevocationReason = 1
	ReasonCACompromise         RevocationReason = 2
	ReasonAffiliationChanged   RevocationReason = 3
	ReasonSuperseded           RevocationReason = 4
	ReasonCessationOfOperation RevocationReason = 5
	ReasonCertificateHold      RevocationReason = 6
	ReasonRemoveFromHold       RevocationReason = -1
)

func (r RevocationReason) valid() bool {
	return r >= ReasonRemoveFromHold && r <= ReasonCertificateHold
}

// RevokeRequest revokes certificates.
type RevokeRequest struct {
	CertificateIDs []int
	Reason         RevocationReason
	// Comment is required: Command records it with the revocation.
	Comment string
	// EffectiveDate is when the revocation takes effect; zero is now.
	EffectiveDate time.Time
	// CollectionID authorizes through a collection's permissions.
	CollectionID int
	PublishCRL   bool
}

// RevokeResult is what Revoke did to each certificate.
type RevokeResult struct {
	// Revoked were revoked by this call; AlreadyRevoked were revoked
	// before it (a repeat revoke is a success).
	Revoked, AlreadyRevoked []int
	// Pending are held by a workflow: not revoked yet.
	Pending []PendingRevocation
}

// PendingRevocation is a revocation a workflow holds.
type PendingRevocation struct {
	CertificateID       int
	WorkflowID, Message string
}

type revokeWire struct {
	CertificateIDs []int  `json:"CertificateIds"`
	Reason         int    `json:"Reason"`
	Comment        string `json:"Comment"`
	EffectiveDate  string `json:"EffectiveDate"`
	CollectionID   *int   `json:"CollectionId,omitempty"`
	PublishCRL     bool   `json:"PublishCRL"`
}

type revokeAnswer struct {
	RevokedIDs     []int `json:"RevokedIds"`
	SuspendedCerts []struct {
		CertID     int    `json:"CertId"`
		WorkflowID string `json:"WorkflowId"`
		Message    string `json:"Message"`
	} `json:"SuspendedCerts"`
}

// Revoke revokes certificates (POST /Certificates/Revoke, API v1) and says
// what became of each: revoked now, revoked already (a repeat revoke is a
// success, whether the CA answers "has previously been revoked" or leaves
// the id out), or held by a workflow (Pending). A certificate the server
// neither revoked nor held is named in an error.
//
// The reason must be one of the constants and Comment must not be blank;
// both are checked before sending, with the ids (positive, none twice).
//
// The POST is never re-sent: after a lost answer Revoke reads each
// certificate; those now revoked are done (Revoked), and any still active
// are named in an error matching ErrOutcomeUnknown, since a workflow may
// hold them and a second request would start a second workflow.
func (s *CertificatesService) Revoke(ctx context.Context, req RevokeRequest) (*RevokeResult, error) {
	const op = "Certificates.Revoke"
	v := newValidator(op)
	if len(req.CertificateIDs) == 0 {
		v.add("CertificateIDs", "required: the certificates to revoke")
	}
	seen := map[int]bool{}
	for i, id := range req.CertificateIDs {
		field := "CertificateIDs[" + strconv.Itoa(i) + "]"
		v.positive(field, id)
		if seen[id] {
			v.addf(field, "%d is named twice", id)
		}
		seen[id] = true
	}
	if !req.Reason.valid() {
		v.addf("Reason", "%d is not a revocation reason Command takes (use the Reason constants)", int(req.Reason))
	}
	v.notBlank("Comment", req.Comment)
	v.notNegative("CollectionID", req.CollectionID)
	if err := v.err(); err != nil {
		return nil, err
	}
	effective := req.EffectiveDate
	if effective.IsZero() {
		effective = s.c.now()
	}
	body := revokeWire{CertificateIDs: req.CertificateIDs, Reason: int(req.Reason), Comment: req.Comment,
		EffectiveDate: effective.UTC().Format(time.RFC3339), PublishCRL: req.PublishCRL}
	if req.CollectionID > 0 {
		body.CollectionID = &req.CollectionID
	}
	var ans revokeAnswer
	err := s.c.do(ctx, call{method: http.MethodPost, path: "Certificates/Revoke", version: v1, body: body}, &ans)
	var apiErr *APIError
	switch {
	case errors.Is(err, ErrOutcomeUnknown) && ctx.Err() == nil:
		return s.revokedSince(ctx, op, err, req)
	case errors.As(err, &apiErr) && apiErr.StatusCode < 500 && alreadyRevoked(apiErr.Message):
		// The CA refuses a repeat revoke in its own words: read what
		// the certificates are now.
		return s.sortRevoked(ctx, op, err, req.CertificateIDs, nil, nil)
	case err != nil:
		return nil, err
	}
	var pending []PendingRevocation
	for _, sc := range ans.SuspendedCerts {
		pending = append(pending, PendingRevocation{CertificateID: sc.CertID, WorkflowID: sc.WorkflowID, Message: sc.Message})
	}
	return s.sortRevoked(ctx, op, nil, req.CertificateIDs, ans.RevokedIDs, pending)
}

// alreadyRevoked recognizes a CA's refusal of a repeat revoke.
func alreadyRevoked(message string) bool {
	m := strings.ToLower(message)
	return strings.Contains(m, "previously been revoked") || strings.Contains(m, "already revoked") ||
		strings.Contains(m, "already been revoked")
}

// sortRevoked builds the result: the ids the answer revoked or holds, and
// for the rest, what a read of each says (revoked before: AlreadyRevoked;
// still active: an error, cause or a list of them).
func (s *CertificatesService) sortRevoked(ctx context.Context, op string, cause error, ids, revoked []int,
	pending []PendingRevocation) (*RevokeResult, error) {
	res := &RevokeResult{Revoked: revoked, Pending: pending}
	var active []int
	for _, id := range ids {
		if slices.Contains(revoked, id) || slices.ContainsFunc(pending, func(p PendingRevocation) bool { return p.CertificateID == id }) {
			continue
		}
		isRevoked, err := s.isRevoked(ctx, id)
		if err != nil {
			return res, errorf("%s: reading certificate %d after the revocation failed: %w", op, id, err)
		}
		if isRevoked {
			res.AlreadyRevoked = append(res.AlreadyRevoked, id)
		} else {
			active = append(active, id)
		}
	}
	switch {
	case len(active) == 0:
		return res, nil
	case cause != nil:
		return res, errorf("%w; certificates still active: %s", cause, joinInts(active))
	}
	return res, errorf("%s: the server did not revoke certificates %s", op, joinInts(active))
}

// revokedSince is Revoke after a lost answer: nothing is re-sent.
func (s *CertificatesService) revokedSince(ctx context.Context, op string, sendErr error, req RevokeRequest) (*RevokeResult, error) {
	res := &RevokeResult{}
	var active []int
	for _, id := range req.CertificateIDs {
		isRevoked, err := s.isRevoked(ctx, id)
		if err != nil {
			return res, errorf("%w (reading certificate %d afterwards failed too: %v); nothing was re-sent", sendErr, id, err)
		}
		if isRevoked {
			res.Revoked = append(res.Revoked, id)
		} else {
			active = append(active, id)
		}
	}
	if len(active) > 0 {
		return res, errorf("%w; certificates %s are not revoked (a workflow may hold them; nothing was re-sent, "+
			"which would start a second workflow)", sendErr, joinInts(active))
	}
	return res, nil
}

// isRevoked reads whether a certificate is revoked (CertState 2).
func (s *CertificatesService) isRevoked(ctx context.Context, id int) (bool, error) {
	c, err := s.Get(ctx, id, GetCertificateOptions{})
	if err != nil {
		return false, err
	}
	return c.CertState == certStateRevoked, nil
}

const certStateRevoked = 2
