package keyfactor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"
)

// recorder is a plain-http loopback server that records what reaches it:
// where a redirect would send credentials or a body.
type recorder struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []string // "METHOD path Authorization=... body=..."
	calls atomic.Int32
}

func newRecorder(t *testing.T, addr string) *recorder {
	t.Helper()
	rec := &recorder{}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	rec.Server = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.seen = append(rec.seen, fmt.Sprintf("%s %s Authorization=%q body=%q", r.Method, r.URL.Path, r.Header.Get("Authorization"), b))
		rec.mu.Unlock()
		rec.calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"Id":1,"Name":"n","access_token":"attacker-token","token_type":"Bearer","expires_in":3600}`)
	})}}
	rec.Start()
	t.Cleanup(rec.Close)
	return rec
}

// redirector answers every request with status and a Location on target.
func redirector(t *testing.T, status int, target string) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, target+r.URL.Path, status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	sameHostPlain := newRecorder(t, "127.0.0.1:0")
	otherHost := newRecorder(t, "127.0.0.2:0")
	auths := map[string]Authenticator{
		"basic":  BasicAuth{Username: "jsmith", Password: "s3cret-pw-1"},
		"bearer": BearerToken("bearer-tok-1"),
	}
	calls := map[string]func(*Client) error{
		"POST role": func(c *Client) error {
			_, err := c.Roles.Create(context.Background(), CreateRoleRequest{Name: "n", Description: "d"})
			return err
		},
		"PUT owner": func(c *Client) error {
			return c.Certificates.UpdateOwner(context.Background(), 5, UpdateOwnerRequest{NewRoleID: Ptr(2)})
		},
		"GET role": func(c *Client) error { _, err := c.Roles.Get(context.Background(), 1); return err },
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, target := range []*recorder{sameHostPlain, otherHost} {
			srv := redirector(t, status, target.URL)
			for authName, auth := range auths {
				for callName, call := range calls {
					c := testClient(t, Config{BaseURL: srv.URL, Auth: auth, HTTPClient: srv.Client()})
					err := call(c)
					var apiErr *APIError
					if !errors.As(err, &apiErr) || apiErr.StatusCode != status || !strings.Contains(err.Error(), "redirect not followed") {
						t.Errorf("%d to %s, %s, %s: err = %v; want the %d as an *APIError", status, target.URL, authName, callName, err, status)
					}
				}
			}
		}
	}
	for _, rec := range []*recorder{sameHostPlain, otherHost} {
		if n := rec.calls.Load(); n != 0 {
			t.Errorf("%s received %d requests: %v", rec.URL, n, rec.seen)
		}
	}
}

func TestTokenRequestRedirectIsNotFollowed(t *testing.T) {
	otherHost := newRecorder(t, "127.0.0.2:0")
	api := newRecorder(t, "127.0.0.1:0")
	for _, status := range []int{302, 307, 308} {
		idp := redirector(t, status, otherHost.URL)
		c := testClient(t, Config{BaseURL: api.URL, HTTPClient: idp.Client(),
			Auth: OAuth2ClientCredentials{TokenURL: idp.URL + "/token", ClientID: "kf", ClientSecret: "cs-secret-77"}})
		err := c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprint(status)) {
			t.Errorf("%d from the identity provider: err = %v", status, err)
		}
	}
	if otherHost.calls.Load() != 0 || api.calls.Load() != 0 {
		t.Errorf("the secret or a minted token travelled: other host %v, API %v", otherHost.seen, api.seen)
	}
}

func TestCallersCheckRedirectWins(t *testing.T) {
	target := newRecorder(t, "127.0.0.1:0")
	srv := redirector(t, http.StatusFound, target.URL)
	follow := srv.Client()
	follow.CheckRedirect = func(*http.Request, []*http.Request) error { return nil }
	c := testClient(t, Config{BaseURL: srv.URL, HTTPClient: follow})
	if _, err := c.Roles.Get(context.Background(), 1); err != nil {
		t.Fatalf("with the caller's policy: %v", err)
	}
	if target.calls.Load() != 1 {
		t.Errorf("the caller's CheckRedirect was not used: %v", target.seen)
	}
}

// rawServer accepts connections and lets handle write whatever bytes it
// likes, holding the connection open until the test ends.
func rawServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				buf := make([]byte, 4096)
				_, _ = conn.Read(buf) // the request
				handle(conn)
				<-done
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/KeyfactorAPI"
}

func TestHostileAnswersAreBounded(t *testing.T) {
	tests := []struct {
		name    string
		answer  string
		timeout time.Duration // Config.Timeout
		ctx     time.Duration
		check   func(t *testing.T, err error)
	}{
		{"101 Switching Protocols held open", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
			time.Second, 2 * time.Second, func(t *testing.T, err error) {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != 101 {
					t.Errorf("err = %v, want a 101 *APIError", err)
				}
			}},
		{"a 4xx body that stalls, context ends", "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Mess",
			time.Minute, 300 * time.Millisecond, func(t *testing.T, err error) {
				var apiErr *APIError
				if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
					t.Errorf("err = %v, want DeadlineExceeded and the 404", err)
				}
			}},
		{"a 2xx body that stalls, context ends", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Id\":",
			time.Minute, 300 * time.Millisecond, func(t *testing.T, err error) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want DeadlineExceeded", err)
				}
			}},
		{"no answer, attempt timeout", "",
			300 * time.Millisecond, time.Minute, func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "attempt timed out after 300ms (Config.Timeout)") || !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want the attempt timeout", err)
				}
			}},
		{"a 2xx body that stalls, attempt timeout", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Id\":",
			300 * time.Millisecond, time.Minute, func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "attempt timed out") {
					t.Errorf("err = %v, want the attempt timeout", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := rawServer(t, func(c net.Conn) { _, _ = io.WriteString(c, tt.answer) })
			c := testClient(t, Config{BaseURL: base, Timeout: tt.timeout, Retry: RetryPolicy{MaxRetries: -1}})
			ctx, cancel := context.WithTimeout(context.Background(), tt.ctx)
			defer cancel()
			// The call runs aside, so that a regression fails here instead of
			// hanging the test binary.
			bound := min(tt.timeout, tt.ctx) + time.Second
			errc := make(chan error, 1)
			go func() { _, err := c.Roles.Get(ctx, 1); errc <- err }()
			select {
			case err := <-errc:
				tt.check(t, err)
			case <-time.After(bound):
				t.Fatalf("the call outlived %v; bounds were %v (attempt) and %v (context)", bound, tt.timeout, tt.ctx)
			}
		})
	}
}

// TestLyingContentLength: memory grows with the bytes that arrive, not with
// what the server claims.
func TestLyingContentLength(t *testing.T) {
	base := rawServer(t, func(c net.Conn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 33554432\r\n\r\n{\"Id\": 1, ")
	})
	c := testClient(t, Config{BaseURL: base, Retry: RetryPolicy{MaxRetries: -1}})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if _, err := c.Roles.Get(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v", err)
			}
		}()
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Errorf("20 calls allocated %d MiB for 10-byte bodies", grew>>20)
	}
}

// echoForms are the ways a server may echo a secret.
var echoForms = map[string]func(string) string{
	"raw":     func(s string) string { return s },
	"as text": func(s string) string { return s },
	"html":    html.EscapeString,
	"html numeric": func(s string) string {
		return strings.NewReplacer("<", "&#60;", "&", "&#x26;", `"`, "&#34;").Replace(s)
	},
	"path":  url.PathEscape,
	"query": url.QueryEscape,
	".NET JSON": func(s string) string {
		return strings.NewReplacer("<", `\u003C`, "&", `\u0026`, `"`, `\u0022`, "#", "#").Replace(s)
	},
	"Go JSON":      func(s string) string { return strings.NewReplacer("<", `\u003c`, "&", `\u0026`, `"`, `\"`).Replace(s) },
	"half escaped": func(s string) string { return strings.Replace(s, "&", "&amp;", 1) },
	"percent lower": func(s string) string {
		return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(s), strings.ToLower)
	},
}

func TestEchoedSecretsAreScrubbedInEveryForm(t *testing.T) {
	const pw = `pw<&"Ab9 '#`
	for name, form := range echoForms {
		t.Run(name, func(t *testing.T) {
			echoed := form(pw)
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(401)
				_, _ = fmt.Fprintf(w, `{"ErrorCode":"0xA0110001","Message":"user KEYEXAMPLE\\jsmith with password %s refused"}`, echoed)
			}))
			defer srv.Close()
			c := testClient(t, Config{BaseURL: srv.URL, Logger: logger,
				Auth: BasicAuth{Username: "jsmith", Password: pw, Domain: "KEYEXAMPLE"}})
			err := c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{})
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v", err)
			}
			for where, text := range map[string]string{"error": err.Error(), "body": string(apiErr.Body),
				"message": apiErr.Message, "log": logs.String()} {
				if strings.Contains(text, echoed) {
					t.Errorf("%s shows the secret as %q: %s", where, echoed, text)
				}
			}
			// Where the echo leaves the body valid JSON, Keyfactor's message
			// survives with the secret replaced; otherwise the excerpt does.
			if !strings.Contains(apiErr.Message+err.Error(), "password [REDACTED] refused") {
				t.Errorf("message = %q, error %q", apiErr.Message, err)
			}
		})
	}
}

func TestTokenErrorsAreScrubbedThroughout(t *testing.T) {
	const secret = `cs<&"Zz42 '#`
	for name, form := range echoForms {
		t.Run(name, func(t *testing.T) {
			idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(401)
				_, _ = fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad secret %s"}`, form(secret))
			}))
			defer idp.Close()
			c := testClient(t, Config{BaseURL: idp.URL,
				Auth: OAuth2ClientCredentials{TokenURL: idp.URL + "/token", ClientID: "kf", ClientSecret: secret}})
			err := c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{})
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v; want an *oauth2.RetrieveError in the chain", err)
			}
			for where, text := range map[string]string{"error": err.Error(), "RetrieveError": re.Error(),
				"RetrieveError.Body": string(re.Body), "ErrorDescription": re.ErrorDescription} {
				if strings.Contains(text, form(secret)) || strings.Contains(text, secret) {
					t.Errorf("%s shows the secret: %s", where, text)
				}
			}
			if re.Response != nil && re.Response.Request != nil {
				t.Error("the RetrieveError still leads to the token request (and its form)")
			}
		})
	}
}

func TestClientValueNeverShowsSecrets(t *testing.T) {
	const pw, token = "pw-Vq17-secret", "tok-Rr28-secret"
	for _, auth := range []Authenticator{BasicAuth{Username: "jsmith", Password: pw}, BearerToken(token),
		OAuth2ClientCredentials{TokenURL: "https://idp.example.com/token", ClientID: "kf", ClientSecret: pw}} {
		c := testClient(t, Config{Auth: auth})
		type holder struct{ kf Client }
		type exported struct{ KF Client }
		values := map[string]any{"value": *c, "pointer": c, "unexported field": holder{*c}, "exported field": exported{*c},
			"pointer field": struct{ kf *Client }{c}}
		for name, v := range values {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
				s := fmt.Sprintf(verb, v)
				basic := "anNtaXRo" // base64 of "jsmith": the start of the Basic header
				if strings.Contains(s, pw) || strings.Contains(s, token) || strings.Contains(s, basic) {
					t.Errorf("%s %s shows a secret: %s", name, verb, s)
				}
			}
		}
	}
}

func TestBaseURLWithEmptyQueryOrFragment(t *testing.T) {
	for _, base := range []string{"http://h/api?", "https://h/api?", "https://h/api#", "https://h/api?#"} {
		_, err := NewClient(Config{BaseURL: base, AllowInsecureHTTP: true, Auth: BearerToken("t")})
		assertValidation(t, err, "NewClient", []string{"BaseURL"}, "query or fragment")
	}
}

// heldIdP is an identity provider that holds each token request until
// released, then answers status (0: hangs until the client gives up or
// the test ends). It counts the requests, and says on arrived when each comes.
func heldIdP(t *testing.T, status int) (tokenURL string, requests *atomic.Int32, arrived chan struct{}, releaseAll func()) {
	t.Helper()
	requests = new(atomic.Int32)
	arrived, release := make(chan struct{}, 100), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		if status != 0 {
			w.WriteHeader(status)
		}
	}))
	var once sync.Once
	releaseAll = func() { once.Do(func() { close(release) }) }
	t.Cleanup(func() { releaseAll(); srv.Close() })
	return srv.URL + "/token", requests, arrived, releaseAll
}

// TestOAuthFailureAnswersEveryWaiter: callers waiting on a token request
// that fails (an error status, or the provider hanging past Timeout) all
// get its error from that one request; none makes its own, which would
// make N callers wait N times as long.
func TestOAuthFailureAnswersEveryWaiter(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		timeout time.Duration
		callers int
	}{
		{"provider fails", 500, time.Minute, 50},
		{"provider hangs past Timeout", 0, time.Second, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tokenURL, requests, arrived, release := heldIdP(t, tt.status)
			c := testClient(t, Config{Timeout: tt.timeout,
				Auth: OAuth2ClientCredentials{TokenURL: tokenURL, ClientID: "kf", ClientSecret: "cs-secret-1"}})
			src := c.auth.(*oauthSource)
			errs := make(chan error, tt.callers)
			call := func() { errs <- c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{}) }
			go call()
			<-arrived // the first caller's token request is held at the provider
			src.mu.Lock()
			fetch := src.inflight
			src.mu.Unlock()
			for range tt.callers - 1 {
				go call()
			}
			for fetch.waiters.Load() < int32(tt.callers-1) {
				runtime.Gosched() // every other caller joins the held request
			}
			if tt.status != 0 {
				release()
			}
			for range tt.callers {
				if err := <-errs; err == nil {
					t.Error("a caller got no error")
				}
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("%d token requests for %d callers, want 1", n, tt.callers)
			}
		})
	}
}

// TestDecodeErrorsAreScrubbed: a 2xx body that fails to decode is quoted
// in the error; when it echoes the request's credentials (a debugging
// proxy, a misconfigured gateway), they must not reach the error in any
// form, whichever decoder choked on them.
func TestDecodeErrorsAreScrubbed(t *testing.T) {
	const pw, token = `pw<&"Ab9 '#-secret`, "tok-Rr28-bearer-secret"
	auths := map[string]struct {
		auth    Authenticator
		secrets func(authz string) []string
	}{
		"basic": {BasicAuth{Username: "jsmith", Password: pw, Domain: "KEYEXAMPLE"}, func(authz string) []string {
			return []string{pw, authz, strings.TrimPrefix(authz, "Basic ")}
		}},
		"bearer": {BearerToken(token), func(authz string) []string { return []string{token, authz} }},
	}
	// Each body puts the echo (already JSON-escaped, as a server writing
	// JSON would) where a different decoder meets it.
	bodies := map[string]struct {
		path, body string
		call       func(*Client) error
	}{
		"not JSON at all":  {"Certificates/1", `<html>debug: %s</html>`, getCert},
		"JSON cut short":   {"Certificates/1", `{"Id": 1, "IssuedCN": "%s"`, getCert},
		"a time":           {"Certificates/1", `{"Id": 1, "NotAfter": "%s"}`, getCert},
		"a metadata value": {"Certificates/1", `{"Id": 1, "Metadata": {"echo": {"auth": "%s"}}}`, getCert},
		"a claim type": {"Security/Roles/1", `{"Id": 1, "Name": "n", "Claims": [{"ClaimType": {"x": "%s"}}]}`,
			func(c *Client) error { _, err := c.Roles.Get(context.Background(), 1); return err }},
		"a list page": {"Security/Roles", `[{"Id": 1, "Name": 5, "EmailAddress": "%s"}]`,
			func(c *Client) error {
				for _, err := range c.Roles.List(context.Background(), ListRolesOptions{}) {
					return err
				}
				return nil
			}},
	}
	for an, a := range auths {
		for bn, b := range bodies {
			t.Run(an+"/"+bn, func(t *testing.T) {
				var authz string
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					authz = r.Header.Get("Authorization")
					echo, _ := json.Marshal(authz + " " + pw + " " + token)
					w.Header().Set("Content-Type", "application/json")
					_, _ = fmt.Fprintf(w, b.body, strings.Trim(string(echo), `"`))
				}))
				defer srv.Close()
				c := testClient(t, Config{BaseURL: srv.URL, Auth: a.auth})
				err := b.call(c)
				if err == nil {
					t.Fatal("the broken body decoded")
				}
				if !strings.Contains(err.Error(), "decode 200 response") {
					t.Errorf("err = %v", err)
				}
				for e := err; e != nil; e = errors.Unwrap(e) {
					assertNoSecret(t, a.secrets(authz), "error chain", e.Error())
				}
			})
		}
	}
}

func getCert(c *Client) error {
	_, err := c.Certificates.Get(context.Background(), 1, GetCertificateOptions{})
	return err
}

// TestDecodeErrorsNameNoGoType: an answer of the wrong shape is described
// by its JSON keys, never by the SDK's internal types (roleWire).
func TestDecodeErrorsNameNoGoType(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterResponder("GET", testBase+"/Security/Roles/6", httpmock.NewStringResponder(200,
		`{"Id":6,"Name":"x","Claims":[{"ClaimValue":5}]}`))
	_, err := c.Roles.Get(context.Background(), 6)
	if err == nil || !strings.Contains(err.Error(), "Claims.ClaimValue: number is not a valid value here (want a string)") ||
		strings.Contains(err.Error(), "Wire") || strings.Contains(err.Error(), "Go struct") || strings.Count(err.Error(), "keyfactor:") != 1 {
		t.Errorf("err = %v", err)
	}
}
