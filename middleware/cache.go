package middleware

import (
	"hash/maphash"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// maxShards bounds how many LRUs the cache is split into: enough that a
// few cores rarely meet on one lock, few enough that each shard stays an
// honest LRU.
const maxShards = 64

// rejectedMark turns a profile's check into the check of a refusal, which
// no hit matches.
const rejectedMark = 0x9E3779B97F4A7C15

// cache remembers which users were synced with which profile.
//
// It is a set of golang-lru LRUs (shards) keyed by a 64-bit hash of the
// identifier, so a user costs about 120 bytes whatever the identifier's
// length, and a hit takes only the read lock of one shard: hits on many
// cores do not queue behind each other. Hits use Peek, which does not
// reorder the LRU, so the user evicted first is the one synced longest ago;
// an active user is synced again, and so refreshed, once per TTL anyway.
type cache struct {
	seed   maphash.Seed
	shift  uint // hash >> shift picks the shard
	shards []shard
	ttl    int64
	clock  *clock
	randN  func(int64) int64
}

type shard struct {
	mu  sync.RWMutex
	lru *simplelru.LRU[uint64, entry]
	// hits are counted per shard: one global counter would be a cache line
	// every core writes on every hit.
	hits atomic.Uint64
	_    [88]byte // 128 bytes a shard: no two shards share a cache line (or its prefetched pair)
}

// entry is all the cache keeps per user.
type entry struct {
	check   uint64 // see key
	expires int64  // clock time after which the user is synced again
}

// key finds one user with one profile in the cache: hash, a 64-bit keyed
// hash of the identifier, locates the entry, and check, the profile's
// fingerprint, tells whether it was synced with this profile.
//
// Keeping a hash rather than the identifier bounds an entry's size, and a
// collision is harmless in practice: the seed is random per process, so
// collisions cannot be aimed; among a million users the odds that any two
// share a hash are 3 in 100 million; and the two users would then share an
// entry, so each would be synced whenever the other was last (or, with equal
// profiles, seen as synced until the entry expires).
type key struct {
	hash  uint64
	check uint64
}

// lookup results.
type state int

const (
	absent   state = iota // never synced, evicted, expired, or synced with another profile
	synced                // synced with this profile within the TTL
	rejected              // this profile was refused within the TTL: do not send it again
)

func newCache(size int, ttl time.Duration, clk *clock, randN func(int64) int64) *cache {
	sizes := shardSizes(size)
	c := &cache{
		seed:   maphash.MakeSeed(),
		shift:  uint(64 - bits.TrailingZeros(uint(len(sizes)))),
		shards: make([]shard, len(sizes)),
		ttl:    int64(ttl),
		clock:  clk,
		randN:  randN,
	}
	for i, n := range sizes {
		c.shards[i].lru, _ = simplelru.NewLRU[uint64, entry](n, nil) // n > 0
	}
	return c
}

// shardSizes splits size over a power of two of shards, at most maxShards,
// none empty.
func shardSizes(size int) []int {
	n := 1 << (bits.Len(uint(min(size, maxShards))) - 1)
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = size / n
		if i < size%n {
			sizes[i]++
		}
	}
	return sizes
}

func (c *cache) key(identifier string, fingerprint uint64) key {
	return key{hash: maphash.String(c.seed, identifier), check: fingerprint}
}

func (c *cache) shard(k key) *shard { return &c.shards[k.hash>>c.shift] }

// hit reports whether k was synced within the TTL, and counts it if so. It
// allocates nothing and takes only a read lock.
func (c *cache) hit(k key) bool {
	s := c.shard(k)
	s.mu.RLock()
	e, ok := s.lru.Peek(k.hash)
	s.mu.RUnlock()
	if ok && e.check == k.check && c.clock.now() < e.expires {
		s.hits.Add(1)
		return true
	}
	return false
}

func (c *cache) lookup(k key) state {
	s := c.shard(k)
	s.mu.RLock()
	e, ok := s.lru.Peek(k.hash)
	s.mu.RUnlock()
	switch {
	case !ok || c.clock.now() >= e.expires:
		return absent
	case e.check == k.check:
		return synced
	case e.check == k.check^rejectedMark:
		return rejected
	}
	return absent
}

// add remembers k as synced, or as rejected. Expiries are spread over the
// last tenth of the TTL, so that users synced together (after a deploy) are
// not all synced again in the same minute.
func (c *cache) add(k key, st state) {
	e := entry{check: k.check, expires: c.clock.now() + c.ttl - c.randN(c.ttl/10+1)}
	if st == rejected {
		e.check ^= rejectedMark
	}
	s := c.shard(k)
	s.mu.Lock()
	s.lru.Add(k.hash, e)
	s.mu.Unlock()
}

func (c *cache) hits() (n uint64) {
	for i := range c.shards {
		n += c.shards[i].hits.Load()
	}
	return n
}
