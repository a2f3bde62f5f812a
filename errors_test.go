package keyfactor

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestValidationErrorListsEveryField(t *testing.T) {
	err := &ValidationError{Op: "Roles.Create", Fields: []FieldError{
		{"Name", "must not be blank"}, {"Claims[0].ClaimValue", "must not be blank"}}}
	want := "keyfactor: Roles.Create: invalid request: Name: must not be blank; Claims[0].ClaimValue: must not be blank"
	if err.Error() != want {
		t.Errorf("Error() = %q", err.Error())
	}
	if !errors.Is(err, ErrValidation) || errors.Is(err, ErrNotFound) {
		t.Error("sentinel matching is wrong")
	}
}

func TestAPIErrorMatchesOnlyItsSentinel(t *testing.T) {
	sentinels := map[int]error{401: ErrUnauthorized, 403: ErrForbidden, 404: ErrNotFound, 409: ErrConflict,
		429: ErrRateLimited, 500: ErrServer, 503: ErrServer}
	all := []error{ErrValidation, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrServer}
	for status, want := range sentinels {
		err := error(&APIError{StatusCode: status})
		for _, s := range all {
			if got := errors.Is(err, s); got != (s == want) {
				t.Errorf("%d: errors.Is(%v) = %v", status, s, got)
			}
		}
	}
	if errors.Is(&APIError{StatusCode: 400}, ErrValidation) {
		t.Error("a server 400 matches ErrValidation")
	}
}

// FuzzParseErrorBody: any body, however broken, yields a usable error.
func FuzzParseErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"ErrorCode":"0xA0110002","Message":"No private key could be found"}`,
		`{"ErrorCode":"0xA011004A","Message":"","FailedOperations":[{"Reason":"x"}]}`,
		`<html><head><title>502</title></head></html>`, "plain", "", "{", `{"Message":5}`, "\xff\xfe",
		`<!DOCTYPE html><title>`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		code, msg := parseErrorBody(body)
		if !strings.HasPrefix(strings.TrimSpace(string(body)), "{") && (code != "" || msg != "") {
			t.Fatalf("non-JSON body gave %q %q", code, msg)
		}
		e := newAPIError("GET", testBase, 500, body)
		s := e.Error()
		if !strings.Contains(s, "500 Internal Server Error") {
			t.Fatalf("status missing from %q", s)
		}
		x := excerpt(body, 200)
		if !utf8.ValidString(x) || utf8.RuneCountInString(x) > 201 || strings.ContainsAny(x, "\n\r\t") {
			t.Fatalf("bad excerpt %q", x)
		}
	})
}

// Server text in an error cannot forge a log line or drive a terminal:
// line breaks become spaces and other control characters escapes, in
// APIError's message and in the SDK's own errors; the fields keep the
// server's exact text.
func TestErrorTextEscapesControlCharacters(t *testing.T) {
	const evil = "Denied.\n2026-12-05 INFO all good\x1b[2J\u009b31m\x07"
	apiErr := &APIError{StatusCode: 400, ErrorCode: "0xA0\x1b", Message: evil}
	wrapped := errorf("%s: request %d was denied: %s: %w", "Enrollment.Wait", 7, evil, ErrDenied)
	for _, err := range []error{apiErr, wrapped} {
		msg := err.Error()
		if strings.ContainsFunc(msg, unicode.IsControl) || !strings.Contains(msg, `Denied. 2026-12-05 INFO all good\u001b[2J\u009b31m\u0007`) {
			t.Errorf("%q", msg)
		}
	}
	if apiErr.Message != evil || !errors.Is(wrapped, ErrDenied) {
		t.Error("the fields or the chain changed")
	}
	if got := escapeControl("plain text, é 世界"); got != "plain text, é 世界" {
		t.Errorf("plain text changed: %q", got)
	}
}
