package keyfactor

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// RetryPolicy controls how failed attempts are retried. The zero value means
// the defaults; a zero wait takes its default bounded by the other wait when
// that one is set (MaxWait 1ms alone also means MinWait 1ms). Which failures
// are retried depends on the request: see the package documentation,
// section Retries.
type RetryPolicy struct {
	MaxRetries int           // retries after the first attempt; default 3; negative = no retries
	MinWait    time.Duration // first wait; default 500ms; backoff doubles from here with jitter, never below MinWait
	MaxWait    time.Duration // longest wait; default 10s; also the cap on a server's Retry-After
}

// Default retry settings, used where RetryPolicy leaves a field zero.
const (
	DefaultMaxRetries = 3
	DefaultMinWait    = 500 * time.Millisecond
	DefaultMaxWait    = 10 * time.Second
)

// withDefaults fills zero fields; it does not validate. A default never
// overrides what the caller set: MaxWait 1ms alone lowers MinWait to 1ms,
// and MinWait 20s alone raises MaxWait to 20s.
func (p RetryPolicy) withDefaults() RetryPolicy {
	switch {
	case p.MaxRetries == 0:
		p.MaxRetries = DefaultMaxRetries
	case p.MaxRetries < 0:
		p.MaxRetries = 0
	}
	switch {
	case p.MinWait == 0 && p.MaxWait == 0:
		p.MinWait, p.MaxWait = DefaultMinWait, DefaultMaxWait
	case p.MinWait == 0:
		p.MinWait = min(DefaultMinWait, p.MaxWait)
	case p.MaxWait == 0:
		p.MaxWait = max(DefaultMaxWait, p.MinWait)
	}
	return p
}

func (p RetryPolicy) check(v *validator) {
	if p.MinWait < 0 {
		v.add("Retry.MinWait", "must not be negative")
	}
	if p.MaxWait < 0 {
		v.add("Retry.MaxWait", "must not be negative")
	}
	if p.MinWait > 0 && p.MaxWait > 0 && p.MaxWait < p.MinWait {
		v.add("Retry.MaxWait", "must not be less than MinWait")
	}
}

// attempt travels in a request's context. It tells the retry policy whether
// the request is idempotent, and records, from a connection trace, whether
// each attempt got a connection: the only way to tell a failure the server
// cannot have seen (refused, DNS, TLS handshake) from one it may have acted
// on (a lost answer, a timeout after sending).
type attempt struct {
	idempotent bool
	readOnly   bool        // a GET: what an earlier attempt did cannot matter
	dialing    atomic.Bool // the transport started to get a connection
	connected  atomic.Bool // and got one (after any TLS handshake)
	notSent    bool        // re-authenticating for this attempt failed: it never left

	// Set by checkRetry, which go-retryablehttp calls once per attempt on
	// the calling goroutine, so they need no lock.
	pending bool // the attempt just checked may have been acted on
	earlier bool // an attempt that was followed by another may have been acted on
	// What the attempt just checked met, for a context that ends while the
	// next one waits: a transport error, or a status and its first bytes.
	tries      int
	lastErr    error
	lastStatus int
	lastBody   []byte

	trace httptrace.ClientTrace // held here to spare an allocation per request
}

type attemptKey struct{}

func withAttempt(ctx context.Context, idempotent, readOnly bool) (context.Context, *attempt) {
	a := &attempt{idempotent: idempotent, readOnly: readOnly}
	a.trace.GetConn = func(string) {
		a.connected.Store(false)
		a.dialing.Store(true)
	}
	a.trace.GotConn = func(httptrace.GotConnInfo) { a.connected.Store(true) }
	ctx = context.WithValue(ctx, attemptKey{}, a)
	return httptrace.WithClientTrace(ctx, &a.trace), a
}

// attemptFrom returns the request's attempt. Every request the pipeline sends
// has one; without it the request counts as not idempotent, the safe side.
func attemptFrom(ctx context.Context) *attempt {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	if a == nil {
		return &attempt{}
	}
	return a
}

// neverConnected reports whether err is a failure before any connection to
// the server existed (refused, DNS, dial timeout, TLS handshake), after which
// the server cannot have acted on the request.
func (a *attempt) neverConnected(err error) bool {
	if a.notSent || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	return a.dialing.Load() && !a.connected.Load()
}

// checked records the outcome of one attempt: whether the server may have
// acted on it. The previous attempt's outcome becomes "earlier", since
// another attempt followed it.
func (a *attempt) checked(mayHaveActed bool) {
	a.earlier = a.earlier || a.pending
	a.pending = mayHaveActed
}

// settle wraps a failed request's error with what is known of its effect on
// the server: for a request that is not idempotent, whether its last attempt
// may have been acted on (ErrOutcomeUnknown); for any request, whether an
// earlier attempt may have been.
func (a *attempt) settle(err error, lastMayHaveActed bool) error {
	u := uncertainError{err: err, outcomeUnknown: !a.idempotent && lastMayHaveActed, earlierAttempt: a.earlier && !a.readOnly}
	if !u.outcomeUnknown && !u.earlierAttempt {
		return err
	}
	return &u
}

// checkRetry is the go-retryablehttp CheckRetry. It never returns an error,
// so the transport error (or last response) reaches the caller unchanged.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	a := attemptFrom(ctx)
	a.tries++
	a.lastErr, a.lastStatus, a.lastBody = err, 0, nil
	if err != nil {
		a.checked(!a.neverConnected(err))
	} else {
		a.lastStatus = resp.StatusCode
		a.checked(resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout)
	}
	if ctx.Err() != nil {
		return false, nil
	}
	if err != nil {
		if isPermanentTLSError(err) {
			return false, nil
		}
		return a.idempotent || a.neverConnected(err), nil
	}
	retry := false
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		// Both mean the server turned the request away without acting on it.
		retry = true
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		// A gateway may have forwarded a POST that the server then stored.
		retry = a.idempotent
	}
	if retry {
		a.lastBody = bufferBody(resp)
	}
	return retry, nil
}

// bufferBody replaces a response body that is about to be retried with an
// in-memory copy of its first maxErrorBody bytes and drains the rest, so the
// connection is reused (go-retryablehttp itself drains only 4 KiB) and, if
// this was the last attempt, the pipeline still reads the server's message.
func bufferBody(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	drainClose(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// isPermanentTLSError reports certificate problems that no retry will fix.
func isPermanentTLSError(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verification *tls.CertificateVerificationError
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verification)
}

// backoff is the go-retryablehttp Backoff: exponential from min with jitter,
// never below min, never above max; a Retry-After on 429/503 is honoured up
// to max.
func (c *Client) backoff(minWait, maxWait time.Duration, attemptNum int, resp *http.Response) time.Duration {
	wait := minWait
	for i := 0; i < attemptNum && wait < maxWait; i++ {
		wait *= 2
	}
	// Jitter spreads retries from many clients: a uniform pick in
	// [wait/2, wait], then clamped to [min, max].
	if half := int64(wait / 2); half > 0 {
		wait = time.Duration(half + rand.Int64N(half+1))
	}
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if ra, ok := retryAfter(resp.Header.Get("Retry-After"), c.now()); ok && ra > wait {
			wait = ra
		}
	}
	return min(max(wait, minWait), maxWait)
}

// retryAfter parses a Retry-After value in seconds or as an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(365*24*time.Hour/time.Second) {
			secs = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// errorHandler is the go-retryablehttp ErrorHandler, called when attempts
// are used up or a failure is not retried. The last response goes back to
// the pipeline (which turns it into an *APIError with the server's message);
// a transport error, or a failure to re-authenticate for a retry, is
// returned as is for the pipeline to wrap.
func errorHandler(resp *http.Response, err error, numTries int) (*http.Response, error) {
	if err == nil {
		return resp, nil
	}
	if resp != nil {
		drainClose(resp.Body)
	}
	return nil, &attemptsError{err: err, attempts: numTries}
}

// attemptsError records how many attempts a transport failure took without
// hiding the failure itself.
type attemptsError struct {
	err      error
	attempts int
}

// Error says what failed and how often. net/http's *url.Error repeats the
// method and URL that the pipeline's message already names, so only its
// cause is printed (errors.As still reaches it).
func (e *attemptsError) Error() string {
	text := e.err.Error()
	var ue *url.Error
	if errors.As(e.err, &ue) && ue.Err != nil {
		text = ue.Err.Error()
		if ue.Timeout() && !strings.Contains(text, "Timeout") {
			text += " (timeout)"
		}
	}
	if e.attempts <= 1 {
		return text
	}
	return text + " (after " + strconv.Itoa(e.attempts) + " attempts)"
}

func (e *attemptsError) Unwrap() error { return e.err }
