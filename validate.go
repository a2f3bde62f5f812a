package keyfactor

import (
	"fmt"
	"net/mail"
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

// checkGUID requires a hyphenated GUID without braces. An empty one would
// name no object: GET /CertificateStores/{id} with "" is the list of
// stores, and a job id "" is one no job history will ever hold.
func checkGUID(v *validator, field, s string) {
	if s == "" {
		v.add(field, "required: a GUID such as 00000000-0000-0000-0000-000000000000")
		return
	}
	checkOptionalGUID(v, field, s)
}

// checkOptionalGUID accepts an empty s or a hyphenated GUID without braces.
func checkOptionalGUID(v *validator, field, s string) {
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
