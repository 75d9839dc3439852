package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/middleware"
)

// fakeStore answers Lease from a script (the last answer repeats) and
// records Done and Release. Redis itself is tested in adapters/redisstore.
type fakeStore struct {
	mu         sync.Mutex
	script     []leaseAnswer
	leases     int
	done       []string
	released   []string
	failWrites int // Done and Release calls to fail before they work
	writes     int // Done and Release calls, failed or not
}

// write counts a Done or Release, and says whether it fails.
func (s *fakeStore) write() error {
	s.writes++
	if s.failWrites > 0 {
		s.failWrites--
		return errRedisDown
	}
	return nil
}

type leaseAnswer struct {
	lease     middleware.Lease
	remaining time.Duration
	err       error
}

var errRedisDown = errors.New("redis: connection refused")

func (s *fakeStore) Lease(_ context.Context, identifier string, fp uint64, _ time.Time) (middleware.Lease, time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.script[min(s.leases, len(s.script)-1)]
	s.leases++
	return a.lease, a.remaining, a.err
}

func (s *fakeStore) Done(_ context.Context, identifier string, fp uint64, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.write(); err != nil {
		return err
	}
	s.done = append(s.done, fmt.Sprintf("%s:%x", identifier, fp))
	return nil
}

func (s *fakeStore) Release(_ context.Context, identifier string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.write(); err != nil {
		return err
	}
	s.released = append(s.released, identifier)
	return nil
}

func TestStore(t *testing.T) {
	t.Parallel()
	ann := user("ann", "ann@example.com")
	annDone := fmt.Sprintf("ann:%x", ann.Profile.Fingerprint())
	tests := []struct {
		name     string
		script   []leaseAnswer
		status   int // the API's answer, 0 for success
		calls    int
		done     []string
		released []string
		waits    []time.Duration
		kind     middleware.OutcomeKind
	}{
		{name: "the fleet synced the user", script: []leaseAnswer{{lease: middleware.LeaseSynced}},
			kind: middleware.Synced},
		{name: "this instance syncs", script: []leaseAnswer{{lease: middleware.LeaseAcquired}},
			calls: 1, done: []string{annDone}, kind: middleware.Synced},
		{name: "another instance is syncing, then done",
			script: []leaseAnswer{{lease: middleware.LeaseBusy}, {lease: middleware.LeaseBusy}, {lease: middleware.LeaseSynced}},
			waits:  []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}, kind: middleware.Synced},
		{name: "another instance is syncing, then lets go",
			script: []leaseAnswer{{lease: middleware.LeaseBusy}, {lease: middleware.LeaseAcquired}},
			calls:  1, done: []string{annDone}, waits: []time.Duration{500 * time.Millisecond}, kind: middleware.Synced},
		{name: "the store is down: sync alone, then tell it", script: []leaseAnswer{{err: errRedisDown}},
			calls: 1, done: []string{annDone}, kind: middleware.Synced},
		{name: "the store is down and the sync fails: no lease to drop", script: []leaseAnswer{{err: errRedisDown}},
			status: http.StatusUnprocessableEntity, calls: 1, kind: middleware.Failed},
		{name: "the sync fails: the lease is dropped", script: []leaseAnswer{{lease: middleware.LeaseAcquired}},
			status: http.StatusUnprocessableEntity, calls: 1, released: []string{"ann"}, kind: middleware.Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &fakeStore{script: tt.script}
			ts := &timers{auto: true}
			var out outcomes
			m, srv := setup(t, middleware.WithStore(store), ts.option(), out.option())
			if tt.status != 0 {
				srv.FailNext(1, tt.status)
			}
			h := m.Handler(echo)
			serve(h, &ann)
			flush(t, m)
			claims := store.leases
			serve(h, &ann)
			flush(t, m)

			assert.Equal(t, tt.calls, srv.Calls())
			assert.Equal(t, tt.done, store.done)
			assert.Equal(t, tt.released, store.released)
			assert.Equal(t, tt.waits, ts.recorded())
			assert.Equal(t, map[middleware.OutcomeKind]int{tt.kind: 1}, out.byKind(t))
			assert.Equal(t, claims, store.leases, "the second request never reaches the store")
		})
	}
}

func TestStoreLeaseHeldTooLongStillSyncs(t *testing.T) {
	t.Parallel()
	store := &fakeStore{script: []leaseAnswer{{lease: middleware.LeaseBusy}}}
	ts := &timers{auto: true}
	m, srv := setup(t, middleware.WithStore(store), ts.option())
	ann := user("ann", "")
	serve(m.Handler(echo), &ann)
	flush(t, m)
	assert.Equal(t, 1, srv.Calls(), "a second upsert is harmless, a lost user is not")
	assert.Greater(t, store.leases, 10)
	assert.Equal(t, []string{fmt.Sprintf("ann:%x", ann.Profile.Fingerprint())}, store.done,
		"the fleet learns the user from whoever synced them")
}

func TestStoreOutageIsTheStoresToLog(t *testing.T) {
	t.Parallel()
	store := &fakeStore{script: []leaseAnswer{{err: errRedisDown}}}
	var log logs // at Debug level
	m, srv := setup(t, middleware.WithStore(store), log.option())
	h := m.Handler(echo)
	for _, name := range []string{"u1", "u2", "u3"} {
		id := user(name, "")
		serve(h, &id)
	}
	flush(t, m)
	store.mu.Lock()
	store.script = []leaseAnswer{{lease: middleware.LeaseAcquired}}
	store.mu.Unlock()
	u4 := user("u4", "")
	serve(h, &u4)
	flush(t, m)

	require.Equal(t, 4, srv.Calls(), "synced alone while the store was down")
	assert.NotContains(t, strings.ToLower(log.String()), "redis", "the Store, which knows when it is down, says so; the middleware does not repeat it")
	assert.Equal(t, 4, strings.Count(log.String(), "\n"), "only the four syncs, at Debug:\n%s", log.String())
}

// A user the fleet synced is remembered locally only as long as the fleet's
// record lasts: the fleet then syncs them once per TTL, not once per TTL of
// each cache in turn.
func TestStoreRecordBoundsTheLocalEntry(t *testing.T) {
	t.Parallel()
	store := &fakeStore{script: []leaseAnswer{{lease: middleware.LeaseSynced, remaining: 10 * time.Second}, {lease: middleware.LeaseAcquired}}}
	clock, advance := middleware.WithManualClock()
	m, srv := setup(t, middleware.WithStore(store), middleware.WithTTL(time.Hour), clock)
	h := m.Handler(echo)
	ann := user("ann", "")
	serve(h, &ann)
	flush(t, m)
	require.Equal(t, 1, store.leases)
	require.Zero(t, srv.Calls(), "the fleet had synced ann")

	// The coarse clock lags real time by up to a second: the entry ends a
	// second early, so that it never outlives the record.
	advance(9*time.Second - time.Millisecond)
	serve(h, &ann)
	flush(t, m)
	assert.Equal(t, 1, store.leases, "still within the fleet's record")

	advance(time.Millisecond)
	serve(h, &ann)
	flush(t, m)
	assert.Equal(t, 2, store.leases, "the fleet's record is about over: ask again")
	assert.Equal(t, 1, srv.Calls(), "and sync, for the whole fleet")

	advance(time.Hour - 7*time.Minute) // this instance's own sync lasts the TTL (less up to a tenth)
	serve(h, &ann)
	flush(t, m)
	assert.Equal(t, 2, store.leases)
}

// A Done or Release that settles a lease is retried until the Store takes
// it: an instance waiting for the lease would otherwise wait for it to
// expire. A Done without a lease is tried once.
func TestStoreWritesThatSettleALeaseAreRetried(t *testing.T) {
	t.Parallel()
	ann := user("ann", "")
	annDone := fmt.Sprintf("ann:%x", ann.Profile.Fingerprint())
	tests := []struct {
		name     string
		lease    leaseAnswer
		status   int
		done     []string
		released []string
		writes   int
		waits    []time.Duration
	}{
		{"Done of a lease", leaseAnswer{lease: middleware.LeaseAcquired}, 0, []string{annDone}, nil, 4,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}},
		{"Release of a lease", leaseAnswer{lease: middleware.LeaseAcquired}, http.StatusUnprocessableEntity, nil, []string{"ann"}, 4,
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}},
		{"Done without a lease", leaseAnswer{err: errRedisDown}, 0, nil, nil, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := &fakeStore{script: []leaseAnswer{tt.lease}, failWrites: 3}
			ts := &timers{}
			m, srv := setup(t, middleware.WithStore(store), ts.option())
			if tt.status != 0 {
				srv.FailNext(1, tt.status)
			}
			serve(m.Handler(echo), &ann)
			flush(t, m)
			for ts.fire(func(time.Duration) bool { return true }) > 0 {
			}
			store.mu.Lock()
			defer store.mu.Unlock()
			assert.Equal(t, tt.writes, store.writes)
			assert.Equal(t, tt.done, store.done)
			assert.Equal(t, tt.released, store.released)
			assert.Equal(t, tt.waits, ts.recorded())
		})
	}
}

// However a job holding a lease ends, the lease is released: here an
// attempt hook panics.
func TestStoreLeaseReleasedWhenAHookPanics(t *testing.T) {
	t.Parallel()
	store := &fakeStore{script: []leaseAnswer{{lease: middleware.LeaseAcquired}}}
	var log logs
	m, _ := setup(t, middleware.WithStore(store), log.option(),
		middleware.WithAttemptHook(func(context.Context, middleware.Attempt) { panic("hook") }))
	ann := user("ann", "")
	serve(m.Handler(echo), &ann)
	flush(t, m)
	store.mu.Lock()
	defer store.mu.Unlock()
	assert.Equal(t, []string{"ann"}, store.released)
	assert.Empty(t, store.done)
	assert.Equal(t, 1, log.count("panic in a sync"))
}

// Synced counts this instance's successful API calls, so that a fleet's sum
// is the calls the API accepted; a user the fleet had synced counts apart.
func TestSyncedCountsOwnCallsAndTheFleetsApart(t *testing.T) {
	t.Parallel()
	store := &fakeStore{script: []leaseAnswer{{lease: middleware.LeaseSynced}, {lease: middleware.LeaseAcquired}}}
	var out outcomes
	m, srv := setup(t, middleware.WithStore(store), out.option())
	h := m.Handler(echo)
	ann, bob := user("ann", "ann@example.com"), user("bob", "bob@example.com")
	serve(h, &ann) // the fleet synced ann already
	flush(t, m)
	serve(h, &bob)
	flush(t, m)

	s := m.Stats()
	assert.Equal(t, uint64(1), s.Synced, "one call made here")
	assert.Equal(t, uint64(1), s.SyncedByFleet)
	assert.Equal(t, 1, srv.Calls())
	got := out.all()
	require.Len(t, got, 2)
	assert.True(t, got[0].ByFleet)
	assert.False(t, got[1].ByFleet)
	assert.Equal(t, middleware.Synced, got[1].Kind)
}
