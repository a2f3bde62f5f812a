package keyfactor

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
)

// validator collects every problem in a request so the caller sees them all
// at once instead of fixing one per round trip.
type validator struct {
	op     string
	fields []FieldError
}

func newValidator(op string) *validator { return &validator{op: op} }

func (v *validator) add(field, problem string) {
	v.fields = append(v.fields, FieldError{Field: field, Problem: problem})
}

func (v *validator) addf(field, format string, args ...any) {
	v.add(field, fmt.Sprintf(format, args...))
}

func (v *validator) positive(field string, n int) {
	if n <= 0 {
		v.addf(field, "must be greater than 0, got %d", n)
	}
}

func (v *validator) notNegative(field string, n int) {
	if n < 0 {
		v.addf(field, "must not be negative, got %d", n)
	}
}

func (v *validator) notBlank(field, s string) {
	if strings.TrimSpace(s) == "" {
		v.add(field, "must not be blank")
	}
}

// err returns the collected *ValidationError, or nil when there is none.
func (v *validator) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &ValidationError{Op: v.op, Fields: v.fields}
}

func checkRoleText(v *validator, name, description, email string) {
	v.notBlank("Name", name)
	v.notBlank("Description", description)
	checkEmail(v, "EmailAddress", email)
}

// checkEmail accepts a bare address only: "Team <a@b>" parses but is not
// what Keyfactor stores.
func checkEmail(v *validator, field, s string) {
	if s == "" {
		return
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Name != "" || a.Address != s {
		v.addf(field, "%q is not a bare email address such as pki-team@example.com", s)
	}
}

// checkGUID accepts a hyphenated GUID without braces.
func checkGUID(v *validator, field, s string) {
	if s == "" {
		return
	}
	ok := len(s) == 36
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			ok = c == '-'
		} else {
			ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		}
	}
	if !ok {
		v.addf(field, "%q is not a GUID such as 00000000-0000-0000-0000-000000000000", s)
	}
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
			d := &claims[j]
			if d.ClaimType == c.ClaimType && d.ClaimValue == c.ClaimValue && d.scheme() == c.scheme() {
				v.addf(field("ClaimValue"), "repeats Claims[%d]", j)
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
