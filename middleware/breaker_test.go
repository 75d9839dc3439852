package middleware

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// statusError is an answer with a status, as adapters/engagespot's APIError.
type statusError struct {
	status int
	after  time.Duration
}

func (e statusError) Error() string             { return "status" }
func (e statusError) HTTPStatus() int           { return e.status }
func (e statusError) RetryDelay() time.Duration { return e.after }
func (e statusError) Retryable() bool           { return e.status == 429 || e.status >= 500 }

// manualTimers records timers; the test fires them.
type manualTimers struct {
	mu sync.Mutex
	d  []time.Duration
	f  []func()
}

func (m *manualTimers) afterFunc(d time.Duration, f func()) func() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.d, m.f = append(m.d, d), append(m.f, f)
	return func() bool { return true }
}

func (m *manualTimers) fire(i int) { m.mu.Lock(); f := m.f[i]; m.mu.Unlock(); f() }

// testBreaker is a breaker without reminders, whose timers are the
// cool-downs alone.
func testBreaker(threshold int, cooldown, limit time.Duration, afterFunc func(time.Duration, func()) func() bool, log *slog.Logger) *breaker {
	c := &config{pauseAfter: threshold, pauseFor: cooldown, retryMax: limit, afterFunc: afterFunc}
	return newBreaker(c, func() int { return 0 }, log)
}

func paused(b *breaker) bool {
	p, _, _ := b.state()
	return p
}

// waiter runs b.wait in the background.
func waiter(b *breaker) chan bool {
	got := make(chan bool, 1)
	go func() {
		probe, err := b.wait(context.Background())
		if err == nil {
			got <- probe
		}
	}()
	return got
}

func TestBreakerPausesProbesAndResumes(t *testing.T) {
	t.Parallel()
	timers := &manualTimers{}
	b := testBreaker(2, time.Minute, time.Hour, timers.afterFunc, slog.New(slog.DiscardHandler))
	down := statusError{status: 503}

	b.done(false, transient, down)
	assert.False(t, paused(b), "one failure")
	b.done(false, reachable, nil)
	b.done(false, transient, down)
	assert.False(t, paused(b), "a success in between resets the count")
	b.done(false, transient, down)
	require.True(t, paused(b))
	assert.Equal(t, []time.Duration{time.Minute}, timers.d)

	w1, w2 := waiter(b), waiter(b)
	timers.fire(0) // the cool-down is over: one of them probes
	var other chan bool
	select {
	case p := <-w1:
		assert.True(t, p)
		other = w2
	case p := <-w2:
		assert.True(t, p)
		other = w1
	}
	select {
	case <-other:
		t.Fatal("a second call went through while the probe was under way")
	default:
	}

	b.done(true, noCall, nil) // the probe needed no call after all: the other may probe
	assert.True(t, <-other)
	b.done(true, transient, statusError{status: 429, after: 3 * time.Minute})
	assert.True(t, paused(b))
	assert.Equal(t, 3*time.Minute, timers.d[1], "a Retry-After lengthens the pause")

	timers.fire(0) // the first pause's timer, late: ignored
	b.mu.Lock()
	assert.False(t, b.probeDue, "a stale timer lets no call through")
	b.mu.Unlock()
	timers.fire(1)
	assert.True(t, <-waiter(b))
	b.done(true, reachable, nil)
	assert.False(t, paused(b))
	probe, err := b.wait(context.Background())
	assert.NoError(t, err)
	assert.False(t, probe, "resumed: no probe")
}

func TestBreakerWaitEndsWithItsContext(t *testing.T) {
	t.Parallel()
	b := testBreaker(1, time.Minute, time.Hour, (&manualTimers{}).afterFunc, slog.New(slog.DiscardHandler))
	b.done(false, rejectedCredentials, statusError{status: 401})
	require.True(t, paused(b), "bad credentials pause at once")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := b.wait(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}
