package keyfactortest

import (
	"net"
	"net/http"
	"strings"
)

// DropMode says when a fault drops the connection.
type DropMode int

const (
	// DropBeforeHandler closes the connection without acting on the
	// request: the client sees a reset, and nothing changed.
	DropBeforeHandler DropMode = iota + 1
	// DropAfterHandler acts on the request (a role is stored, an owner
	// changed) and then closes the connection without answering: the
	// client cannot tell whether it worked.
	DropAfterHandler
)

// Fault describes how a request should fail.
type Fault struct {
	// Method and Path restrict the fault to matching requests; empty
	// matches any. Path is relative to the API path ("/Security/Roles")
	// and matched case-insensitively.
	Method, Path string
	// Status is the HTTP status to answer with (with Keyfactor error JSON),
	// unless Drop is set; default 500.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Message overrides the error JSON's Message.
	Message string
	// Drop drops the connection instead of answering.
	Drop DropMode
}

type faultState struct {
	Fault
	remaining int
}

// FailNext makes the next n requests that match f fail as f says. Faults
// queue in the order they were added; each request takes at most one.
func (s *Server) FailNext(n int, f Fault) {
	if n <= 0 {
		return
	}
	if f.Drop == 0 && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, remaining: n})
}

// takeFault returns the first pending fault matching r and uses it up. It
// runs under s.mu.
func (s *Server) takeFault(r *http.Request) *Fault {
	rel := strings.TrimPrefix(r.URL.Path, s.apiPath)
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Path != "" && !strings.EqualFold(strings.TrimSuffix(f.Path, "/"), strings.TrimSuffix(rel, "/")) {
			continue
		}
		out := f.Fault
		f.remaining--
		if f.remaining == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return &out
	}
	return nil
}

func writeFault(w http.ResponseWriter, f *Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	code := codeBadRequest
	if f.Status >= 500 {
		code = codeUnavailable
	}
	writeError(w, f.Status, code, msg)
}

// drop closes the connection with a reset, without writing a response.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 cannot hijack; aborting the handler resets the stream.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
