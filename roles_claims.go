package keyfactor

import (
	"context"
	"slices"
)

// AddClaim gives role roleID the claim c, through Modify: serialized with
// every other change of the role on this Client, every other field and
// claim kept, and verified. A claim the role already holds — the same
// type, value compared ignoring case, and scheme — makes no write, so a
// role never holds a claim twice (that corrupts a role in Command).
func (s *RolesService) AddClaim(ctx context.Context, roleID int, c Claim) (*Role, error) {
	return s.changeClaims(ctx, "Roles.AddClaim", roleID, c, func(r *Role, held bool) {
		if !held {
			r.Claims = append(r.Claims, Claim{ClaimType: c.ClaimType, ClaimValue: c.ClaimValue,
				ProviderAuthenticationScheme: c.scheme(), Description: c.Description})
		}
	})
}

// RemoveClaim takes the claim c names (by type, value compared ignoring
// case, and scheme) from role roleID, through Modify as AddClaim does:
// every claim of the role that matches, so a role left holding "PKI-Ops"
// and "pki-ops" (written by another tool) holds neither afterwards. A
// claim the role does not hold makes no write. The claim itself stays in
// /Security/Claims: Claims.Delete removes it once no role holds it.
func (s *RolesService) RemoveClaim(ctx context.Context, roleID int, c Claim) (*Role, error) {
	return s.changeClaims(ctx, "Roles.RemoveClaim", roleID, c, func(r *Role, held bool) {
		if held {
			key := c.key()
			r.Claims = slices.DeleteFunc(r.Claims, func(x Claim) bool { return x.key() == key })
		}
	})
}

// changeClaims validates c and runs edit inside Modify, saying whether the
// role holds a claim matching c.
func (s *RolesService) changeClaims(ctx context.Context, op string, roleID int, c Claim, edit func(r *Role, held bool)) (*Role, error) {
	v := newValidator(op)
	v.positive("roleID", roleID)
	checkOneClaim(v, &c)
	if err := v.err(); err != nil {
		return nil, err
	}
	key := c.key()
	return s.modify(ctx, op, roleID, func(r *Role) error {
		edit(r, slices.ContainsFunc(r.Claims, func(x Claim) bool { return x.key() == key }))
		return nil
	})
}
