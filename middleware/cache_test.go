package middleware

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity"
)

func TestCacheShardCount(t *testing.T) {
	t.Parallel()
	for size, want := range map[int]int{1: 1, 255: 1, 511: 1, 512: 2, 1000: 2, 10_000: 32, DefaultCacheSize: 64, 1 << 30: 64} {
		assert.Equal(t, want, shardCount(size), "size %d", size)
	}
}

// A cache of size N remembers N users, however they spread over the shards:
// with up to N active users, one request per user per round, no round after
// the first syncs anyone again. Beyond N, the users synced longest ago go
// first, approximately.
func TestCacheRemembersItsSize(t *testing.T) {
	t.Parallel()
	sizes := []int{64, 100, 1000, 4096, 10_000, DefaultCacheSize}
	if testing.Short() {
		sizes = sizes[:4]
	}
	for _, size := range sizes {
		for _, percent := range []int{90, 95, 100} {
			t.Run(fmt.Sprintf("%d users of %d", size*percent/100, size), func(t *testing.T) {
				t.Parallel()
				assert.Equal(t, []int{0, 0}, resyncsPerRound(size, size*percent/100, 3)[1:], "users forgotten, rounds 2 and 3")
			})
		}
	}
	t.Run("beyond the size the least recently synced go first", func(t *testing.T) {
		t.Parallel()
		const size = 10_000
		c := newCache(size, time.Hour, new(clock), func(int64) int64 { return 0 })
		for i := range size + size/10 {
			c.add(c.key(fmt.Sprint("u", i), 1), synced, 0)
		}
		assert.LessOrEqual(t, c.len(), size+len(c.shards), "held")
		assert.GreaterOrEqual(t, c.len(), size)
		kept := func(from, to int) (n int) {
			for i := from; i < to; i++ {
				if c.hit(c.key(fmt.Sprint("u", i), 1)) {
					n++
				}
			}
			return n
		}
		assert.Less(t, kept(0, size/20), size/200, "the first twentieth synced is all but gone")
		assert.Equal(t, size/2, kept(size/2+size/10, size+size/10), "the newest half is all there")
	})
}

// resyncsPerRound counts, for rounds of one request per user (users of them,
// in the same order each round), the users a cache of size had forgotten:
// the API calls each round would make. The first round syncs everyone.
func resyncsPerRound(size, users, rounds int) []int {
	c := newCache(size, time.Hour, new(clock), func(int64) int64 { return 0 })
	keys := make([]key, users)
	for i := range keys {
		keys[i] = c.key(fmt.Sprint("user-", i), 1)
	}
	out := make([]int, rounds)
	for r := range out {
		for _, k := range keys {
			if !c.hit(k) {
				out[r]++
				c.add(k, synced, 0)
			}
		}
	}
	return out
}

func TestCacheStates(t *testing.T) {
	t.Parallel()
	clk := new(clock)
	c := newCache(1000, time.Hour, clk, func(n int64) int64 { return n - 1 }) // expire at 54 min
	ann, annChanged, bob := c.key("ann", 1), c.key("ann", 2), c.key("bob", 1)

	assert.Equal(t, absent, c.lookup(ann))
	assert.False(t, c.hit(ann))
	c.add(ann, synced, 0)
	c.add(bob, rejected, 0)
	assert.Equal(t, synced, c.lookup(ann))
	assert.True(t, c.hit(ann))
	assert.Equal(t, absent, c.lookup(annChanged), "another profile")
	assert.False(t, c.hit(annChanged))
	assert.Equal(t, rejected, c.lookup(bob))
	assert.False(t, c.hit(bob), "a refusal is no hit")
	assert.Equal(t, uint64(1), c.hits())

	clk.advance(54*time.Minute - 1)
	assert.True(t, c.hit(ann))
	clk.advance(1)
	assert.False(t, c.hit(ann), "expired")
	assert.Equal(t, absent, c.lookup(bob))
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	top := func(n int64) int64 { return n - 1 } // the ceiling, less a nanosecond
	tests := []struct {
		n                  int
		base, limit, asked time.Duration
		want               time.Duration
	}{
		{1, time.Second, time.Minute, 0, time.Second - 1},
		{2, time.Second, time.Minute, 0, 2*time.Second - 1},
		{4, time.Second, time.Minute, 0, 8*time.Second - 1},
		{7, time.Second, time.Minute, 0, time.Minute - 1},       // capped
		{1000, time.Second, time.Minute, 0, time.Minute - 1},    // no overflow
		{3, time.Second, math.MaxInt64, 0, 4*time.Second - 1},   // huge limit
		{200, time.Second, math.MaxInt64, 0, math.MaxInt64 - 1}, // no overflow either
		{1, time.Second, time.Minute, 30 * time.Second, 30 * time.Second},
		{1, time.Second, time.Minute, time.Hour, time.Minute}, // Retry-After clamped
		{6, time.Second, time.Minute, 2 * time.Second, 32*time.Second - 1},
	}
	for _, tt := range tests {
		got := backoff(tt.n, tt.base, tt.limit, tt.asked, top)
		assert.Equal(t, tt.want, got, "%+v", tt)
		assert.Equal(t, min(tt.asked, tt.limit), backoff(tt.n, tt.base, tt.limit, tt.asked, func(int64) int64 { return 0 }),
			"full jitter may wait nothing but the server's ask: %+v", tt)
	}
}

// BenchmarkCacheMemory reports what the cache costs per user, full, at a
// million users: go test -run '^$' -bench CacheMemory ./middleware/
func BenchmarkCacheMemory(b *testing.B) {
	const users = 1_000_000
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c := newCache(users, time.Hour, new(clock), func(int64) int64 { return 0 })
		for i := range users {
			c.add(c.key(fmt.Sprintf("user-%036d", i), uint64(i)), synced, 0) // identifiers of 41 bytes, like a UUID's
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/users, "B/user")
		runtime.KeepAlive(c)
	}
}

func TestCacheForget(t *testing.T) {
	t.Parallel()
	c := newCache(1000, time.Hour, new(clock), func(int64) int64 { return 0 })
	ann, bob, cat := c.key("ann", 1), c.key("bob", 1), c.key("cat", 1)
	c.add(ann, synced, 0)
	c.add(bob, rejected, 0)
	c.add(cat, synced, 0)

	c.forget(c.hashOf("ann"))
	c.forget(c.hashOf("bob"))
	c.forget(c.hashOf("dan")) // unknown: nothing happens

	for _, k := range []key{ann, bob} {
		assert.Equal(t, absent, c.lookup(k))
		assert.False(t, c.hit(k))
		_, found := c.shard(k).index.get(k)
		assert.False(t, found, "out of the index too")
	}
	assert.True(t, c.hit(cat))
	_, found := c.shard(cat).index.get(cat)
	assert.True(t, found)
	total := 0
	for i := range c.shards {
		total += c.shards[i].lru.Len()
	}
	assert.Equal(t, 1, total)
}

// BenchmarkCacheResyncs reports the users a cache forgot per round (the API
// calls a round makes after the first) at 90, 95, 100 and 110 % of its size,
// one request per user per round in the same order: a true LRU makes 0 up
// to 100 % and, in that order, forgets every user beyond it.
func BenchmarkCacheResyncs(b *testing.B) {
	for _, size := range []int{1000, 10_000, DefaultCacheSize} {
		for _, percent := range []int{90, 95, 100, 110} {
			b.Run(fmt.Sprintf("size=%d/users=%d%%", size, percent), func(b *testing.B) {
				var resyncs int
				for b.Loop() {
					r := resyncsPerRound(size, size*percent/100, 3)
					resyncs = r[1] + r[2]
				}
				b.ReportMetric(float64(resyncs)/2, "resyncs/round")
			})
		}
	}
}

// A note on a Verified (see hitNoted) answers exactly what looking would:
// every change of the shard, and time, end it; a hit that looked before a
// change and notes after it leaves a note of an epoch gone; and one cache's
// note, or another writer's, is none to another cache.
func TestCacheNote(t *testing.T) {
	t.Parallel()
	clk := new(clock)
	c := newCache(1, time.Hour, clk, func(int64) int64 { return 0 }) // one shard, as the second cache's
	v := identity.NewVerified(identity.Identity{Identifier: "ann"})
	ann := c.keyOf(v.IdentifierHash, v.Fingerprint)

	assert.False(t, c.hitNoted(ann, v), "not synced")
	c.add(ann, synced, 0)
	assert.True(t, c.hitNoted(ann, v), "looked, and noted")
	noted, _ := v.Note()
	require.Equal(t, c.shard(ann).epoch.Load(), noted)
	assert.True(t, c.hitNoted(ann, v), "read the note")

	c.forget(ann.hash)
	assert.False(t, c.hitNoted(ann, v), "forgotten")
	c.add(ann, synced, 0)
	assert.True(t, c.hitNoted(ann, v))
	c.add(ann, rejected, 0)
	assert.False(t, c.hitNoted(ann, v), "refused")
	c.add(ann, synced, 0)
	assert.True(t, c.hitNoted(ann, v))
	clk.advance(time.Hour)
	assert.False(t, c.hitNoted(ann, v), "expired")
	c.add(ann, synced, 0)
	assert.True(t, c.hitNoted(ann, v))
	c.forgetAll()
	assert.False(t, c.hitNoted(ann, v), "every user forgotten")

	// A hit looks (the user is synced), the user is forgotten, then the hit
	// notes what it found, with the epoch it read before looking.
	c.add(ann, synced, 0)
	epoch := c.shard(ann).epoch.Load()
	until, found := c.shard(ann).index.get(ann)
	require.True(t, found && clk.now() < until, "synced")
	c.forget(ann.hash)
	v.SetNote(epoch, math.MaxInt64)
	assert.False(t, c.hitNoted(ann, v), "the note of a look before the change is none after it")

	// Two new caches, each changed once: ann synced in one, bob in the other.
	// The note the first leaves is none to the second.
	one, other := newCache(1, time.Hour, clk, func(int64) int64 { return 0 }), newCache(1, time.Hour, clk, func(int64) int64 { return 0 })
	one.add(ann, synced, 0)
	other.add(other.key("bob", 0), synced, 0)
	require.True(t, one.hitNoted(ann, v))
	assert.False(t, other.hitNoted(ann, v), "another cache's note")

	// Notes another writer left, of the epochs a counter from 0 would give:
	// none is read as this cache's.
	for epoch := range uint64(10_000) {
		v.SetNote(epoch, math.MaxInt64)
		require.False(t, other.hitNoted(ann, v), "a note of epoch %d", epoch)
	}
	assert.Equal(t, uint64(5), c.hits())
}
