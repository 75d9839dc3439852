package prommetrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/middleware"
)

func TestCountsARunAgainstTheAPI(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	for _, f := range []engagespottest.Fault{
		{Identifier: "limited-once", Status: http.StatusTooManyRequests, Times: 1},
		{Identifier: "limited", Status: http.StatusTooManyRequests, Times: engagespottest.Always},
		{Identifier: "broken", Status: http.StatusInternalServerError, Times: engagespottest.Always},
		{Identifier: "revoked", Status: http.StatusUnauthorized, Times: engagespottest.Always},
		{Identifier: "refused", Status: http.StatusBadRequest, Times: engagespottest.Always},
	} {
		srv.AddFault(f)
	}
	m, c := instrumented(t, client(t, srv.URL()), middleware.WithMaxAttempts(3))
	h := m.Handler(nop)

	serve(h, "ann", "bob", "cat", "limited-once", "limited", "broken", "revoked", "refused")
	flush(t, m)
	// The failures may have left API calls paused: dan's sync ends the pause
	// (as the probe) or follows it, so the gauge is read at a known state.
	serve(h, "dan")
	flush(t, m)
	serve(h, "ann", "bob", "cat", "limited-once", "dan") // synced: hits

	assert.Equal(t, metrics{
		hits:    5,
		misses:  9,
		queued:  9,
		synced:  5,             // ann, bob, cat, limited-once, dan
		retries: 1 + 2 + 2 + 2, // limited-once, then three attempts each for limited, broken, revoked
		cached:  6,             // the five synced, and refused, remembered as refused
		failures: map[middleware.Reason]float64{
			middleware.ReasonRateLimited:  1,
			middleware.ReasonServerError:  1,
			middleware.ReasonUnauthorized: 1,
			middleware.ReasonClientError:  1, // refused at once: never retried
		},
	}.values(), values(t, c))
	assert.Equal(t, map[string]uint64{
		"success":      5,
		"rate_limited": 1 + 3,
		"server_error": 3,
		"unauthorized": 3,
		"client_error": 1,
	}, callsByResult(t, c))
	assert.Equal(t, 16, srv.Calls(), "the histogram counts every API call")
}

func TestCountsNetworkFailures(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens there any more
	m, c := instrumented(t, client(t, gone.URL+engagespottest.BasePath), middleware.WithMaxAttempts(2))

	serve(m.Handler(nop), "ann")
	flush(t, m)

	got := values(t, c)
	assert.Equal(t, 1.0, got[`autoidentify_sync_failures_total{reason="network"}`])
	assert.Equal(t, 1.0, got["autoidentify_sync_retries_total"])
	assert.Equal(t, map[string]uint64{"network": 2}, callsByResult(t, c))
}

func TestGaugesShowTheQueue(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.Hang()
	m, c := instrumented(t, client(t, srv.URL()), middleware.WithWorkers(1), middleware.WithQueueSize(2))
	h := m.Handler(nop)

	serve(h, "ann")
	ctx := t.Context()
	require.NoError(t, srv.WaitHeld(ctx, 1)) // ann's call is under way on the only worker
	serve(h, "bob", "cat")                   // bob waits for the worker; cat finds the queue full

	assert.Equal(t, metrics{
		misses: 3, queued: 2, dropped: 1,
		inFlight: 1, queueLength: 1, pending: 2, notReady: 1, // the queue is full
	}.values(), values(t, c))

	srv.Release()
	flush(t, m)
	assert.Equal(t, metrics{misses: 3, queued: 2, dropped: 1, synced: 2, cached: 2}.values(), values(t, c))
}

func TestGaugeShowsThePause(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.FailAlways(http.StatusUnauthorized)
	m, c := instrumented(t, client(t, srv.URL()),
		middleware.WithMaxAttempts(1), middleware.WithPause(1, waitLimit*100))

	serve(m.Handler(nop), "ann")
	flush(t, m)

	assert.Equal(t, metrics{
		misses: 1, queued: 1, paused: 1, notReady: 1, // the credentials were rejected
		failures: map[middleware.Reason]float64{middleware.ReasonUnauthorized: 1},
	}.values(), values(t, c))
}
