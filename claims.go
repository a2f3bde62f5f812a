package keyfactor

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ClaimType says what kind of identity a Claim names. The zero value is
// invalid, so a forgotten ClaimType never silently means User.
//
// A ClaimType marshals as its name, as Keyfactor's responses spell it; the
// SDK converts it to Keyfactor's integer itself when it builds a request.
type ClaimType string

// The claim types Keyfactor Command documents. On the wire a request carries
// the integer after each name; responses carry the name.
const (
	ClaimUser          ClaimType = "User"          // 0
	ClaimGroup         ClaimType = "Group"         // 1
	ClaimComputer      ClaimType = "Computer"      // 2
	ClaimOAuthOid      ClaimType = "OAuthOid"      // 3
	ClaimOAuthRole     ClaimType = "OAuthRole"     // 4
	ClaimOAuthSubject  ClaimType = "OAuthSubject"  // 5
	ClaimOAuthClientID ClaimType = "OAuthClientId" // 6
)

// claimTypes is indexed by Keyfactor's integer for each claim type.
var claimTypes = [...]ClaimType{ClaimUser, ClaimGroup, ClaimComputer, ClaimOAuthOid, ClaimOAuthRole,
	ClaimOAuthSubject, ClaimOAuthClientID}

// number returns Keyfactor's integer for t; ok is false for a claim type
// outside the known set (including one decoded from a newer server).
func (t ClaimType) number() (n int, ok bool) {
	i := slices.Index(claimTypes[:], t)
	return i, i >= 0
}

// wireNumber returns the integer a request carries for t: a known claim
// type's, or the integer of a claim type that a newer server reported as a
// number (kept as decimal text), so that a role read from such a server can
// be written back unchanged. Decoding turns a known integer into its name,
// so decimal text of a known integer ("0") never comes from a server and is
// refused rather than read as that type.
func (t ClaimType) wireNumber() (n int, ok bool) {
	if n, ok := t.number(); ok {
		return n, true
	}
	n, err := strconv.Atoi(string(t))
	return n, err == nil && n >= len(claimTypes) && strconv.Itoa(n) == string(t)
}

// UnmarshalJSON accepts Keyfactor's integer or a name in any case and yields
// the matching constant. So that reading roles never fails on a claim type
// added by a newer server, an unknown name is kept as is and an unknown
// integer as its decimal text.
func (t *ClaimType) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var name string
		if len(b) >= 2 && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
			name = string(b[1 : len(b)-1]) // no escapes, valid UTF-8: nothing to decode
		} else if err := json.Unmarshal(b, &name); err != nil {
			return errorf("claim type: %w", err)
		}
		*t = ClaimType(name)
		for _, known := range claimTypes {
			if strings.EqualFold(name, string(known)) {
				*t = known
			}
		}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errorf("claim type must be a name or an integer: %w", err)
	}
	if i, err := n.Int64(); err == nil && i >= 0 && i < int64(len(claimTypes)) {
		*t = claimTypes[i]
		return nil
	}
	*t = ClaimType(n.String())
	return nil
}

// Claim is one identity granted a role: an Active Directory user, group or
// computer, or an OAuth subject, role, object id or client id.
//
// A Claim marshals to JSON as it reads (ClaimType by name, Id and Provider
// when set), so a role printed by a program can be read back unchanged.
// Requests carry only ClaimType (as Keyfactor's integer), ClaimValue,
// ProviderAuthenticationScheme and Description.
type Claim struct {
	ClaimType  ClaimType `json:"ClaimType"`
	ClaimValue string    `json:"ClaimValue"` // AD: DOMAIN\name (computers DOMAIN\host$); OAuth: the claim's value
	// ProviderAuthenticationScheme is "Active Directory" for AD claims,
	// otherwise the identity provider's scheme name. Responses fill it from
	// Provider.AuthenticationScheme; when it is empty in a request, the
	// Provider's scheme is sent.
	ProviderAuthenticationScheme string         `json:"ProviderAuthenticationScheme"`
	Description                  string         `json:"Description"`
	ID                           int            `json:"Id,omitempty"`       // filled from responses only; never sent
	Provider                     *ClaimProvider `json:"Provider,omitempty"` // filled from responses only; never sent
}

// ClaimProvider is the identity provider of a Claim, as the server reports it.
type ClaimProvider struct {
	ID                   string `json:"Id"`
	AuthenticationScheme string `json:"AuthenticationScheme"`
	DisplayName          string `json:"DisplayName"`
}

// scheme is the provider scheme a request sends for c.
func (c *Claim) scheme() string {
	if c.Provider != nil {
		return cmp.Or(c.ProviderAuthenticationScheme, c.Provider.AuthenticationScheme)
	}
	return c.ProviderAuthenticationScheme
}

// claimRequest is a Claim as v2 create and update requests carry it. No
// field is omitted: Keyfactor's request model marks all four required.
type claimRequest struct {
	ClaimType                    int    `json:"ClaimType"`
	ClaimValue                   string `json:"ClaimValue"`
	ProviderAuthenticationScheme string `json:"ProviderAuthenticationScheme"`
	Description                  string `json:"Description"`
}

// claimRequests converts claims to request form. Validation has already
// refused any claim type without a wire number.
func claimRequests(claims []Claim) []claimRequest {
	if claims == nil {
		return nil
	}
	out := make([]claimRequest, len(claims))
	for i := range claims {
		c := &claims[i]
		n, _ := c.ClaimType.wireNumber()
		out[i] = claimRequest{ClaimType: n, ClaimValue: c.ClaimValue, ProviderAuthenticationScheme: c.scheme(),
			Description: c.Description}
	}
	return out
}

// claimWire is a Claim as responses spell it. Decoding into it rather than
// into Claim keeps response decoding to one pass with leaf-level decoders.
type claimWire struct {
	ID                           int           `json:"Id"`
	ClaimType                    ClaimType     `json:"ClaimType"`
	ClaimValue                   string        `json:"ClaimValue"`
	ProviderAuthenticationScheme string        `json:"ProviderAuthenticationScheme"`
	Description                  string        `json:"Description"`
	Provider                     *providerWire `json:"Provider"`
}

// providerWire is a ClaimProvider as responses spell it: Keyfactor's
// OpenAPI types Id as a string, and some servers send a number.
type providerWire struct {
	ID                   flexString `json:"Id"`
	AuthenticationScheme string     `json:"AuthenticationScheme"`
	DisplayName          string     `json:"DisplayName"`
}

func (w *claimWire) claim() Claim {
	c := Claim{ClaimType: w.ClaimType, ClaimValue: w.ClaimValue, ProviderAuthenticationScheme: w.ProviderAuthenticationScheme,
		Description: w.Description, ID: w.ID}
	if p := w.Provider; p != nil {
		c.Provider = &ClaimProvider{ID: string(p.ID), AuthenticationScheme: p.AuthenticationScheme, DisplayName: p.DisplayName}
		c.ProviderAuthenticationScheme = cmp.Or(c.ProviderAuthenticationScheme, p.AuthenticationScheme)
	}
	return c
}

func claimsFromWire(ws []claimWire) []Claim {
	if ws == nil {
		return nil
	}
	out := make([]Claim, len(ws))
	for i := range ws {
		out[i] = ws[i].claim()
	}
	return out
}

// claimKey identifies a claim the way Keyfactor matches them: the type, the
// value compared ignoring case (AD and most identity providers ignore
// case), and the provider's scheme. It is the one rule of claim identity:
// AddClaim, RemoveClaim, Validate and the role diff all use it.
type claimKey struct {
	claimType ClaimType
	value     string // nameKey of the value
	scheme    string
}

func (c *Claim) key() claimKey {
	return claimKey{c.ClaimType, nameKey(c.ClaimValue), c.scheme()}
}

// sameIdentity is c.key() == d.key(), without building either key: this
// runs for every pair of claims on every create.
func (c *Claim) sameIdentity(d *Claim) bool {
	return c.ClaimType == d.ClaimType && c.scheme() == d.scheme() && strings.EqualFold(c.ClaimValue, d.ClaimValue)
}

// label renders a claim as Change.Added and Change.Removed list it:
// Type:Value@Scheme.
func (c *Claim) label() string {
	return string(c.ClaimType) + ":" + c.ClaimValue + "@" + c.scheme()
}

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
	return listPlain(ctx, s.c, "Claims.List", "Security/Claims", q, func(w *claimWire) int { return w.ID }, (*claimWire).claim)
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
			!slices.ContainsFunc(found, func(f Claim) bool { return f.ID == c.ID }) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return nil, errorf("%s: no claim %s: %w", op, want.label(), ErrNotFound)
	case 1:
		return &found[0], nil
	}
	return nil, errorf("%s: %d claims are %s (ids %d and %d)", op, len(found), want.label(), found[0].ID, found[1].ID)
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
	body := claimRequests([]Claim{c})[0]
	want := Claim{ClaimType: c.ClaimType, ClaimValue: c.ClaimValue, ProviderAuthenticationScheme: c.scheme()}
	// A claim's description may lag behind (Keyfactor's claims are
	// eventually consistent): the identity alone proves it.
	return writeOnce(ctx, s.c, "claim", call{method: http.MethodPost, path: "Security/Claims", version: v1, body: body},
		func(w *claimWire) *Claim { created := w.claim(); return &created },
		func() (*Claim, error) { return s.find(ctx, "Claims.Create", want) }, same[Claim])
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
	return s.c.deleteIdempotent(ctx, claimPath(id), nil, v1, "claim")
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

// checkClaims checks claims for a v2 create or update. Claims a caller wrote
// must use a known ClaimType; claims read back from the server (fromServer:
// Clone, Update, Modify) may also carry the integer of a claim type newer
// than this SDK, kept as decimal text, which is sent back as that integer.
// The scheme may come from Provider, as it does in a role read from the
// server; a claim with neither is refused, since the server needs one.
func checkClaims(v *validator, claims []Claim, fromServer bool) {
	for i := range claims {
		c := &claims[i]
		// Field names are built only for a problem: this runs on every create.
		field := func(name string) string { return "Claims[" + strconv.Itoa(i) + "]." + name }
		checkClaim(v, c, fromServer, field)
		for j := range i {
			if claims[j].sameIdentity(c) {
				v.addf(field("ClaimValue"), "repeats Claims[%d] (claims are one when their type, value ignoring case, and scheme match)", j)
				break
			}
		}
	}
}

// checkOneClaim checks a claim that stands alone (Claims.Create, Find,
// Roles.AddClaim): its fields are named without an index.
func checkOneClaim(v *validator, c *Claim) {
	checkClaim(v, c, false, func(name string) string { return name })
}

// checkClaim checks one claim's fields, named by field.
func checkClaim(v *validator, c *Claim, fromServer bool, field func(string) string) {
	_, known := c.ClaimType.number()
	if !known && fromServer {
		_, known = c.ClaimType.wireNumber()
	}
	switch {
	case c.ClaimType == "":
		v.add(field("ClaimType"), "required (ClaimUser, ClaimGroup, ClaimOAuthRole, ...)")
	case !known:
		v.addf(field("ClaimType"), "unknown claim type %q", string(c.ClaimType))
	}
	if strings.TrimSpace(c.ClaimValue) == "" {
		v.add(field("ClaimValue"), "must not be blank")
	}
	switch {
	case strings.TrimSpace(c.scheme()) != "":
	case fromServer && c.Provider == nil:
		v.add(field("ProviderAuthenticationScheme"), "must not be blank: the claim has no Provider to take it from")
	default:
		v.add(field("ProviderAuthenticationScheme"), "must not be blank")
	}
}
