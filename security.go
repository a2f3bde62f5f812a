package keyfactor

import (
	"context"
	"errors"
	"net/http"
	"slices"
)

// SecurityService tells who the caller is and what the server's
// permission vocabulary holds. Reach it as Client.Security.
type SecurityService struct{ c *Client }

// Me is the caller as the server sees it: the names of its roles, its
// legacy v1 global permissions and, where the server reports them, its v2
// permissions.
type Me struct {
	// Roles are the names of the caller's security roles.
	Roles []string `json:"Roles"`
	// GlobalPermissions are the caller's legacy v1 permissions.
	GlobalPermissions []GlobalPermission `json:"GlobalPermissions"`
	// Permissions are the caller's v2 permissions, merged from all its
	// roles (where a global and a scoped grant overlap, the server lists
	// the global one). It is nil when the server does not report them:
	// GET /Security/My/Permissions is newer than Keyfactor's own SDK.
	Permissions []string `json:"Permissions"`
}

// GlobalPermission is one legacy v1 permission, such as Area
// "Certificates" and Permission "Read".
type GlobalPermission struct {
	Area       string `json:"Area"`
	Permission string `json:"Permission"`
}

// myPermissions is the body of GET /Security/My/Permissions.
type myPermissions struct {
	Permissions []string `json:"Permissions"`
}

// Me returns the caller (GET /Security/My, then GET
// /Security/My/Permissions, API v1). Any authenticated caller may ask. A
// server without /Security/My/Permissions (it answers 404, 405 or 501)
// leaves Me.Permissions nil rather than failing.
func (s *SecurityService) Me(ctx context.Context) (*Me, error) {
	me, err := s.my(ctx)
	if err != nil {
		return nil, err
	}
	var mine myPermissions
	err = s.c.do(ctx, call{method: http.MethodGet, path: "Security/My/Permissions", version: v1}, &mine)
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr) && slices.Contains([]int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented},
		apiErr.StatusCode):
		return me, nil
	case err != nil:
		return nil, err
	}
	me.Permissions = nonNil(mine.Permissions)
	return me, nil
}

// my reads GET /Security/My alone: the caller's roles and v1 permissions.
func (s *SecurityService) my(ctx context.Context) (*Me, error) {
	var me Me
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Security/My", version: v1}, &me); err != nil {
		return nil, err
	}
	me.Permissions = nil // only /Security/My/Permissions says
	return &me, nil
}

// Has reports whether the caller holds permission, a v2 permission such as
// "/certificates/collections/read/5/", through the hierarchy of
// Permission.Covers: "/" covers everything, "/certificates/" covers
// "/certificates/collections/read/5/", and a grant scoped to collection 5
// covers only collection 5. It is false for a malformed permission, and
// when the server did not report the caller's v2 permissions (Permissions
// is nil).
func (m *Me) Has(permission string) bool {
	p, err := ParsePermission(permission)
	return err == nil && coveredBy(p, m.Permissions)
}

// Permissions returns the server's permission catalogue (GET /Permissions,
// API v1): every v2 permission it knows, generic paths such as
// "/certificates/collections/read/" (scoped ones append an id). It needs
// /security/read/.
func (s *SecurityService) Permissions(ctx context.Context) ([]string, error) {
	var perms []string
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Permissions", version: v1}, &perms); err != nil {
		return nil, err
	}
	return nonNil(perms), nil
}
