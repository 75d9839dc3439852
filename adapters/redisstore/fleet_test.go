package redisstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// instance is one app server of the fleet: its own middleware, Engagespot
// client and Redis connection, as a separate process would have.
type instance struct {
	m       *middleware.Middleware
	handler http.Handler
	logs    *logBuffer
	client  redis.UniversalClient
	store   *redisstore.Store
}

// reconnected waits until each instance's client reaches a restarted
// server. go-redis answers with its last dial error until its own background
// redial (once a second) gets through; in production the Store's cooldown
// (5 s) outlasts that, but with the fake clock a probe failing on that stale
// error would keep the breaker open for the rest of the test.
func reconnected(t *testing.T, fleet ...*instance) {
	t.Helper()
	for _, in := range fleet {
		require.Eventually(t, func() bool { return in.client.Ping(t.Context()).Err() == nil },
			30*time.Second, 20*time.Millisecond, "the client reaches the restarted server")
	}
}

func newInstance(t *testing.T, api *engagespottest.Server, srv *redistest.Server, opts ...redisstore.Option) *instance {
	t.Helper()
	return newInstanceWith(t, api, srv, nil, opts...)
}

// newInstanceWith is newInstance with middleware options too.
func newInstanceWith(t *testing.T, api *engagespottest.Server, srv *redistest.Server, mopts []middleware.Option, opts ...redisstore.Option) *instance {
	t.Helper()
	return newInstanceFrom(t, api, instanceConfig{client: newClient(t, srv), mopts: mopts, ropts: opts})
}

// instanceConfig is what newInstanceFrom builds an instance of.
type instanceConfig struct {
	client redis.UniversalClient                             // its own connection to Redis
	wrap   func(dir *engagespot.Client) middleware.Directory // the Directory the middleware gets; the client if nil
	mopts  []middleware.Option
	ropts  []redisstore.Option
}

func newInstanceFrom(t *testing.T, api *engagespottest.Server, cfg instanceConfig) *instance {
	t.Helper()
	client, err := engagespot.New(api.APIKey, api.APISecret, engagespot.WithBaseURL(api.URL()), engagespot.WithHTTPClient(api.HTTPClient()))
	require.NoError(t, err)
	var dir middleware.Directory = client
	if cfg.wrap != nil {
		dir = cfg.wrap(client)
	}
	logs := &logBuffer{}
	// A generous timeout: on a loaded machine a loopback round trip can
	// exceed the default, and these tests count calls, not milliseconds.
	// A killed server refuses connections at once, whatever the timeout.
	opts := append([]redisstore.Option{redisstore.WithLogger(logs.Logger()), redisstore.WithTimeout(10 * time.Second)}, cfg.ropts...)
	store, err := redisstore.New(cfg.client, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() }) // after the middleware's Close, below
	m, err := middleware.New(dir, append([]middleware.Option{middleware.WithStore(store), middleware.WithLogger(logs.Logger())}, cfg.mopts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, m.Close(context.Background())) })

	return &instance{m: m, handler: signedInHandler(m), logs: logs, client: cfg.client, store: store}
}

// signedInHandler is an app behind m, behind a stand-in for the app's
// sign-in: the user is named by a header, and their email by another if set.
func signedInHandler(m *middleware.Middleware) http.Handler {
	app := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	next := m.Handler(app)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := userIdentity(r.Header.Get("X-User"))
		if email := r.Header.Get("X-Email"); email != "" {
			id.Profile.Email = email
		}
		next.ServeHTTP(w, r.WithContext(identity.NewContext(r.Context(), id)))
	})
}

func userIdentity(id string) identity.Identity {
	return identity.Identity{Identifier: id, Profile: identity.Profile{Email: id + "@example.com", FirstName: "User"}}
}

// serve sends one request for user and reports its status.
func (in *instance) serve(user string) int { return in.serveAs(user, "") }

// serveAs sends one request for user with this email ("" for the usual).
func (in *instance) serveAs(user, email string) int {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-User", user)
	if email != "" {
		r.Header.Set("X-Email", email)
	}
	w := httptest.NewRecorder()
	in.handler.ServeHTTP(w, r)
	return w.Code
}

func (in *instance) flush(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, in.m.Flush(ctx))
}

func users(from, to int) []string {
	ids := make([]string, 0, to-from)
	for i := range to - from {
		ids = append(ids, fmt.Sprintf("user-%04d", from+i))
	}
	return ids
}

// sendToAll sends every user to every instance, each instance from
// several goroutines in its own order, and returns once all were served.
// during, if set, runs alongside.
func sendToAll(t *testing.T, fleet []*instance, ids []string, during func()) {
	t.Helper()
	var wg sync.WaitGroup
	for n, in := range fleet {
		for w := range 4 {
			order := rand.New(rand.NewPCG(uint64(n), uint64(w))).Perm(len(ids))
			wg.Go(func() {
				for _, i := range order {
					if code := in.serve(ids[i]); code != http.StatusOK {
						t.Errorf("instance %d, %s: status %d", n, ids[i], code)
						return
					}
				}
			})
		}
	}
	if during != nil {
		wg.Go(during)
	}
	wg.Wait()
}

func TestFleetSyncsEachUserOnce(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	fleet := []*instance{newInstance(t, api, srv), newInstance(t, api, srv)}

	ids := users(0, 1000)
	sendToAll(t, fleet, ids, nil)
	for _, in := range fleet {
		in.flush(t)
	}

	assert.Equal(t, 1000, api.Calls(), "one API call per user for the whole fleet")
	assert.ElementsMatch(t, ids, api.Identifiers())
	var calls uint64
	for n, in := range fleet {
		s := in.m.Stats()
		calls += s.Synced
		assert.EqualValues(t, 1000, s.Synced+s.SyncedByFleet, "instance %d knows every user is synced", n)
		assert.Zero(t, s.Failed+s.Dropped, "instance %d", n)
		assert.Empty(t, in.logs.String(), "instance %d: Redis never failed", n)
	}
	assert.EqualValues(t, api.Calls(), calls, "summed over the fleet, Synced is the API's calls")
}

func TestFleetSurvivesRedisKilledMidRun(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	clock := newFakeClock()
	fleet := []*instance{
		newInstance(t, api, srv, redisstore.WithClock(clock.Now)),
		newInstance(t, api, srv, redisstore.WithClock(clock.Now)),
	}

	ids := users(0, 1000)
	sendToAll(t, fleet, ids, func() {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		assert.NoError(t, api.WaitCalls(ctx, 200))
		srv.Kill()
	})
	for _, in := range fleet {
		in.flush(t)
	}

	assert.ElementsMatch(t, ids, api.Identifiers(), "every user synced, Redis or not")
	assert.GreaterOrEqual(t, api.Calls(), 1000)
	t.Logf("API calls with Redis killed after 200: %d for 1000 users", api.Calls())
	var calls uint64
	for n, in := range fleet {
		s := in.m.Stats()
		calls += s.Synced
		assert.EqualValues(t, 1000, s.Synced+s.SyncedByFleet, "instance %d", n)
		assert.Zero(t, s.Failed+s.Dropped, "instance %d", n)
		assert.Equal(t, 1, strings.Count(in.logs.String(), "redis unavailable"), "instance %d logs the outage once:\n%s", n, in.logs.String())
		assert.Equal(t, 1, strings.Count(in.logs.String(), "level=WARN"), "instance %d: one outage, one warning:\n%s", n, in.logs.String())
	}
	assert.EqualValues(t, api.Calls(), calls, "summed over the fleet, Synced is the API's calls, Redis or not")

	// Redis comes back: once the cooldown has passed, the first sync of each
	// instance probes it, and the fleet shares again.
	srv.Restart()
	reconnected(t, fleet...)
	clock.Advance(redisstore.DefaultCooldown)
	for n, in := range fleet {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		require.NoError(t, in.m.Ensure(ctx, userIdentity(fmt.Sprintf("probe-%d", n))))
		cancel()
		assert.Equal(t, 1, strings.Count(in.logs.String(), "redis back, shared mode resumed"), "instance %d:\n%s", n, in.logs.String())
	}
	before := api.Calls()
	more := users(1000, 1500)
	sendToAll(t, fleet, more, nil)
	for _, in := range fleet {
		in.flush(t)
	}
	assert.Equal(t, 500, api.Calls()-before, "shared mode again: one call per new user")
}

func TestFleetLeaseOfADeadInstanceExpires(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)

	// An instance took the lease for user-1, then died before syncing.
	dead := newStore(t, srv, redisstore.WithLeaseTTL(100*time.Millisecond))
	lease, _, err := dead.Lease(t.Context(), "user-1", userIdentity("user-1").Profile.Fingerprint(), time.Now())
	require.NoError(t, err)
	require.Equal(t, middleware.LeaseAcquired, lease)
	require.NoError(t, dead.Close()) // no more renewals: the process is gone

	alive := newInstance(t, api, srv)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, alive.m.Ensure(ctx, userIdentity("user-1")), "synced once the lease expired")
	assert.Equal(t, 1, api.CallsFor("user-1"))
}

func TestFleetLearnsAUserSyncedWhileRedisWasDown(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	clock := newFakeClock()
	a := newInstance(t, api, srv, redisstore.WithClock(clock.Now))
	b := newInstance(t, api, srv, redisstore.WithClock(clock.Now))

	// a's Claim fails, so a syncs ann local-only; Redis comes back while the
	// API call is under way, and the cooldown passes.
	srv.Kill()
	api.Hang()
	a.serve("ann")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, api.WaitHeld(ctx, 1))
	srv.Restart()
	reconnected(t, a, b)
	clock.Advance(redisstore.DefaultCooldown)
	api.Release()
	a.flush(t)
	assert.Equal(t, 1, strings.Count(a.logs.String(), "redis back, shared mode resumed"), "Done probed Redis:\n%s", a.logs.String())

	b.serve("ann")
	b.flush(t)
	assert.Equal(t, 1, api.CallsFor("ann"), "b learned from the fleet that a synced ann")
	assert.Zero(t, b.m.Stats().Synced, "b made no call")
	assert.EqualValues(t, 1, b.m.Stats().SyncedByFleet)
}
