package keyfactor

import (
	"github.com/keyfactor-sdk/keyfactor-go/internal/strictjson"
)

// roleFileEntry is one role of a role file: the create body, plus the
// read-only fields of a role read from the server (what Roles.Get returns
// and `keyfactor role get` prints), accepted so that an exported role reads
// back, and ignored.
type roleFileEntry struct {
	CreateRoleRequest
	ID        *int  `json:"Id"`
	Immutable *bool `json:"Immutable"`
}

// DecodeRoles reads a role file: one role object or an array of them, in
// the body form of POST /Security/Roles with Keyfactor's key names (Name,
// Description, EmailAddress, PermissionSetId, Permissions, Claims), decoded
// strictly: a key no role has (at any depth), a key written twice in one
// object (in any case) and anything after the value are refused, and an
// error names the role's index in an array, the line and the column
// ("[1]: line 7, column 6: unknown key \"Permisions\""). A role as the server returns it reads too: its Id and
// Immutable, and a claim's Id and Provider, are accepted and dropped (a
// claim's scheme is taken from its Provider when it has no
// ProviderAuthenticationScheme).
//
// A key left out of a role is nil in the result: for Plan and Apply a nil
// Permissions or Claims is not managed, while "Permissions": [] means none.
// DecodeRoles does not validate the roles; call Validate on each.
func DecodeRoles(data []byte) ([]CreateRoleRequest, error) {
	entries, err := strictjson.DecodeList[roleFileEntry](data)
	if err != nil {
		return nil, err
	}
	roles := make([]CreateRoleRequest, len(entries))
	for i, e := range entries {
		r := e.CreateRoleRequest
		if r.Claims != nil {
			r.Claims = requestClaims(r.Claims)
		}
		roles[i] = r
	}
	return roles, nil
}
