package keyfactor

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
)

// UpdateOwnerRequest names the security role that becomes a certificate's
// owner. Set exactly one of NewRoleID and NewRoleName; to remove the owner
// use ClearOwner.
type UpdateOwnerRequest struct {
	NewRoleID   *int
	NewRoleName *string
	// CollectionID optionally names the certificate collection whose
	// permissions authorize the change. It takes precedence over ContainerID:
	// when both are set only CollectionID is sent, as the server would ignore
	// ContainerID anyway.
	CollectionID int
	// ContainerID optionally names the certificate store container whose
	// permissions authorize the change.
	ContainerID int
}

// OwnerScope optionally names the collection or container whose permissions
// authorize an owner change; CollectionID takes precedence.
type OwnerScope struct {
	CollectionID, ContainerID int
}

// ownerQuery is the query of PUT /Certificates/{id}/Owner.
type ownerQuery struct {
	CollectionID int `url:"CollectionId,omitempty"`
	ContainerID  int `url:"ContainerId,omitempty"`
}

// ownerBody is the body of PUT /Certificates/{id}/Owner. Both fields are
// omitted to clear the owner: an empty NewRoleName does not clear it.
type ownerBody struct {
	NewRoleID   *int    `json:"NewRoleId,omitempty"`
	NewRoleName *string `json:"NewRoleName,omitempty"`
}

// UpdateOwner makes a security role the owner of a certificate
// (PUT /Certificates/{id}/Owner, API v1). The call is idempotent and is
// retried on transient failures. The caller needs change-owner permission,
// globally or on the collection or container named in the request.
//
// Bad input returns a *ValidationError and sends nothing. Server answers
// come back as *APIError: 403 for a missing permission, 404 for an unknown
// certificate. Command answers 400 for a role that does not exist; the
// error then matches ErrNotFound too, once a read of the role confirms it
// is missing (the *APIError stays reachable).
func (s *CertificatesService) UpdateOwner(ctx context.Context, certificateID int, req UpdateOwnerRequest) error {
	v := newValidator("Certificates.UpdateOwner")
	v.positive("certificateID", certificateID)
	req.check(v)
	if err := v.err(); err != nil {
		return err
	}
	scope := OwnerScope{CollectionID: req.CollectionID, ContainerID: req.ContainerID}
	err := s.putOwner(ctx, certificateID, scope, ownerBody{NewRoleID: req.NewRoleID, NewRoleName: req.NewRoleName})
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest && ctx.Err() == nil {
		// A 400 says little: read the role to tell "no such role" from
		// the other refusals (an owner required by policy, a bad scope).
		if _, _, terr := s.c.Roles.ownerTarget(ctx, req); errors.Is(terr, ErrNotFound) {
			// The server's answer comes first for errors.As: the *APIError
			// a caller reaches is the PUT's.
			return errorf("%w; the new owner does not exist (reading the role found none): %w", err, ErrNotFound)
		}
	}
	return err
}

// Validate checks the request as UpdateOwner does before sending
// anything, without a server: a *ValidationError naming every bad field,
// or nil.
func (req UpdateOwnerRequest) Validate() error {
	v := newValidator("UpdateOwnerRequest.Validate")
	req.check(v)
	return v.err()
}

// check reports every problem of the request itself into v.
func (req UpdateOwnerRequest) check(v *validator) {
	switch {
	case req.NewRoleID == nil && req.NewRoleName == nil:
		v.add("NewRoleID", "set NewRoleID or NewRoleName (to remove the owner use ClearOwner)")
	case req.NewRoleID != nil && req.NewRoleName != nil:
		v.add("NewRoleName", "set only one of NewRoleID and NewRoleName")
	case req.NewRoleID != nil:
		v.positive("NewRoleID", *req.NewRoleID)
	default:
		v.notBlank("NewRoleName", *req.NewRoleName)
	}
	OwnerScope{CollectionID: req.CollectionID, ContainerID: req.ContainerID}.check(v)
}

// ClearOwner removes a certificate's owner (PUT /Certificates/{id}/Owner
// with neither NewRoleId nor NewRoleName). The server refuses with a 400
// when the enrollment pattern or system policy requires an owner.
func (s *CertificatesService) ClearOwner(ctx context.Context, certificateID int, scope OwnerScope) error {
	v := newValidator("Certificates.ClearOwner")
	v.positive("certificateID", certificateID)
	scope.check(v)
	if err := v.err(); err != nil {
		return err
	}
	return s.putOwner(ctx, certificateID, scope, ownerBody{})
}

func (o OwnerScope) check(v *validator) {
	v.notNegative("CollectionID", o.CollectionID)
	v.notNegative("ContainerID", o.ContainerID)
}

func (s *CertificatesService) putOwner(ctx context.Context, id int, scope OwnerScope, body ownerBody) error {
	q := ownerQuery(scope)
	if q.CollectionID > 0 && q.ContainerID > 0 {
		if s.c.logger != nil {
			s.c.logger.DebugContext(ctx, "keyfactor: CollectionID takes precedence; ContainerID not sent",
				slog.Int("CollectionID", q.CollectionID), slog.Int("ContainerID", q.ContainerID))
		}
		q.ContainerID = 0
	}
	cl := call{method: http.MethodPut, path: "Certificates/" + strconv.Itoa(id) + "/Owner", version: v1, body: body}
	if q != (ownerQuery{}) {
		cl.query = q // go-querystring's reflection is skipped when there is no scope
	}
	return s.c.do(ctx, cl, nil)
}

// BulkOptions tunes UpdateOwners.
type BulkOptions struct {
	// Concurrency is the most requests in flight at once; default 8. Keep it
	// near DefaultMaxIdleConnsPerHost or below, so connections are reused.
	Concurrency int
	// Progress, when set, is called after each certificate with the number
	// done so far, the total, and that certificate's result. Calls are
	// serialized, never concurrent.
	Progress func(done, total int, r OwnerResult)
}

// OwnerResult is the outcome for one certificate of UpdateOwners.
type OwnerResult struct {
	CertificateID int
	Err           error // nil on success; an *APIError, a transport or a context error otherwise
}

// UpdateOwners gives many certificates the same owner, with at most
// opts.Concurrency requests in flight. req's certificate-independent rules
// and every id are checked first; any problem returns a *ValidationError and
// nothing is sent.
//
// Each certificate's outcome is in the returned results, in the order of
// ids. When ctx ends, no new request is started: the results hold only the
// certificates that were attempted, and the error is ctx's.
//
// Otherwise the error is nil, and a nil error says only that every
// certificate was attempted — not that any owner changed. Each failure
// (a 403, an unknown certificate, a target role that does not exist: the
// server answers 400 to every PUT naming it) is in that certificate's
// OwnerResult.Err; check every result. PlanOwners resolves the target role
// before anything is written, so that a mistyped role fails once there
// instead of once per certificate here.
func (s *CertificatesService) UpdateOwners(ctx context.Context, ids []int, req UpdateOwnerRequest, opts BulkOptions) ([]OwnerResult, error) {
	v := newValidator("Certificates.UpdateOwners")
	for i, id := range ids {
		if id <= 0 {
			v.addf("ids["+strconv.Itoa(i)+"]", "must be greater than 0, got %d", id)
		}
	}
	req.check(v)
	if err := v.err(); err != nil {
		return nil, err
	}
	workers := opts.Concurrency
	if workers <= 0 {
		workers = DefaultBulkConcurrency
	}
	scope := OwnerScope{CollectionID: req.CollectionID, ContainerID: req.ContainerID}
	body := ownerBody{NewRoleID: req.NewRoleID, NewRoleName: req.NewRoleName}
	results := make([]OwnerResult, len(ids))
	var mu sync.Mutex // serializes Progress
	done := 0
	// Certificates start in order and none after ctx ends, so the attempted
	// ones are always results[:launched].
	launched := forEach(ctx, len(ids), workers, func(i int) {
		results[i] = OwnerResult{CertificateID: ids[i], Err: s.putOwner(ctx, ids[i], scope, body)}
		if opts.Progress != nil {
			mu.Lock()
			defer mu.Unlock()
			done++
			opts.Progress(done, len(ids), results[i])
		}
	})
	return results[:launched], ctx.Err()
}

// OwnerPlan is what an owner change by query would do: the target role, as
// PlanOwners resolved it, and the matching certificates, split into those
// whose owner changes and those that already have that owner. Each id
// appears once.
type OwnerPlan struct {
	RoleID   int    // the target role's id
	RoleName string // and its name, as the server holds it
	// ChangeIDs are the certificates whose owner differs, in list order.
	ChangeIDs []int
	// AlreadyOwned are the certificates that already have the target role.
	AlreadyOwned []int
}

// PlanOwners resolves the target role req names, then lists every
// certificate matching opts — all pages, before anything changes, so that
// updating owners cannot shift the pages being read — and splits them by
// whether that role already owns them. It only reads. Pass plan.ChangeIDs
// to UpdateOwners to act on it; a certificate already owned is never
// written again, so running the pair again after an interruption changes
// nothing twice.
//
// A target role that does not exist — by id (GET /Security/Roles/{id}) or
// by name (compared ignoring case, as the server does when it assigns an
// owner by name) — is an error matching ErrNotFound, before any
// certificate is listed; several roles whose names differ only in case are
// an error too. Resolving needs /security/read/, which the owner change
// itself needs as well. A certificate listed twice (pages that overlap when
// the list shifts while it is read) is planned once.
func (s *CertificatesService) PlanOwners(ctx context.Context, opts ListCertificatesOptions, req UpdateOwnerRequest) (*OwnerPlan, error) {
	v := newValidator("Certificates.PlanOwners")
	req.check(v)
	opts.check(v, "opts.") // req has a CollectionID of its own
	if err := v.err(); err != nil {
		return nil, err
	}
	id, name, err := s.c.Roles.ownerTarget(ctx, req)
	if err != nil {
		return nil, err
	}
	p := &OwnerPlan{RoleID: id, RoleName: name}
	seen := map[int]bool{}
	for c, err := range s.List(ctx, opts) {
		if err != nil {
			return nil, err
		}
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		if c.OwnerRoleID != nil && *c.OwnerRoleID == id {
			p.AlreadyOwned = append(p.AlreadyOwned, c.ID)
		} else {
			p.ChangeIDs = append(p.ChangeIDs, c.ID)
		}
	}
	return p, nil
}
