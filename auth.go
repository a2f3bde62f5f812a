package keyfactor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Authenticator sets the credentials of one request. Authenticate may use
// req.Context() for any network call it makes (an OAuth token fetch). It is
// called once per attempt, so retries carry fresh credentials.
type Authenticator interface {
	Authenticate(req *http.Request) error
}

// redacted stands in for every secret in fmt, slog and JSON output.
const redacted = "[REDACTED]"

// BasicAuth authenticates with HTTP basic auth, as Keyfactor Command does for
// Active Directory accounts. A Username holding a backslash or "@" is sent as
// given; otherwise it is sent as DOMAIN\Username when Domain is set.
//
// fmt, slog and encoding/json never show the Password.
type BasicAuth struct {
	Username, Password, Domain string
}

// Authenticate sets "Authorization: Basic base64(DOMAIN\user:password)".
func (b BasicAuth) Authenticate(req *http.Request) error {
	req.Header.Set("Authorization", b.headerValue())
	return nil
}

// account is the user name as Keyfactor expects it on the wire.
func (b BasicAuth) account() string {
	if b.Domain == "" || strings.ContainsAny(b.Username, `\@`) {
		return b.Username
	}
	return b.Domain + `\` + b.Username
}

func (b BasicAuth) headerValue() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(b.account()+":"+b.Password))
}

func (b BasicAuth) safeFields() []safeField {
	return []safeField{{"Username", b.Username, false}, {"Password", b.Password, true}, {"Domain", b.Domain, false}}
}

// Format prints the BasicAuth with its Password redacted, for every verb.
func (b BasicAuth) Format(f fmt.State, verb rune) { formatSafe(f, verb, "BasicAuth", b.safeFields()) }

// LogValue logs the BasicAuth with its Password redacted.
func (b BasicAuth) LogValue() slog.Value { return logSafe(b.safeFields()) }

// MarshalJSON encodes the BasicAuth with its Password redacted.
func (b BasicAuth) MarshalJSON() ([]byte, error) { return jsonSafe(b.safeFields()) }

// BearerToken authenticates with a static OAuth access token
// ("Authorization: Bearer <token>"). fmt, slog and encoding/json never show it.
type BearerToken string

// Authenticate sets "Authorization: Bearer <token>".
func (t BearerToken) Authenticate(req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+string(t))
	return nil
}

// Format prints the token redacted, for every verb.
func (t BearerToken) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "keyfactor.BearerToken(%q)", redactIfSet(string(t)))
		return
	}
	fmt.Fprint(f, redactIfSet(string(t)))
}

// LogValue logs the token redacted.
func (t BearerToken) LogValue() slog.Value { return slog.StringValue(redactIfSet(string(t))) }

// MarshalJSON encodes the token redacted.
func (t BearerToken) MarshalJSON() ([]byte, error) { return json.Marshal(redactIfSet(string(t))) }

// OAuth2ClientCredentials authenticates with an access token from the OAuth2
// client-credentials grant (Keyfactor's Keycloak by default). The client id
// and secret are sent as form parameters; Scopes and Audience are passed
// through as given, and no scope is added (a default "openid" breaks some
// identity providers).
//
// Inside a Client, one token is fetched lazily, shared by all goroutines and
// refreshed shortly before it expires, or after the server refused it with a
// 401; the token request goes through the Client's transport (same proxy and
// TLS trust). Used on its own, Authenticate
// fetches a new token on every call with http.DefaultClient.
//
// fmt, slog and encoding/json never show the ClientSecret.
type OAuth2ClientCredentials struct {
	TokenURL, ClientID, ClientSecret, Audience string
	Scopes                                     []string
}

// Authenticate fetches a token (uncached; see the type's documentation) and
// sets the Authorization header.
func (o OAuth2ClientCredentials) Authenticate(req *http.Request) error {
	return newOAuthSource(o, http.DefaultClient).Authenticate(req)
}

func (o OAuth2ClientCredentials) config() *clientcredentials.Config {
	cfg := &clientcredentials.Config{
		ClientID:     o.ClientID,
		ClientSecret: o.ClientSecret,
		TokenURL:     o.TokenURL,
		Scopes:       o.Scopes,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	if o.Audience != "" {
		cfg.EndpointParams = url.Values{"audience": {o.Audience}}
	}
	return cfg
}

func (o OAuth2ClientCredentials) safeFields() []safeField {
	return []safeField{
		{"TokenURL", o.TokenURL, false}, {"ClientID", o.ClientID, false},
		{"ClientSecret", o.ClientSecret, true}, {"Audience", o.Audience, false},
		{"Scopes", o.Scopes, false},
	}
}

// Format prints the credentials with the ClientSecret redacted, for every verb.
func (o OAuth2ClientCredentials) Format(f fmt.State, verb rune) {
	formatSafe(f, verb, "OAuth2ClientCredentials", o.safeFields())
}

// LogValue logs the credentials with the ClientSecret redacted.
func (o OAuth2ClientCredentials) LogValue() slog.Value { return logSafe(o.safeFields()) }

// MarshalJSON encodes the credentials with the ClientSecret redacted.
func (o OAuth2ClientCredentials) MarshalJSON() ([]byte, error) { return jsonSafe(o.safeFields()) }

// oauthSource is the Client's cached token source. At most one token
// request is under way at a time, and its outcome — token or error —
// answers every caller that was waiting for it: when the identity provider
// fails or hangs, callers fail together after one attempt instead of each
// trying again in turn.
type oauthSource struct {
	cfg    *clientcredentials.Config
	client *http.Client
	secret func() string // a closure, for the reason given at staticAuth
	tok    atomic.Pointer[oauth2.Token]

	mu       sync.Mutex
	inflight *tokenFetch // the token request under way, if any
}

// tokenFetch is one token request and, once done is closed, its outcome.
type tokenFetch struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
	// abandoned: the caller that made the request gave up (its context
	// ended), which says nothing about the identity provider.
	abandoned bool
	// waiters counts the callers that joined this request instead of
	// making their own; tests wait on it.
	waiters atomic.Int32
}

func newOAuthSource(o OAuth2ClientCredentials, client *http.Client) *oauthSource {
	secret := o.ClientSecret
	return &oauthSource{cfg: o.config(), client: client, secret: func() string { return secret }}
}

func (s *oauthSource) Authenticate(req *http.Request) error {
	tok, err := s.token(req.Context())
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", tok.Type()+" "+tok.AccessToken)
	return nil
}

// token returns the cached token, or waits for the request under way, or
// makes one. The request runs on the calling goroutine with its context
// (and the Client's Timeout), so nothing outlives the callers; if that
// caller gives up, a waiter whose context is still live makes the next one.
func (s *oauthSource) token(ctx context.Context) (*oauth2.Token, error) {
	for {
		if tok := s.tok.Load(); tok.Valid() {
			return tok, nil
		}
		s.mu.Lock()
		// Again under the lock: a request that ended between the check
		// above and here stored its token before clearing inflight.
		if tok := s.tok.Load(); tok.Valid() {
			s.mu.Unlock()
			return tok, nil
		}
		f := s.inflight
		if f == nil {
			f = &tokenFetch{done: make(chan struct{})}
			s.inflight = f
			s.mu.Unlock()
			s.fetch(ctx, f)
			return f.tok, f.err
		}
		f.waiters.Add(1)
		s.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if !f.abandoned {
			return f.tok, f.err
		}
	}
}

// fetch makes the token request for f and publishes its outcome.
func (s *oauthSource) fetch(ctx context.Context, f *tokenFetch) {
	defer func() {
		s.mu.Lock()
		s.inflight = nil
		s.mu.Unlock()
		close(f.done)
	}()
	tok, err := s.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, s.client))
	if err != nil {
		f.err = scrubTokenError(fmt.Errorf("fetch OAuth2 token from %s: %w", s.cfg.TokenURL, err), s.secret())
		f.abandoned = ctx.Err() != nil
		return
	}
	s.tok.Store(tok)
	f.tok = tok
}

// refused drops the cached token if it is the one in authz, after the server
// refused it (revoked, or signed with a rotated key), so the next call
// fetches a new token instead of failing until the old one expires.
func (s *oauthSource) refused(authz string) {
	if tok := s.tok.Load(); tok != nil && tok.Type()+" "+tok.AccessToken == authz {
		s.tok.CompareAndSwap(tok, nil)
	}
}

func (s *oauthSource) secrets() []string {
	out := []string{s.secret()}
	if tok := s.tok.Load(); tok != nil {
		out = append(out, tok.AccessToken)
	}
	return out
}

// Format never shows the secret or the cached token.
func (s *oauthSource) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "oauth2(%s, client %s)", s.cfg.TokenURL, s.cfg.ClientID)
}

// secretHolder is implemented by the Client's own authenticators, so that
// secrets a server echoes can be removed from errors.
type secretHolder interface{ secrets() []string }

// refusable is implemented by authenticators that cache a credential the
// server may stop accepting: the pipeline tells them which Authorization
// value a 401 refused.
type refusable interface{ refused(authorization string) }

func (s *oauthSource) scheme() string { return "Bearer" }

// scheme is the first word of the Authorization value, shown by dry runs.
func (a *staticAuth) scheme() string {
	s, _, _ := strings.Cut(a.value(), " ")
	return s
}

// minSecretLen is the shortest secret scrubbed from error text: replacing a
// one- or two-character password everywhere would garble every message.
const minSecretLen = 4

// staticAuth is a precomputed Authorization value for BasicAuth and
// BearerToken, so the hot path does no encoding per request.
//
// Its values are closures, not strings: fmt prints the unexported fields of
// a Client it walks (a Client value in a caller's struct) without calling
// any Format method, and its %s path dereferences pointers once; a func
// prints as an address under every verb.
type staticAuth struct{ value, secret func() string }

func newStaticAuth(value, secret string) *staticAuth {
	return &staticAuth{value: func() string { return value }, secret: func() string { return secret }}
}

func (a *staticAuth) secrets() []string { return []string{a.secret()} }

func (a *staticAuth) Authenticate(req *http.Request) error {
	req.Header.Set("Authorization", a.value())
	return nil
}

// Format never shows the header value.
func (a *staticAuth) Format(f fmt.State, _ rune) { fmt.Fprint(f, redacted) }

// bindAuth checks the configured Authenticator and returns the one the Client
// uses: a precomputed header for static credentials, a cached token source
// for OAuth2, the caller's own Authenticator otherwise.
func bindAuth(a Authenticator, tokenClient *http.Client, allowHTTP bool, v *validator) Authenticator {
	switch x := a.(type) {
	case nil:
		v.add("Auth", "required")
		return nil
	case *BasicAuth:
		return bindAuth(deref(x), tokenClient, allowHTTP, v)
	case *BearerToken:
		return bindAuth(deref(x), tokenClient, allowHTTP, v)
	case *OAuth2ClientCredentials:
		return bindAuth(deref(x), tokenClient, allowHTTP, v)
	case BasicAuth:
		v.notBlank("Auth.Username", x.Username)
		if x.Password == "" {
			v.add("Auth.Password", "required")
		}
		return newStaticAuth(x.headerValue(), x.Password)
	case BearerToken:
		v.notBlank("Auth", string(x))
		return newStaticAuth("Bearer "+string(x), string(x))
	case OAuth2ClientCredentials:
		checkURL(v, "Auth.TokenURL", x.TokenURL, allowHTTP)
		v.notBlank("Auth.ClientID", x.ClientID)
		if x.ClientSecret == "" {
			v.add("Auth.ClientSecret", "required")
		}
		return newOAuthSource(x, tokenClient)
	}
	return a
}

// deref returns *p as an Authenticator, or nil (reported as missing) for a
// nil pointer.
func deref[T Authenticator](p *T) Authenticator {
	if p == nil {
		return nil
	}
	return *p
}

// checkURL requires an absolute https URL (http only when allowed) without
// credentials, query or fragment.
func checkURL(v *validator, field, raw string, allowHTTP bool) *url.URL {
	if strings.TrimSpace(raw) == "" {
		v.add(field, "required")
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		v.add(field, "not a valid URL")
		return nil
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http" || u.Host == "":
		v.add(field, `must be an absolute URL such as "https://kf.example.com/KeyfactorAPI"`)
	case u.Scheme == "http" && !allowHTTP:
		v.add(field, "must use https (set AllowInsecureHTTP only for local fakes and tests)")
	case u.User != nil:
		v.add(field, "must not hold credentials; set Auth instead")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(raw, "?#"):
		// An empty query ("…/api?") would put every request path into it.
		v.add(field, "must not have a query or fragment")
	default:
		return u
	}
	return nil
}

// safeField is one field of a value printed with secrets redacted.
type safeField struct {
	name   string
	value  any
	secret bool
}

func redactIfSet(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

func (f safeField) shown() any {
	if f.secret {
		s, _ := f.value.(string)
		return redactIfSet(s)
	}
	return f.value
}

// formatSafe prints a struct the way fmt would (%v, %+v, %#v), with secrets
// replaced, so that printing a Config or an Authenticator is always safe.
func formatSafe(f fmt.State, verb rune, typeName string, fields []safeField) {
	goSyntax := verb == 'v' && f.Flag('#')
	plus := verb == 'v' && f.Flag('+')
	if goSyntax {
		fmt.Fprintf(f, "keyfactor.%s", typeName)
	}
	fmt.Fprint(f, "{")
	for i, fld := range fields {
		if i > 0 {
			if goSyntax {
				fmt.Fprint(f, ", ")
			} else {
				fmt.Fprint(f, " ")
			}
		}
		switch {
		case goSyntax:
			fmt.Fprintf(f, "%s:%#v", fld.name, fld.shown())
		case plus:
			fmt.Fprintf(f, "%s:%+v", fld.name, fld.shown())
		default:
			fmt.Fprintf(f, "%v", fld.shown())
		}
	}
	fmt.Fprint(f, "}")
}

func logSafe(fields []safeField) slog.Value {
	attrs := make([]slog.Attr, 0, len(fields))
	for _, f := range fields {
		attrs = append(attrs, slog.Any(f.name, f.shown()))
	}
	return slog.GroupValue(attrs...)
}

func jsonSafe(fields []safeField) ([]byte, error) {
	m := make(map[string]any, len(fields))
	for _, f := range fields {
		m[f.name] = f.shown()
	}
	return json.Marshal(m)
}
