package keyfactor

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
)

// ClaimsService manages security claims as objects of their own (API v1
// /Security/Claims). Reach it as Client.Claims. A claim is the same object
// a role carries: the Id of a claim in a role is its /Security/Claims id.
//
// A claim is identified by its type, value and scheme; only its
// Description can change, and Keyfactor's claims are eventually
// consistent: answers and reads may show the old description for a while.
type ClaimsService struct{ c *Client }

// ListClaimsOptions selects and orders the claims List returns.
type ListClaimsOptions struct {
	// Query is a Keyfactor QueryString over ClaimType (Keyfactor's integer),
	// ClaimValue, ADClaimValue and Description, such as
	// `ClaimType -eq 4 AND ClaimValue -startswith "pki"`; "" lists every
	// claim. The scheme cannot be queried: Find compares it here.
	Query string
	// PageSize is the ReturnLimit of each request: 0 means DefaultPageSize;
	// at most MaxPageSize.
	PageSize int
	// SortField orders the claims; "" is the server's default (Provider).
	SortField string
	// Descending reverses the order.
	Descending bool
}

// ClaimRole is a role that holds a claim, as GET /Security/Claims/Roles
// lists it.
type ClaimRole struct {
	ID              int    `json:"Id"`
	Name            string `json:"Name"`
	Description     string `json:"Description"`
	PermissionSetID string `json:"PermissionSetId"`
}

// claimUpdateWire is the body of PUT /Security/Claims: the id and the one
// mutable field.
type claimUpdateWire struct {
	ID          int    `json:"Id"`
	Description string `json:"Description"`
}

// claimRolesQuery is the query of GET /Security/Claims/Roles.
type claimRolesQuery struct {
	ClaimType                    int    `url:"ClaimType"`
	ClaimValue                   string `url:"ClaimValue"`
	ProviderAuthenticationScheme string `url:"ProviderAuthenticationScheme"`
}

func claimPath(id int) string { return "Security/Claims/" + strconv.Itoa(id) }

// List returns every claim matching opts (GET /Security/Claims, API v1),
// reading page after page as the loop consumes them, as Roles.List does.
func (s *ClaimsService) List(ctx context.Context, opts ListClaimsOptions) iter.Seq2[Claim, error] {
	q := newPageQuery(opts.Query, opts.PageSize, opts.SortField, opts.Descending)
	return listPlain(ctx, s.c, "Claims.List", "Security/Claims", q, (*claimWire).claim)
}

// Get returns a claim (GET /Security/Claims/{id}, API v1). An unknown id
// gives an error matching ErrNotFound.
func (s *ClaimsService) Get(ctx context.Context, id int) (*Claim, error) {
	v := newValidator("Claims.Get")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	var w claimWire
	if err := s.c.do(ctx, call{method: http.MethodGet, path: claimPath(id), version: v1}, &w); err != nil {
		return nil, err
	}
	c := w.claim()
	return &c, nil
}

// Find returns the claim of type t with exactly value and scheme. The
// list is narrowed by `ClaimValue -eq "value" AND ClaimType -eq N` (by the
// type alone for a value holding a double quote, which the query cannot
// escape), and the value and scheme are compared here, exactly. None gives
// an error matching ErrNotFound.
func (s *ClaimsService) Find(ctx context.Context, t ClaimType, value, scheme string) (*Claim, error) {
	v := newValidator("Claims.Find")
	want := Claim{ClaimType: t, ClaimValue: value, ProviderAuthenticationScheme: scheme}
	checkOneClaim(v, &want)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.find(ctx, "Claims.Find", want)
}

func (s *ClaimsService) find(ctx context.Context, op string, want Claim) (*Claim, error) {
	n, _ := want.ClaimType.wireNumber()
	query := fmt.Sprintf(`ClaimType -eq %d`, n)
	if !strings.ContainsRune(want.ClaimValue, '"') {
		query = `ClaimValue -eq "` + want.ClaimValue + `" AND ` + query
	}
	var found []Claim
	for c, err := range s.List(ctx, ListClaimsOptions{Query: query, PageSize: MaxPageSize}) {
		if err != nil {
			return nil, err
		}
		if c.ClaimType == want.ClaimType && c.ClaimValue == want.ClaimValue && c.scheme() == want.ProviderAuthenticationScheme &&
			!containsClaimID(found, c.ID) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("keyfactor: %s: no claim %s: %w", op, want.label(), ErrNotFound)
	case 1:
		return &found[0], nil
	}
	return nil, fmt.Errorf("keyfactor: %s: %d claims are %s (ids %d and %d)", op, len(found), want.label(), found[0].ID, found[1].ID)
}

func containsClaimID(cs []Claim, id int) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

// Create creates a claim (POST /Security/Claims, API v1), sending all four
// fields: ClaimType (as Keyfactor's integer), ClaimValue,
// ProviderAuthenticationScheme and Description (claimRequest omits none). A POST is not idempotent:
// when its answer is lost, Create looks the claim up by type, value and
// scheme and returns it when it exists, so it never creates a second claim.
func (s *ClaimsService) Create(ctx context.Context, c Claim) (*Claim, error) {
	v := newValidator("Claims.Create")
	checkOneClaim(v, &c)
	if err := v.err(); err != nil {
		return nil, err
	}
	var w claimWire
	body := claimRequests([]Claim{c})[0]
	err := s.c.do(ctx, call{method: http.MethodPost, path: "Security/Claims", version: v1, body: body}, &w)
	if err == nil {
		created := w.claim()
		return &created, nil
	}
	want := Claim{ClaimType: c.ClaimType, ClaimValue: c.ClaimValue, ProviderAuthenticationScheme: c.scheme()}
	return recoverCreate(ctx, s.c, "claim", err, func() (*Claim, error) {
		// A claim's description may lag behind (Keyfactor's claims are
		// eventually consistent): the identity is what proves it.
		found, err := s.find(ctx, "Claims.Create", want)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return found, err
	})
}

// SetDescription changes a claim's description (PUT /Security/Claims with
// only Id and Description, API v1), the one field of a claim that can
// change; its type, value and scheme cannot (delete it and create
// another). The claim returned carries the description sent: the server's
// answer, and reads for a while after, may still show the old one.
func (s *ClaimsService) SetDescription(ctx context.Context, id int, description string) (*Claim, error) {
	v := newValidator("Claims.SetDescription")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return nil, err
	}
	var w claimWire
	body := claimUpdateWire{ID: id, Description: description}
	if err := s.c.do(ctx, call{method: http.MethodPut, path: "Security/Claims", version: v1, body: body}, &w); err != nil {
		return nil, err
	}
	c := w.claim()
	c.Description = description
	return &c, nil
}

// Delete deletes a claim (DELETE /Security/Claims/{id}, API v1). It is
// retried like a GET: a 404 on a retry after an attempt that may have
// deleted the claim returns nil; on the first attempt it gives an error
// matching ErrNotFound. Command may refuse to delete a claim a role still
// holds: remove it from the roles first (Roles.RemoveClaim).
func (s *ClaimsService) Delete(ctx context.Context, id int) error {
	v := newValidator("Claims.Delete")
	v.positive("id", id)
	if err := v.err(); err != nil {
		return err
	}
	return s.c.deleteIdempotent(ctx, claimPath(id), v1, "claim")
}

// Roles returns the roles that hold the claim c names by type, value and
// scheme (GET /Security/Claims/Roles, API v1).
func (s *ClaimsService) Roles(ctx context.Context, c Claim) ([]ClaimRole, error) {
	v := newValidator("Claims.Roles")
	checkOneClaim(v, &c)
	if err := v.err(); err != nil {
		return nil, err
	}
	n, _ := c.ClaimType.wireNumber()
	q := claimRolesQuery{ClaimType: n, ClaimValue: c.ClaimValue, ProviderAuthenticationScheme: c.scheme()}
	var roles []ClaimRole
	if err := s.c.do(ctx, call{method: http.MethodGet, path: "Security/Claims/Roles", version: v1, query: q}, &roles); err != nil {
		return nil, err
	}
	return nonNil(roles), nil
}

// AddClaim gives role roleID the claim c, through Modify: serialized with
// every other change of the role on this Client, every other field and
// claim kept, and verified. A claim the role already holds — the same
// type, value compared ignoring case, and scheme — makes no write, so a
// role never holds a claim twice (that corrupts a role in Command).
func (s *RolesService) AddClaim(ctx context.Context, roleID int, c Claim) (*Role, error) {
	return s.changeClaims(ctx, "Roles.AddClaim", roleID, c, func(r *Role, at int) {
		if at < 0 {
			r.Claims = append(r.Claims, Claim{ClaimType: c.ClaimType, ClaimValue: c.ClaimValue,
				ProviderAuthenticationScheme: c.scheme(), Description: c.Description})
		}
	})
}

// RemoveClaim takes the claim c names (by type, value compared ignoring
// case, and scheme) from role roleID, through Modify as AddClaim does. A
// claim the role does not hold makes no write. The claim itself stays in
// /Security/Claims: Claims.Delete removes it once no role holds it.
func (s *RolesService) RemoveClaim(ctx context.Context, roleID int, c Claim) (*Role, error) {
	return s.changeClaims(ctx, "Roles.RemoveClaim", roleID, c, func(r *Role, at int) {
		if at >= 0 {
			r.Claims = append(r.Claims[:at], r.Claims[at+1:]...)
		}
	})
}

// changeClaims validates c and runs edit inside Modify, with the index of
// the role's claim matching c (-1 for none).
func (s *RolesService) changeClaims(ctx context.Context, op string, roleID int, c Claim, edit func(r *Role, at int)) (*Role, error) {
	v := newValidator(op)
	v.positive("roleID", roleID)
	checkOneClaim(v, &c)
	if err := v.err(); err != nil {
		return nil, err
	}
	key := c.key()
	return s.modify(ctx, op, roleID, func(r *Role) error {
		at := -1
		for i := range r.Claims {
			if r.Claims[i].key() == key {
				at = i
				break
			}
		}
		edit(r, at)
		return nil
	})
}
