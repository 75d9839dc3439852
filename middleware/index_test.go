package middleware

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIndex(t *testing.T) {
	t.Parallel()
	x := newIndex(1) // one bucket: room for ways users
	require.Len(t, x.buckets, 1)
	k := func(i int) key { return key{hash: uint64(i) << 40, check: 7, tag: tagOf(uint64(i)<<40, 7)} }

	for i := range ways {
		x.put(k(i).hash, k(i).tag, int64(100+i))
	}
	for i := range ways {
		expires, found := x.get(k(i))
		assert.True(t, found, i)
		assert.Equal(t, int64(100+i), expires, "with its expiry: %d", i)
	}

	// A full bucket gives the slot that expires first (user 0's) to the newcomer.
	x.put(k(ways).hash, k(ways).tag, 200)
	_, found := x.get(k(0))
	assert.False(t, found, "user 0 left the index")
	expires, found := x.get(k(ways))
	assert.True(t, found)
	assert.Equal(t, int64(200), expires)

	// A new profile replaces the old one in the user's slot.
	changed := key{hash: k(1).hash, check: 8, tag: tagOf(k(1).hash, 8)}
	x.put(changed.hash, changed.tag, 300)
	_, found = x.get(k(1))
	assert.False(t, found, "the old profile is gone")
	expires, found = x.get(changed)
	assert.True(t, found)
	assert.Equal(t, int64(300), expires)

	x.remove(changed.hash)
	_, found = x.get(changed)
	assert.False(t, found)
	_, n := x.buckets[0].empty()
	assert.Equal(t, 1, n, "user 1's slot is empty; user 0's went to the newcomer")
}

// TestIndexHoldsAFullCache: with two buckets to choose from, a cache filled
// to its size leaves (almost) no user out of the index, so (almost) every
// hit is lock-free.
func TestIndexHoldsAFullCache(t *testing.T) {
	t.Parallel()
	const users = 100_000
	c := newCache(users, time.Hour, new(clock), func(int64) int64 { return 0 })
	keys := make([]key, users)
	for i := range keys {
		keys[i] = c.key(fmt.Sprint("user-", i), uint64(i))
		c.add(keys[i], synced, 0)
	}
	kept, out := 0, 0 // shards fill unevenly: the LRUs keep most users, not all
	for _, k := range keys {
		if c.lookup(k) != synced {
			continue
		}
		kept++
		if _, found := c.shard(k).index.get(k); !found {
			out++
		}
		require.True(t, c.hit(k), "in the index or not, a synced user is a hit")
	}
	t.Logf("%d of the %d users kept are out of the index", out, kept)
	assert.Greater(t, kept, users*9/10)
	assert.Less(t, out, kept/1000, "at most 0.1%% of users outside the index")
	assert.Equal(t, uint64(kept), c.hits())
}

// TestIndexFollowsTheLRU: a user the LRU evicts leaves the index too, and a
// refusal is never a hit.
func TestIndexFollowsTheLRU(t *testing.T) {
	t.Parallel()
	c := newCache(1, time.Hour, new(clock), func(int64) int64 { return 0 })
	ann, bob := c.key("ann", 1), c.key("bob", 1)
	c.add(ann, synced, 0)
	assert.True(t, c.hit(ann))
	c.add(bob, synced, 0)
	assert.False(t, c.hit(ann), "evicted by bob")
	_, found := c.shard(ann).index.get(ann)
	assert.False(t, found, "and out of the index")
	assert.True(t, c.hit(bob))
	c.add(bob, rejected, 0)
	assert.False(t, c.hit(bob), "a refusal is no hit")
	assert.Equal(t, rejected, c.lookup(bob))
}

// TestCacheHitsRaceWithWrites: readers on every core while writers add,
// change and evict users never see a hit for a profile that was not synced,
// and always see one for a user synced and kept. Run with -race.
func TestCacheHitsRaceWithWrites(t *testing.T) {
	t.Parallel()
	c := newCache(64*64, time.Hour, new(clock), func(int64) int64 { return 0 }) // 64 users a shard
	stable := c.key("stable", 1)
	c.add(stable, synced, 0)
	stop := make(chan struct{})
	var writers, readers sync.WaitGroup
	for w := range 2 {
		writers.Go(func() {
			// Churn: far more users than fit, each synced with profiles 1 and 2
			// in turn; stable, added after each, stays among the newest.
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				c.add(c.key(fmt.Sprint("churn-", w, "-", i%10_000), uint64(1+i%2)), synced, 0)
				c.add(stable, synced, 0)
			}
		})
	}
	for r := range max(2, runtime.GOMAXPROCS(0)) {
		readers.Go(func() {
			for i := range 20_000 {
				if c.hit(c.key(fmt.Sprint("churn-", r%2, "-", i%10_000), 3)) { // profile 3 is never synced
					t.Error("a hit for a profile never synced")
					return
				}
				if !c.hit(stable) {
					t.Error("no hit for a user synced and kept")
					return
				}
			}
		})
	}
	readers.Wait()
	close(stop)
	writers.Wait()
}

// TestIndexMovesAUserToMakeRoom: a newcomer whose two buckets are full
// gets a slot freed by moving a user to their other bucket, and every user
// is still found.
func TestIndexMovesAUserToMakeRoom(t *testing.T) {
	t.Parallel()
	x := newIndex(6) // two buckets
	require.Len(t, x.buckets, 2)
	// Hashes by the buckets they may sit in.
	find := func(first, second, skip int) uint64 {
		for h := uint64(1); ; h++ {
			if f, s := x.choices(h); f == first && s == second {
				if skip == 0 {
					return h
				}
				skip--
			}
		}
	}
	// Bucket 0 full: one user who could live in bucket 1 (the buckets tie,
	// so they take the first), then users who can live in bucket 0 only.
	hashes := []uint64{find(0, 1, 0)}
	for i := range ways - 1 {
		hashes = append(hashes, find(0, 0, i))
	}
	newcomer := find(0, 0, ways-1) // bucket 0 only, and it is full
	var keys []key
	for _, h := range append(hashes, newcomer) {
		k := key{hash: h, check: 1, tag: tagOf(h, 1)}
		keys = append(keys, k)
		x.put(k.hash, k.tag, 100)
	}

	for i, k := range keys {
		expires, found := x.get(k)
		fresh := 50 < expires
		assert.True(t, found && fresh, "user %d", i)
	}
	_, free0 := x.buckets[0].empty()
	_, free1 := x.buckets[1].empty()
	assert.Equal(t, []int{0, ways - 1}, []int{free0, free1}, "one user moved to bucket 1")
}
