package keyfactor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors for use with errors.Is. An *APIError matches the sentinel for
// its status class; a *ValidationError matches ErrValidation.
var (
	// ErrValidation matches client-side *ValidationError values only: the
	// request was rejected before anything was sent. A server 400 is an
	// *APIError and does not match it.
	ErrValidation = errors.New("keyfactor: invalid request")
	// ErrUnauthorized matches a 401 answer: the credentials were refused.
	ErrUnauthorized = errors.New("keyfactor: unauthorized")
	// ErrForbidden matches a 403 answer: the caller lacks a permission.
	ErrForbidden = errors.New("keyfactor: forbidden")
	// ErrNotFound matches a 404 answer: an unknown id.
	ErrNotFound = errors.New("keyfactor: not found")
	// ErrConflict matches a 409 answer, Keyfactor's 400 for a name that
	// already exists (a duplicate role), and Roles.Modify giving up after
	// other writers kept changing the role.
	ErrConflict = errors.New("keyfactor: conflict")
	// ErrRateLimited matches a 429 answer (after any retries).
	ErrRateLimited = errors.New("keyfactor: rate limited")
	// ErrServer matches any 5xx answer (after any retries).
	ErrServer = errors.New("keyfactor: server error")
	// ErrOutcomeUnknown matches the error of a request that is not
	// idempotent (a role create or copy) when it failed in a way that
	// leaves unknown whether the server acted on it: the connection was
	// lost or timed out after the request was sent, or a gateway answered
	// 502 or 504. Sending it again could act twice; look first. The
	// underlying *APIError or transport error stays reachable with
	// errors.As and errors.Is. Roles.Create and Roles.Clone already look the
	// role up before returning such an error.
	ErrOutcomeUnknown = errors.New("keyfactor: outcome unknown")
	// ErrImmutable matches Roles.Apply's refusal to change a built-in
	// immutable role (Command's Administrator), which it reports without
	// sending anything.
	ErrImmutable = errors.New("keyfactor: role is immutable")
	// ErrNotConfigured matches the error of ConfigFromEnv and LoadConfig
	// when neither the environment nor the config file names a server:
	// the case where a tool may fall back to offline work or a fake.
	ErrNotConfigured = errors.New("keyfactor: no server configured")
	// ErrDryRun matches the error of every call of a Client whose
	// Config.DryRun is set: the request was built and shown, not sent.
	ErrDryRun = errors.New("keyfactor: dry run: request not sent")
	// ErrDenied matches an enrollment or renewal the workflow or the CA
	// manager denied: at submission, or while Enrollment.Wait waited.
	ErrDenied = errors.New("keyfactor: denied")
	// ErrJobFailed matches an orchestrator job that ended in failure.
	ErrJobFailed = errors.New("keyfactor: orchestrator job failed")
)

// maxErrorBody is how much of an error response body is kept in APIError.Body.
const maxErrorBody = 64 << 10

// APIError is returned for any non-2xx answer from Keyfactor Command.
type APIError struct {
	StatusCode int
	// ErrorCode and Message are Keyfactor's, when the body is Keyfactor's
	// error JSON ({"ErrorCode": "0xA0110002", "Message": "..."}). They are
	// empty for HTML, plain-text or empty bodies.
	ErrorCode string
	Message   string
	// Method and URL identify the request. URL never holds credentials.
	Method string
	URL    string
	// Body holds the first 64 KiB of the response body, with any credential
	// of the request that the server echoed replaced by "[REDACTED]".
	Body []byte

	location string // a redirect's target, for the message
}

// Error returns one line naming the request, the status and Keyfactor's
// message (or an excerpt of the body when it has none).
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("keyfactor: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.URL)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case e.StatusCode >= 300 && e.StatusCode < 400:
		b.WriteString(": redirect not followed (Keyfactor Command does not redirect its API; check BaseURL)")
		if u, err := url.Parse(e.location); err == nil && e.location != "" {
			b.WriteString(" to ")
			b.WriteString(u.Redacted())
		}
	case e.StatusCode < 200:
		b.WriteString(": not a final answer; the connection was closed")
	case e.ErrorCode != "" && e.Message != "":
		fmt.Fprintf(&b, ": %s: %s", escapeControl(e.ErrorCode), escapeControl(e.Message))
	case e.Message != "":
		b.WriteString(": ")
		b.WriteString(escapeControl(e.Message))
	default:
		if x := excerpt(e.Body, 200); x != "" {
			b.WriteString(": ")
			b.WriteString(x)
		}
	}
	return b.String()
}

// Is lets errors.Is match an *APIError against the sentinel for its status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict || e.StatusCode == http.StatusBadRequest && isDuplicate(e.Message)
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// isDuplicate recognizes Keyfactor's message for a name that is taken:
// "A security role with the name 'X' already exists." Command answers it
// with a 400 and the generic validation ErrorCode, so the message is the
// only sign.
func isDuplicate(message string) bool {
	return strings.Contains(strings.ToLower(message), "already exists")
}

// errorBody is Keyfactor's error JSON. FailedOperations appears on some
// bulk endpoints; its reasons are folded into the message when Message is empty.
type errorBody struct {
	ErrorCode        string `json:"ErrorCode"`
	Message          string `json:"Message"`
	FailedOperations []struct {
		Reason string `json:"Reason"`
	} `json:"FailedOperations"`
}

// parseErrorBody extracts Keyfactor's ErrorCode and Message from an error
// body. It never fails: a body that is not Keyfactor's JSON yields empty
// strings, and the caller reports the status with an excerpt instead.
func parseErrorBody(body []byte) (code, message string) {
	trimmed := strings.TrimSpace(string(body))
	if !strings.HasPrefix(trimmed, "{") {
		return "", ""
	}
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil {
		return "", ""
	}
	message = eb.Message
	if message == "" {
		reasons := make([]string, 0, len(eb.FailedOperations))
		for _, op := range eb.FailedOperations {
			if op.Reason != "" {
				reasons = append(reasons, op.Reason)
			}
		}
		message = strings.Join(reasons, "; ")
	}
	return eb.ErrorCode, message
}

// newAPIError builds the error for a non-2xx response whose body (already
// capped at maxErrorBody) has been read.
func newAPIError(method, url string, status int, body []byte) *APIError {
	code, msg := parseErrorBody(body)
	return &APIError{StatusCode: status, ErrorCode: code, Message: msg, Method: method, URL: url, Body: body}
}

// excerpt renders at most n runes of a body on one line, so an HTML error
// page from IIS or a proxy still says something readable in an error string:
// its title, or its text without tags.
func excerpt(body []byte, n int) string {
	s := string(body)
	if lower := strings.ToLower(s); strings.Contains(lower, "<html") || strings.Contains(lower, "<!doctype") {
		if text := htmlText(s, lower); strings.TrimSpace(text) != "" {
			s = text
		}
	}
	s = escapeControl(strings.Join(strings.Fields(s), " "))
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// htmlText returns an HTML page's title, or its text with tags removed.
func htmlText(s, lower string) string {
	if i := strings.Index(lower, "<title>"); i >= 0 {
		if j := strings.Index(lower[i:], "</title>"); j > 0 {
			return s[i+len("<title>") : i+j]
		}
	}
	var b strings.Builder
	inTag := false
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
		case r == '>':
			inTag = false
			b.WriteByte(' ')
		case !inTag:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ValidationError reports every problem found in a request before it was
// sent. No request reaches the network when a method returns one.
type ValidationError struct {
	Op     string // the method, e.g. "Roles.Create"
	Fields []FieldError
}

// FieldError is one bad field. Field uses Go names with indexes, such as
// "Claims[0].ClaimValue".
type FieldError struct {
	Field, Problem string
}

// Error lists every bad field on one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("keyfactor: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString("invalid request: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Problem)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrValidation) true.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// Has reports whether field is among the bad fields.
func (e *ValidationError) Has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// uncertainError marks a failed request with what is known of its effect on
// the server. It wraps the failure, so errors.As and errors.Is still reach
// the *APIError or the transport error.
type uncertainError struct {
	err error
	// outcomeUnknown: the last attempt of a request that is not idempotent
	// may have been acted on.
	outcomeUnknown bool
	// earlierAttempt: an attempt before the last may have been acted on (its
	// answer was lost, or a gateway answered 502 or 504), so the last answer
	// may describe the state that attempt left: a 404 to a retried DELETE.
	earlierAttempt bool
}

func (e *uncertainError) Error() string {
	if e.outcomeUnknown {
		return e.err.Error() + " (the server may have acted on it)"
	}
	return e.err.Error() + " (an earlier attempt may have reached the server)"
}

func (e *uncertainError) Unwrap() error { return e.err }

// Is makes errors.Is(err, ErrOutcomeUnknown) true when the outcome is unknown.
func (e *uncertainError) Is(target error) bool {
	return target == ErrOutcomeUnknown && e.outcomeUnknown
}

// earlierAttemptMayHaveLanded reports whether err belongs to a call an
// earlier attempt of which may have reached the server and been acted on.
func earlierAttemptMayHaveLanded(err error) bool {
	var u *uncertainError
	return errors.As(err, &u) && u.earlierAttempt
}

// bodyReadError is an *APIError whose body could not be read to the end.
// Both stay reachable: errors.As finds the *APIError, errors.Is the read
// failure (a context that ended while the body arrived, say).
type bodyReadError struct {
	apiErr *APIError
	err    error
}

func (e *bodyReadError) Error() string {
	return e.apiErr.Error() + " (reading the body failed: " + e.err.Error() + ")"
}

func (e *bodyReadError) Unwrap() []error { return []error{e.apiErr, e.err} }

// retryStoppedError is the failure of a call whose context ended while it
// waited to retry: the last attempt's failure (an *APIError or a transport
// error), then the context's error. Both stay reachable with errors.Is and
// errors.As.
type retryStoppedError struct {
	cause, ctxErr error
}

func (e *retryStoppedError) Error() string {
	return e.cause.Error() + " (then stopped waiting to retry: " + e.ctxErr.Error() + ")"
}

func (e *retryStoppedError) Unwrap() []error { return []error{e.cause, e.ctxErr} }

// errorf is fmt.Errorf for the SDK's own errors: the message starts with
// "keyfactor: " once, however many of the SDK's errors (each starting so)
// it wraps, and errors.Is and errors.As reach every error wrapped with %w.
func errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &sdkError{msg: "keyfactor: " + escapeControl(strings.ReplaceAll(err.Error(), "keyfactor: ", "")), err: err}
}

// escapeControl makes server text fit for an error message, which ends up
// in logs and on terminals: line breaks and tabs become spaces (a message
// cannot forge a log line), other control characters (ESC, BEL, DEL, C1)
// become \u00XX escapes (nor drive a terminal). The values themselves,
// APIError.Message say, stay as the server sent them.
func escapeControl(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\v' || r == '\f':
			b.WriteByte(' ')
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sdkError is an error errorf made: its message, and the error it wraps.
type sdkError struct {
	msg string
	err error
}

func (e *sdkError) Error() string { return e.msg }

// Unwrap returns what the format's %w verbs wrapped.
func (e *sdkError) Unwrap() []error {
	switch u := e.err.(type) {
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	case interface{ Unwrap() error }:
		return []error{u.Unwrap()}
	}
	return nil
}
