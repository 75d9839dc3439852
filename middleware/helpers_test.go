package middleware_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// waitLimit bounds every wait in these tests: reaching it means a bug (a lost
// job, a deadlock), never a slow machine.
const waitLimit = 10 * time.Second

// setup returns a Middleware syncing through the real Engagespot client to a
// fake of the API; t.Cleanup closes both.
func setup(t testing.TB, opts ...middleware.Option) (*middleware.Middleware, *engagespottest.Server) {
	t.Helper()
	srv := engagespottest.NewServer(t)
	return newMiddleware(t, client(t, srv), opts...), srv
}

func client(t testing.TB, srv *engagespottest.Server) *engagespot.Client {
	t.Helper()
	c, err := engagespot.New(srv.APIKey, srv.APISecret,
		engagespot.WithBaseURL(srv.URL()), engagespot.WithHTTPClient(srv.HTTPClient()))
	require.NoError(t, err)
	return c
}

func newMiddleware(t testing.TB, dir middleware.Directory, opts ...middleware.Option) *middleware.Middleware {
	t.Helper()
	m, err := middleware.New(dir, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		_ = m.Close(ctx)
	})
	return m
}

func user(identifier, email string) identity.Identity {
	return identity.Identity{Identifier: identifier, Profile: identity.Profile{Email: email, FirstName: "Ann"}}
}

// serve sends h one request whose context carries id (none if nil).
func serve(h http.Handler, id *identity.Identity) *httptest.ResponseRecorder {
	return serveCtx(context.Background(), h, id)
}

func serveCtx(ctx context.Context, h http.Handler, id *identity.Identity) *httptest.ResponseRecorder {
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	if id != nil {
		r = r.WithContext(identity.NewContext(r.Context(), *id))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// echo answers with the identifier of the request's user, "-" if none.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, ok := identity.FromContext(r.Context())
	if !ok {
		_, _ = io.WriteString(w, "-")
		return
	}
	_, _ = io.WriteString(w, id.Identifier)
})

func flush(t testing.TB, m *middleware.Middleware) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	require.NoError(t, m.Flush(ctx))
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, waitLimit, time.Millisecond, "waiting for %s", what)
}

func waitCalls(t *testing.T, srv *engagespottest.Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	require.NoError(t, srv.WaitCalls(ctx, n))
}

// outcomes records what the outcome hook sees.
type outcomes struct {
	mu   sync.Mutex
	list []middleware.Outcome
}

func (o *outcomes) option() middleware.Option {
	return middleware.WithOutcomeHook(func(_ context.Context, out middleware.Outcome) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.list = append(o.list, out)
	})
}

func (o *outcomes) all() []middleware.Outcome {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]middleware.Outcome(nil), o.list...)
}

// byKind counts outcomes per kind.
func (o *outcomes) byKind(t *testing.T) map[middleware.OutcomeKind]int {
	t.Helper()
	n := map[middleware.OutcomeKind]int{}
	for _, out := range o.all() {
		n[out.Kind]++
	}
	return n
}

// timers stands in for time.AfterFunc: it records each wait asked for, and
// fires a callback at once (auto) or when the test says, so that no test
// sleeps through a backoff or a pause.
type timers struct {
	auto bool

	mu      sync.Mutex
	waits   []time.Duration
	pending []*timer
}

type timer struct {
	d    time.Duration
	f    func()
	done bool
}

func (ts *timers) option() middleware.Option { return middleware.WithAfterFunc(ts.afterFunc) }

func (ts *timers) afterFunc(d time.Duration, f func()) func() bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.waits = append(ts.waits, d)
	t := &timer{d: d, f: f}
	if ts.auto {
		t.done = true
		go f()
	} else {
		ts.pending = append(ts.pending, t)
	}
	return func() bool {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		stopped := !t.done
		t.done = true
		return stopped
	}
}

// fire runs every pending timer whose wait passes keep, and says how many.
func (ts *timers) fire(keep func(time.Duration) bool) int {
	ts.mu.Lock()
	var due []*timer
	rest := ts.pending[:0]
	for _, t := range ts.pending {
		switch {
		case t.done:
		case keep(t.d):
			t.done = true
			due = append(due, t)
		default:
			rest = append(rest, t)
		}
	}
	ts.pending = rest
	ts.mu.Unlock()
	for _, t := range due {
		t.f()
	}
	return len(due)
}

func (ts *timers) recorded() []time.Duration {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]time.Duration(nil), ts.waits...)
}

func (ts *timers) pendingCount() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	n := 0
	for _, t := range ts.pending {
		if !t.done {
			n++
		}
	}
	return n
}

// logs is a concurrency-safe log destination.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logs) count(s string) int { return strings.Count(l.String(), s) }

func (l *logs) option() middleware.Option {
	return middleware.WithLogger(slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})))
}

// with is Middleware.With or Route.With, for routes the test knows to be
// valid.
func with(tb testing.TB, r interface {
	With(...middleware.Option) (*middleware.Route, error)
}, opts ...middleware.Option) *middleware.Route {
	tb.Helper()
	rt, err := r.With(opts...)
	require.NoError(tb, err)
	return rt
}
