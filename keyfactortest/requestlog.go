package keyfactortest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WithRequestLog writes one JSON object per request to w, once it is
// answered: the time it arrived, method, path, query, status (0 when the
// connection was dropped), the fault it met and how long it took. It never
// writes a header or a body, so no credential reaches the log (the token
// endpoint's secret travels in the body; API credentials in a header),
// and a query parameter whose name says it holds a secret (password,
// secret, token, key, code, ...) is logged as [REDACTED].
//
//	{"Time":"2026-12-01T09:10:06.5Z","Method":"GET","Path":"/KeyfactorAPI/Security/Roles","Query":"PageReturned=1",
//	 "Status":200,"DurationMs":0.4}
func WithRequestLog(w io.Writer) Option {
	return func(s *Server) { s.log = &requestLog{w: w} }
}

type requestLog struct {
	mu sync.Mutex // one line at a time
	w  io.Writer
}

// logEntry is one line of the request log.
type logEntry struct {
	Time       time.Time `json:"Time"`
	Method     string    `json:"Method"`
	Path       string    `json:"Path"`
	Query      string    `json:"Query,omitempty"`
	Status     int       `json:"Status"`
	Fault      string    `json:"Fault,omitempty"`
	DurationMs float64   `json:"DurationMs"`
}

func (s *Server) logRequest(r *http.Request, status int, f *Fault, start time.Time) {
	e := logEntry{Time: start.UTC(), Method: r.Method, Path: r.URL.Path, Query: scrubQuery(r.URL.RawQuery), Status: status,
		DurationMs: float64(time.Since(start).Microseconds()) / 1000}
	switch {
	case f == nil:
	case f.Drop == DropBeforeHandler:
		e.Fault = "dropped before acting"
	case f.Drop == DropAfterHandler:
		e.Fault = "dropped after acting"
	default:
		e.Fault = "answered " + strconv.Itoa(f.Status)
	}
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	enc := json.NewEncoder(s.log.w)
	enc.SetEscapeHTML(false) // a query's & stays readable
	_ = enc.Encode(e)
}

// statusRecorder notes the status a handler writes. Unwrap lets
// http.ResponseController hijack the connection underneath (a dropped
// connection).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// secretParam matches the names of query parameters that may carry a
// secret: a client that puts one in a URL must not find it in the log.
var secretParam = regexp.MustCompile(`(?i)pass(word|phrase)?|secret|token|api_?key|private_?key|^key$|^code$|credential|signature|^sig$|pfx|pkcs`)

// scrubQuery is raw with the value of every secret-looking parameter, and
// of the whole query when it does not parse, replaced by [REDACTED].
func scrubQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		decoded, err := url.QueryUnescape(name)
		if err != nil || secretParam.MatchString(decoded) {
			if hasValue || err != nil {
				parts[i] = name + "=[REDACTED]"
			}
		}
	}
	return strings.Join(parts, "&")
}
