package keyfactor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

func TestNewClientRejectsBadConfig(t *testing.T) {
	basic := BasicAuth{Username: "u", Password: "p"}
	tests := []struct {
		name   string
		cfg    Config
		fields []string
	}{
		{"no base URL", Config{Auth: basic}, []string{"BaseURL"}},
		{"relative base URL", Config{BaseURL: "kf.example.com/KeyfactorAPI", Auth: basic}, []string{"BaseURL"}},
		{"other scheme", Config{BaseURL: "ftp://kf.example.com/KeyfactorAPI", Auth: basic}, []string{"BaseURL"}},
		{"plain http", Config{BaseURL: "http://kf.example.com/KeyfactorAPI", Auth: basic}, []string{"BaseURL"}},
		{"credentials in URL", Config{BaseURL: "https://u:p@kf.example.com/KeyfactorAPI", Auth: basic}, []string{"BaseURL"}},
		{"query in URL", Config{BaseURL: "https://kf.example.com/KeyfactorAPI?x=1", Auth: basic}, []string{"BaseURL"}},
		{"no auth", Config{BaseURL: testBase}, []string{"Auth"}},
		{"nil pointer auth", Config{BaseURL: testBase, Auth: (*BasicAuth)(nil)}, []string{"Auth"}},
		{"basic without user or password", Config{BaseURL: testBase, Auth: BasicAuth{}}, []string{"Auth.Username", "Auth.Password"}},
		{"empty bearer", Config{BaseURL: testBase, Auth: BearerToken("")}, []string{"Auth"}},
		{"oauth incomplete", Config{BaseURL: testBase, Auth: OAuth2ClientCredentials{TokenURL: "http://idp/token"}},
			[]string{"Auth.TokenURL", "Auth.ClientID", "Auth.ClientSecret"}},
		{"negative timeout", Config{BaseURL: testBase, Auth: basic, Timeout: -time.Second}, []string{"Timeout"}},
		{"waits reversed", Config{BaseURL: testBase, Auth: basic, Retry: RetryPolicy{MinWait: time.Second, MaxWait: time.Millisecond}},
			[]string{"Retry.MaxWait"}},
		{"everything at once", Config{BaseURL: "http://x", Timeout: -1}, []string{"BaseURL", "Timeout", "Auth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A transport that fails the test proves no network call is made.
			tt.cfg.HTTPClient = &http.Client{Transport: failTransport{t}}
			c, err := NewClient(tt.cfg)
			if c != nil || err == nil {
				t.Fatalf("NewClient = %v, %v; want an error", c, err)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrValidation) {
				t.Fatalf("error %T %v is not a *ValidationError", err, err)
			}
			if len(ve.Fields) != len(tt.fields) {
				t.Errorf("fields = %+v, want %v", ve.Fields, tt.fields)
			}
			for _, f := range tt.fields {
				if !ve.Has(f) || !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not name %s", err, f)
				}
			}
		})
	}
}

type failTransport struct{ t *testing.T }

func (f failTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.t.Error("a request was sent")
	return nil, errors.New("no network in this test")
}

func TestNewClientAcceptsHTTPOnlyWhenAllowed(t *testing.T) {
	_, err := NewClient(Config{BaseURL: "http://127.0.0.1:8080/KeyfactorAPI", AllowInsecureHTTP: true, Auth: BearerToken("t")})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBaseURLIsUsedAsGiven(t *testing.T) {
	tests := []struct{ base, want string }{
		{"https://kf.example.com/KeyfactorAPI", "https://kf.example.com/KeyfactorAPI/Security/Roles/5"},
		{"https://kf.example.com/KeyfactorAPI/", "https://kf.example.com/KeyfactorAPI/Security/Roles/5"},
		{"https://kf.example.com:8443/Keyfactor/API//", "https://kf.example.com:8443/Keyfactor/API/Security/Roles/5"},
		{"https://kf.example.com", "https://kf.example.com/Security/Roles/5"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			c, m := newTestClient(t, func(c *Config) { c.BaseURL = tt.base })
			m.RegisterNoResponder(fixtureResponder(t, 200, "role_v2_mixed_claims.json"))
			if _, err := c.Roles.Get(context.Background(), 5); err != nil {
				t.Fatal(err)
			}
			if got := m.last(t).URL; got != tt.want {
				t.Errorf("URL = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestEveryRequestCarriesKeyfactorHeaders(t *testing.T) {
	tests := []struct {
		name      string
		userAgent string
		call      call
		wantUA    string
	}{
		{"v1 with body", "", call{method: http.MethodPut, path: "Certificates/1/Owner", version: v1, body: ownerBody{}},
			"keyfactor-go/" + Version},
		{"v2 without body", "terraform-provider-x/1.2", call{method: http.MethodGet, path: "Security/Roles/1", version: v2},
			"terraform-provider-x/1.2 keyfactor-go/" + Version},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t, func(c *Config) { c.UserAgent = tt.userAgent })
			m.RegisterNoResponder(httpmock.NewStringResponder(204, ""))
			if err := c.do(context.Background(), tt.call, nil); err != nil {
				t.Fatal(err)
			}
			h := m.last(t).Header
			want := map[string]string{
				"x-keyfactor-requested-with": "APIClient",
				"x-keyfactor-api-version":    string(tt.call.version),
				"Accept":                     "application/json",
				"User-Agent":                 tt.wantUA,
				"Authorization":              "Basic S0VZRVhBTVBMRVxqc21pdGg6czNjcmV0LXB3", // KEYEXAMPLE\jsmith:s3cret-pw
			}
			if tt.call.body != nil {
				want["Content-Type"] = "application/json"
			}
			for k, v := range want {
				if got := h.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tt.call.body == nil && h.Get("Content-Type") != "" {
				t.Errorf("Content-Type sent without a body")
			}
		})
	}
}

func TestNon2xxBecomesAPIError(t *testing.T) {
	iis := fixture(t, "error_iis.html")
	big := strings.Repeat("x", 100<<10)
	tests := []struct {
		name        string
		status      int
		body        string
		code, msg   string
		sentinel    error
		inError     string
		wantBodyLen int
	}{
		{"keyfactor json", 404, string(fixture(t, "error_not_found.json")), "0xA0110005",
			"Unable to locate Certificate with Id 4242", ErrNotFound, "0xA0110005: Unable to locate Certificate with Id 4242", -1},
		{"failed operations", 400, string(fixture(t, "error_failed_operations.json")), "0xA011004A",
			"Invalid sort field 'Nmae'; Invalid page size", nil, "Invalid sort field", -1},
		{"iis html page", 502, string(iis), "", "", ErrServer, "502 - Web server received an invalid response", -1},
		{"plain text", 401, "Unauthorized", "", "", ErrUnauthorized, "401 Unauthorized: Unauthorized", -1},
		{"empty", 403, "", "", "", ErrForbidden, "403 Forbidden", 0},
		{"conflict", 409, `{"Message":"busy"}`, "", "busy", ErrConflict, "409 Conflict: busy", -1},
		{"rate limited", 429, "", "", "", ErrRateLimited, "429", 0},
		{"huge body is capped", 500, big, "", "", ErrServer, "500 Internal Server Error: xxx", maxErrorBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t, func(c *Config) { c.Retry.MaxRetries = -1 })
			m.RegisterNoResponder(httpmock.NewStringResponder(tt.status, tt.body))
			err := c.do(context.Background(), call{method: http.MethodGet, path: "Security/Roles/1", version: v2}, &Role{})
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %T %v is not an *APIError", err, err)
			}
			if apiErr.StatusCode != tt.status || apiErr.ErrorCode != tt.code || apiErr.Message != tt.msg {
				t.Errorf("got %d %q %q, want %d %q %q", apiErr.StatusCode, apiErr.ErrorCode, apiErr.Message, tt.status, tt.code, tt.msg)
			}
			if apiErr.Method != "GET" || apiErr.URL != testBase+"/Security/Roles/1" {
				t.Errorf("request = %s %s", apiErr.Method, apiErr.URL)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v) = false", tt.sentinel)
			}
			if errors.Is(err, ErrValidation) {
				t.Error("a server error matches ErrValidation")
			}
			if !strings.Contains(err.Error(), tt.inError) {
				t.Errorf("error %q lacks %q", err, tt.inError)
			}
			if len(err.Error()) > 600 {
				t.Errorf("error string is %d bytes long", len(err.Error()))
			}
			wantLen := tt.wantBodyLen
			if wantLen < 0 {
				wantLen = len(tt.body)
			}
			if len(apiErr.Body) != wantLen {
				t.Errorf("len(Body) = %d, want %d", len(apiErr.Body), wantLen)
			}
		})
	}
}

func TestSuccessBodyDecoding(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/Roles/1", httpmock.NewStringResponder(200, "  "))
	m.RegisterResponder("GET", testBase+"/Security/Roles/2", httpmock.NewStringResponder(200, "<html>"))
	ctx := context.Background()
	if _, err := c.Roles.Get(ctx, 1); err == nil || !strings.Contains(err.Error(), "no body") {
		t.Errorf("empty 200 body: err = %v", err)
	}
	if _, err := c.Roles.Get(ctx, 2); err == nil || !strings.Contains(err.Error(), "decode 200 response (<html>)") {
		t.Errorf("non-JSON 200 body: err = %v", err)
	}
	// An empty answer that arrives as the caller's deadline passes (a
	// server that gave up when the connection closed answers so) is the
	// deadline's error, not "no body".
	late, cancel := context.WithCancelCause(ctx)
	m.RegisterResponder("GET", testBase+"/Security/Roles/3", func(*http.Request) (*http.Response, error) {
		cancel(context.DeadlineExceeded)
		return httpmock.NewStringResponse(200, ""), nil
	})
	if _, err := c.Roles.Get(late, 3); !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "no body") {
		t.Errorf("empty 200 body as the context ends: err = %v", err)
	}
	huge := func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(200, "")
		resp.Body = io.NopCloser(io.LimitReader(zeros{}, c.maxBody+10)) // no Content-Length
		resp.ContentLength = -1
		return resp, nil
	}
	c.maxBody = 4096
	m.RegisterResponder("GET", testBase+"/Security/Roles/3", huge)
	if _, err := c.Roles.Get(ctx, 3); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("endless 200 body: err = %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestContextErrorIsReturned(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterNoResponder(httpmock.NewStringResponder(204, ""))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.Certificates.ClearOwner(ctx, 1, OwnerScope{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestPtr(t *testing.T) {
	p := Ptr(42)
	if *p != 42 {
		t.Fatal(*p)
	}
}

// TestPipelineClassifiesOutcomes: whether a write may have taken effect is
// decided once, in the pipeline, from what happened, not from the method.
func TestPipelineClassifiesOutcomes(t *testing.T) {
	create := func(c *Client) error {
		_, err := c.Roles.CreateV1(context.Background(), CreateRoleV1Request{Name: "n", Description: "d"})
		return err
	}
	owner := func(c *Client) error {
		return c.Certificates.ClearOwner(context.Background(), 5, OwnerScope{})
	}
	get := func(c *Client) error { _, err := c.Roles.Get(context.Background(), 5); return err }
	tests := []struct {
		name        string
		run         func(*Client) error
		answer      httpmock.Responder
		unknown     bool // errors.Is(err, ErrOutcomeUnknown)
		earlier     bool // an earlier attempt may have landed
		wantAPIErr  int  // the *APIError stays reachable
		wantWrapped error
	}{
		{"POST reset after sending", create, httpmock.NewErrorResponder(errReset), true, false, 0, errReset.Err},
		{"POST 502", create, status(502), true, false, 502, ErrServer},
		{"POST 504", create, status(504), true, false, 504, ErrServer},
		{"POST 500 is an answer", create, status(500), false, false, 500, ErrServer},
		{"POST 503 was turned away", create, status(503), false, false, 503, ErrServer},
		{"POST refused never reached it", create, httpmock.NewErrorResponder(errRefused), false, false, 0, errRefused.Err},
		{"PUT lost answers: idempotent, earlier attempts may have landed", owner, httpmock.NewErrorResponder(errReset), false, true, 0, errReset.Err},
		{"PUT 502s", owner, status(502), false, true, 502, ErrServer},
		{"PUT refused: nothing landed", owner, httpmock.NewErrorResponder(errRefused), false, false, 0, errRefused.Err},
		{"GET: what an earlier read did cannot matter", get, status(502), false, false, 502, ErrServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t)
			m.RegisterNoResponder(tt.answer)
			err := tt.run(c)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("errors.Is(err, ErrOutcomeUnknown) = %v for %v", got, err)
			}
			if got := earlierAttemptMayHaveLanded(err); got != tt.earlier {
				t.Errorf("earlier attempt may have landed = %v for %v", got, err)
			}
			var apiErr *APIError
			if tt.wantAPIErr != 0 && (!errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantAPIErr) {
				t.Errorf("errors.As *APIError: %v", err)
			}
			if !errors.Is(err, tt.wantWrapped) {
				t.Errorf("err = %v does not wrap %v", err, tt.wantWrapped)
			}
		})
	}
}

// TestDryRunStopsBeforeTheRetryLayer: a dry run hands over the built request
// and returns ErrDryRun: no transport call, no retry, no lookup, no log line
// above debug, no secret, no token fetch.
func TestDryRunStopsBeforeTheRetryLayer(t *testing.T) {
	for _, auth := range []Authenticator{
		BasicAuth{Username: "jsmith", Password: "s3cret-pw"},
		OAuth2ClientCredentials{TokenURL: "https://idp.example.com/token", ClientID: "kf", ClientSecret: "cs-99-secret"},
	} {
		var logs bytes.Buffer
		var shown []*http.Request
		c, m := newTestClient(t, func(cfg *Config) {
			cfg.Auth = auth
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			cfg.DryRun = func(r *http.Request) { shown = append(shown, r) }
		})
		_, err := c.Roles.Create(context.Background(), operatorsRequest())
		if !errors.Is(err, ErrDryRun) || errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("err = %v, want ErrDryRun", err)
		}
		assertNothingSent(t, m)
		if logs.Len() != 0 {
			t.Errorf("a dry run logged: %s", logs.String())
		}
		if len(shown) != 1 {
			t.Fatalf("%d requests shown, want 1", len(shown))
		}
		r := shown[0]
		var body bytes.Buffer
		_, _ = body.ReadFrom(r.Body)
		if r.Method != "POST" || r.URL.String() != testBase+"/Security/Roles" || r.Header.Get("X-Keyfactor-Api-Version") != "2.0" ||
			!strings.HasSuffix(r.Header.Get("Authorization"), " [REDACTED]") || !json.Valid(body.Bytes()) {
			t.Errorf("shown %s %s %v %s", r.Method, r.URL, r.Header, body.String())
		}
	}
}
