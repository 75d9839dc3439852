package middleware_test

import (
	"context"
	"errors"
	"fmt"
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

// database is the app's own store of profiles, behind a ProfileLoader: it
// counts the loads, can hold them at a gate, and can fail them.
type database struct {
	mu       sync.Mutex
	profiles map[string]identity.Profile
	loads    atomic.Int64
	gate     chan struct{} // if set, a load waits for it to close
	fail     []error       // the next loads fail with these, in turn
}

func newDatabase() *database { return &database{profiles: map[string]identity.Profile{}} }

func (db *database) set(identifier string, p identity.Profile) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.profiles[identifier] = p
}

func (db *database) hold() {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.gate = make(chan struct{})
}

func (db *database) release() {
	db.mu.Lock()
	defer db.mu.Unlock()
	close(db.gate)
	db.gate = nil
}

func (db *database) failNext(errs ...error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.fail = append(db.fail, errs...)
}

func (db *database) load(ctx context.Context, id identity.Identity) (identity.Profile, error) {
	db.loads.Add(1)
	db.mu.Lock()
	gate := db.gate
	db.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return identity.Profile{}, ctx.Err()
		}
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if len(db.fail) > 0 {
		err := db.fail[0]
		db.fail = db.fail[1:]
		return identity.Profile{}, err
	}
	return db.profiles[id.Identifier], nil
}

func (db *database) option() middleware.Option { return middleware.WithProfileLoader(db.load) }

// subOnly is a user as an access token names them: an identifier, no profile.
func subOnly(identifier string) identity.Identity { return identity.Identity{Identifier: identifier} }

func TestLoaderGivesEngagespotTheEmailTheTokenLacks(t *testing.T) {
	t.Parallel()
	db := newDatabase()
	db.set("ann", identity.Profile{Email: "ann@example.com", PhoneNumber: "+15551234567"})
	m, srv := setup(t, db.option())
	h := m.Handler(echo)
	ann := subOnly("ann")

	// The loader is slow: every request is answered while it is held.
	db.hold()
	for range 50 {
		assert.Equal(t, "ann", serve(h, &ann).Body.String())
	}
	waitFor(t, "the load to start", func() bool { return db.loads.Load() == 1 })
	assert.Zero(t, srv.Calls(), "nothing is sent before the profile is loaded")
	db.release()
	flush(t, m)

	u, ok := srv.User("ann")
	require.True(t, ok)
	assert.Equal(t, "ann@example.com", u.Profile().Email)
	assert.Equal(t, "+15551234567", u.Profile().PhoneNumber)
	for range 50 {
		serve(h, &ann)
	}
	assert.Equal(t, int64(1), db.loads.Load(), "one load for the user's 100 requests")
	assert.Equal(t, 1, srv.Calls())
	assert.Equal(t, uint64(50), m.Stats().Hits, "every request after the sync is a hit")
	assert.Equal(t, uint64(1), m.Stats().Queued, "the requests during the load joined its job")
}

func TestLoaderFieldsWinOverTheToken(t *testing.T) {
	t.Parallel()
	db := newDatabase()
	db.set("ann", identity.Profile{Email: "ann@db.example", Custom: map[string]any{"plan": "pro", "team": "red"}})
	m, srv := setup(t, db.option())
	ann := identity.Identity{Identifier: "ann", Profile: identity.Profile{
		Email: "ann@token.example", FirstName: "Ann", Custom: map[string]any{"plan": "free", "locale": "fr"},
	}}
	serve(m.Handler(echo), &ann)
	flush(t, m)

	u, _ := srv.User("ann")
	assert.Equal(t, map[string]any{
		"email": "ann@db.example", "firstName": "Ann", "plan": "pro", "team": "red", "locale": "fr",
	}, u.Attributes, "the database's non-empty fields win; the token fills in the rest")
}

func TestLoaderRunsOncePerSync(t *testing.T) {
	t.Parallel()
	db := newDatabase()
	db.set("ann", identity.Profile{Email: "ann@example.com"})
	clockOpt, advance := middleware.WithManualClock()
	m, srv := setup(t, db.option(), clockOpt, middleware.WithTTL(time.Hour))
	h := m.Handler(echo)
	ann := subOnly("ann")

	serve(h, &ann)
	flush(t, m)
	require.Equal(t, int64(1), db.loads.Load())

	named := identity.Identity{Identifier: "ann", Profile: identity.Profile{FirstName: "Ann"}}
	serve(h, &named) // the token's profile changed: a sync, so a load
	flush(t, m)
	assert.Equal(t, int64(2), db.loads.Load())
	assert.Equal(t, 2, srv.Calls())
	u, _ := srv.User("ann")
	assert.Equal(t, "Ann", u.Profile().FirstName)
	assert.Equal(t, "ann@example.com", u.Profile().Email)

	advance(2 * time.Hour) // past the TTL: synced again, loaded again
	serve(h, &named)
	flush(t, m)
	assert.Equal(t, int64(3), db.loads.Load())
	assert.Equal(t, 3, srv.Calls())

	require.NoError(t, m.Ensure(context.Background(), subOnly("bob")))
	assert.Equal(t, int64(4), db.loads.Load(), "Ensure loads too")
}

func TestLoaderErrorsAreRetriedWithTheirOwnReason(t *testing.T) {
	t.Parallel()
	db := newDatabase()
	db.set("ann", identity.Profile{Email: "ann@example.com"})
	db.failNext(errors.New("db: connection reset"), errors.New("db: connection reset"))
	ts := &timers{auto: true}
	var attempts []middleware.Attempt
	var mu sync.Mutex
	m, srv := setup(t, db.option(), ts.option(), middleware.WithPause(1, time.Hour),
		middleware.WithAttemptHook(func(_ context.Context, a middleware.Attempt) {
			mu.Lock()
			defer mu.Unlock()
			attempts = append(attempts, a)
		}))

	require.NoError(t, m.Ensure(context.Background(), subOnly("ann")))
	assert.Equal(t, int64(3), db.loads.Load(), "two failed loads, then one that worked")
	assert.Len(t, ts.recorded(), 2, "each failed load waits a backoff")
	assert.Equal(t, 1, srv.Calls(), "the API is called once the profile is loaded")
	assert.Len(t, attempts, 1, "a failed load is no API call")
	assert.False(t, m.Stats().Paused, "a failing database does not pause the API")
	u, _ := srv.User("ann")
	assert.Equal(t, "ann@example.com", u.Profile().Email)
}

type permanent struct{ error }

func (permanent) Retryable() bool { return false }

func TestLoaderErrorsEndTheSyncWhenSpentOrFinal(t *testing.T) {
	t.Parallel()
	db := newDatabase()
	var out outcomes
	m, srv := setup(t, db.option(), out.option(), (&timers{auto: true}).option(), middleware.WithMaxAttempts(3))

	db.failNext(errors.New("db: down"), errors.New("db: down"), errors.New("db: down"))
	err := m.Ensure(context.Background(), subOnly("ann"))
	require.ErrorIs(t, err, middleware.ErrProfileLoader)
	assert.Contains(t, err.Error(), "db: down")
	assert.Equal(t, int64(3), db.loads.Load(), "the job's attempts bound the loads")

	db.failNext(permanent{errors.New("db: no such table")})
	require.ErrorIs(t, m.Ensure(context.Background(), subOnly("bob")), middleware.ErrProfileLoader)
	assert.Equal(t, int64(4), db.loads.Load(), "an error that says it is final is not retried")

	require.Len(t, out.all(), 2)
	for _, o := range out.all() {
		assert.Equal(t, middleware.Failed, o.Kind)
		assert.Equal(t, middleware.ReasonProfileLoader, o.Reason)
		assert.Zero(t, o.Attempts, "no API call")
	}
	assert.Zero(t, srv.Calls())

	// Not a verdict on the user: their next request tries again.
	serve(m.Handler(echo), &identity.Identity{Identifier: "bob"})
	flush(t, m)
	assert.Equal(t, 1, srv.Calls())
}

func TestLoaderIsBoundedByTheAttemptTimeout(t *testing.T) {
	t.Parallel()
	db := newDatabase()
	db.hold() // never released: every load times out
	var out outcomes
	m, srv := setup(t, db.option(), out.option(), (&timers{auto: true}).option(),
		middleware.WithAttemptTimeout(20*time.Millisecond), middleware.WithMaxAttempts(2))
	err := m.Ensure(context.Background(), subOnly("ann"))
	require.ErrorIs(t, err, middleware.ErrProfileLoader)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int64(2), db.loads.Load())
	assert.Zero(t, srv.Calls())
}

func TestReloadSyncsAChangedProfileNow(t *testing.T) {
	t.Parallel()
	db := newDatabase()
	db.set("ann", identity.Profile{Email: "ann@old.example"})
	m, srv := setup(t, db.option())
	h := m.Handler(echo)
	ann := subOnly("ann")
	serve(h, &ann)
	flush(t, m)

	db.set("ann", identity.Profile{Email: "ann@new.example"})
	serve(h, &ann)
	assert.Equal(t, 1, srv.Calls(), "the token did not change: a hit, the database is not asked")
	require.NoError(t, m.Reload(context.Background(), "ann"))
	assert.Equal(t, 2, srv.Calls())
	u, _ := srv.User("ann")
	assert.Equal(t, "ann@new.example", u.Profile().Email)

	hits := m.Stats().Hits
	serve(h, &ann)
	assert.Equal(t, hits+1, m.Stats().Hits, "the user's requests stay hits")
	assert.Equal(t, 2, srv.Calls())
}

// A sync loads the old profile and its call is held; the app changes the
// profile and calls Reload; the call is released. The newer profile must
// land last.
func TestReloadDuringASyncOfTheOldProfileLandsLast(t *testing.T) {
	t.Parallel()
	db := newDatabase()
	db.set("ann", identity.Profile{Email: "ann@old.example"})
	m, srv := setup(t, db.option())
	ann := subOnly("ann")

	srv.Hang()
	serve(m.Handler(echo), &ann)
	waitHeld(t, srv, 1) // the old profile is loaded and on its way
	db.set("ann", identity.Profile{Email: "ann@new.example"})
	reloaded := make(chan error, 1)
	go func() { reloaded <- m.Reload(context.Background(), "ann") }()
	waitFor(t, "Reload to join the job", func() bool { return m.Stats().Misses == 2 })
	srv.Release()
	require.NoError(t, <-reloaded)

	u, _ := srv.User("ann")
	assert.Equal(t, "ann@new.example", u.Profile().Email, "the profile loaded after the change lands last")
	assert.Equal(t, 2, srv.Calls())
	assert.Equal(t, int64(2), db.loads.Load())
}

func TestReloadNeedsALoaderAndAValidIdentifier(t *testing.T) {
	t.Parallel()
	m, _ := setup(t)
	var cfg *identity.ConfigError
	require.ErrorAs(t, m.Reload(context.Background(), "ann"), &cfg)
	assert.Equal(t, "ProfileLoader", cfg.Field)

	m, _ = setup(t, newDatabase().option())
	require.ErrorIs(t, m.Reload(context.Background(), ""), identity.ErrInvalidIdentifier)

	_, err := middleware.New(client(t, engagespottest.NewServer(t)), middleware.WithProfileLoader(nil))
	require.ErrorAs(t, err, &cfg)
	assert.Equal(t, "ProfileLoader", cfg.Field)
}

// The fleet's Store records the profile that was sent, loaded part
// included, so that a Reload elsewhere is ordered against it.
func TestStoreRecordsTheLoadedProfile(t *testing.T) {
	t.Parallel()
	db := newDatabase()
	loaded := identity.Profile{Email: "ann@example.com"}
	db.set("ann", loaded)
	store := &fakeStore{script: []leaseAnswer{{lease: middleware.LeaseAcquired}}}
	m, _ := setup(t, db.option(), middleware.WithStore(store))
	require.NoError(t, m.Ensure(context.Background(), subOnly("ann")))
	store.mu.Lock()
	defer store.mu.Unlock()
	assert.Equal(t, []string{fmt.Sprintf("ann:%x", loaded.Fingerprint())}, store.done)
}
