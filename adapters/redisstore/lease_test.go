package redisstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// These tests run the way a deploy meets Redis: real servers, real clocks.
// Each measures how soon a second instance sees a user the first one synced,
// where the lease left behind would have cost it the lease TTL (30 s) and a
// second API call.

// held starts a sync of user on in that the API holds unanswered: in holds
// the user's lease until api.Release.
func held(t *testing.T, api *engagespottest.Server, in *instance, user string) {
	t.Helper()
	api.Hang()
	in.serve(user)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, api.WaitHeld(ctx, 1))
}

// ensureTook syncs user on in, and says how long that took.
func ensureTook(t *testing.T, in *instance, user string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	start := time.Now()
	require.NoError(t, in.m.Ensure(ctx, userIdentity(user)))
	return time.Since(start)
}

// A Redis pause fails the holder's Done and opens its Store's breaker; the
// Done is written once Redis answers, cooldown or not.
func TestLeaseSettledAfterARedisPause(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	a := newInstance(t, api, srv, redisstore.WithTimeout(redisstore.DefaultTimeout)) // shorter than the pause
	b := newInstance(t, api, srv)
	held(t, api, a, "ann")

	const pause = 600 * time.Millisecond
	admin := newClient(t, srv)
	require.NoError(t, admin.Do(t.Context(), "CLIENT", "PAUSE", pause.Milliseconds(), "ALL").Err())
	paused := time.Now()
	api.Release() // a's call succeeds during the pause; its Done times out
	time.Sleep(time.Until(paused.Add(pause)))

	took := ensureTook(t, b, "ann")
	t.Logf("b saw ann synced %v after a %v Redis pause ended", took.Round(time.Millisecond), pause)
	assert.Less(t, took, time.Second, "the lease was settled soon after the pause")
	assert.Equal(t, 1, api.CallsFor("ann"), "one API call in all")
}

// Close with a deadline gives up on the sync under way, and releases its
// lease before it returns, even if the Directory call ignores its context
// and never returns.
func TestCloseWithADeadlineReleasesTheLease(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	store := newStore(t, srv)
	stuck := &stubbornDirectory{called: make(chan struct{}), release: make(chan struct{})}
	m, err := middleware.New(stuck, middleware.WithStore(store))
	require.NoError(t, err)
	defer close(stuck.release)
	_ = m.Ensure(withTimeout(t, time.Millisecond), userIdentity("ann")) // starts the sync, which gets stuck
	<-stuck.called

	require.ErrorIs(t, m.Close(withTimeout(t, 100*time.Millisecond)), context.DeadlineExceeded)
	leases, err := newClient(t, srv).Exists(t.Context(), redisstore.DefaultPrefix+"l:{ann}").Result()
	require.NoError(t, err)
	assert.Zero(t, leases, "the lease is gone when Close returns")

	b := newInstance(t, api, srv)
	took := ensureTook(t, b, "ann")
	t.Logf("b synced ann %v after a's Close", took.Round(time.Millisecond))
	assert.Less(t, took, time.Second, "b did not wait for a's lease to expire")
}

// stubbornDirectory's Upsert ignores its context: it returns when released.
type stubbornDirectory struct {
	once    sync.Once
	called  chan struct{}
	release chan struct{}
}

func (d *stubbornDirectory) Upsert(context.Context, identity.Identity) error {
	d.once.Do(func() { close(d.called) })
	<-d.release
	return nil
}

func withTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// An instance waiting for another's sync is woken when that one records its
// outcome: it waits for the holder's call, not for its next poll.
func TestWaitingForAnotherInstanceEndsWithItsCall(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	a, b := newInstance(t, api, srv), newInstance(t, api, srv)
	held(t, api, a, "ann")

	done := make(chan time.Time, 1)
	go func() {
		ensureTook(t, b, "ann")
		done <- time.Now()
	}()
	// b is told ann is busy, and waits. A poll every 500 ms (as before
	// notices) would see a's result 400 ms after a release at 1.1 s; the
	// fallback poll with notices comes at 2 s.
	time.Sleep(1100 * time.Millisecond)
	released := time.Now()
	api.Release()
	woken := (<-done).Sub(released)
	t.Logf("b saw ann synced %v after a's call ended", woken.Round(time.Microsecond))
	assert.Less(t, woken, 250*time.Millisecond, "woken by a's Done, not by a poll")
	assert.Equal(t, 1, api.CallsFor("ann"))
}

// Delete removes a user for the whole fleet: in Engagespot, in the Store,
// and in every instance's cache, so that the user's next request anywhere
// creates them again at once, not after a TTL.
func TestDeleteReachesEveryInstance(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	a, b := newInstance(t, api, srv), newInstance(t, api, srv)
	for _, in := range []*instance{a, b} {
		in.serve("ann")
		in.flush(t)
	}
	require.Equal(t, 1, api.CallsFor("ann"))
	b.serve("ann") // a hit on b: it knows ann

	require.NoError(t, a.m.Delete(withTimeout(t, 10*time.Second), "ann"))
	_, exists := api.User("ann")
	require.False(t, exists, "deleted in Engagespot")

	start := time.Now()
	require.Eventually(t, func() bool {
		b.serve("ann")
		b.flush(t)
		_, ok := api.User("ann")
		return ok
	}, 5*time.Second, 10*time.Millisecond, "b syncs ann again")
	took := time.Since(start)
	t.Logf("b created ann again %v after a's Delete", took.Round(time.Millisecond))
	assert.Less(t, took, time.Second)
	assert.NoError(t, a.m.Delete(withTimeout(t, 10*time.Second), "nobody"), "deleting a user Engagespot does not know is no error")
}
