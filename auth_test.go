package keyfactor

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jarcoal/httpmock"
)

func TestBasicAuthAccountName(t *testing.T) {
	tests := []struct {
		auth BasicAuth
		want string
	}{
		{BasicAuth{Username: "jsmith", Password: "pw"}, "jsmith:pw"},
		{BasicAuth{Username: "jsmith", Password: "pw", Domain: "KEYEXAMPLE"}, `KEYEXAMPLE\jsmith:pw`},
		{BasicAuth{Username: `OTHER\jsmith`, Password: "pw", Domain: "KEYEXAMPLE"}, `OTHER\jsmith:pw`},
		{BasicAuth{Username: "jsmith@keyexample.com", Password: "pw", Domain: "KEYEXAMPLE"}, "jsmith@keyexample.com:pw"},
		{BasicAuth{Username: "jsmith", Password: "p:w", Domain: "KEYEXAMPLE"}, `KEYEXAMPLE\jsmith:p:w`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			c, m := newTestClient(t, func(c *Config) { c.Auth = tt.auth })
			m.RegisterNoResponder(httpmock.NewStringResponder(204, ""))
			if err := c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{}); err != nil {
				t.Fatal(err)
			}
			want := "Basic " + base64.StdEncoding.EncodeToString([]byte(tt.want))
			if got := m.last(t).Header.Get("Authorization"); got != want {
				t.Errorf("Authorization = %q, want %q", got, want)
			}
			// The standalone Authenticate gives the same header.
			req, _ := http.NewRequest("GET", testBase, nil)
			_ = tt.auth.Authenticate(req)
			if got := req.Header.Get("Authorization"); got != want {
				t.Errorf("BasicAuth.Authenticate = %q", got)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	for _, auth := range []Authenticator{BearerToken("tok-123"), Ptr(BearerToken("tok-123"))} {
		c, m := newTestClient(t, func(c *Config) { c.Auth = auth })
		m.RegisterNoResponder(httpmock.NewStringResponder(204, ""))
		if err := c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{}); err != nil {
			t.Fatal(err)
		}
		if got := m.last(t).Header.Get("Authorization"); got != "Bearer tok-123" {
			t.Errorf("Authorization = %q", got)
		}
	}
}

const tokenURL = "https://idp.keyexample.com/realms/Keyfactor/protocol/openid-connect/token"

// tokenEndpoint answers client-credentials requests on the mock transport and
// records their forms.
type tokenEndpoint struct {
	calls     atomic.Int32
	mu        sync.Mutex
	forms     []url.Values
	expiresIn int
}

func (e *tokenEndpoint) responder(req *http.Request) (*http.Response, error) {
	n := e.calls.Add(1)
	body, _ := io.ReadAll(req.Body)
	form, _ := url.ParseQuery(string(body))
	e.mu.Lock()
	e.forms = append(e.forms, form)
	e.mu.Unlock()
	return httpmock.NewJsonResponse(200, map[string]any{
		"access_token": fmt.Sprintf("access-%d", n), "token_type": "Bearer", "expires_in": e.expiresIn,
	})
}

func TestOAuth2ClientCredentials(t *testing.T) {
	tests := []struct {
		name      string
		auth      OAuth2ClientCredentials
		wantScope string
		wantAud   string
	}{
		{"no scope, no audience", OAuth2ClientCredentials{TokenURL: tokenURL, ClientID: "kf-sdk", ClientSecret: "cs-9f8e"}, "", ""},
		{"scopes and audience passed through", OAuth2ClientCredentials{TokenURL: tokenURL, ClientID: "kf-sdk",
			ClientSecret: "cs-9f8e", Scopes: []string{"api://kf/.default", "extra"}, Audience: "keyfactor-command"},
			"api://kf/.default extra", "keyfactor-command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := &tokenEndpoint{expiresIn: 3600}
			c, m := newTestClient(t, func(c *Config) { c.Auth = tt.auth })
			// The token request goes through the Client's transport: the
			// same mock answers it.
			m.RegisterResponder("POST", tokenURL, ep.responder)
			m.RegisterNoResponder(httpmock.NewStringResponder(204, ""))
			if err := c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{}); err != nil {
				t.Fatal(err)
			}
			if got := m.last(t).Header.Get("Authorization"); got != "Bearer access-1" {
				t.Errorf("Authorization = %q", got)
			}
			form := ep.forms[0]
			want := url.Values{"grant_type": {"client_credentials"}, "client_id": {"kf-sdk"}, "client_secret": {"cs-9f8e"}}
			if tt.wantScope != "" {
				want.Set("scope", tt.wantScope)
			}
			if tt.wantAud != "" {
				want.Set("audience", tt.wantAud)
			}
			if form.Encode() != want.Encode() {
				t.Errorf("token form = %s, want %s", form.Encode(), want.Encode())
			}
		})
	}
}

func TestOAuth2OneTokenForConcurrentCalls(t *testing.T) {
	ep := &tokenEndpoint{expiresIn: 3600}
	c, m := newTestClient(t, func(c *Config) {
		c.Auth = &OAuth2ClientCredentials{TokenURL: tokenURL, ClientID: "kf-sdk", ClientSecret: "cs-9f8e"}
	})
	m.RegisterResponder("POST", tokenURL, ep.responder)
	m.RegisterNoResponder(httpmock.NewStringResponder(204, ""))
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.Certificates.ClearOwner(context.Background(), i+1, OwnerScope{})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := ep.calls.Load(); got != 1 {
		t.Errorf("100 concurrent calls made %d token requests, want 1", got)
	}
	for _, r := range m.requests() {
		if r.Method == "PUT" && r.Header.Get("Authorization") != "Bearer access-1" {
			t.Fatalf("Authorization = %q", r.Header.Get("Authorization"))
		}
	}
}

func TestOAuth2TokenIsRefreshedBeforeExpiry(t *testing.T) {
	// expires_in 5s is inside oauth2's 10s early-refresh window: every call
	// must fetch a fresh token rather than reuse one about to expire.
	ep := &tokenEndpoint{expiresIn: 5}
	c, m := newTestClient(t, func(c *Config) {
		c.Auth = OAuth2ClientCredentials{TokenURL: tokenURL, ClientID: "kf-sdk", ClientSecret: "cs-9f8e"}
	})
	m.RegisterResponder("POST", tokenURL, ep.responder)
	m.RegisterNoResponder(httpmock.NewStringResponder(204, ""))
	for range 3 {
		if err := c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{}); err != nil {
			t.Fatal(err)
		}
	}
	if got := ep.calls.Load(); got != 3 {
		t.Errorf("token requests = %d, want 3", got)
	}
	if got := m.last(t).Header.Get("Authorization"); got != "Bearer access-3" {
		t.Errorf("Authorization = %q", got)
	}
}

// TestNoSecretLeaks drives each kind of credentials against a failing server
// with a debug logger and looks for the secret everywhere it could surface.
func TestNoSecretLeaks(t *testing.T) {
	const pw, secret, token = "pw-Zq81!x", `cs-Uu72#y&"<`, "tok-Ll93$z"
	tests := []struct {
		name    string
		auth    Authenticator
		secrets []string
		setup   func(m *mock)
	}{
		{"basic", BasicAuth{Username: "jsmith", Password: pw, Domain: "KEYEXAMPLE"},
			[]string{pw, base64.StdEncoding.EncodeToString([]byte(`KEYEXAMPLE\jsmith:` + pw))}, nil},
		{"basic pointer", &BasicAuth{Username: "jsmith", Password: pw}, []string{pw}, nil},
		{"bearer", BearerToken(token), []string{token}, nil},
		{"oauth token refused", OAuth2ClientCredentials{TokenURL: tokenURL, ClientID: "kf", ClientSecret: secret},
			[]string{secret}, func(m *mock) {
				// An identity provider that echoes the request in its error.
				m.RegisterResponder("POST", tokenURL, func(req *http.Request) (*http.Response, error) {
					b, _ := io.ReadAll(req.Body)
					return httpmock.NewStringResponse(401, `{"error":"invalid_client","error_description":"bad `+string(b)+`"}`), nil
				})
			}},
		{"oauth api refused", OAuth2ClientCredentials{TokenURL: tokenURL, ClientID: "kf", ClientSecret: secret},
			[]string{secret, token}, func(m *mock) {
				m.RegisterResponder("POST", tokenURL, httpmock.NewStringResponder(200,
					`{"access_token":"`+token+`","token_type":"Bearer","expires_in":3600}`))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			cfg := Config{BaseURL: testBase, Auth: tt.auth, Logger: logger, Retry: fastRetry}
			c, m := newTestClient(t, func(c *Config) {
				c.Auth, c.Logger = tt.auth, logger
				cfg.HTTPClient = c.HTTPClient
			})
			if tt.setup != nil {
				tt.setup(m)
			}
			// The server answers 401 and echoes the Authorization header.
			m.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
				return httpmock.NewStringResponse(401, `{"ErrorCode":"0xA0110001","Message":"Bad credentials: `+
					req.Header.Get("Authorization")+`"}`), nil
			})
			stderr := captureStderr(t, func() {
				err := c.Certificates.UpdateOwner(context.Background(), 1, UpdateOwnerRequest{NewRoleID: Ptr(2)})
				if err == nil {
					t.Fatal("no error")
				}
				assertNoSecret(t, tt.secrets, "error string", err.Error())
				assertNoSecret(t, tt.secrets, "%+v of the error", fmt.Sprintf("%+v", err))
				_, err = c.Roles.Create(context.Background(), CreateRoleRequest{Name: "n", Description: "d"})
				assertNoSecret(t, tt.secrets, "role error", fmt.Sprint(err))
			})
			if stderr != "" {
				t.Errorf("something wrote to stderr: %q", stderr)
			}
			assertNoSecret(t, tt.secrets, "log records", logs.String())
			if !strings.Contains(logs.String(), "keyfactor request") {
				t.Error("the debug logger received nothing; the test would prove nothing")
			}
			for name, v := range map[string]any{"Config": cfg, "*Config": &cfg, "Authenticator": tt.auth, "Client": c} {
				for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
					assertNoSecret(t, tt.secrets, name+" "+verb, fmt.Sprintf(verb, v))
				}
				var buf bytes.Buffer
				slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
				assertNoSecret(t, tt.secrets, name+" slog", buf.String())
				b, err := json.Marshal(v)
				if err != nil {
					t.Errorf("json.Marshal(%s): %v", name, err)
				}
				assertNoSecret(t, tt.secrets, name+" JSON", string(b))
			}
		})
	}
}

// assertNoSecret looks for each secret as is and in the forms a server may
// echo it in: form-encoded (a token request's body) and JSON-escaped.
func assertNoSecret(t *testing.T, secrets []string, where, s string) {
	t.Helper()
	for _, sec := range secrets {
		q, _ := json.Marshal(sec)
		for _, form := range []string{sec, url.QueryEscape(sec), strings.Trim(string(q), `"`)} {
			if strings.Contains(s, form) {
				t.Errorf("%s shows a secret (%q): %s", where, form, s)
			}
		}
	}
}

// captureStderr returns what fn wrote to os.Stderr (go-retryablehttp's
// default logger writes there; the Client must never use it).
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() {
		os.Stderr = old
	}()
	fn()
	w.Close()
	return <-done
}

func TestFormatShowsNonSecretFields(t *testing.T) {
	a := BasicAuth{Username: "jsmith", Password: "pw", Domain: "KEYEXAMPLE"}
	if got := fmt.Sprintf("%+v", a); got != "{Username:jsmith Password:[REDACTED] Domain:KEYEXAMPLE}" {
		t.Errorf("%%+v = %s", got)
	}
	if got := fmt.Sprintf("%#v", a); got != `keyfactor.BasicAuth{Username:"jsmith", Password:"[REDACTED]", Domain:"KEYEXAMPLE"}` {
		t.Errorf("%%#v = %s", got)
	}
	if got := fmt.Sprintf("%v", BearerToken("")); got != "" {
		t.Errorf("empty token prints %q", got)
	}
}

func TestOAuth2RefusedTokenIsReplaced(t *testing.T) {
	ep := &tokenEndpoint{expiresIn: 3600}
	c, m := newTestClient(t, func(c *Config) {
		c.Auth = OAuth2ClientCredentials{TokenURL: tokenURL, ClientID: "kf-sdk", ClientSecret: "cs-9f8e"}
	})
	m.RegisterResponder("POST", tokenURL, ep.responder)
	// The server has revoked the first token.
	m.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		if req.Header.Get("Authorization") == "Bearer access-1" {
			return httpmock.NewStringResponse(401, `{"ErrorCode":"0xA0110001","Message":"Token revoked"}`), nil
		}
		return httpmock.NewStringResponse(204, ""), nil
	})
	ctx := context.Background()
	if err := c.Certificates.ClearOwner(ctx, 1, OwnerScope{}); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("first call: %v", err)
	}
	for range 2 {
		if err := c.Certificates.ClearOwner(ctx, 1, OwnerScope{}); err != nil {
			t.Fatalf("after a new token: %v", err)
		}
	}
	if got := ep.calls.Load(); got != 2 {
		t.Errorf("%d token requests, want 2 (one replacement, then reuse)", got)
	}
}
