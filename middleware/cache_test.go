package middleware

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestCacheShardsAddUpToItsSize(t *testing.T) {
	t.Parallel()
	for _, size := range []int{1, 2, 3, 63, 64, 65, 1000, DefaultCacheSize} {
		sizes := shardSizes(size)
		n := len(sizes)
		assert.LessOrEqual(t, n, min(size, maxShards), "size %d", size)
		assert.Equal(t, 0, n&(n-1), "a power of two: size %d", size)
		total := 0
		for _, s := range sizes {
			assert.Positive(t, s)
			total += s
		}
		assert.Equal(t, size, total)
	}
}

func TestCacheStates(t *testing.T) {
	t.Parallel()
	clk := new(clock)
	c := newCache(1000, time.Hour, clk, func(n int64) int64 { return n - 1 }) // expire at 54 min
	ann, annChanged, bob := c.key("ann", 1), c.key("ann", 2), c.key("bob", 1)

	assert.Equal(t, absent, c.lookup(ann))
	assert.False(t, c.hit(ann))
	c.add(ann, synced)
	c.add(bob, rejected)
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
			c.add(c.key(fmt.Sprintf("user-%036d", i), uint64(i)), synced) // identifiers of 41 bytes, like a UUID's
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
	c.add(ann, synced)
	c.add(bob, rejected)
	c.add(cat, synced)

	c.forget(c.hashOf("ann"))
	c.forget(c.hashOf("bob"))
	c.forget(c.hashOf("dan")) // unknown: nothing happens

	for _, k := range []key{ann, bob} {
		assert.Equal(t, absent, c.lookup(k))
		assert.False(t, c.hit(k))
		found, _ := c.shard(k).index.get(k, 0)
		assert.False(t, found, "out of the index too")
	}
	assert.True(t, c.hit(cat))
	found, fresh := c.shard(cat).index.get(cat, 0)
	assert.True(t, found && fresh)
	total := 0
	for i := range c.shards {
		total += c.shards[i].lru.Len()
	}
	assert.Equal(t, 1, total)
}
