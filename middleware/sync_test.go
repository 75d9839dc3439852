package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

func TestSyncsNewUserOnce(t *testing.T) {
	t.Parallel()
	var out outcomes
	m, srv := setup(t, out.option())
	h := m.Handler(echo)
	ann := user("ann", "ann@example.com")

	w := serve(h, &ann)
	assert.Equal(t, "ann", w.Body.String(), "the request goes on with its user")
	flush(t, m)
	for range 3 {
		serve(h, &ann)
	}

	u, ok := srv.User("ann")
	require.True(t, ok, "Engagespot knows the user")
	assert.Equal(t, "ann@example.com", u.Profile().Email)
	assert.Equal(t, 1, srv.Calls(), "same user, same profile: one call")
	st := m.Stats()
	assert.Equal(t, uint64(3), st.Hits)
	assert.Equal(t, uint64(1), st.Misses)
	assert.Equal(t, uint64(1), st.Synced)
	assert.Equal(t, 0, st.Pending)
	require.Len(t, out.all(), 1)
	assert.Equal(t, middleware.Outcome{Kind: middleware.Synced, Identifier: "ann", Attempts: 1,
		Duration: out.all()[0].Duration}, out.all()[0])
}

func TestConcurrentFirstRequestsMakeOneCall(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	srv.Hang() // the sync stays in flight while every request arrives
	h := m.Handler(echo)
	ann := user("ann", "ann@example.com")

	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { serve(h, &ann) })
	}
	wg.Wait() // all 100 served while the API holds the one call
	srv.Release()
	flush(t, m)
	for range 100 {
		wg.Go(func() { serve(h, &ann) })
	}
	wg.Wait()

	assert.Equal(t, 1, srv.Calls())
	st := m.Stats()
	assert.Equal(t, uint64(100), st.Hits, "after the sync, every request is a hit")
	assert.Equal(t, uint64(100), st.Misses)
	assert.Equal(t, uint64(1), st.Queued)
}

func TestChangedProfileSyncsAgain(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	h := m.Handler(echo)

	steps := []struct {
		email, name string
		calls       int
	}{
		{"ann@example.com", "Ann", 1},
		{"ann@example.com", "Ann", 1},  // unchanged
		{"ann@new.example", "Ann", 2},  // new email
		{"ann@new.example", "Anna", 3}, // new name
		{"ann@new.example", "Anna", 3},
	}
	for i, s := range steps {
		id := identity.Identity{Identifier: "ann", Profile: identity.Profile{Email: s.email, FirstName: s.name}}
		serve(h, &id)
		flush(t, m)
		assert.Equal(t, s.calls, srv.Calls(), "step %d", i)
		u, _ := srv.User("ann")
		assert.Equal(t, s.email, u.Profile().Email, "step %d", i)
		assert.Equal(t, s.name, u.Profile().FirstName, "step %d", i)
	}
}

func TestProfileChangedDuringSyncIsNotLost(t *testing.T) {
	t.Parallel()
	var out outcomes
	m, srv := setup(t, out.option())
	h := m.Handler(echo)
	old, updated := user("ann", "ann@old.example"), user("ann", "ann@new.example")

	srv.Hang()
	serve(h, &old)
	waitHeld(t, srv, 1)
	serve(h, &updated) // joins the job under way with a newer profile
	srv.Release()
	flush(t, m)

	require.Equal(t, 2, srv.Calls(), "the newer profile is sent after the one in flight")
	u, _ := srv.User("ann")
	assert.Equal(t, "ann@new.example", u.Profile().Email)
	assert.Len(t, out.all(), 1, "still one job, one outcome")
	serve(h, &updated)
	assert.Equal(t, 2, srv.Calls(), "the newer profile is the one remembered")
	serve(h, &old)
	flush(t, m)
	assert.Equal(t, 3, srv.Calls(), "the older one is a change again")
}

func TestTTLSyncsAgain(t *testing.T) {
	t.Parallel()
	clockOpt, advance := middleware.WithManualClock()
	m, srv := setup(t, clockOpt, middleware.WithTTL(time.Hour),
		middleware.WithRandN(func(n int64) int64 { return n - 1 })) // the earliest expiry the spread allows
	h := m.Handler(echo)
	ann := user("ann", "ann@example.com")

	serve(h, &ann)
	flush(t, m)
	advance(54*time.Minute - time.Second) // the TTL less its spread, 6 minutes
	serve(h, &ann)
	flush(t, m)
	assert.Equal(t, 1, srv.Calls(), "within the TTL")

	advance(time.Second)
	serve(h, &ann)
	flush(t, m)
	assert.Equal(t, 2, srv.Calls(), "past the TTL: synced again")
	serve(h, &ann)
	assert.Equal(t, 2, srv.Calls(), "and remembered again")
}

func TestCacheSizeIsBounded(t *testing.T) {
	t.Parallel()
	m, srv := setup(t, middleware.WithCacheSize(1))
	h := m.Handler(echo)
	ann, bob := user("ann", ""), user("bob", "")

	for _, id := range []*identity.Identity{&ann, &bob, &ann} {
		serve(h, id)
		flush(t, m)
	}
	assert.Equal(t, 3, srv.Calls(), "one user fits: bob evicted ann")
	serve(h, &ann)
	assert.Equal(t, 3, srv.Calls())
}

func TestFullQueueDropsAndTheNextRequestRetries(t *testing.T) {
	t.Parallel()
	var out outcomes
	var log logs
	m, srv := setup(t, out.option(), log.option(), middleware.WithQueueSize(2), middleware.WithWorkers(1))
	h := m.Handler(echo)

	srv.Hang()
	for i := range 10 {
		id := user(fmt.Sprint("u", i), "")
		w := serve(h, &id)
		assert.Equal(t, http.StatusOK, w.Code, "a dropped sync never fails the request")
	}
	st := m.Stats()
	assert.Equal(t, uint64(2), st.Queued)
	assert.Equal(t, uint64(8), st.Dropped)
	assert.Equal(t, 2, st.Pending)
	assert.Equal(t, 8, out.byKind(t)[middleware.Dropped])
	for _, o := range out.all() {
		assert.ErrorIs(t, o.Err, middleware.ErrQueueFull)
		assert.Equal(t, middleware.ReasonQueueFull, o.Reason)
	}
	assert.Equal(t, 1, log.count("sync queue full"), "logged once, not once per drop")

	srv.Release()
	flush(t, m)
	u5 := user("u5", "")
	serve(h, &u5) // dropped before: not marked, so tried again
	flush(t, m)
	_, ok := srv.User("u5")
	assert.True(t, ok)
	assert.Equal(t, 3, out.byKind(t)[middleware.Synced])
	assert.Equal(t, 1, log.count("sync queue accepting again"))
}

func TestRequestContextDoesNotReachTheSync(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	ann := user("ann", "")

	srv.Hang()
	ctx, cancel := context.WithCancel(context.Background())
	serveCtx(ctx, m.Handler(echo), &ann)
	waitHeld(t, srv, 1)
	cancel() // the request is over
	srv.Release()
	flush(t, m)
	_, ok := srv.User("ann")
	assert.True(t, ok, "the sync outlives its request")
}

func TestHangingAPILeavesRequestsAlone(t *testing.T) {
	t.Parallel()
	var out outcomes
	m, srv := setup(t, out.option(), middleware.WithWorkers(2))
	h := m.Handler(echo)

	srv.Hang()
	for i := range 50 {
		id := user(fmt.Sprint("u", i), "")
		assert.Equal(t, id.Identifier, serve(h, &id).Body.String())
	}
	waitHeld(t, srv, 2)
	st := m.Stats()
	assert.Equal(t, 2, st.InFlight, "the workers bound the calls in flight")
	assert.Equal(t, 48, st.QueueLen)

	expired, cancel := context.WithDeadline(context.Background(), time.Now())
	defer cancel()
	require.ErrorIs(t, m.Close(expired), context.DeadlineExceeded)
	assert.Equal(t, map[middleware.OutcomeKind]int{middleware.Dropped: 50}, out.byKind(t))
	for _, o := range out.all() {
		assert.ErrorIs(t, o.Err, middleware.ErrClosed)
	}
	assert.NoError(t, m.Close(context.Background()), "a second Close is a no-op")
}

func TestCloseDrainsAndLaterRequestsPassThrough(t *testing.T) {
	t.Parallel()
	var out outcomes
	m, srv := setup(t, out.option())
	h := m.Handler(echo)

	srv.SetLatency(time.Millisecond)
	for i := range 20 {
		id := user(fmt.Sprint("u", i), "")
		serve(h, &id)
	}
	require.NoError(t, m.Close(context.Background()))
	assert.Len(t, srv.Users(), 20, "Close waited for every sync")
	assert.Equal(t, map[middleware.OutcomeKind]int{middleware.Synced: 20}, out.byKind(t))

	late := user("late", "")
	assert.Equal(t, "late", serve(h, &late).Body.String(), "served after Close")
	u0 := user("u0", "")
	serve(h, &u0)
	assert.Equal(t, 20, srv.Calls(), "nothing synced after Close")
	assert.Equal(t, uint64(1), m.Stats().Dropped)
	assert.ErrorIs(t, m.Ensure(context.Background(), late), middleware.ErrClosed)
	assert.NoError(t, m.Close(context.Background()))
	assert.NoError(t, m.Flush(context.Background()))
}

func TestConcurrentCloseCallsAgree(t *testing.T) {
	t.Parallel()
	m, _ := setup(t)
	id := user("ann", "")
	serve(m.Handler(echo), &id)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { assert.NoError(t, m.Close(context.Background())) })
	}
	wg.Wait()
}

func TestEnsure(t *testing.T) {
	t.Parallel()

	t.Run("joins the sync under way", func(t *testing.T) {
		t.Parallel()
		m, srv := setup(t)
		ann := user("ann", "ann@example.com")
		srv.Hang()
		serve(m.Handler(echo), &ann)
		waitHeld(t, srv, 1)
		done := make(chan error)
		go func() { done <- m.Ensure(context.Background(), ann) }()
		srv.Release()
		require.NoError(t, <-done)
		assert.Equal(t, 1, srv.Calls())
		require.NoError(t, m.Ensure(context.Background(), ann), "synced already: no call")
		assert.Equal(t, 1, srv.Calls())
	})

	t.Run("returns the failure", func(t *testing.T) {
		t.Parallel()
		m, srv := setup(t)
		srv.FailNext(1, http.StatusUnprocessableEntity)
		err := m.Ensure(context.Background(), user("ann", ""))
		require.Error(t, err)
		assert.Equal(t, middleware.ReasonClientError, middleware.Classify(err))
		require.NoError(t, m.Ensure(context.Background(), user("ann", "")),
			"unlike a request, Ensure asks again after a refusal")
	})

	t.Run("gives up with its context, the sync goes on", func(t *testing.T) {
		t.Parallel()
		m, srv := setup(t)
		srv.Hang()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			_ = srv.WaitHeld(context.Background(), 1)
			cancel()
		}()
		assert.ErrorIs(t, m.Ensure(ctx, user("ann", "")), context.Canceled)
		srv.Release()
		flush(t, m)
		_, ok := srv.User("ann")
		assert.True(t, ok)
	})

	t.Run("refuses an invalid identifier", func(t *testing.T) {
		t.Parallel()
		m, srv := setup(t)
		err := m.Ensure(context.Background(), user("", ""))
		assert.ErrorIs(t, err, identity.ErrInvalidIdentifier)
		assert.Zero(t, srv.Calls())
	})
}

func TestInvalidIdentifierIsNeverSent(t *testing.T) {
	t.Parallel()
	var out outcomes
	m, srv := setup(t, out.option())
	bad := user("a\x00b", "")
	assert.Equal(t, "a\x00b", serve(m.Handler(echo), &bad).Body.String())
	flush(t, m)
	assert.Zero(t, srv.Calls())
	require.Len(t, out.all(), 1)
	assert.Equal(t, middleware.Failed, out.all()[0].Kind)
	assert.Equal(t, middleware.ReasonClientError, out.all()[0].Reason)
}

func waitHeld(t *testing.T, srv interface {
	WaitHeld(context.Context, int) error
}, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	require.NoError(t, srv.WaitHeld(ctx, n))
}

func TestBurstOfNewUsersIsBoundedByTheQueue(t *testing.T) {
	t.Parallel()
	const users, queue = 100_000, 100
	var log logs
	m, srv := setup(t, log.option(), middleware.WithQueueSize(queue))
	h := m.Handler(echo)
	srv.Hang() // the API takes nothing meanwhile: the worst case

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := &nopWriter{h: http.Header{}}
	for i := range users {
		id := identity.Identity{Identifier: fmt.Sprint("burst-", i)}
		h.ServeHTTP(w, r.WithContext(identity.NewContext(r.Context(), id)))
	}
	st := m.Stats()
	assert.Equal(t, queue, st.Pending, "memory bounded by the queue")
	assert.Equal(t, uint64(queue), st.Queued)
	assert.Equal(t, uint64(users-queue), st.Dropped, "every drop counted")
	assert.Equal(t, uint64(users), st.Misses)
	assert.Equal(t, 1, log.count("sync queue full"))
	srv.Release()
	flush(t, m)
	assert.Equal(t, uint64(queue), m.Stats().Synced)
}

func TestHitsLogNothing(t *testing.T) {
	t.Parallel()
	var log logs // at Debug level
	m, _ := setup(t, log.option())
	h := m.Handler(echo)
	ann := user("ann", "ann@example.com")
	serve(h, &ann)
	flush(t, m)
	before := log.String()
	for range 10 {
		serve(h, &ann)
	}
	assert.Equal(t, uint64(10), m.Stats().Hits)
	assert.Equal(t, before, log.String())
}

func TestMalformedAttributesAreNeverSent(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	ann := identity.Identity{Identifier: "ann", Profile: identity.Profile{
		Email: "not an email", PhoneNumber: "+1 (555) 123-4567", FirstName: "Ann",
		Custom: map[string]any{"identifier": "forged", "plan": "pro"},
	}}
	serve(m.Handler(echo), &ann)
	flush(t, m)

	u, ok := srv.User("ann")
	require.True(t, ok, "the user is synced without the bad attributes")
	assert.Equal(t, map[string]any{"phoneNumber": "+15551234567", "firstName": "Ann", "plan": "pro"}, u.Attributes)
	serve(m.Handler(echo), &ann)
	assert.Equal(t, 1, srv.Calls(), "synced: the same profile is not sent again")
}

// One limit for every part: an identifier over identity.MaxIdentifierLen is
// refused by the middleware before any call, and one at the limit is synced
// (the client and the signer read the same constant).
func TestMaxIdentifierLenIsTheOneLimit(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	dir := directoryFunc(func(context.Context, identity.Identity) error { calls.Add(1); return nil })
	m := newMiddleware(t, dir)
	over := strings.Repeat("x", identity.MaxIdentifierLen+1)
	require.ErrorIs(t, m.Ensure(t.Context(), identity.Identity{Identifier: over}), identity.ErrInvalidIdentifier)
	assert.Zero(t, calls.Load(), "refused before any call")

	serve(m.Handler(echo), &identity.Identity{Identifier: strings.Repeat("x", identity.MaxIdentifierLen)})
	flush(t, m)
	assert.Equal(t, int32(1), calls.Load(), "an identifier at the limit is synced")
}
