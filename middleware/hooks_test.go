package middleware_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

type traceKey struct{}

func TestHooksSeeEveryAttemptAndOneOutcomePerJob(t *testing.T) {
	t.Parallel()
	ts := &timers{auto: true}
	var (
		mu       sync.Mutex
		attempts []middleware.Attempt
		outs     []middleware.Outcome
		traces   []any
	)
	m, srv := setup(t, ts.option(),
		middleware.WithAttemptHook(func(ctx context.Context, a middleware.Attempt) {
			mu.Lock()
			defer mu.Unlock()
			attempts = append(attempts, a)
			traces = append(traces, ctx.Value(traceKey{}))
		}),
		middleware.WithOutcomeHook(func(ctx context.Context, o middleware.Outcome) {
			mu.Lock()
			defer mu.Unlock()
			outs = append(outs, o)
			traces = append(traces, ctx.Value(traceKey{}))
		}),
		middleware.WithJobContext(func(req, job context.Context) context.Context {
			return context.WithValue(job, traceKey{}, req.Value(traceKey{}))
		}))
	srv.FailNext(1, http.StatusBadGateway)
	ann := user("ann", "")

	ctx := context.WithValue(context.Background(), traceKey{}, "trace-1")
	serveCtx(ctx, m.Handler(echo), &ann)
	flush(t, m)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, attempts, 2)
	assert.Equal(t, 1, attempts[0].Number)
	assert.Equal(t, 2, attempts[1].Number)
	assert.Equal(t, middleware.ReasonServerError, middleware.Classify(attempts[0].Err))
	assert.NoError(t, attempts[1].Err)
	assert.Equal(t, "ann", attempts[1].Identifier)
	assert.False(t, attempts[1].Start.IsZero())
	require.Len(t, outs, 1)
	assert.Equal(t, middleware.Synced, outs[0].Kind)
	assert.Equal(t, 2, outs[0].Attempts)
	assert.GreaterOrEqual(t, outs[0].Duration, attempts[0].Duration+attempts[1].Duration)
	assert.Equal(t, []any{"trace-1", "trace-1", "trace-1"}, traces, "the request's trace reaches the job")
}

// directoryFunc adapts a function to a Directory.
type directoryFunc func(context.Context, identity.Identity) error

func (f directoryFunc) Upsert(ctx context.Context, id identity.Identity) error { return f(ctx, id) }

func TestJobContextReachesTheDirectoryWithoutTheRequestsDeadline(t *testing.T) {
	t.Parallel()
	type seen struct {
		trace    any
		err      error
		deadline time.Time
	}
	got := make(chan seen, 1)
	dir := directoryFunc(func(ctx context.Context, _ identity.Identity) error {
		deadline, _ := ctx.Deadline()
		got <- seen{ctx.Value(traceKey{}), ctx.Err(), deadline}
		return nil
	})
	m := newMiddleware(t, dir, middleware.WithAttemptTimeout(time.Hour),
		middleware.WithJobContext(func(req, job context.Context) context.Context {
			return context.WithValue(job, traceKey{}, req.Value(traceKey{}))
		}))
	req, cancel := context.WithCancel(context.WithValue(context.Background(), traceKey{}, "trace-2"))
	cancel()
	ann := user("ann", "")
	serveCtx(req, m.Handler(echo), &ann)
	s := <-got
	assert.Equal(t, "trace-2", s.trace)
	assert.NoError(t, s.err, "a cancelled request does not cancel its sync")
	assert.Greater(t, time.Until(s.deadline), 30*time.Minute, "bounded by the attempt timeout")
}

func TestPanicsEndTheJobNotTheWorker(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	dir := directoryFunc(func(_ context.Context, id identity.Identity) error {
		calls.Add(1)
		if id.Identifier == "boom" {
			panic("directory exploded")
		}
		return nil
	})
	var out outcomes
	var hookPanics atomic.Int32
	var log logs
	m := newMiddleware(t, dir, out.option(), log.option(), middleware.WithWorkers(1), middleware.WithMaxAttempts(1),
		middleware.WithOutcomeHook(func(_ context.Context, o middleware.Outcome) {
			if o.Identifier == "hook" && hookPanics.Add(1) == 1 {
				panic("hook exploded")
			}
		}))
	h := m.Handler(echo)
	for _, name := range []string{"boom", "hook", "fine"} {
		id := user(name, "")
		serve(h, &id)
	}
	flush(t, m) // would hang if a panic had left a job unsettled

	kinds := map[string]middleware.OutcomeKind{}
	for _, o := range out.all() {
		kinds[o.Identifier] = o.Kind
		if o.Identifier == "boom" {
			assert.ErrorIs(t, o.Err, middleware.ErrPanic)
		}
	}
	assert.Equal(t, map[string]middleware.OutcomeKind{"boom": middleware.Failed, "hook": middleware.Synced,
		"fine": middleware.Synced}, kinds, "one outcome each, and the worker lived on")
	assert.Equal(t, 1, log.count(`msg="middleware: panic in Directory.Upsert"`))
	assert.Equal(t, 1, log.count(`msg="middleware: panic in a sync"`), "the hook's")
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var _ net.Error = timeoutError{}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want middleware.Reason
	}{
		{nil, ""},
		{&engagespot.APIError{StatusCode: 429}, middleware.ReasonRateLimited},
		{&engagespot.APIError{StatusCode: 401}, middleware.ReasonUnauthorized},
		{&engagespot.APIError{StatusCode: 403}, middleware.ReasonUnauthorized},
		{&engagespot.APIError{StatusCode: 400}, middleware.ReasonClientError},
		{&engagespot.APIError{StatusCode: 422}, middleware.ReasonClientError},
		{&engagespot.APIError{StatusCode: 408}, middleware.ReasonNetwork},
		{&engagespot.APIError{StatusCode: 500}, middleware.ReasonServerError},
		{&engagespot.APIError{StatusCode: 503}, middleware.ReasonServerError},
		{&engagespot.APIError{Err: timeoutError{}}, middleware.ReasonNetwork},
		{fmt.Errorf("wrapped: %w", &engagespot.APIError{StatusCode: 502}), middleware.ReasonServerError},
		{&engagespot.InputError{Err: identity.ErrInvalidIdentifier}, middleware.ReasonClientError},
		{timeoutError{}, middleware.ReasonNetwork},
		{context.DeadlineExceeded, middleware.ReasonNetwork},
		{fmt.Errorf("x: %w", middleware.ErrQueueFull), middleware.ReasonQueueFull},
		{middleware.ErrClosed, middleware.ReasonClosed},
		{fmt.Errorf("%w: boom", middleware.ErrPanic), middleware.ReasonOther},
		{identity.ErrInvalidIdentifier, middleware.ReasonClientError},
		{fmt.Errorf("wrapped: %w", identity.ErrInvalidAttribute), middleware.ReasonClientError},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, middleware.Classify(tt.err), "%v", tt.err)
	}
}

// TestStatsAgreeWithTheHooks: the breaker hears of a call before the hooks
// and Flush do, so Stats().Paused already shows what the call did.
func TestStatsAgreeWithTheHooks(t *testing.T) {
	t.Parallel()
	const cooldown = 90 * time.Second // not DefaultPauseReminder: the test tells their timers apart
	type seen struct {
		hook   string
		paused bool
	}
	var (
		m      *middleware.Middleware
		mu     sync.Mutex
		seenBy []seen
	)
	record := func(hook string) {
		paused := m.Stats().Paused
		mu.Lock()
		defer mu.Unlock()
		seenBy = append(seenBy, seen{hook, paused})
	}
	ts := &timers{}
	m, srv := setup(t, ts.option(), middleware.WithWorkers(1), middleware.WithMaxAttempts(1),
		middleware.WithPause(100, cooldown),
		middleware.WithAttemptHook(func(context.Context, middleware.Attempt) { record("attempt") }),
		middleware.WithOutcomeHook(func(context.Context, middleware.Outcome) { record("outcome") }))
	h := m.Handler(echo)

	srv.FailAlways(http.StatusUnauthorized) // pauses the calls at once
	ann := user("ann", "")
	serve(h, &ann)
	flush(t, m)
	assert.True(t, m.Stats().Paused, "paused as Flush returns")

	srv.ClearFaults()
	bob := user("bob", "")
	serve(h, &bob) // waits for the cool-down, then probes
	require.Equal(t, 1, ts.fire(func(d time.Duration) bool { return d == cooldown }))
	flush(t, m)
	assert.False(t, m.Stats().Paused, "resumed as Flush returns")

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []seen{{"attempt", true}, {"outcome", true}, {"attempt", false}, {"outcome", false}}, seenBy)
}
