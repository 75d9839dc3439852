package redisstore_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

func TestKilledRedisGoesLocalOnlyThenComesBack(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	clock := newFakeClock()
	var logs logBuffer
	s := newStore(t, srv, redisstore.WithClock(clock.Now), redisstore.WithLogger(logs.Logger()), redisstore.WithCooldown(5*time.Second))

	got, _, err := s.Lease(t.Context(), "user-1", 1, time.Now())
	require.NoError(t, err)
	require.Equal(t, middleware.LeaseAcquired, got)

	srv.Kill()
	for i := range 20 {
		got, _, err := s.Lease(t.Context(), "user-2", 1, time.Now())
		require.ErrorIs(t, err, redisstore.ErrUnavailable, "call %d", i)
		assert.Equal(t, middleware.LeaseAcquired, got, "an error still says: sync it")
	}
	require.ErrorIs(t, s.Done(t.Context(), "user-2", 1, time.Now()), redisstore.ErrUnavailable)
	require.ErrorIs(t, s.Release(t.Context(), "user-1"), redisstore.ErrUnavailable)
	assert.Equal(t, 1, strings.Count(logs.String(), "redis unavailable, syncing local-only"), logs.String())
	assert.Contains(t, logs.String(), "level=WARN")

	srv.Restart()
	// Still cooling down: the Store does not even try, so it cannot see Redis is back.
	_, _, err = s.Lease(t.Context(), "user-2", 1, time.Now())
	require.ErrorIs(t, err, redisstore.ErrUnavailable)
	assert.Contains(t, err.Error(), "cooling down")

	clock.Advance(5 * time.Second)
	got, _, err = s.Lease(t.Context(), "user-2", 1, time.Now())
	require.NoError(t, err, "the probe after the cooldown reaches the restarted server")
	assert.Equal(t, middleware.LeaseAcquired, got)
	require.NoError(t, s.Done(t.Context(), "user-2", 1, time.Now()))
	got, _, err = s.Lease(t.Context(), "user-2", 1, time.Now())
	require.NoError(t, err)
	assert.Equal(t, middleware.LeaseSynced, got)

	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "redis unavailable"), out)
	assert.Equal(t, 1, strings.Count(out, "redis back, shared mode resumed"), out)
}

func TestFailedProbeWaitsAnotherCooldown(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	clock := newFakeClock()
	var logs logBuffer
	s := newStore(t, srv, redisstore.WithClock(clock.Now), redisstore.WithLogger(logs.Logger()), redisstore.WithCooldown(time.Second))

	srv.Kill()
	_, _, err := s.Lease(t.Context(), "u", 1, time.Now())
	require.ErrorIs(t, err, redisstore.ErrUnavailable)
	require.NotContains(t, err.Error(), "cooling down", "the first failure is a real one")

	clock.Advance(time.Second)
	_, _, err = s.Lease(t.Context(), "u", 1, time.Now())
	require.ErrorIs(t, err, redisstore.ErrUnavailable)
	require.NotContains(t, err.Error(), "cooling down", "after the cooldown, one call probes")

	_, _, err = s.Lease(t.Context(), "u", 1, time.Now())
	require.ErrorIs(t, err, redisstore.ErrUnavailable)
	assert.Contains(t, err.Error(), "cooling down", "a failed probe starts a new cooldown")
	assert.Equal(t, 1, strings.Count(logs.String(), "redis unavailable"), logs.String())
	assert.NotContains(t, logs.String(), "redis back")
}

func TestSlowRedisTimesOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		options redis.Options
	}{
		{"client honours contexts", redis.Options{ContextTimeoutEnabled: true}},
		// The Store must stop waiting at its own timeout even when the
		// client would wait for its ReadTimeout.
		{"client ignores contexts", redis.Options{ReadTimeout: 10 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t)
			opts := tt.options
			opts.Addr = srv.Addr()
			client := redis.NewClient(&opts)
			t.Cleanup(func() { _ = client.Close() })
			s, err := redisstore.New(client, redisstore.WithTimeout(50*time.Millisecond))
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			_, _, err = s.Lease(t.Context(), "warm-up", 1, time.Now()) // opens a connection and loads the script
			require.NoError(t, err)

			// Redis holds every command for a second, as an overloaded server would.
			require.NoError(t, newClient(t, srv).ClientPause(t.Context(), time.Second).Err())
			_, _, err = s.Lease(t.Context(), "user-1", 1, time.Now())
			require.ErrorIs(t, err, redisstore.ErrUnavailable)
			var netErr net.Error
			assert.True(t, errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()),
				"stopped by the Store's timeout: %v", err)
		})
	}
}

func TestCallerCancellingIsNotAnOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	var logs logBuffer
	s := newStore(t, srv, redisstore.WithLogger(logs.Logger()), redisstore.WithCooldown(time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	_, _, err := s.Lease(ctx, "user-1", 1, time.Now())
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, redisstore.ErrUnavailable)

	got, _, err := s.Lease(t.Context(), "user-1", 1, time.Now())
	require.NoError(t, err, "no cooldown started")
	assert.Equal(t, middleware.LeaseAcquired, got)
	assert.Empty(t, logs.String())
}

func TestEmptyIdentifierIsRefused(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := newStore(t, srv)
	_, _, err := s.Lease(t.Context(), "", 1, time.Now())
	require.ErrorIs(t, err, identity.ErrInvalidIdentifier)
	require.ErrorIs(t, s.Done(t.Context(), "", 1, time.Now()), identity.ErrInvalidIdentifier)
	require.ErrorIs(t, s.Release(t.Context(), ""), identity.ErrInvalidIdentifier)
	n, err := newClient(t, srv).DBSize(t.Context()).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
}

// Redis not listening: go-redis retries the refused connection until the
// Store's timeout, and the error and the log line name the refusal, not
// only the deadline.
func TestUnreachableRedisNamesTheCause(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true}) // nothing listens there
	t.Cleanup(func() { _ = client.Close() })
	s, err := redisstore.New(client, redisstore.WithLogger(logs.Logger()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, _, err = s.Lease(t.Context(), "ann", 1, time.Now())
	require.ErrorIs(t, err, redisstore.ErrUnavailable)
	assert.Contains(t, err.Error(), "connection refused")
	assert.Contains(t, logs.String(), "connection refused")
}
