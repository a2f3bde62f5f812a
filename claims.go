package keyfactor

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
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
			return fmt.Errorf("keyfactor: claim type: %w", err)
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
		return fmt.Errorf("keyfactor: claim type must be a name or an integer: %w", err)
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

// flexString decodes any JSON scalar as text: a string as itself, a number
// or a boolean as written (a provider id, a metadata value).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("keyfactor: %w", err)
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("keyfactor: want a string, number or boolean, got %s", excerpt(b, 40))
	default:
		*f = flexString(b) // encoding/json has already checked it is valid
	}
	return nil
}

// claimKey identifies a claim the way Keyfactor matches them: the type, the
// value compared case-insensitively (AD and most identity providers ignore
// case), and the provider's scheme.
type claimKey struct {
	claimType ClaimType
	value     string // lower case
	scheme    string
}

func (c *Claim) key() claimKey {
	return claimKey{c.ClaimType, strings.ToLower(c.ClaimValue), c.scheme()}
}

// label renders a claim as Change.Added and Change.Removed list it:
// Type:Value@Scheme.
func (c *Claim) label() string {
	return string(c.ClaimType) + ":" + c.ClaimValue + "@" + c.scheme()
}
