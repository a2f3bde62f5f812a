package keyfactor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/keyfactor-sdk/keyfactor-go/internal/strictjson"
)

// Version is the SDK's version, sent in the User-Agent header.
const Version = "0.1.0"

// Defaults for the transport the Client builds when Config.HTTPClient (or its
// Transport) is nil.
const (
	// DefaultTimeout bounds each attempt when neither Config.Timeout nor
	// Config.HTTPClient.Timeout is set.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxIdleConnsPerHost is the idle-connection pool kept per host.
	// net/http's default of 2 makes concurrent callers open and close
	// connections constantly; 64 lets 64 goroutines share warm connections.
	DefaultMaxIdleConnsPerHost = 64
)

// Config configures a Client. BaseURL and Auth are required.
//
// fmt, slog and encoding/json never show a Config's secrets.
type Config struct {
	// BaseURL is the API root, used as given with any trailing "/" trimmed,
	// e.g. "https://kf.example.com/KeyfactorAPI". Keyfactor lets the API path
	// be changed at install time, so the SDK adds no path of its own.
	BaseURL string
	// AllowInsecureHTTP permits an http:// BaseURL (local fakes, tests).
	AllowInsecureHTTP bool
	// Auth sets each request's credentials: BasicAuth, BearerToken,
	// OAuth2ClientCredentials or your own Authenticator.
	Auth Authenticator
	// HTTPClient is an optional base client whose Transport (proxy, TLS),
	// CheckRedirect, Jar and Timeout are used. It is never modified. When it
	// or its Transport is nil, a pooled transport with TLS verification and
	// DefaultMaxIdleConnsPerHost idle connections per host is used.
	//
	// Redirects are not followed, for API calls and OAuth token requests
	// alike: Keyfactor Command never redirects its API, and following one
	// could send credentials or a request body elsewhere, or turn a write
	// into a GET that reports success. A 3xx answer is returned as an
	// *APIError. Set HTTPClient.CheckRedirect to choose otherwise.
	HTTPClient *http.Client
	// Timeout bounds each attempt; else HTTPClient.Timeout; else DefaultTimeout.
	Timeout time.Duration
	// Retry tunes retries; the zero value means the defaults.
	Retry RetryPolicy
	// UserAgent, when set, is sent before "keyfactor-go/<Version>".
	UserAgent string
	// Logger receives debug records of requests and retries; nil is silent.
	// No secret is ever logged.
	Logger *slog.Logger
	// DryRun, when set, receives each request fully built (URL, query,
	// headers, JSON body) instead of it being sent, and the call returns an
	// error matching ErrDryRun. The request's Authorization header holds
	// only the scheme and "[REDACTED]": no secret is handed out and no OAuth
	// token is fetched. A method that needs an answer before its next
	// request (Clone, Modify, GetByName) stops after its first.
	DryRun func(*http.Request)
}

func (c Config) safeFields() []safeField {
	return []safeField{
		{"BaseURL", c.BaseURL, false}, {"AllowInsecureHTTP", c.AllowInsecureHTTP, false},
		{"Auth", c.Auth, false}, {"HTTPClient", c.HTTPClient != nil, false},
		{"Timeout", c.Timeout, false}, {"Retry", c.Retry, false},
		{"UserAgent", c.UserAgent, false}, {"Logger", c.Logger != nil, false},
		{"DryRun", c.DryRun != nil, false},
	}
}

// Format prints the Config with every secret of its Auth redacted.
func (c Config) Format(f fmt.State, verb rune) { formatSafe(f, verb, "Config", c.safeFields()) }

// LogValue logs the Config with every secret of its Auth redacted.
func (c Config) LogValue() slog.Value { return logSafe(c.safeFields()) }

// MarshalJSON encodes the Config with every secret of its Auth redacted.
func (c Config) MarshalJSON() ([]byte, error) { return jsonSafe(c.safeFields()) }

// Client talks to one Keyfactor Command API. It is safe for concurrent use;
// create one and share it, so connections and OAuth tokens are reused.
type Client struct {
	Certificates   *CertificatesService
	Roles          *RolesService
	PermissionSets *PermissionSetsService
	Claims         *ClaimsService
	Collections    *CollectionsService
	Containers     *ContainersService
	Security       *SecurityService
	// Enrollment issues certificates; Templates and
	// CertificateAuthorities name what they are issued under.
	Enrollment             *EnrollmentService
	Templates              *TemplatesService
	CertificateAuthorities *CertificateAuthoritiesService
	// MetadataFields manages the metadata fields certificates carry.
	MetadataFields *MetadataFieldsService
	// Stores, StoreTypes, Agents and Jobs deliver certificates through
	// orchestrators.
	Stores     *StoresService
	StoreTypes *StoreTypesService
	Agents     *AgentsService
	Jobs       *JobsService

	baseURL   string
	auth      Authenticator
	http      *retryablehttp.Client
	transport http.RoundTripper // the caller's or the default, for CloseIdleConnections
	timeout   time.Duration     // bound on each attempt
	userAgent string
	logger    *slog.Logger
	dryRun    func(*http.Request)
	now       func() time.Time
	maxBody   int64          // bound on a 2xx body; maxSuccessBody, lowered in tests
	retry     RetryPolicy    // with defaults: also paces Enrollment.Wait
	metadata  *metadataCache // a pointer: Client has value methods (Format) that copy it
	stores    *storeLocks    // a pointer, likewise
}

// NewClient checks cfg and returns a Client. It makes no network call. A bad
// Config gives a *ValidationError naming every bad field.
func NewClient(cfg Config) (*Client, error) {
	v := newValidator("NewClient")
	base := checkURL(v, "BaseURL", cfg.BaseURL, cfg.AllowInsecureHTTP)
	if cfg.Timeout < 0 {
		v.add("Timeout", "must not be negative")
	}
	cfg.Retry.check(v)

	transport := http.RoundTripper(nil)
	var hc http.Client
	hc.CheckRedirect = refuseRedirects
	if cfg.HTTPClient != nil {
		transport = cfg.HTTPClient.Transport
		if cfg.HTTPClient.CheckRedirect != nil {
			hc.CheckRedirect = cfg.HTTPClient.CheckRedirect
		}
		hc.Jar = cfg.HTTPClient.Jar
		hc.Timeout = cfg.HTTPClient.Timeout
	}
	if transport == nil {
		transport = newDefaultTransport()
	}
	if cfg.Timeout > 0 {
		hc.Timeout = cfg.Timeout
	}
	if hc.Timeout == 0 {
		hc.Timeout = DefaultTimeout
	}
	timeout := hc.Timeout
	// The identity provider is asked through a client of its own, bounded by
	// the same Timeout, so a hung token endpoint cannot hold a call forever.
	tokenClient := hc
	tokenClient.Transport = transport
	// The API client leaves Timeout to attemptTransport: net/http's own
	// timeout, on a transport it does not know, costs a goroutine, a timer
	// and two channels per request. The wrapper is also what keeps
	// go-retryablehttp's CloseIdleConnections, which it calls after every
	// failed call, from emptying the pool that concurrent calls share.
	hc.Timeout = 0
	hc.Transport = &attemptTransport{rt: transport, timeout: timeout, cause: attemptTimeout(timeout)}

	auth := bindAuth(cfg.Auth, &tokenClient, cfg.AllowInsecureHTTP, v)
	if err := v.err(); err != nil {
		return nil, err
	}

	ua := "keyfactor-go/" + Version
	if ua0 := strings.TrimSpace(cfg.UserAgent); ua0 != "" {
		ua = ua0 + " " + ua
	}
	c := &Client{
		baseURL:   strings.TrimRight(base.String(), "/"),
		auth:      auth,
		transport: transport,
		timeout:   timeout,
		userAgent: ua,
		logger:    cfg.Logger,
		dryRun:    cfg.DryRun,
		now:       time.Now,
		maxBody:   maxSuccessBody,
	}
	retry := cfg.Retry.withDefaults()
	c.retry = retry
	c.http = &retryablehttp.Client{
		HTTPClient:   &hc,
		RetryWaitMin: retry.MinWait,
		RetryWaitMax: retry.MaxWait,
		RetryMax:     retry.MaxRetries,
		CheckRetry:   checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: errorHandler,
		PrepareRetry: c.prepareRetry,
	}
	if cfg.Logger != nil {
		c.http.Logger = retryLogger{cfg.Logger}
	}
	if t, ok := transport.(*http.Transport); ok && t.TLSClientConfig != nil && t.TLSClientConfig.InsecureSkipVerify && cfg.Logger != nil {
		cfg.Logger.Warn("keyfactor: TLS certificate verification is disabled; use only against test servers")
	}
	c.Certificates = &CertificatesService{c: c}
	c.Enrollment = &EnrollmentService{c: c}
	c.Templates = &TemplatesService{c: c}
	c.CertificateAuthorities = &CertificateAuthoritiesService{c: c}
	c.MetadataFields = &MetadataFieldsService{c: c}
	c.Stores = &StoresService{c: c}
	c.StoreTypes = &StoreTypesService{c: c}
	c.Agents = &AgentsService{c: c}
	c.Jobs = &JobsService{c: c}
	c.metadata = &metadataCache{}
	c.stores = &storeLocks{}
	c.Roles = &RolesService{c: c}
	c.PermissionSets = &PermissionSetsService{c: c}
	c.Claims = &ClaimsService{c: c}
	c.Collections = &CollectionsService{c: c}
	c.Containers = &ContainersService{c: c}
	c.Security = &SecurityService{c: c}
	return c, nil
}

// refuseRedirects makes net/http return a 3xx answer as it is. Go's own
// policy forwards Authorization to another port of the same host and over
// plain http, re-sends bodies on 307/308 and turns POST and PUT into GET on
// 301/302/303.
func refuseRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func newDefaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0 // no global cap; the per-host cap applies
	t.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	return t
}

// BaseURL returns the API base URL the Client sends to, without a trailing "/".
func (c *Client) BaseURL() string { return c.baseURL }

// CloseIdleConnections closes the idle connections of the Client's transport.
// The Client stays usable.
func (c *Client) CloseIdleConnections() {
	if ci, ok := c.transport.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// Format prints the Client's base URL only; it never shows credentials. It
// has a value receiver so that a Client value, and a *Client, print alike.
// (A Client held in an unexported field of another struct is printed by
// fmt without calling Format; its credentials sit behind pointers there,
// which fmt prints as addresses.)
func (c Client) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "keyfactor.Client{BaseURL:%q}", c.baseURL)
}

// LogValue logs the Client's base URL only.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("BaseURL", c.baseURL))
}

// MarshalJSON encodes the Client's base URL only.
func (c Client) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ BaseURL string }{c.baseURL})
}

// attemptTransport bounds each attempt by the Client's Timeout, from the
// request until its body is closed or read to the end. It has no
// CloseIdleConnections method, so go-retryablehttp cannot reach the pool.
type attemptTransport struct {
	rt      http.RoundTripper
	timeout time.Duration
	cause   error // attemptTimeout(timeout), boxed once
}

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeoutCause(req.Context(), t.timeout, t.cause)
	resp, err := t.rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		// The transport returns the context's cause, or, from some paths,
		// a bare "context deadline exceeded" that would blame the caller.
		if req.Context().Err() == nil && context.Cause(ctx) == t.cause && !errors.Is(err, t.cause) {
			err = fmt.Errorf("%w: %w", t.cause, err)
		}
		cancel()
		return nil, err
	}
	if resp.Body == http.NoBody {
		cancel() // a 204: the attempt is over
		return resp, nil
	}
	resp.Body = &attemptBody{rc: resp.Body, cancel: cancel}
	return resp, nil
}

// attemptTimeout is the cause of an attempt's context ending at Timeout.
type attemptTimeout time.Duration

func (e attemptTimeout) Error() string {
	return "attempt timed out after " + time.Duration(e).String() + " (Config.Timeout)"
}

// Timeout marks the error as a timeout for net.Error checks.
func (e attemptTimeout) Timeout() bool { return true }

// Unwrap makes the timeout a context.DeadlineExceeded, as net/http's own
// Client.Timeout error is.
func (e attemptTimeout) Unwrap() error { return context.DeadlineExceeded }

// attemptBody ends the attempt's context when the body is done with.
type attemptBody struct {
	rc     io.ReadCloser
	cancel context.CancelFunc
}

func (b *attemptBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.cancel()
	}
	return n, err
}

func (b *attemptBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// apiVersion is the value of x-keyfactor-api-version, which selects the
// endpoint version (absent means 1.0).
type apiVersion string

const (
	v1 apiVersion = "1.0"
	v2 apiVersion = "2.0"
)

// call is one typed request for the pipeline.
type call struct {
	method  string
	path    string // relative to BaseURL, already escaped: "Certificates/5/Owner"
	version apiVersion
	query   any // a struct with `url` tags for go-querystring, or nil
	body    any // encoded as JSON; nil sends no body
	// repeat says whether the request may be sent again after an attempt
	// that may have reached the server. The zero value decides by method.
	repeat repeatability
	// format is the x-certificateformat header the enrollment and
	// retrieval endpoints require; "" sends none.
	format string
	// secrets are values the request carries that must never show (a PFX
	// password): they are redacted from a dry run's body and from errors,
	// in every form an echo may take.
	secrets []string
	// keyMaterial marks an answer that holds a private key, an archive or
	// a password: a body that fails to decode is not quoted in the error.
	keyMaterial bool
}

// repeatability says whether a request is idempotent: whether sending it
// twice has the effect of sending it once.
type repeatability uint8

const (
	byMethod      repeatability = iota // every method but POST and PATCH is idempotent
	idempotent                         // safe to send again whatever happened
	notIdempotent                      // send again only when it cannot have reached the server
)

func (cl *call) idempotent() bool {
	switch cl.repeat {
	case idempotent:
		return true
	case notIdempotent:
		return false
	}
	return cl.method != http.MethodPost && cl.method != http.MethodPatch
}

// request is a call on its way through the pipeline.
type request struct {
	*retryablehttp.Request
	method, url string
	attempt     *attempt
	start       time.Time
	secrets     []string // call.secrets
	keyMaterial bool     // call.keyMaterial
}

// maxDrain bounds how much of an unread body is read to reuse its connection.
const maxDrain = 256 << 10

// do is the single request pipeline: build, send (with retries), decode.
// A 2xx answer is decoded into out (when out is non-nil); anything else
// becomes an *APIError. A failure that may have reached the server is
// marked as such (see uncertainError), so that callers decide on what
// happened rather than on the HTTP method.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	r, err := c.build(ctx, &cl)
	if err != nil {
		return err
	}
	if c.dryRun != nil {
		return c.showDryRun(r)
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 {
		// An informational status as the final answer (101 Switching
		// Protocols) hands over a raw connection that no timeout bounds:
		// close it unread.
		_ = resp.Body.Close()
		return r.attempt.settle(newAPIError(r.method, r.url, resp.StatusCode, nil), true)
	}
	// Body reads end with the request's context (net/http aborts them)
	// and with the attempt's Timeout.
	defer drainClose(resp.Body)
	return c.decode(ctx, r, resp, out)
}

// build encodes the query and body and sets every header but Authorization.
func (c *Client) build(ctx context.Context, cl *call) (*request, error) {
	u := c.baseURL + "/" + cl.path
	if err := ctx.Err(); err != nil {
		return nil, requestError(cl.method, u, "", err)
	}
	if cl.query != nil {
		vals, err := query.Values(cl.query)
		if err != nil {
			return nil, requestError(cl.method, u, "encode query", err)
		}
		if len(vals) > 0 {
			u += "?" + vals.Encode()
		}
	}
	var body any // nil interface, not a nil []byte: no body at all
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return nil, requestError(cl.method, u, "encode body", err)
		}
		body = b
	}
	actx, att := withAttempt(ctx, cl.idempotent(), cl.method == http.MethodGet)
	req, err := retryablehttp.NewRequestWithContext(actx, cl.method, u, body)
	if err != nil {
		return nil, requestError(cl.method, u, "", err)
	}
	// The keys are canonical already, and the values share one array: five
	// Header.Set calls would cost five allocations on every request.
	vals := make([]string, 5)
	vals[0], vals[1], vals[2], vals[3], vals[4] = "application/json", c.userAgent, "APIClient", string(cl.version), "application/json"
	h := req.Header
	h["Accept"] = vals[0:1:1]
	h["User-Agent"] = vals[1:2:2]
	h["X-Keyfactor-Requested-With"] = vals[2:3:3]
	h["X-Keyfactor-Api-Version"] = vals[3:4:4]
	if body != nil {
		h["Content-Type"] = vals[4:5:5]
	}
	if cl.format != "" {
		h["X-Certificateformat"] = []string{cl.format}
	}
	return &request{Request: req, method: cl.method, url: u, attempt: att, secrets: cl.secrets, keyMaterial: cl.keyMaterial}, nil
}

// send authenticates and sends the request with retries. A transport
// failure comes back wrapped with the request's name and what is known of
// its effect on the server.
func (c *Client) send(ctx context.Context, r *request) (*http.Response, error) {
	r.start = c.now()
	if err := c.auth.Authenticate(r.Request.Request); err != nil {
		err = requestError(r.method, r.url, "authenticate", err)
		c.log(ctx, r, 0, err)
		return nil, err
	}
	resp, err := c.http.Do(r.Request)
	if err != nil {
		var ae *attemptsError
		lastMayHaveActed := false
		if errors.As(err, &ae) {
			lastMayHaveActed = !r.attempt.neverConnected(ae.err)
			err = requestError(r.method, r.url, "", err)
		} else {
			// The context ended during a wait between attempts. Its error
			// alone would blame the deadline for what the last attempt met
			// (a refused connection, a 503): report that, with why retrying
			// stopped.
			err = c.retryStopped(r, err)
			lastMayHaveActed = r.attempt.pending
		}
		err = r.attempt.settle(err, lastMayHaveActed)
		c.log(ctx, r, 0, err)
		return nil, err
	}
	c.log(ctx, r, resp.StatusCode, nil)
	return resp, nil
}

// decode turns a non-2xx answer into an *APIError and decodes a 2xx body
// into out.
func (c *Client) decode(ctx context.Context, r *request, resp *http.Response, out any) error {
	if resp.StatusCode > 299 {
		b, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		apiErr := newAPIError(r.method, r.url, resp.StatusCode, b)
		if resp.StatusCode < 400 {
			apiErr.location = resp.Header.Get("Location")
		}
		c.scrub(apiErr, r)
		if rf, ok := c.auth.(refusable); ok && resp.StatusCode == http.StatusUnauthorized {
			rf.refused(r.Request.Header.Get("Authorization"))
		}
		var err error = apiErr
		if readErr != nil {
			err = &bodyReadError{apiErr: apiErr, err: c.contextCause(ctx, readErr)}
		}
		// A gateway's 502 or 504 says nothing of whether the server behind
		// it acted.
		gateway := resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout
		return r.attempt.settle(err, gateway)
	}
	if out == nil {
		return nil
	}
	b, err := readBody(resp, c.maxBody)
	if err != nil {
		return requestError(r.method, r.url, "read response", c.contextCause(ctx, err))
	}
	if len(bytes.TrimSpace(b)) == 0 {
		// An empty answer that comes as the caller's context ends is the
		// context's doing (a server whose handler gave up when the client's
		// connection closed answers 200 with nothing): say so, not "no body".
		if err := ctx.Err(); err != nil {
			return requestError(r.method, r.url, "", c.contextCause(ctx, err))
		}
		return requestError(r.method, r.url, "", fmt.Errorf("%d response has no body", resp.StatusCode))
	}
	if d, ok := out.(bodyDecoder); ok {
		err = d.decodeBody(b)
	} else {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		return c.decodeError(r, resp.StatusCode, b, strictjson.Explain(err, out))
	}
	return nil
}

// bodyDecoder is an out value that decodes a success body itself: a list
// page, which stops at the length it asked for.
type bodyDecoder interface{ decodeBody([]byte) error }

// decodeError reports a 2xx body that does not decode. A server or proxy
// that echoes the request may have put its credentials in the body, and
// decoders quote what they choke on (a time, a scalar): the excerpt and the
// decoder's message are both scrubbed, and the decoder's error is not
// wrapped, so nothing reachable from the error holds the body's text.
func (c *Client) decodeError(r *request, status int, body []byte, err error) error {
	secrets := append(c.secretsOf(r.Request.Request), r.secrets...)
	if r.keyMaterial {
		return requestError(r.method, r.url, fmt.Sprintf("decode %d response (not shown: it holds key material)", status),
			errors.New(redactSecrets(err.Error(), secrets...)))
	}
	// Scrub before cutting the excerpt: a secret cut in two would escape
	// the pattern and show its first half.
	clean := redactSecrets(string(body[:min(len(body), maxErrorBody)]), secrets...)
	step := fmt.Sprintf("decode %d response (%s)", status, excerpt([]byte(clean), 80))
	return requestError(r.method, r.url, step, errors.New(redactSecrets(err.Error(), secrets...)))
}

// retryStopped is the error of a call whose context ended while it waited
// to retry: what the last attempt met, and that retrying stopped.
func (c *Client) retryStopped(r *request, ctxErr error) error {
	a := r.attempt
	switch {
	case a.lastErr != nil:
		return requestError(r.method, r.url, "", &retryStoppedError{
			cause: &attemptsError{err: a.lastErr, attempts: a.tries}, ctxErr: ctxErr})
	case a.lastStatus != 0:
		apiErr := newAPIError(r.method, r.url, a.lastStatus, a.lastBody)
		c.scrub(apiErr, r)
		return &retryStoppedError{cause: apiErr, ctxErr: ctxErr}
	}
	return requestError(r.method, r.url, "", ctxErr)
}

// showDryRun hands the fully built request to Config.DryRun instead of
// sending it. The Authorization header shows only its scheme: no secret is
// handed out, and no OAuth token is fetched.
func (c *Client) showDryRun(r *request) error {
	req := r.Request.Request.Clone(r.Request.Context())
	value := redacted
	if s, ok := c.auth.(interface{ scheme() string }); ok {
		value = s.scheme() + " " + redacted
	}
	req.Header.Set("Authorization", value)
	if body, err := r.BodyBytes(); err == nil && body != nil {
		body = []byte(redactSecrets(string(body), r.secrets...))
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	c.dryRun(req)
	return requestError(r.method, r.url, "", ErrDryRun)
}

// requestError names the request a failure belongs to, and the step when
// there is one: "keyfactor: PUT https://…/Certificates/5/Owner: step: err".
func requestError(method, u, step string, err error) error {
	if step == "" {
		return errorf("%s %s: %w", method, u, err)
	}
	return errorf("%s %s: %s: %w", method, u, step, err)
}

// scrub removes from an error the credentials its request carried, in case
// the server or a proxy echoed them (debug pages do).
func (c *Client) scrub(e *APIError, r *request) {
	secrets := append(c.secretsOf(r.Request.Request), r.secrets...)
	e.ErrorCode = redactSecrets(e.ErrorCode, secrets...)
	e.Message = redactSecrets(e.Message, secrets...)
	e.location = redactSecrets(e.location, secrets...)
	if body := redactSecrets(string(e.Body), secrets...); body != string(e.Body) {
		e.Body = []byte(body)
	}
}

// secretsOf lists the credentials a request carried, as an echo would show
// them: its Authorization value, the credential after the scheme, and the
// authenticator's own secrets (a password, before base64).
func (c *Client) secretsOf(req *http.Request) []string {
	var secrets []string
	if req != nil {
		authz := req.Header.Get("Authorization")
		_, cred, _ := strings.Cut(authz, " ")
		secrets = append(secrets, authz, cred)
	}
	if h, ok := c.auth.(secretHolder); ok {
		secrets = append(secrets, h.secrets()...)
	}
	return secrets
}

// prepareRetry re-authenticates each retry, so a token that expired while
// waiting is refreshed. The header map is cloned first: the previous attempt's
// request may still be referenced by the transport. When it fails the retry
// is never sent, which the attempt records.
func (c *Client) prepareRetry(req *http.Request) error {
	req.Header = req.Header.Clone()
	if err := c.auth.Authenticate(req); err != nil {
		attemptFrom(req.Context()).notSent = true
		return fmt.Errorf("authenticate for a retry: %w", err)
	}
	return nil
}

func (c *Client) log(ctx context.Context, r *request, status int, err error) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.method), slog.String("url", r.url),
		slog.Duration("elapsed", c.now().Sub(r.start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	} else {
		attrs = append(attrs, slog.Int("status", status))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "keyfactor request", attrs...)
}

// contextCause explains a failed body read: when the caller's context
// ended, the error is the context's (wrapping the read error); when only the
// attempt's Timeout did, it says so, since a bare "context deadline
// exceeded" would blame the caller's deadline.
func (c *Client) contextCause(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(err, ctxErr) {
			return err
		}
		return fmt.Errorf("%w (%v)", ctxErr, err)
	}
	var timeout attemptTimeout
	if errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &timeout) {
		return fmt.Errorf("%w: %w", attemptTimeout(c.timeout), err)
	}
	return err
}

// maxSuccessBody bounds a 2xx body, so a broken server or proxy cannot make
// the Client read without end. Keyfactor's answers here are far smaller.
const maxSuccessBody = 32 << 20

// presizeLimit is the largest Content-Length a body buffer is allocated for
// up front. A larger claim is not trusted: the buffer grows with the bytes
// that actually arrive, so a server announcing 32 MiB and sending 10 bytes
// costs 10 bytes.
const presizeLimit = 64 << 10

// readBody reads a success body of at most max bytes, sized by a small
// Content-Length, to spare io.ReadAll's growth on the common path.
func readBody(resp *http.Response, max int64) ([]byte, error) {
	n := resp.ContentLength
	if n > max {
		return nil, fmt.Errorf("response of %d bytes is larger than %d", n, max)
	}
	if n > 0 && n <= presizeLimit {
		b := make([]byte, n)
		_, err := io.ReadFull(resp.Body, b)
		return b, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err == nil && int64(len(b)) > max {
		err = fmt.Errorf("response is larger than %d bytes", max)
	}
	return b, err
}

func drainClose(body io.ReadCloser) {
	if body == http.NoBody {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	_ = body.Close()
}

// retryLogger sends go-retryablehttp's records to the Config's slog.Logger.
// Its per-attempt "request failed" records are information, not errors or
// warnings: a retry may well succeed, and the caller gets the final outcome
// as an error value anyway.
type retryLogger struct{ l *slog.Logger }

func (r retryLogger) Error(msg string, kv ...any) { r.l.Info("keyfactor: "+msg, kv...) }
func (r retryLogger) Info(msg string, kv ...any)  { r.l.Info("keyfactor: "+msg, kv...) }
func (r retryLogger) Debug(msg string, kv ...any) { r.l.Debug("keyfactor: "+msg, kv...) }
func (r retryLogger) Warn(msg string, kv ...any)  { r.l.Warn("keyfactor: "+msg, kv...) }

// Ptr returns a pointer to v, for optional request fields.
func Ptr[T any](v T) *T { return &v }
