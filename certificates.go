package keyfactor

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
)

// CertificatesService changes certificates. Reach it as Client.Certificates.
type CertificatesService struct{ c *Client }

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
// come back as *APIError: 400 for an unknown role, 403 for a missing
// permission, 404 for an unknown certificate.
func (s *CertificatesService) UpdateOwner(ctx context.Context, certificateID int, req UpdateOwnerRequest) error {
	v := newValidator("Certificates.UpdateOwner")
	v.positive("certificateID", certificateID)
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
	scope := OwnerScope{CollectionID: req.CollectionID, ContainerID: req.ContainerID}
	scope.check(v)
	if err := v.err(); err != nil {
		return err
	}
	return s.putOwner(ctx, certificateID, scope, ownerBody{NewRoleID: req.NewRoleID, NewRoleName: req.NewRoleName})
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
	return s.c.do(ctx, call{
		method:  http.MethodPut,
		path:    "Certificates/" + strconv.Itoa(id) + "/Owner",
		version: v1,
		query:   q,
		body:    body,
	}, nil)
}
