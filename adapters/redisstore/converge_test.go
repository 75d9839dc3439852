package redisstore_test

import (
	"context"
	"net/http"
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

// The fleet converges: whatever the interleaving, Engagespot ends with the
// newest profile of each user, a deleted user stays deleted until they come
// back, and every instance's cache says what the Store says. Each race is
// played on purpose: one instance's call is held at a gate while another
// instance acts, then released.

// gate holds calls until it is opened.
type gate struct {
	reached chan struct{} // one value per call that reached the gate
	open    chan struct{}
}

func newGate() *gate { return &gate{reached: make(chan struct{}, 64), open: make(chan struct{})} }

func (g *gate) hold(ctx context.Context) {
	g.reached <- struct{}{}
	select {
	case <-g.open:
	case <-ctx.Done():
	}
}

// wait waits until a call reached the gate.
func (g *gate) wait(t *testing.T) {
	t.Helper()
	select {
	case <-g.reached:
	case <-time.After(time.Minute):
		t.Fatal("no call reached the gate")
	}
}

func (g *gate) release() { close(g.open) }

// gatedClient is the Engagespot client with a gate before or after one
// user's upserts: before, the PUT is not sent until the gate opens; after,
// it has landed and the instance has not heard back.
type gatedClient struct {
	*engagespot.Client
	user          string
	before, after *gate
}

func (c *gatedClient) Upsert(ctx context.Context, id identity.Identity) error {
	if id.Identifier == c.user && c.before != nil {
		c.before.hold(ctx)
	}
	err := c.Client.Upsert(ctx, id)
	if id.Identifier == c.user && c.after != nil {
		c.after.hold(ctx)
	}
	return err
}

func gated(user string, before, after *gate) func(*engagespot.Client) middleware.Directory {
	return func(c *engagespot.Client) middleware.Directory {
		return &gatedClient{Client: c, user: user, before: before, after: after}
	}
}

// deleteAsync runs a's Delete of user while the test goes on.
func deleteAsync(t *testing.T, a *instance, user string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		done <- a.m.Delete(ctx, user)
	}()
	return done
}

// B's PUT landed and its Done is not written yet when A deletes the user.
// Before, B's late Done wrote the record again after the forget: the user
// was gone from Engagespot while every instance answered "synced" for 24 h.
func TestDeleteWaitsForASyncWhosePUTLanded(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	after := newGate()
	b := newInstanceFrom(t, api, instanceConfig{client: newClient(t, srv), wrap: gated("ann", nil, after)})
	a := newInstance(t, api, srv)

	b.serve("ann")
	after.wait(t) // ann is in Engagespot; b holds the lease and has not recorded it
	_, ok := api.User("ann")
	require.True(t, ok)
	deleted := deleteAsync(t, a, "ann")
	time.Sleep(100 * time.Millisecond) // let the deletion reach its wait, if it waits
	after.release()
	require.NoError(t, <-deleted)
	b.flush(t)

	_, ok = api.User("ann")
	assert.False(t, ok, "ann is deleted in Engagespot")
	assert.EqualValues(t, 1, b.m.Stats().Superseded, "b's sync ended superseded, not synced")
	rec, err := b.store.Lookup(t.Context(), "ann")
	require.NoError(t, err)
	assert.True(t, rec.Deleted, "the record says deleted: %+v", rec)

	// ann comes back: created again at once, on either instance.
	b.serve("ann")
	b.flush(t)
	_, ok = api.User("ann")
	assert.True(t, ok, "b does not answer a stale 'synced': ann is created again")
	assert.Equal(t, 2, upserts(api, "ann"))
	a.serve("ann")
	a.flush(t)
	assert.Equal(t, 2, upserts(api, "ann"), "a learns from the fleet that b created ann again")
}

// B holds the lease and its PUT is not sent yet when A deletes the user.
// Before, Delete did not wait for B, whose PUT then created the user again
// after Delete had returned.
func TestDeleteWaitsForASyncWhosePUTIsOnItsWay(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	before := newGate()
	b := newInstanceFrom(t, api, instanceConfig{client: newClient(t, srv), wrap: gated("ann", before, nil)})
	a := newInstance(t, api, srv)

	b.serve("ann")
	before.wait(t)
	deleted := deleteAsync(t, a, "ann")
	time.Sleep(100 * time.Millisecond) // let the deletion reach its wait, if it waits
	before.release()
	require.NoError(t, <-deleted)
	b.flush(t)

	_, ok := api.User("ann")
	assert.False(t, ok, "no upsert landed after the deletion")
	assert.EqualValues(t, 1, b.m.Stats().Superseded)
	b.serve("ann")
	b.flush(t)
	_, ok = api.User("ann")
	assert.True(t, ok, "a returning ann is created again")
}

// B's job for an old email waits to retry while A syncs the new one. Before,
// B's retry took a lease (the record was not its fingerprint) and sent the
// old email, which Engagespot kept while A's requests were hits.
func TestAnOlderProfileNeverOverwritesANewerOne(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	slow := []middleware.Option{middleware.WithBackoff(time.Second, 10*time.Second)}
	b := newInstanceWith(t, api, srv, slow)
	a := newInstance(t, api, srv)

	// b's first call is told to come back in 3 s: a syncs the new email meanwhile.
	api.AddFault(engagespottest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3", Identifier: "ann"})
	b.serveAs("ann", "old@example.com")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, api.WaitCalls(ctx, 1)) // b's first call failed: it waits to retry
	a.serveAs("ann", "new@example.com")
	a.flush(t)
	b.flush(t)

	u, ok := api.User("ann")
	require.True(t, ok)
	assert.Equal(t, "new@example.com", u.Email(), "Engagespot keeps the newest profile")
	assert.Equal(t, 2, upserts(api, "ann"), "b's old profile was never sent again")
	assert.EqualValues(t, 1, b.m.Stats().Superseded)

	// Both instances now answer the new profile without a call.
	a.serveAs("ann", "new@example.com")
	b.serveAs("ann", "new@example.com")
	a.flush(t)
	b.flush(t)
	assert.Equal(t, 2, upserts(api, "ann"))
}

// B cannot reach Redis while A deletes users. Before, the forgets went out
// on pub/sub and B, not listening, answered "synced" for them until its
// cache TTL.
func TestForgetsPublishedWhileAnInstanceWasAwayAreHeard(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	proxy := redistest.NewProxy(t, srv)
	bClient := redis.NewClient(&redis.Options{Addr: proxy.Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = bClient.Close() })
	b := newInstanceFrom(t, api, instanceConfig{client: bClient, ropts: []redisstore.Option{redisstore.WithCooldown(100 * time.Millisecond)}})
	a := newInstance(t, api, srv)

	ids := users(0, 10)
	for _, id := range ids {
		b.serve(id)
	}
	b.flush(t)
	require.Equal(t, 10, api.Calls())

	proxy.Pause()
	for _, id := range ids {
		require.NoError(t, a.m.Delete(t.Context(), id))
	}
	proxy.Resume()

	// Each user's next request on b creates them again: b forgot them all.
	require.Eventually(t, func() bool {
		for _, id := range ids {
			b.serve(id)
		}
		b.flush(t)
		return len(api.Identifiers()) == len(ids)
	}, 30*time.Second, 100*time.Millisecond, "b still answers 'synced' for users deleted while it was away")
}

// Records synced in the same second expire over a tenth of the TTL, not
// all at once: a deploy's burst of syncs does not come back as one burst.
func TestRecordsSyncedTogetherExpireApart(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const ttl = 100 * time.Second
	s := newStore(t, srv, redisstore.WithTTL(ttl))
	client := newClient(t, srv)
	lo, hi := ttl, time.Duration(0)
	for _, id := range users(0, 1000) {
		require.NoError(t, s.Done(t.Context(), id, 1, time.Now()))
		left, err := client.PTTL(t.Context(), "autoidentify:u:{"+id+"}").Result()
		require.NoError(t, err)
		lo, hi = min(lo, left), max(hi, left)
	}
	t.Logf("remaining TTLs from %s to %s", lo, hi)
	assert.GreaterOrEqual(t, hi-lo, ttl/20, "spread over at least a twentieth of the TTL")
	assert.LessOrEqual(t, hi, ttl)
}

// A go-redis Ring shards keys by itself, so the notices and the records of
// one user would live on different shards: refused, with the reason.
func TestRingIsRefused(t *testing.T) {
	t.Parallel()
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1", "b": "127.0.0.1:2"}})
	t.Cleanup(func() { _ = ring.Close() })
	_, err := redisstore.New(ring)
	var ce *identity.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, err.Error(), "Ring is not supported")
	assert.Contains(t, err.Error(), "Cluster")
}

// A sync waiting out a long Retry-After is ended by Delete, not waited for.
// Before, Delete waited for it (8 s measured; here, the whole deadline).
func TestDeleteEndsASyncWaitingToRetry(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	a := newInstanceWith(t, api, srv, []middleware.Option{middleware.WithBackoff(time.Second, time.Hour)})

	api.AddFault(engagespottest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600", Identifier: "ann"})
	a.serve("ann")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, api.WaitCalls(ctx, 1))
	require.Eventually(t, func() bool { return a.m.Stats().InFlight == 0 }, time.Minute, 5*time.Millisecond)

	deadline, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(t, a.m.Delete(deadline, "ann"), "Delete does not wait out the Retry-After")
	s := a.m.Stats()
	assert.EqualValues(t, 1, s.Superseded)
	assert.Zero(t, s.Pending)
	assert.Equal(t, 1, upserts(api, "ann"), "the retry was never sent")
}

// Redis Cluster: every operation of the fleet works across three primaries,
// where a user's keys, the forget stream and the pending syncs live on
// different nodes.
func TestFleetOnRedisCluster(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	cluster := redistest.StartCluster(t)
	client := func() *redis.ClusterClient {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cluster.Addrs(), ContextTimeoutEnabled: true})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	newClusterInstance := func() *instance { return newInstanceFrom(t, api, instanceConfig{client: client()}) }
	a, b := newClusterInstance(), newClusterInstance()

	ids := users(0, 200)
	sendToAll(t, []*instance{a, b}, ids, nil)
	a.flush(t)
	b.flush(t)
	assert.Equal(t, len(ids), api.Calls(), "one call per user for the fleet")
	n, err := a.store.Count(t.Context())
	require.NoError(t, err)
	assert.Equal(t, len(ids), n, "Count reads every primary")

	// A deletion on a is heard by b through the forget stream.
	for _, id := range ids[:20] {
		require.NoError(t, a.m.Delete(t.Context(), id))
	}
	require.Eventually(t, func() bool {
		for _, id := range ids[:20] {
			b.serve(id)
		}
		b.flush(t)
		return len(api.Identifiers()) == len(ids)
	}, 30*time.Second, 50*time.Millisecond, "b creates the deleted users again on their next request")
	assert.Equal(t, len(ids)+20, upserts(api, ids...))
}

// upserts counts the PUTs that reached the API for these users (all users if none).
func upserts(api *engagespottest.Server, ids ...string) int {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	n := 0
	for _, r := range api.Requests() {
		if r.Method == http.MethodPut && (len(ids) == 0 || want[r.Identifier]) {
			n++
		}
	}
	return n
}

// Sentinel: go-redis's failover client finds the primary through the
// Sentinel, and the fleet works on it as on one server.
func TestFleetOnSentinel(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	sentinel := redistest.StartSentinel(t)
	newSentinelInstance := func() *instance {
		c := redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: redistest.SentinelPrimaryName, SentinelAddrs: []string{sentinel.Addr()}, ContextTimeoutEnabled: true,
		})
		t.Cleanup(func() { _ = c.Close() })
		return newInstanceFrom(t, api, instanceConfig{client: c})
	}
	a, b := newSentinelInstance(), newSentinelInstance()

	ids := users(0, 100)
	sendToAll(t, []*instance{a, b}, ids, nil)
	a.flush(t)
	b.flush(t)
	assert.Equal(t, len(ids), api.Calls(), "one call per user for the fleet")

	require.NoError(t, a.m.Delete(t.Context(), ids[0]))
	require.Eventually(t, func() bool {
		b.serve(ids[0])
		b.flush(t)
		_, ok := api.User(ids[0])
		return ok
	}, 30*time.Second, 50*time.Millisecond, "b creates the deleted user again on their next request")
}
