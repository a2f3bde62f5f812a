package keyfactortest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// WithRequestLog writes one JSON object per request to w, once it is
// answered: the time it arrived, method, path, query, status (0 when the
// connection was dropped), the fault it met and how long it took. It never
// writes a header or a body, so no credential reaches the log (the token
// endpoint's secret travels in the body; API credentials in a header).
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
	e := logEntry{Time: start.UTC(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: status,
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
