package redis_test

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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/redis"
	"github.com/autoidentify/autoidentify/adapters/redis/redistest"
	"github.com/autoidentify/autoidentify/middleware"
)

var _ middleware.Store = (*redis.Store)(nil)

// step is one call in a scenario played by two instances, a and b.
type step struct {
	by   string // "a" or "b"
	op   string // "claim", "done" or "release"
	fp   uint64
	want middleware.Claim // for claim
}

func TestClaimDoneRelease(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	tests := []struct {
		name  string
		steps []step
	}{
		{"new user is acquired", []step{
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
		}},
		{"held lease is busy for everyone, holder included", []step{
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
			{by: "b", op: "claim", fp: 1, want: middleware.ClaimBusy},
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimBusy},
		}},
		{"done makes the user synced fleet-wide", []step{
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
			{by: "a", op: "done", fp: 1},
			{by: "b", op: "claim", fp: 1, want: middleware.ClaimSynced},
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimSynced},
		}},
		{"changed fingerprint is acquired again", []step{
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
			{by: "a", op: "done", fp: 1},
			{by: "b", op: "claim", fp: 2, want: middleware.ClaimAcquired},
			{by: "a", op: "claim", fp: 2, want: middleware.ClaimBusy},
			{by: "b", op: "done", fp: 2},
			{by: "a", op: "claim", fp: 2, want: middleware.ClaimSynced},
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
		}},
		{"synced wins over a held lease", []step{
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
			{by: "a", op: "done", fp: 1},
			{by: "a", op: "claim", fp: 2, want: middleware.ClaimAcquired},
			{by: "b", op: "claim", fp: 1, want: middleware.ClaimSynced},
		}},
		{"release lets another instance take over", []step{
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
			{by: "a", op: "release"},
			{by: "b", op: "claim", fp: 1, want: middleware.ClaimAcquired},
		}},
		{"release of another instance's lease does nothing", []step{
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
			{by: "b", op: "release"},
			{by: "b", op: "claim", fp: 1, want: middleware.ClaimBusy},
			{by: "a", op: "release"},
			{by: "b", op: "claim", fp: 1, want: middleware.ClaimAcquired},
		}},
		{"done without the lease still records, and keeps the holder's lease", []step{
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
			{by: "b", op: "done", fp: 1},
			{by: "b", op: "claim", fp: 1, want: middleware.ClaimSynced},
			{by: "b", op: "claim", fp: 2, want: middleware.ClaimBusy},
		}},
		{"a late done never overwrites another fingerprint", []step{
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
			{by: "b", op: "done", fp: 2}, // b synced fp 2 without the lease, and recorded it
			{by: "b", op: "done", fp: 1}, // a stale fp 1, late, without the lease
			{by: "b", op: "claim", fp: 2, want: middleware.ClaimSynced},
			{by: "a", op: "done", fp: 1}, // the lease holder's own result is the newest
			{by: "b", op: "claim", fp: 1, want: middleware.ClaimSynced},
		}},
		{"done drops the lease", []step{
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
			{by: "a", op: "done", fp: 1},
			{by: "b", op: "claim", fp: 2, want: middleware.ClaimAcquired},
		}},
		{"release without a lease is harmless", []step{
			{by: "a", op: "release"},
			{by: "a", op: "claim", fp: 1, want: middleware.ClaimAcquired},
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix := fmt.Sprintf("t%d:", i) // one namespace per case on the shared server
			stores := map[string]*redis.Store{
				"a": newStore(t, srv, redis.WithPrefix(prefix)),
				"b": newStore(t, srv, redis.WithPrefix(prefix)),
			}
			for n, st := range tt.steps {
				s := stores[st.by]
				switch st.op {
				case "claim":
					got, _, err := s.Claim(t.Context(), "user-1", st.fp)
					require.NoError(t, err, "step %d", n)
					assert.Equal(t, st.want, got, "step %d: %s claims fp %d", n, st.by, st.fp)
				case "done":
					require.NoError(t, s.Done(t.Context(), "user-1", st.fp), "step %d", n)
				case "release":
					require.NoError(t, s.Release(t.Context(), "user-1"), "step %d", n)
				}
			}
		})
	}
}

func TestTwoInstancesRacingAcquireEachUserOnce(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const users, workersPerStore = 1000, 8
	stores := []*redis.Store{newStore(t, srv), newStore(t, srv)}

	var acquired [users]atomic.Int32
	var wg sync.WaitGroup
	for _, s := range stores {
		for w := range workersPerStore {
			order := rand.New(rand.NewPCG(uint64(w), 7)).Perm(users)
			wg.Go(func() {
				for _, u := range order {
					got, _, err := s.Claim(t.Context(), "user-"+strconv.Itoa(u), 42)
					if !assert.NoError(t, err) {
						return
					}
					if got == middleware.ClaimAcquired {
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
	dead := newStore(t, srv, redis.WithLeaseTTL(50*time.Millisecond))
	alive := newStore(t, srv, redis.WithLeaseTTL(50*time.Millisecond))

	got, _, err := dead.Claim(t.Context(), "user-1", 1)
	require.NoError(t, err)
	require.Equal(t, middleware.ClaimAcquired, got)
	// dead never calls Done or Release, as if its process had died.
	got, _, err = alive.Claim(t.Context(), "user-1", 1)
	require.NoError(t, err)
	require.Equal(t, middleware.ClaimBusy, got)

	require.Eventually(t, func() bool {
		got, _, err := alive.Claim(t.Context(), "user-1", 1)
		return err == nil && got == middleware.ClaimAcquired
	}, 10*time.Second, 10*time.Millisecond, "the lease never expired")
	require.NoError(t, alive.Done(t.Context(), "user-1", 1))

	got, _, err = dead.Claim(t.Context(), "user-1", 1)
	require.NoError(t, err)
	assert.Equal(t, middleware.ClaimSynced, got)
}

func TestReleaseAfterExpiryKeepsTheNewHoldersLease(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	slow := newStore(t, srv, redis.WithLeaseTTL(50*time.Millisecond))
	other := newStore(t, srv)

	got, _, err := slow.Claim(t.Context(), "user-1", 1)
	require.NoError(t, err)
	require.Equal(t, middleware.ClaimAcquired, got)
	require.Eventually(t, func() bool {
		got, _, err := other.Claim(t.Context(), "user-1", 1)
		return err == nil && got == middleware.ClaimAcquired
	}, 10*time.Second, 10*time.Millisecond)

	// slow's sync fails after its lease expired: its Release must not free other's lease.
	require.NoError(t, slow.Release(t.Context(), "user-1"))
	got, _, err = slow.Claim(t.Context(), "user-1", 1)
	require.NoError(t, err)
	assert.Equal(t, middleware.ClaimBusy, got)
}

func TestKeysAreNamespacedAndHoldOnlyFingerprints(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := newClient(t, srv)
	require.NoError(t, client.Set(t.Context(), "app:session:1", "not ours", 0).Err())
	s, err := redis.New(client, redis.WithPrefix("myapp:ai:"), redis.WithTTL(time.Hour))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	fps := map[string]uint64{"ann@example.com": 0xdeadbeef, "user-2": 1, "user-3": 0}
	for id, fp := range fps {
		_, _, err := s.Claim(t.Context(), id, fp)
		require.NoError(t, err)
		require.NoError(t, s.Done(t.Context(), id, fp))
	}
	_, _, err = s.Claim(t.Context(), "pending", 7) // leaves a lease

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
		assert.Equal(t, strconv.FormatUint(fp, 16), v, key)
		ttl, err := client.PTTL(t.Context(), key).Result()
		require.NoError(t, err)
		assert.True(t, ttl > 0 && ttl <= time.Hour, "%s expires within the TTL, got %s", key, ttl)
	}
	lease, err := client.Get(t.Context(), "myapp:ai:l:{pending}").Result()
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^[A-Z2-7]{26}$`), lease, "a lease holds a random token only")
	ttl, err := client.PTTL(t.Context(), "myapp:ai:l:{pending}").Result()
	require.NoError(t, err)
	assert.True(t, ttl > 0 && ttl <= redis.DefaultLeaseTTL, "lease expires, got %s", ttl)
}

func TestPrefixesAreIsolated(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a := newStore(t, srv, redis.WithPrefix("staging:"))
	b := newStore(t, srv, redis.WithPrefix("prod:"))
	require.NoError(t, a.Done(t.Context(), "user-1", 1))
	got, _, err := b.Claim(t.Context(), "user-1", 1)
	require.NoError(t, err)
	assert.Equal(t, middleware.ClaimAcquired, got)
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
		require.NoError(t, s.Done(t.Context(), id, uint64(i)), "%q", id)
	}
	client := newClient(t, srv)
	n, err := client.DBSize(t.Context()).Result()
	require.NoError(t, err)
	assert.EqualValues(t, len(ids), n, "one key per identifier")
	for i, id := range ids {
		got, _, err := s.Claim(t.Context(), id, uint64(i))
		require.NoError(t, err, "%q", id)
		assert.Equal(t, middleware.ClaimSynced, got, "%q sees its own fingerprint", id)
		got, _, err = s.Claim(t.Context(), id, uint64(i)+1000)
		require.NoError(t, err, "%q", id)
		assert.Equal(t, middleware.ClaimAcquired, got, "%q: lease free", id)
		require.NoError(t, s.Release(t.Context(), id))
	}
}
