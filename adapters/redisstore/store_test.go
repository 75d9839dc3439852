package redisstore_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/middleware"
)

var _ middleware.Store = (*redisstore.Store)(nil)

// step is one call in a scenario played by two instances, a and b.
type step struct {
	by   string // "a" or "b"
	op   string // "lease", "done" or "release"
	fp   uint64
	at   int              // when the profile was observed, in seconds; the step's number if 0
	want middleware.Lease // for lease
	old  bool             // for done: superseded, so not recorded
}

func TestLeaseDoneRelease(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	tests := []struct {
		name  string
		steps []step
	}{
		{"new user is acquired", []step{
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
		}},
		{"held lease is busy for everyone, holder included", []step{
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
			{by: "b", op: "lease", fp: 1, want: middleware.LeaseBusy},
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseBusy},
		}},
		{"done makes the user synced fleet-wide", []step{
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
			{by: "a", op: "done", fp: 1},
			{by: "b", op: "lease", fp: 1, want: middleware.LeaseSynced},
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseSynced},
		}},
		{"changed fingerprint is acquired again", []step{
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
			{by: "a", op: "done", fp: 1},
			{by: "b", op: "lease", fp: 2, want: middleware.LeaseAcquired},
			{by: "a", op: "lease", fp: 2, want: middleware.LeaseBusy},
			{by: "b", op: "done", fp: 2},
			{by: "a", op: "lease", fp: 2, want: middleware.LeaseSynced},
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
		}},
		{"synced wins over a held lease", []step{
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
			{by: "a", op: "done", fp: 1},
			{by: "a", op: "lease", fp: 2, want: middleware.LeaseAcquired},
			{by: "b", op: "lease", fp: 1, want: middleware.LeaseSynced},
		}},
		{"release lets another instance take over", []step{
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
			{by: "a", op: "release"},
			{by: "b", op: "lease", fp: 1, want: middleware.LeaseAcquired},
		}},
		{"release of another instance's lease does nothing", []step{
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
			{by: "b", op: "release"},
			{by: "b", op: "lease", fp: 1, want: middleware.LeaseBusy},
			{by: "a", op: "release"},
			{by: "b", op: "lease", fp: 1, want: middleware.LeaseAcquired},
		}},
		{"done without the lease still records, and keeps the holder's lease", []step{
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
			{by: "b", op: "done", fp: 1},
			{by: "b", op: "lease", fp: 1, want: middleware.LeaseSynced},
			{by: "b", op: "lease", fp: 2, want: middleware.LeaseBusy},
		}},
		{"an older profile is never sent after a newer one", []step{
			{by: "a", op: "done", fp: 2, at: 3},
			{by: "b", op: "lease", fp: 1, at: 2, want: middleware.LeaseSuperseded},
			{by: "a", op: "lease", fp: 2, at: 4, want: middleware.LeaseSynced},
			{by: "b", op: "lease", fp: 1, at: 9, want: middleware.LeaseAcquired}, // seen again since: the newest
		}},
		{"a late upsert of an older profile drops the newer record", []step{
			{by: "a", op: "lease", fp: 1, at: 1, want: middleware.LeaseAcquired},
			{by: "b", op: "done", fp: 2, at: 3},                                  // b synced fp 2, observed later, without the lease
			{by: "a", op: "done", fp: 1, at: 1, old: true},                       // a's older upsert landed after b's, perhaps
			{by: "b", op: "lease", fp: 2, at: 4, want: middleware.LeaseAcquired}, // so fp 2 is synced again
		}},
		{"the same profile observed earlier keeps the later stamp", []step{
			{by: "a", op: "done", fp: 1, at: 5},
			{by: "b", op: "done", fp: 1, at: 2},
			{by: "a", op: "lease", fp: 2, at: 4, want: middleware.LeaseSuperseded},
		}},
		{"done drops the lease", []step{
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
			{by: "a", op: "done", fp: 1},
			{by: "b", op: "lease", fp: 2, want: middleware.LeaseAcquired},
		}},
		{"release without a lease is harmless", []step{
			{by: "a", op: "release"},
			{by: "a", op: "lease", fp: 1, want: middleware.LeaseAcquired},
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix := fmt.Sprintf("t%d:", i) // one namespace per case on the shared server
			stores := map[string]*redisstore.Store{
				"a": newStore(t, srv, redisstore.WithPrefix(prefix)),
				"b": newStore(t, srv, redisstore.WithPrefix(prefix)),
			}
			base := time.Now()
			for n, st := range tt.steps {
				s := stores[st.by]
				at := st.at
				if at == 0 {
					at = n + 1
				}
				observed := base.Add(time.Duration(at) * time.Second)
				switch st.op {
				case "lease":
					got, _, err := s.Lease(t.Context(), "user-1", st.fp, observed)
					require.NoError(t, err, "step %d", n)
					assert.Equal(t, st.want, got, "step %d: %s leases fp %d", n, st.by, st.fp)
				case "done":
					err := s.Done(t.Context(), "user-1", st.fp, observed)
					if st.old {
						require.ErrorIs(t, err, middleware.ErrSuperseded, "step %d", n)
					} else {
						require.NoError(t, err, "step %d", n)
					}
				case "release":
					require.NoError(t, s.Release(t.Context(), "user-1"), "step %d", n)
				default:
					t.Fatalf("step %d: no op %q", n, st.op)
				}
			}
		})
	}
}

func TestTwoInstancesRacingAcquireEachUserOnce(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const users, workersPerStore = 1000, 8
	stores := []*redisstore.Store{newStore(t, srv), newStore(t, srv)}

	var acquired [users]atomic.Int32
	var wg sync.WaitGroup
	for _, s := range stores {
		for w := range workersPerStore {
			order := rand.New(rand.NewPCG(uint64(w), 7)).Perm(users)
			wg.Go(func() {
				for _, u := range order {
					got, _, err := s.Lease(t.Context(), "user-"+strconv.Itoa(u), 42, time.Now())
					if !assert.NoError(t, err) {
						return
					}
					if got == middleware.LeaseAcquired {
						acquired[u].Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	for u := range users {
		require.EqualValues(t, 1, acquired[u].Load(), "user-%d", u)
	}
}

func TestExpiredLeaseUnblocksTheUser(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	dead := newStore(t, srv, redisstore.WithLeaseTTL(50*time.Millisecond))
	alive := newStore(t, srv, redisstore.WithLeaseTTL(50*time.Millisecond))

	got, _, err := dead.Lease(t.Context(), "user-1", 1, time.Now())
	require.NoError(t, err)
	require.Equal(t, middleware.LeaseAcquired, got)
	// dead never calls Done or Release, nor renews its lease, as if its
	// process had died.
	require.NoError(t, dead.Close())
	got, _, err = alive.Lease(t.Context(), "user-1", 1, time.Now())
	require.NoError(t, err)
	require.Equal(t, middleware.LeaseBusy, got)

	require.Eventually(t, func() bool {
		got, _, err := alive.Lease(t.Context(), "user-1", 1, time.Now())
		return err == nil && got == middleware.LeaseAcquired
	}, 10*time.Second, 10*time.Millisecond, "the lease never expired")
	require.NoError(t, alive.Done(t.Context(), "user-1", 1, time.Now()))

	got, _, err = dead.Lease(t.Context(), "user-1", 1, time.Now())
	require.NoError(t, err)
	assert.Equal(t, middleware.LeaseSynced, got)
}

func TestReleaseAfterExpiryKeepsTheNewHoldersLease(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	slow := newStore(t, srv, redisstore.WithLeaseTTL(50*time.Millisecond))
	other := newStore(t, srv)

	got, _, err := slow.Lease(t.Context(), "user-1", 1, time.Now())
	require.NoError(t, err)
	require.Equal(t, middleware.LeaseAcquired, got)
	require.NoError(t, slow.Close()) // its renewals stop, as in a process paused for long
	require.Eventually(t, func() bool {
		got, _, err := other.Lease(t.Context(), "user-1", 1, time.Now())
		return err == nil && got == middleware.LeaseAcquired
	}, 10*time.Second, 10*time.Millisecond)

	// slow's sync fails after its lease expired: its Release must not free other's lease.
	require.NoError(t, slow.Release(t.Context(), "user-1"))
	got, _, err = slow.Lease(t.Context(), "user-1", 1, time.Now())
	require.NoError(t, err)
	assert.Equal(t, middleware.LeaseBusy, got)
}

func TestKeysAreNamespacedAndHoldOnlyFingerprints(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := newClient(t, srv)
	require.NoError(t, client.Set(t.Context(), "app:session:1", "not ours", 0).Err())
	s, err := redisstore.New(client, redisstore.WithPrefix("myapp:ai:"), redisstore.WithTTL(time.Hour))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	fps := map[string]uint64{"ann@example.com": 0xdeadbeef, "user-2": 1, "user-3": 0}
	for id, fp := range fps {
		_, _, err := s.Lease(t.Context(), id, fp, time.Now())
		require.NoError(t, err)
		require.NoError(t, s.Done(t.Context(), id, fp, time.Now()))
	}
	_, _, err = s.Lease(t.Context(), "pending", 7, time.Now()) // leaves a lease

	require.NoError(t, err)
	keys, err := client.Keys(t.Context(), "*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		"app:session:1",
		"myapp:ai:u:{ann@example.com}",
		"myapp:ai:u:{user-2}",
		"myapp:ai:u:{user-3}",
		"myapp:ai:l:{pending}",
	}, keys)

	for id, fp := range fps {
		key := "myapp:ai:u:{" + id + "}"
		v, err := client.Get(t.Context(), key).Result()
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(v, strconv.FormatUint(fp, 16)+":"), "%s holds the fingerprint and when its profile was observed: %q", key, v)
		ttl, err := client.PTTL(t.Context(), key).Result()
		require.NoError(t, err)
		assert.True(t, ttl > 0 && ttl <= time.Hour, "%s expires within the TTL, got %s", key, ttl)
	}
	lease, err := client.Get(t.Context(), "myapp:ai:l:{pending}").Result()
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^[A-Z2-7]{26}$`), lease, "a lease holds a random token only")
	ttl, err := client.PTTL(t.Context(), "myapp:ai:l:{pending}").Result()
	require.NoError(t, err)
	assert.True(t, ttl > 0 && ttl <= redisstore.DefaultLeaseTTL, "lease expires, got %s", ttl)
}

func TestPrefixesAreIsolated(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := newStore(t, srv, redisstore.WithPrefix("staging:"))
	b := newStore(t, srv, redisstore.WithPrefix("prod:"))
	require.NoError(t, a.Done(t.Context(), "user-1", 1, time.Now()))
	got, _, err := b.Lease(t.Context(), "user-1", 1, time.Now())
	require.NoError(t, err)
	assert.Equal(t, middleware.LeaseAcquired, got)
}

func TestNastyIdentifiersGetTheirOwnKeys(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ids := []string{
		"plain", ":", "a:b", "u:{x}", "{", "}", "{}", "}{", "a}b{c", "{{a}}",
		"%", "%7B", "%7D", "%257B", // escapes of '{' and '}' written out: not the same users as "{" and "}"
		"*", "?", "[a-z]", "\\", "with space", " ", "Ünïcødé 用户 🙂",
		strings.Repeat("x", 255), strings.Repeat("{", 255), strings.Repeat("é", 127) + "x",
	}
	s := newStore(t, srv)
	for i, id := range ids {
		require.NoError(t, s.Done(t.Context(), id, uint64(i), time.Now()), "%q", id)
	}
	client := newClient(t, srv)
	n, err := client.DBSize(t.Context()).Result()
	require.NoError(t, err)
	assert.EqualValues(t, len(ids), n, "one key per identifier")
	for i, id := range ids {
		got, _, err := s.Lease(t.Context(), id, uint64(i), time.Now())
		require.NoError(t, err, "%q", id)
		assert.Equal(t, middleware.LeaseSynced, got, "%q sees its own fingerprint", id)
		got, _, err = s.Lease(t.Context(), id, uint64(i)+1000, time.Now())
		require.NoError(t, err, "%q", id)
		assert.Equal(t, middleware.LeaseAcquired, got, "%q: lease free", id)
		require.NoError(t, s.Release(t.Context(), id))
	}
}

// A lease is renewed while its holder lives, however many it holds: a
// sync longer than the lease TTL keeps its user.
func TestHeldLeasesAreRenewed(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	holder := newStore(t, srv, redisstore.WithLeaseTTL(600*time.Millisecond))
	other := newStore(t, srv)
	ids := users(0, 500)
	for _, id := range ids {
		got, _, err := holder.Lease(t.Context(), id, 1, time.Now())
		require.NoError(t, err)
		require.Equal(t, middleware.LeaseAcquired, got)
	}
	time.Sleep(2 * time.Second) // more than three lease TTLs
	for _, id := range ids {
		got, _, err := other.Lease(t.Context(), id, 1, time.Now())
		require.NoError(t, err)
		require.Equal(t, middleware.LeaseBusy, got, "%s: the holder's lease lapsed", id)
	}
}

// What reaches the forget stream from elsewhere is checked before anything
// acts on it: only identifiers reach OnForget.
func TestForgetStreamPassesIdentifiersOnly(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	s := newStore(t, srv)
	got := make(chan string, 16)
	stop := s.OnForget(func(id string) { got <- id }, func() {})
	defer stop()
	client := newClient(t, srv)
	for _, id := range []string{strings.Repeat("x", 8<<20), "a\x00b", "", "bad\u202eid", "ann"} {
		require.NoError(t, client.XAdd(t.Context(), &redis.XAddArgs{Stream: "autoidentify:forgets", Values: []string{"id", id}}).Err())
	}
	select {
	case id := <-got:
		assert.Equal(t, "ann", id, "the first identifier heard is the only valid one")
	case <-time.After(10 * time.Second):
		t.Fatal("ann was never heard")
	}
	assert.Empty(t, got)
}
