package keyfactor

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

var (
	errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	errReset   = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
)

// sequence answers with each responder in turn, then keeps using the last.
func sequence(rs ...httpmock.Responder) httpmock.Responder {
	var n atomic.Int32
	return func(req *http.Request) (*http.Response, error) {
		i := min(int(n.Add(1))-1, len(rs)-1)
		return rs[i](req)
	}
}

// failOnceThen answers with a failure once, then with ok.
func failOnceThen(fail httpmock.Responder, ok httpmock.Responder) httpmock.Responder {
	return sequence(fail, ok)
}

func status(code int) httpmock.Responder {
	return httpmock.NewStringResponder(code, `{"ErrorCode":"0xA0110002","Message":"try later"}`)
}

func TestRetryMatrix(t *testing.T) {
	owner := func(c *Client) error {
		return c.Certificates.UpdateOwner(context.Background(), 5, UpdateOwnerRequest{NewRoleID: Ptr(2)})
	}
	create := func(c *Client) error {
		_, err := c.Roles.CreateV1(context.Background(), CreateRoleV1Request{Name: "n", Description: "d"})
		return err
	}
	okOwner := httpmock.NewStringResponder(204, "")
	okRole := httpmock.NewStringResponder(200, `{"Id":9,"Name":"n","Description":"d"}`)
	tests := []struct {
		name      string
		method    string
		fail      httpmock.Responder
		wantCalls int
		wantErr   bool
	}{
		{"PUT retried on 503", "PUT", status(503), 2, false},
		{"PUT retried on 502", "PUT", status(502), 2, false},
		{"PUT retried on 504", "PUT", status(504), 2, false},
		{"PUT retried on 429", "PUT", status(429), 2, false},
		{"PUT retried on connection refused", "PUT", httpmock.NewErrorResponder(errRefused), 2, false},
		{"PUT retried on connection reset", "PUT", httpmock.NewErrorResponder(errReset), 2, false},
		{"PUT not retried on 500", "PUT", status(500), 1, true},
		{"PUT not retried on 400", "PUT", status(400), 1, true},
		{"PUT not retried on a certificate error", "PUT", httpmock.NewErrorResponder(x509.UnknownAuthorityError{}), 1, true},
		{"POST sent once on 500", "POST", status(500), 1, true},
		{"POST sent once on 502", "POST", status(502), 1, true},
		{"POST sent once on 504", "POST", status(504), 1, true},
		{"POST sent once on connection reset", "POST", httpmock.NewErrorResponder(errReset), 1, true},
		{"POST retried on 429", "POST", status(429), 2, false},
		{"POST retried on 503", "POST", status(503), 2, false},
		{"POST retried on connection refused", "POST", httpmock.NewErrorResponder(errRefused), 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, m := newTestClient(t)
			run, ok := owner, okOwner
			if tt.method == "POST" {
				run, ok = create, okRole
			}
			m.RegisterNoResponder(failOnceThen(tt.fail, ok))
			err := run(c)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			sent := 0
			for _, r := range m.requests() {
				switch {
				case r.Method == tt.method:
					sent++
				case r.Method != "GET": // UpdateOwner reads the role after a 400
					t.Errorf("method %s", r.Method)
				}
			}
			if sent != tt.wantCalls {
				t.Errorf("sent %d times, want %d", sent, tt.wantCalls)
			}
		})
	}
}

func TestRetriesCarryTheSameBody(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterNoResponder(sequence(status(503), status(503), httpmock.NewStringResponder(204, "")))
	if err := c.Certificates.UpdateOwner(context.Background(), 5, UpdateOwnerRequest{NewRoleName: Ptr("Owners")}); err != nil {
		t.Fatal(err)
	}
	reqs := m.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	for _, r := range reqs {
		assertJSON(t, r.Body, `{"NewRoleName":"Owners"}`)
		if r.Header.Get("Authorization") == "" {
			t.Error("a retry lost its Authorization header")
		}
	}
}

func TestLastFailureIsTheServersAnswer(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterNoResponder(fixtureResponder(t, 503, "error_server_unavailable.json"))
	err := c.Certificates.ClearOwner(context.Background(), 5, OwnerScope{})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.ErrorCode != "0xA0110002" ||
		apiErr.Message != "The service is temporarily unavailable. Please retry later." {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(err.Error(), "giving up") {
		t.Errorf("error hides the answer: %v", err)
	}
	if got := m.GetTotalCallCount(); got != DefaultMaxRetries+1 {
		t.Errorf("sent %d times, want %d", got, DefaultMaxRetries+1)
	}
}

func TestTransportErrorStaysWrapped(t *testing.T) {
	c, m := newTestClient(t)
	m.RegisterNoResponder(httpmock.NewErrorResponder(errRefused))
	err := c.Certificates.ClearOwner(context.Background(), 5, OwnerScope{})
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("errors.Is(err, ECONNREFUSED) = false for %v", err)
	}
	if !strings.Contains(err.Error(), "after 4 attempts") || strings.Contains(err.Error(), "giving up") {
		t.Errorf("err = %v", err)
	}
	// The method and URL appear once: net/http's *url.Error repeats them.
	if n := strings.Count(err.Error(), "/Certificates/5/Owner"); n != 1 {
		t.Errorf("the URL appears %d times in %q", n, err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Errorf("the *url.Error is no longer reachable: %v", err)
	}
}

func TestNegativeMaxRetriesMeansOneAttempt(t *testing.T) {
	c, m := newTestClient(t, func(c *Config) { c.Retry.MaxRetries = -1 })
	m.RegisterNoResponder(status(503))
	_ = c.Certificates.ClearOwner(context.Background(), 5, OwnerScope{})
	if got := m.GetTotalCallCount(); got != 1 {
		t.Errorf("sent %d times", got)
	}
}

func TestRetryAfterIsCappedAtMaxWait(t *testing.T) {
	c, m := newTestClient(t, func(c *Config) { c.Retry = RetryPolicy{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond} })
	m.RegisterNoResponder(failOnceThen(status(429).HeaderSet(http.Header{"Retry-After": {"3600"}}),
		httpmock.NewStringResponder(204, "")))
	// Were the cap broken, the hour-long wait would end at this deadline
	// and the call would fail, instead of the test hanging.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Certificates.ClearOwner(ctx, 5, OwnerScope{}); err != nil {
		t.Fatalf("Retry-After: 3600 with MaxWait 20ms: %v", err)
	}
	if m.GetTotalCallCount() != 2 {
		t.Errorf("sent %d times", m.GetTotalCallCount())
	}
}

func TestBackoff(t *testing.T) {
	c, _ := newTestClient(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	minW, maxW := 100*time.Millisecond, 5*time.Second
	withRA := func(code int, ra string) *http.Response {
		return &http.Response{StatusCode: code, Header: http.Header{"Retry-After": {ra}}}
	}
	tests := []struct {
		name    string
		attempt int
		resp    *http.Response
		lo, hi  time.Duration
	}{
		{"first wait", 0, nil, minW, minW},
		{"second wait doubles", 1, nil, minW, 200 * time.Millisecond},
		{"fourth wait", 3, nil, 400 * time.Millisecond, 800 * time.Millisecond},
		{"capped at MaxWait", 30, nil, maxW / 2, maxW},
		{"Retry-After seconds honoured", 0, withRA(429, "2"), 2 * time.Second, 2 * time.Second},
		{"Retry-After 3600 capped", 0, withRA(503, "3600"), maxW, maxW},
		{"Retry-After date", 0, withRA(503, now.Add(3*time.Second).Format(http.TimeFormat)), 3 * time.Second, 3 * time.Second},
		{"Retry-After in the past", 0, withRA(503, now.Add(-time.Hour).Format(http.TimeFormat)), minW, minW},
		{"Retry-After garbage", 0, withRA(429, "soon"), minW, minW},
		{"Retry-After ignored on 502", 0, withRA(502, "3"), minW, minW},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 { // jitter: every pick must stay in range
				got := c.backoff(minW, maxW, tt.attempt, tt.resp)
				if got < tt.lo || got > tt.hi {
					t.Fatalf("backoff = %v, want within [%v, %v]", got, tt.lo, tt.hi)
				}
			}
		})
	}
}

func TestCancelEndsAWaitAtOnce(t *testing.T) {
	hour := RetryPolicy{MinWait: time.Hour, MaxWait: time.Hour}
	c, m := newTestClient(t, func(c *Config) { c.Retry = hour })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m.RegisterNoResponder(func(*http.Request) (*http.Response, error) {
		time.AfterFunc(10*time.Millisecond, cancel) // cancel while the client waits an hour
		return httpmock.NewStringResponse(503, ""), nil
	})
	errc := make(chan error, 1)
	go func() { errc <- c.Certificates.ClearOwner(ctx, 5, OwnerScope{}) }()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the context did not end the hour-long wait")
	}
	if m.GetTotalCallCount() != 1 {
		t.Errorf("sent %d times", m.GetTotalCallCount())
	}
}

// TestContextEndingAWaitReportsTheLastAttempt: when the context ends while
// the call waits to retry, the error says what the last attempt met (a 503
// with the server's message), not only that the deadline passed.
func TestContextEndingAWaitReportsTheLastAttempt(t *testing.T) {
	slow := RetryPolicy{MinWait: time.Hour, MaxWait: time.Hour}
	c, m := newTestClient(t, func(c *Config) { c.Retry = slow })
	m.RegisterNoResponder(httpmock.NewStringResponder(503, `{"ErrorCode":"0xA0110002","Message":"maintenance window"}`))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := c.Certificates.ClearOwner(ctx, 5, OwnerScope{})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || !errors.Is(err, ErrServer) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want the 503 and the deadline", err)
	}
	if !strings.Contains(err.Error(), "maintenance window") || !strings.Contains(err.Error(), "stopped waiting to retry") {
		t.Errorf("err = %v", err)
	}
}

// Real sockets from here on: what httpmock cannot show.

// countingTransport is a real transport that counts its dial attempts.
func countingTransport(dials *atomic.Int32) *http.Transport {
	t := newDefaultTransport()
	d := &net.Dialer{Timeout: time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}
	return t
}

func TestPOSTIsRetriedWhenTheConnectionIsRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every dial is refused

	var dials atomic.Int32
	c := testClient(t, Config{BaseURL: "http://" + addr + "/KeyfactorAPI", HTTPClient: &http.Client{Transport: countingTransport(&dials)}})
	_, err = c.Roles.CreateV1(context.Background(), CreateRoleV1Request{Name: "n", Description: "d"})
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err = %v", err)
	}
	if got := dials.Load(); got != DefaultMaxRetries+1 {
		t.Errorf("dialled %d times, want %d", got, DefaultMaxRetries+1)
	}

	// The connection trace says the request never reached the server, so
	// Create does not look the role up afterwards (that would dial again).
	dials.Store(0)
	_, err = c.Roles.Create(context.Background(), CreateRoleRequest{Name: "n", Description: "d"})
	if errors.Is(err, ErrOutcomeUnknown) || strings.Contains(err.Error(), "looking the role up") {
		t.Fatalf("err = %v", err)
	}
	if got := dials.Load(); got != DefaultMaxRetries+1 {
		t.Errorf("dialled %d times, want %d (no lookup)", got, DefaultMaxRetries+1)
	}
}

// TestRefusedConnectionUnderADeadlineNamesTheCause: a deadline that ends
// the backoff after refused connections reports the refusal.
func TestRefusedConnectionUnderADeadlineNamesTheCause(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := testClient(t, Config{BaseURL: "http://" + addr + "/KeyfactorAPI", Retry: RetryPolicy{MinWait: time.Hour, MaxWait: time.Hour}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Roles.Get(ctx, 1)
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want the refusal and the deadline", err)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v", err)
	}
}

func TestPOSTIsNotRetriedAfterTheServerReadIt(t *testing.T) {
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request)
		timeout time.Duration
	}{
		{"connection reset after reading", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // RST instead of FIN
				}
				conn.Close()
			}
		}, 0},
		{"attempt timeout", func(w http.ResponseWriter, r *http.Request) {
			// The server notices the client hanging up only once the body is read.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var posts, puts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					posts.Add(1)
				} else {
					puts.Add(1)
				}
				tt.handler(w, r)
			}))
			defer srv.Close()
			c := testClient(t, Config{BaseURL: srv.URL, Timeout: tt.timeout})
			_, err := c.Roles.CreateV1(context.Background(), CreateRoleV1Request{Name: "n", Description: "d"})
			if err == nil {
				t.Fatal("no error")
			}
			if got := posts.Load(); got != 1 {
				t.Errorf("POST reached the server %d times, want 1: %v", got, err)
			}
			// The same failure on an idempotent PUT is retried.
			_ = c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{})
			if got := puts.Load(); got != DefaultMaxRetries+1 {
				t.Errorf("PUT reached the server %d times, want %d", got, DefaultMaxRetries+1)
			}
		})
	}
}

// countingServer starts a plain-HTTP server that counts the connections
// opened to it, and a Client for it.
func countingServer(t *testing.T, h http.HandlerFunc) (*Client, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return testClient(t, Config{BaseURL: srv.URL}), &conns
}

func TestFailedCallKeepsThePool(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	c, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			// 503 until retries run out: go-retryablehttp's failure path,
			// which calls CloseIdleConnections.
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	ctx := context.Background()
	if err := c.Certificates.ClearOwner(ctx, 1, OwnerScope{}); !errors.Is(err, ErrServer) {
		t.Fatalf("first call: %v", err)
	}
	fail.Store(false)
	if err := c.Certificates.ClearOwner(ctx, 1, OwnerScope{}); err != nil {
		t.Fatalf("second call: %v", err)
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("opened %d connections; the failed call emptied the pool", got)
	}
}

func TestRetriedLargeErrorBodyKeepsTheConnection(t *testing.T) {
	var calls atomic.Int32
	page := strings.Repeat("<p>Service Unavailable</p>", 2000) // ~50 KiB, past go-retryablehttp's 4 KiB drain
	c, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, page)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	if err := c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 || conns.Load() != 1 {
		t.Errorf("%d calls over %d connections; want 3 over 1", calls.Load(), conns.Load())
	}

	// When the last attempt is such a response, its body is still reported.
	calls.Store(-100)
	err := c.Certificates.ClearOwner(context.Background(), 1, OwnerScope{})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || len(apiErr.Body) != len(page) {
		t.Errorf("err = %v (body %d bytes)", err, len(apiErr.Body))
	}
}

func TestRetryPolicyDefaults(t *testing.T) {
	ms := time.Millisecond
	tests := []struct{ in, want RetryPolicy }{
		{RetryPolicy{}, RetryPolicy{MaxRetries: 3, MinWait: 500 * ms, MaxWait: 10 * time.Second}},
		{RetryPolicy{MaxRetries: -1}, RetryPolicy{MaxRetries: 0, MinWait: 500 * ms, MaxWait: 10 * time.Second}},
		{RetryPolicy{MaxRetries: 7, MaxWait: ms}, RetryPolicy{MaxRetries: 7, MinWait: ms, MaxWait: ms}},
		{RetryPolicy{MinWait: 20 * time.Second}, RetryPolicy{MaxRetries: 3, MinWait: 20 * time.Second, MaxWait: 20 * time.Second}},
		{RetryPolicy{MinWait: ms, MaxWait: 2 * ms}, RetryPolicy{MaxRetries: 3, MinWait: ms, MaxWait: 2 * ms}},
	}
	for _, tt := range tests {
		if got := tt.in.withDefaults(); got != tt.want {
			t.Errorf("%+v.withDefaults() = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestCallIdempotency(t *testing.T) {
	tests := []struct {
		cl   call
		want bool
	}{
		{call{method: http.MethodGet}, true},
		{call{method: http.MethodPut}, true},
		{call{method: http.MethodDelete}, true},
		{call{method: http.MethodPost}, false},
		{call{method: http.MethodPatch}, false},
		{call{method: http.MethodPost, repeat: idempotent}, true},
		{call{method: http.MethodPut, repeat: notIdempotent}, false},
	}
	for _, tt := range tests {
		if got := tt.cl.idempotent(); got != tt.want {
			t.Errorf("%s (repeat %d): idempotent = %v, want %v", tt.cl.method, tt.cl.repeat, got, tt.want)
		}
	}
}
