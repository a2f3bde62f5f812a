package keyfactor

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

const testBase = "https://kf.example.com/KeyfactorAPI"

// sent is one request as it reached the mock transport.
type sent struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// mock is a per-client httpmock transport that also records what was sent.
type mock struct {
	*httpmock.MockTransport
	mu   sync.Mutex
	sent []sent
}

func (m *mock) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	m.mu.Lock()
	m.sent = append(m.sent, sent{Method: req.Method, URL: req.URL.String(), Header: req.Header.Clone(), Body: body})
	m.mu.Unlock()
	return m.MockTransport.RoundTrip(req)
}

func (m *mock) requests() []sent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]sent(nil), m.sent...)
}

// last returns the only or last request, failing the test when none was sent.
func (m *mock) last(t testing.TB) sent {
	t.Helper()
	reqs := m.requests()
	if len(reqs) == 0 {
		t.Fatal("no request was sent")
	}
	return reqs[len(reqs)-1]
}

// fastRetry keeps retry waits to milliseconds so that no test sleeps. It is
// the one retry policy of the tests (export_test.go hands it to the
// external test package).
var fastRetry = RetryPolicy{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}

// testClient builds a Client from cfg with the tests' defaults for what cfg
// leaves empty: testBase, basic auth, fastRetry; plain http is allowed.
func testClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = testBase
	}
	if cfg.Auth == nil {
		cfg.Auth = BasicAuth{Username: "jsmith", Password: "s3cret-pw", Domain: "KEYEXAMPLE"}
	}
	if cfg.Retry == (RetryPolicy{}) {
		cfg.Retry = fastRetry
	}
	cfg.AllowInsecureHTTP = true
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// newTestClient returns a Client whose only transport is its own httpmock
// MockTransport (never the global one). mods may change the Config first.
func newTestClient(t testing.TB, mods ...func(*Config)) (*Client, *mock) {
	t.Helper()
	m := &mock{MockTransport: httpmock.NewMockTransport()}
	cfg := Config{HTTPClient: &http.Client{Transport: m}}
	for _, mod := range mods {
		mod(&cfg)
	}
	return testClient(t, cfg), m
}

// assertNothingSent fails the test when the mock saw any request.
func assertNothingSent(t testing.TB, m *mock) {
	t.Helper()
	if n := m.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests were sent; want none", n)
	}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureResponder answers with a testdata file as a JSON body.
func fixtureResponder(t testing.TB, status int, name string) httpmock.Responder {
	body := fixture(t, name)
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewBytesResponse(status, body)
		resp.Header.Set("Content-Type", "application/json; charset=utf-8")
		return resp, nil
	}
}

// assertJSON compares a sent body with the expected JSON text, key by key.
func assertJSON(t testing.TB, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("sent body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("sent body\n got %s\nwant %s", got, want)
	}
}

// assertValidation checks that err is a *ValidationError for op naming
// exactly fields, and that its text holds hint.
func assertValidation(t *testing.T, err error, op string, fields []string, hint string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrValidation) {
		t.Fatalf("err = %T %v, want a *ValidationError", err, err)
	}
	if ve.Op != op {
		t.Errorf("Op = %q, want %q", ve.Op, op)
	}
	var got []string
	for _, f := range ve.Fields {
		got = append(got, f.Field)
	}
	if strings.Join(got, ",") != strings.Join(fields, ",") {
		t.Errorf("fields = %v, want %v (%v)", got, fields, err)
	}
	if !strings.Contains(err.Error(), hint) {
		t.Errorf("error %q lacks %q", err, hint)
	}
}
