package middleware_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/middleware"
)

// A sync waiting to retry is ended by Delete, without a call: it was
// observed before the deletion. (adapters/redisstore plays the fleet's races.)
func TestDeleteEndsASyncWaitingToRetry(t *testing.T) {
	t.Parallel()
	var ts timers
	var got outcomes
	m, srv := setup(t, ts.option(), got.option())
	h := m.Handler(echo)
	ann := user("ann", "ann@example.com")
	srv.FailUser("ann", 1, http.StatusServiceUnavailable)

	serve(h, &ann)
	waitFor(t, "a retry is due", func() bool { return ts.pendingCount() == 1 })
	require.NoError(t, m.Delete(t.Context(), "ann"))

	assert.Equal(t, map[middleware.OutcomeKind]int{middleware.Superseded: 1}, got.byKind(t))
	assert.ErrorIs(t, got.all()[0].Err, middleware.ErrSuperseded)
	assert.Equal(t, middleware.ReasonSuperseded, got.all()[0].Reason)
	assert.Zero(t, m.Stats().Pending)
	assert.Zero(t, ts.fire(func(time.Duration) bool { return true }), "the retry's timer was stopped")
	assert.Equal(t, []string{http.MethodPut, http.MethodDelete}, methods(srv, "ann"), "the retry was never sent")

	// ann comes back: created again at once.
	serve(h, &ann)
	flush(t, m)
	_, ok := srv.User("ann")
	assert.True(t, ok)
}

// A sync whose call is under way when Delete begins is waited for, and
// not remembered: its upsert landed before the deletion, so the user's
// next request creates them again.
func TestDeleteWaitsForACallUnderWay(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	h := m.Handler(echo)
	ann := user("ann", "ann@example.com")
	srv.Hang()
	serve(h, &ann)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, srv.WaitHeld(ctx, 1))

	deleted := make(chan error, 1)
	go func() { deleted <- m.Delete(ctx, "ann") }()
	time.Sleep(50 * time.Millisecond) // let Delete reach its wait, if it waits
	srv.Release()
	require.NoError(t, <-deleted)

	_, ok := srv.User("ann")
	assert.False(t, ok, "the upsert landed before the deletion, not after")
	assert.EqualValues(t, 1, m.Stats().Superseded)
	serve(h, &ann)
	flush(t, m)
	_, ok = srv.User("ann")
	assert.True(t, ok, "not remembered as synced: created again")
}

// Erase keeps a user deleted, whatever their requests say, until the hold
// ends: without a Store, on this instance.
func TestEraseKeepsTheUserDeleted(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	h := m.Handler(echo)
	ann := user("ann", "ann@example.com")
	serve(h, &ann)
	flush(t, m)

	require.NoError(t, m.Erase(t.Context(), "ann", time.Hour))
	serve(h, &ann)
	ann.Profile.Email = "ann@example.org"
	serve(h, &ann)
	flush(t, m)
	_, ok := srv.User("ann")
	assert.False(t, ok, "not created again while erased")
	assert.Equal(t, []string{http.MethodPut, http.MethodDelete}, methods(srv, "ann"))
	assert.ErrorIs(t, m.Ensure(t.Context(), ann), middleware.ErrSuperseded)

	assert.Error(t, m.Erase(t.Context(), "ann", 0), "a hold must be positive")
	require.NoError(t, m.Delete(t.Context(), "bob"), "a user Engagespot does not know is no error")
}

// Erase's hold ends: a user who comes back after it is created again.
func TestEraseEnds(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	h := m.Handler(echo)
	ann := user("ann", "ann@example.com")
	require.NoError(t, m.Erase(t.Context(), "ann", 50*time.Millisecond))
	time.Sleep(60 * time.Millisecond)
	serve(h, &ann)
	flush(t, m)
	_, ok := srv.User("ann")
	assert.True(t, ok)
}
