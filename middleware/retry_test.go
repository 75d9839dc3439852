package middleware_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// half makes the jitter deterministic: every wait is half its ceiling.
func half(n int64) int64 { return n / 2 }

func TestRetries(t *testing.T) {
	t.Parallel()
	const base, limit = 100 * time.Millisecond, time.Minute
	tests := []struct {
		name     string
		status   int
		n        int
		calls    int
		kind     middleware.OutcomeKind
		reason   middleware.Reason
		waits    []time.Duration
		retryAft string
	}{
		{name: "5xx then success", status: 503, n: 2, calls: 3, kind: middleware.Synced,
			waits: []time.Duration{base / 2, base}},
		{name: "408 then success", status: 408, n: 1, calls: 2, kind: middleware.Synced,
			waits: []time.Duration{base / 2}},
		{name: "500 until the budget runs out", status: 500, n: 10, calls: 4, kind: middleware.Failed,
			reason: middleware.ReasonServerError, waits: []time.Duration{base / 2, base, 2 * base}},
		{name: "400 is not retried", status: 400, n: 1, calls: 1, kind: middleware.Failed,
			reason: middleware.ReasonClientError},
		{name: "422 is not retried", status: 422, n: 1, calls: 1, kind: middleware.Failed,
			reason: middleware.ReasonClientError},
		{name: "429 waits at least its Retry-After", status: 429, n: 1, calls: 2, kind: middleware.Synced,
			retryAft: "7", waits: []time.Duration{7 * time.Second}},
		{name: "429 Retry-After is clamped", status: 429, n: 1, calls: 2, kind: middleware.Synced,
			retryAft: "86400", waits: []time.Duration{limit}},
		{name: "429 without Retry-After backs off", status: 429, n: 1, calls: 2, kind: middleware.Synced,
			waits: []time.Duration{base / 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := &timers{auto: true}
			var out outcomes
			m, srv := setup(t, ts.option(), out.option(), middleware.WithRandN(half),
				middleware.WithBackoff(base, limit), middleware.WithMaxAttempts(4), middleware.WithPause(100, time.Hour))
			if tt.status == 429 {
				srv.RateLimit(tt.n, tt.retryAft)
			} else {
				srv.FailNext(tt.n, tt.status)
			}
			ann := user("ann", "")
			serve(m.Handler(echo), &ann)
			flush(t, m)

			assert.Equal(t, tt.calls, srv.Calls())
			assert.Equal(t, tt.waits, ts.recorded())
			require.Len(t, out.all(), 1)
			o := out.all()[0]
			assert.Equal(t, tt.kind, o.Kind)
			assert.Equal(t, tt.calls, o.Attempts)
			assert.Equal(t, tt.reason, o.Reason)
			assert.Equal(t, uint64(tt.calls-1), m.Stats().Retries)
		})
	}
}

func TestRefusedProfileIsNotSentAgainUntilItChanges(t *testing.T) {
	t.Parallel()
	var log logs
	m, srv := setup(t, log.option())
	h := m.Handler(echo)
	srv.FailUser("ann", engagespottest.Always, http.StatusUnprocessableEntity)
	ann := user("ann", "ann@example.com")

	for range 5 {
		serve(h, &ann)
		flush(t, m)
	}
	assert.Equal(t, 1, srv.Calls(), "a refusal is remembered: no call per request")
	assert.Equal(t, 1, log.count("sync failed"), "logged once, not once per request")
	st := m.Stats()
	assert.Equal(t, uint64(1), st.Failed, "one job, one failure")
	assert.Equal(t, uint64(5), st.Misses, "each request counted a miss")

	srv.ClearFaults()
	fixed := user("ann", "ann@fixed.example")
	serve(h, &fixed)
	flush(t, m)
	assert.Equal(t, 2, srv.Calls(), "a changed profile is sent")
	_, ok := srv.User("ann")
	assert.True(t, ok)
}

func TestRefusalIsForgottenAfterTheTTL(t *testing.T) {
	t.Parallel()
	clockOpt, advance := middleware.WithManualClock()
	m, srv := setup(t, clockOpt, middleware.WithTTL(time.Hour), middleware.WithRandN(func(int64) int64 { return 0 }))
	h := m.Handler(echo)
	srv.FailUser("ann", engagespottest.Always, http.StatusUnprocessableEntity)
	ann := user("ann", "ann@example.com")

	serve(h, &ann)
	flush(t, m)
	advance(time.Hour - time.Second)
	serve(h, &ann)
	flush(t, m)
	assert.Equal(t, 1, srv.Calls(), "within the TTL")
	advance(time.Second)
	serve(h, &ann)
	flush(t, m)
	assert.Equal(t, 2, srv.Calls(), "past the TTL: asked again, in case the API changed its mind")
}

func TestFailedForGoodIsTriedAgainOnTheNextRequest(t *testing.T) {
	t.Parallel()
	ts := &timers{auto: true}
	m, srv := setup(t, ts.option(), middleware.WithMaxAttempts(2), middleware.WithPause(100, time.Hour))
	h := m.Handler(echo)
	srv.FailNext(2, http.StatusBadGateway)
	ann := user("ann", "")

	serve(h, &ann)
	flush(t, m)
	assert.Equal(t, uint64(1), m.Stats().Failed)
	serve(h, &ann)
	flush(t, m)
	assert.Equal(t, 3, srv.Calls())
	_, ok := srv.User("ann")
	assert.True(t, ok, "an outage delays a sync, it never loses it")
}

func TestOutagePausesThenRecoversWithNobodyLost(t *testing.T) {
	t.Parallel()
	const cooldown = 90 * time.Second // not DefaultPauseReminder: the test tells their timers apart
	ts := &timers{}
	var out outcomes
	var log logs
	var attemptsMu sync.Mutex
	var probes int
	m, srv := setup(t, ts.option(), out.option(), log.option(),
		middleware.WithWorkers(1), middleware.WithPause(2, cooldown), middleware.WithMaxAttempts(10),
		middleware.WithBackoff(time.Second, 10*time.Second),
		middleware.WithAttemptHook(func(_ context.Context, a middleware.Attempt) {
			attemptsMu.Lock()
			defer attemptsMu.Unlock()
			if a.Probe {
				probes++
			}
		}))
	isRetry := func(d time.Duration) bool { return d < cooldown }
	isCooldown := func(d time.Duration) bool { return d == cooldown }
	h := m.Handler(echo)
	srv.FailAlways(http.StatusServiceUnavailable)
	for i := range 3 {
		id := user(fmt.Sprint("u", i), "")
		serve(h, &id)
	}

	// Two failures in a row pause the calls; the third user waits.
	waitFor(t, "the pause", func() bool { return m.Stats().Paused })
	ts.fire(isRetry)
	waitFor(t, "the retries to queue up", func() bool { return m.Stats().QueueLen == 2 })
	assert.Equal(t, 2, srv.Calls(), "no call while paused")

	// After the cool-down, one probe; it fails, and the pause goes on.
	require.Equal(t, 1, ts.fire(isCooldown))
	waitCalls(t, srv, 3)
	waitFor(t, "the next cool-down", func() bool { return ts.pendingCount() == 3 }) // the probe's retry, the cool-down, the pause's reminder
	assert.True(t, m.Stats().Paused)
	assert.Equal(t, 3, srv.Calls(), "one probe per cool-down")

	// The API is back: the next probe resumes everyone.
	srv.ClearFaults()
	require.Equal(t, 1, ts.fire(isCooldown))
	waitFor(t, "the resumption", func() bool { return !m.Stats().Paused })
	ts.fire(isRetry)
	flush(t, m)

	assert.Len(t, srv.Users(), 3, "nobody lost")
	assert.Equal(t, map[middleware.OutcomeKind]int{middleware.Synced: 3}, out.byKind(t))
	assert.Equal(t, 2, probes)
	assert.Equal(t, 1, log.count("API calls paused"), "logged once")
	assert.Equal(t, 1, log.count("API calls resumed"), "logged once")
}

func TestRejectedCredentialsPauseAtOnce(t *testing.T) {
	t.Parallel()
	const cooldown = 90 * time.Second // not DefaultPauseReminder: the test tells their timers apart
	ts := &timers{}
	var log logs
	m, srv := setup(t, ts.option(), log.option(), middleware.WithWorkers(1), middleware.WithPause(100, cooldown))
	h := m.Handler(echo)
	srv.FailAlways(http.StatusUnauthorized)

	ann, bob := user("ann", ""), user("bob", "")
	serve(h, &ann)
	waitFor(t, "the pause", func() bool { return m.Stats().Paused })
	serve(h, &bob)
	assert.Equal(t, 1, srv.Calls())
	assert.Equal(t, 1, log.count("credentials rejected"))

	srv.ClearFaults() // the credentials were fixed (a rotated secret, say)
	require.Equal(t, 1, ts.fire(func(d time.Duration) bool { return d == cooldown }))
	waitFor(t, "the resumption", func() bool { return !m.Stats().Paused })
	ts.fire(func(time.Duration) bool { return true }) // ann's retry
	flush(t, m)
	assert.Len(t, srv.Users(), 2)
	assert.Zero(t, m.Stats().Failed, "jobs are kept during a pause")
	assert.NotContains(t, log.String(), srv.APISecret)
}

// notRetryable is a failure without an answer that retrying cannot mend,
// such as a bad TLS certificate.
type notRetryable struct{}

func (notRetryable) Error() string   { return "x509: certificate signed by unknown authority" }
func (notRetryable) Retryable() bool { return false }

func TestFailureWithoutVerdictIsTriedAgainOnTheNextRequest(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	dir := directoryFunc(func(context.Context, identity.Identity) error {
		calls.Add(1)
		return notRetryable{}
	})
	var out outcomes
	m := newMiddleware(t, dir, out.option())
	h := m.Handler(echo)
	ann := user("ann", "")
	for range 2 {
		serve(h, &ann)
		flush(t, m)
	}
	assert.Equal(t, int32(2), calls.Load(), "not retried, not remembered either")
	assert.Equal(t, map[middleware.OutcomeKind]int{middleware.Failed: 2}, out.byKind(t))
}

func TestProfileTheClientRefusesIsNotSentAgain(t *testing.T) {
	t.Parallel()
	var attempts atomic.Int32
	m, srv := setup(t, middleware.WithAttemptHook(func(context.Context, middleware.Attempt) { attempts.Add(1) }))
	h := m.Handler(echo)
	// No JSON for +Inf: the client refuses it (a reserved key would be
	// sanitized away before the call, and the user synced without it).
	bad := identity.Identity{Identifier: "ann", Profile: identity.Profile{Custom: map[string]any{"score": math.Inf(1)}}}
	for range 3 {
		serve(h, &bad)
		flush(t, m)
	}
	assert.Equal(t, int32(1), attempts.Load())
	assert.Zero(t, srv.Calls(), "refused by the client, before any request")
	assert.False(t, m.Stats().Paused)
}

// TestBareRefusalOfTheDirectoryIsNotRetried: a Directory may refuse a
// profile with a bare identity error, without the Retryable method
// adapters/engagespot's errors have; it is a refusal all the same.
func TestBareRefusalOfTheDirectoryIsNotRetried(t *testing.T) {
	t.Parallel()
	for _, refusal := range []error{identity.ErrInvalidAttribute, identity.ErrInvalidIdentifier} {
		t.Run(refusal.Error(), func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			dir := directoryFunc(func(context.Context, identity.Identity) error {
				calls.Add(1)
				return fmt.Errorf("directory: %w", refusal)
			})
			ts := &timers{auto: true}
			var out outcomes
			m := newMiddleware(t, dir, ts.option(), out.option())
			h := m.Handler(echo)
			ann := user("ann", "")
			for range 3 {
				serve(h, &ann)
				flush(t, m)
			}
			assert.Equal(t, int32(1), calls.Load(), "not retried, and not sent again")
			assert.Empty(t, ts.recorded(), "no backoff")
			assert.Equal(t, map[middleware.OutcomeKind]int{middleware.Failed: 1}, out.byKind(t))
		})
	}
}
