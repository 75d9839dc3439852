package engagespottest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autoidentify/autoidentify/internal/options"
)

// Default credentials the fake accepts unless WithCredentials says otherwise.
// They are the ones the official SDK's golden recording used.
const (
	DefaultAPIKey    = "test-api-key"
	DefaultAPISecret = "test-api-secret"
)

// BasePath is the version prefix of every API path; URL includes it.
const BasePath = "/v3"

// maxBody caps how much of a request body the fake reads and keeps.
const maxBody = 1 << 20

// Server is a fake Engagespot REST API on a local httptest server. It is safe
// for concurrent use: tests may inspect and steer it while requests run.
type Server struct {
	// APIKey and APISecret are the credentials requests must carry.
	APIKey    string
	APISecret string

	ts        *httptest.Server
	closing   chan struct{} // closed by Close: frees held requests
	closeOnce sync.Once

	mu       sync.Mutex
	users    map[string]*User
	requests []Request
	gen      int // bumped by ClearRequests
	faults   []*Fault
	latency  time.Duration
	hold     chan struct{} // non-nil while Hang is on; Release closes it
	held     int           // requests being held now
	changed  chan struct{} // closed and replaced on every change, for the Wait methods
}

// Option configures NewServer and Start.
type Option func(*config) error

type config struct {
	apiKey, apiSecret string
}

// WithCredentials sets the API key and secret the fake accepts; neither may
// be empty. Default: DefaultAPIKey and DefaultAPISecret.
func WithCredentials(apiKey, apiSecret string) Option {
	return func(c *config) error {
		if apiKey == "" || apiSecret == "" {
			return options.Error("Credentials", "empty key or secret")
		}
		c.apiKey, c.apiSecret = apiKey, apiSecret
		return nil
	}
}

// NewServer starts a fake API that tb's cleanup closes. A bad option fails
// the test.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := Start(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Start starts a fake API; the caller must Close it. Tests should prefer
// NewServer; Start is for examples and programs that have no testing.TB. A
// bad option fails with an *identity.ConfigError.
func Start(opts ...Option) (*Server, error) {
	cfg := config{apiKey: DefaultAPIKey, apiSecret: DefaultAPISecret}
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("engagespottest: %w", err)
	}
	s := &Server{
		APIKey:    cfg.apiKey,
		APISecret: cfg.apiSecret,
		closing:   make(chan struct{}),
		users:     make(map[string]*User),
		changed:   make(chan struct{}),
	}
	s.ts = httptest.NewServer(s)
	return s, nil
}

// URL is the API's base URL, version path included (like
// https://api.engagespot.co/v3): give it to the client's base URL option.
func (s *Server) URL() string { return s.ts.URL + BasePath }

// HTTPClient returns an *http.Client configured for the server.
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// Close frees held requests (they answer 503), then shuts the server down and
// waits for every request to finish. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.ts.Close()
	})
}

// SetLatency makes every request wait d before it is answered (or until the
// client gives up). Zero, the default, answers at once.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Hang holds every request that arrives from now on, unanswered, until
// Release, until the client gives up, or until Close (503). Held requests are
// recorded and counted when they arrive. Use WaitHeld to know they are there.
func (s *Server) Hang() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		s.hold = make(chan struct{})
	}
}

// Release lets every held request go on as usual and stops holding new ones.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

// Held returns how many requests are being held now.
func (s *Server) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// WaitHeld waits until at least n requests are being held, or ctx ends.
func (s *Server) WaitHeld(ctx context.Context, n int) error {
	return s.wait(ctx, func() bool { return s.held >= n })
}

// Calls returns how many requests arrived, whatever their outcome.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// CallsFor returns how many requests arrived for one user's path.
func (s *Server) CallsFor(identifier string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.HasIdentifier && r.Identifier == identifier {
			n++
		}
	}
	return n
}

// WaitCalls waits until at least n requests have arrived, or ctx ends.
func (s *Server) WaitCalls(ctx context.Context, n int) error {
	return s.wait(ctx, func() bool { return len(s.requests) >= n })
}

// Requests returns a copy of every request received, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.clone()
	}
	return out
}

// LastRequest returns the request that arrived last.
func (s *Server) LastRequest() (Request, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return Request{}, false
	}
	return s.requests[len(s.requests)-1].clone(), true
}

// ClearRequests forgets the requests received so far (Calls restarts at 0).
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.gen++
	s.notifyLocked()
}

// wait blocks until cond, checked under s.mu, holds or ctx ends.
func (s *Server) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyLocked wakes the Wait methods. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// sortedUsersLocked returns copies of the users held, by identifier. s.mu must be held.
func (s *Server) sortedUsersLocked() []User {
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u.clone())
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.Identifier, b.Identifier) })
	return out
}
