package keyfactor

import (
	"context"
	"net/http"
	"strconv"
	"strings"
)

// The v1 roles API supports Active Directory identities only. Keyfactor
// deprecated it; it is kept for servers and scripts that still use it.

// RoleV1 is a v1 security role as the server returns it.
type RoleV1 struct {
	ID              int        `json:"Id"`
	Name            string     `json:"Name"`
	Description     string     `json:"Description"`
	EmailAddress    string     `json:"EmailAddress"`
	Enabled         bool       `json:"Enabled"`
	Immutable       bool       `json:"Immutable"`
	Valid           bool       `json:"Valid"`
	Private         bool       `json:"Private"`
	PermissionSetID string     `json:"PermissionSetId"`
	Permissions     []string   `json:"Permissions"`
	Identities      []Identity `json:"Identities"`
}

// Identity is an Active Directory identity of a v1 role.
type Identity struct {
	ID           int    `json:"Id"`
	AccountName  string `json:"AccountName"`
	IdentityType string `json:"IdentityType"`
	SID          string `json:"SID"`
}

// IdentityRef names an Active Directory identity in a v1 create:
// AccountName is DOMAIN\name; SID is optional.
type IdentityRef struct {
	AccountName string `json:"AccountName,omitempty"`
	SID         string `json:"SID,omitempty"`
}

// CreateRoleV1Request is the body of a v1 role create. Enabled and Private
// are sent only when set (the server defaults them to true and false).
type CreateRoleV1Request struct {
	Name            string        `json:"Name,omitempty"`
	Description     string        `json:"Description,omitempty"`
	EmailAddress    string        `json:"EmailAddress,omitempty"`
	Enabled         *bool         `json:"Enabled,omitempty"`
	Private         *bool         `json:"Private,omitempty"`
	PermissionSetID string        `json:"PermissionSetId,omitempty"`
	Permissions     []string      `json:"Permissions,omitempty"`
	Identities      []IdentityRef `json:"Identities,omitempty"`
}

// CopyRoleV1Request names the role CopyV1 creates. Name and Description are
// required.
type CopyRoleV1Request struct {
	Name         string `json:"Name,omitempty"`
	Description  string `json:"Description,omitempty"`
	EmailAddress string `json:"EmailAddress,omitempty"`
}

// CreateV1 creates a security role with the v1 API (POST /Security/Roles,
// API v1), which supports Active Directory identities only.
//
// Deprecated: Keyfactor deprecated the v1 roles API; use Create.
func (s *RolesService) CreateV1(ctx context.Context, req CreateRoleV1Request) (*RoleV1, error) {
	v := newValidator("Roles.CreateV1")
	checkRoleText(v, req.Name, req.Description, req.EmailAddress)
	checkOptionalGUID(v, "PermissionSetID", req.PermissionSetID)
	s.noteUnknown(ctx, checkPermissionsV1(v, req.Permissions))
	for i, id := range req.Identities {
		if strings.TrimSpace(id.AccountName) == "" {
			v.add("Identities["+strconv.Itoa(i)+"].AccountName", "must not be blank")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var role RoleV1
	if err := s.c.do(ctx, call{method: http.MethodPost, path: "Security/Roles", version: v1, body: req}, &role); err != nil {
		return nil, err
	}
	return &role, nil
}

// CopyV1 copies a role into a new one (POST /Security/Roles/{id}/Copy, API
// v1). Name and Description are required.
//
// Deprecated: Keyfactor deprecated the copy endpoint and offers no v2
// equivalent; use Clone, which does the documented Get-then-Create.
func (s *RolesService) CopyV1(ctx context.Context, id int, req CopyRoleV1Request) (*RoleV1, error) {
	v := newValidator("Roles.CopyV1")
	v.positive("id", id)
	checkRoleText(v, req.Name, req.Description, req.EmailAddress)
	if err := v.err(); err != nil {
		return nil, err
	}
	var role RoleV1
	err := s.c.do(ctx, call{method: http.MethodPost, path: "Security/Roles/" + strconv.Itoa(id) + "/Copy", version: v1, body: req}, &role)
	if err != nil {
		return nil, err
	}
	return &role, nil
}
