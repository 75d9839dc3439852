package engagespottest

import "net/http"

// Always, as a count of requests to fail, means every matching request.
const Always = -1

// Fault is an injected failure: matching requests get Status instead of
// their normal answer and change nothing.
type Fault struct {
	// Status is the HTTP status to answer.
	Status int
	// RetryAfter, if set, is sent as the Retry-After header (seconds or an
	// HTTP date).
	RetryAfter string
	// Body is the answer's body; by default a JSON error naming the status.
	Body string
	// Identifier limits the fault to requests for that user; "" matches all.
	Identifier string
	// Times is how many matching requests fail; Always means all of them.
	// Zero counts as one, so Fault{Status: 500} fails one request.
	Times int
}

func (f *Fault) matches(r *Request) bool {
	return f.Identifier == "" || (r.HasIdentifier && r.Identifier == f.Identifier)
}

// AddFault adds a fault. Faults apply in the order added: a request takes the
// first one that matches it and has uses left.
func (s *Server) AddFault(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// FailNext makes the next n requests, for any user, answer status.
func (s *Server) FailNext(n, status int) {
	if n > 0 {
		s.AddFault(Fault{Status: status, Times: n})
	}
}

// FailAlways makes every request answer status, until ClearFaults.
func (s *Server) FailAlways(status int) { s.AddFault(Fault{Status: status, Times: Always}) }

// FailUser makes the next n requests for one user answer status; n = Always
// fails all of them.
func (s *Server) FailUser(identifier string, n, status int) {
	if n > 0 || n == Always {
		s.AddFault(Fault{Status: status, Identifier: identifier, Times: n})
	}
}

// RateLimit makes the next n requests answer 429 Too Many Requests with the
// given Retry-After header ("" sends none); n = Always limits all of them.
func (s *Server) RateLimit(n int, retryAfter string) {
	if n > 0 || n == Always {
		s.AddFault(Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter, Times: n})
	}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFaultLocked returns the fault r triggers, using it up. s.mu must be held.
func (s *Server) takeFaultLocked(r *Request) (Fault, bool) {
	for i, f := range s.faults {
		if !f.matches(r) {
			continue
		}
		out := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return out, true
	}
	return Fault{}, false
}
