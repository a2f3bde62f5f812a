package keyfactortest

import (
	"math/rand/v2"
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

// FailRandomly makes each request that matches f fail as f says with the
// given probability (0 to 1), until ClearFaults. Random faults apply only to
// requests that no FailNext fault took; the probabilities of several calls
// add up (each request draws once). The draws come from a generator seeded
// with WithSeed (default 1), so a run is reproducible when requests arrive
// in the same order.
func (s *Server) FailRandomly(probability float64, f Fault) {
	if probability <= 0 {
		return
	}
	if f.Drop == 0 && f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.randomFaults = append(s.randomFaults, randomFault{Fault: f, probability: probability})
}

// ClearFaults drops every pending FailNext and FailRandomly fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults, s.randomFaults = nil, nil
}

// WithSeed seeds the generator behind FailRandomly.
func WithSeed(seed uint64) Option {
	return func(s *Server) { s.rand = rand.New(rand.NewPCG(seed, seed)) }
}

type randomFault struct {
	Fault
	probability float64
}

func (f *Fault) matches(r *http.Request, rel string) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, r.Method)) &&
		(f.Path == "" || strings.EqualFold(strings.TrimSuffix(f.Path, "/"), strings.TrimSuffix(rel, "/")))
}

// takeFault returns the first pending fault matching r and uses it up, or
// else a random fault if the draw picks one. It runs under s.mu.
func (s *Server) takeFault(r *http.Request) *Fault {
	rel := strings.TrimPrefix(r.URL.Path, s.apiPath)
	for i, f := range s.faults {
		if !f.matches(r, rel) {
			continue
		}
		out := f.Fault
		f.remaining--
		if f.remaining == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return &out
	}
	if len(s.randomFaults) == 0 {
		return nil
	}
	draw, sum := s.rand.Float64(), 0.0
	for _, f := range s.randomFaults {
		if !f.matches(r, rel) {
			continue
		}
		if sum += f.probability; draw < sum {
			out := f.Fault
			return &out
		}
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
