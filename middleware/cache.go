package middleware

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/autoidentify/autoidentify/identity"
)

// maxShards bounds how many LRUs the cache is split into: enough that a
// few cores rarely meet on one lock. minShareSize keeps a shard's share
// large enough that users spread evenly over the shards (a shard's load
// varies by about the square root of its share), which keeps eviction close
// to a single LRU's and each shard's index roomy.
const (
	maxShards    = 64
	minShareSize = 256
)

// rejectedMark turns a profile's check into the check of a refusal, which
// no hit matches.
const rejectedMark = 0x9E3779B97F4A7C15

// cache remembers which users were synced with which profile.
//
// It is a set of golang-lru LRUs (shards) keyed by a 64-bit hash of the
// identifier, so a user costs a bounded number of bytes whatever the
// identifier's length. The LRUs decide who is remembered: writers (a sync
// ending) take a shard's lock. Hits use Peek, which does not reorder the LRU,
// so the user evicted first is the one synced longest ago; an active user is
// synced again, and so refreshed, once per TTL anyway.
//
// The bound is the cache's, not each shard's: a shard holds as many users as
// land in it, and the cache holds size users in all (counted in count). A
// newcomer beyond the size evicts the least recently synced user of the
// shard it lands in: since users spread evenly over the shards, that user is
// among the least recently synced of the whole cache (about the shards
// count oldest), so eviction is approximately LRU. A shard never gives up
// its last user for a newcomer: at worst the cache holds one more user per
// shard, which a share of minShareSize users makes a theory.
//
// Hits do not read the LRUs: each shard keeps an index of its synced users
// that is read with atomic loads only (see index), and hits are counted per
// core (see perCore). So a hit writes no memory that another core reads or
// writes: on many cores, hits neither wait for each other nor pass cache
// lines back and forth, which costs more than the hit itself.
type cache struct {
	shift  uint // hash >> shift picks the shard
	shards []shard
	size   int64
	count  atomic.Int64 // users held, in all shards
	ttl    int64
	clock  *clock
	randN  func(int64) int64
	nhits  perCore
}

type shard struct {
	mu    sync.RWMutex
	lru   *simplelru.LRU[uint64, entry]
	index index
	epoch atomic.Uint64 // changed by every change of the shard: see hitNoted
	_     [64]byte      // shards written on other cores stay off each other's cache lines
}

// epochs gives out the shards' epochs (from a random start, epochBase), so
// that no two shards, of one cache or of two, ever have the same: a note
// (see hitNoted) names its shard's state without naming the shard, and the
// note of another writer on a Verified is never read as one of ours.
var (
	epochs    atomic.Uint64
	epochBase = rand.Uint64()
)

func nextEpoch() uint64 { return epochBase + epochs.Add(1) }

// entry is all the LRU keeps per user.
type entry struct {
	check   uint64 // see key
	expires int64  // clock time after which the user is synced again
}

// key finds one user with one profile in the cache: hash, a 64-bit keyed
// hash of the identifier, locates the entry, and check, the profile's
// fingerprint, tells whether it was synced with this profile. tag binds the
// two for the index.
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
	tag   uint64
}

// lookup results.
type state int

const (
	absent   state = iota // never synced, evicted, expired, or synced with another profile
	synced                // synced with this profile within the TTL
	rejected              // this profile was refused within the TTL: do not send it again
)

func newCache(size int, ttl time.Duration, clk *clock, randN func(int64) int64) *cache {
	n := shardCount(size)
	c := &cache{
		shift:  uint(64 - bits.TrailingZeros(uint(n))),
		shards: make([]shard, n),
		size:   int64(size),
		ttl:    int64(ttl),
		clock:  clk,
		randN:  randN,
	}
	share := size / n
	for i := range c.shards {
		s := &c.shards[i]
		s.epoch.Store(nextEpoch())
		// Room in the index for a shard that drew more than its share: four
		// standard deviations of its load (binomial, about √share).
		s.index = newIndex(share + 4*int(math.Sqrt(float64(share))) + 1)
		// Whoever leaves the LRU leaves the index and the count: the index
		// never holds a user the LRU forgot. Called under s.mu, by Add,
		// RemoveOldest and Remove.
		s.lru, _ = simplelru.NewLRU(size, func(hash uint64, _ entry) { // size > 0
			s.index.remove(hash)
			c.count.Add(-1)
		})
	}
	return c
}

// shardCount is a power of two, at most maxShards, that leaves each shard a
// share of at least minShareSize users (one shard for small caches).
func shardCount(size int) int {
	return 1 << (bits.Len(uint(max(1, min(size/minShareSize, maxShards)))) - 1)
}

func (c *cache) key(identifier string, fingerprint uint64) key {
	return c.keyOf(c.hashOf(identifier), fingerprint)
}

func (c *cache) hashOf(identifier string) uint64 { return identity.HashIdentifier(identifier) }

// keyOf is key for a user whose identifier's hash is known already (see
// identity.FingerprintExtractor).
func (c *cache) keyOf(hash, fingerprint uint64) key {
	return key{hash: hash, check: fingerprint, tag: tagOf(hash, fingerprint)}
}

// tagOf binds a user's hash to a profile's check in one word, never zero
// (an empty slot): equal tags mean the same user with the same profile but
// for odds of 2⁻⁶³. For a given user, the multiplication by an odd constant
// maps distinct checks to distinct tags.
func tagOf(hash, check uint64) uint64 {
	return (hash*0xC2B2AE3D27D4EB4F + check*0x9E3779B97F4A7C15) | 1
}

func (c *cache) shard(k key) *shard { return &c.shards[k.hash>>c.shift] }

// hit reports whether k was synced within the TTL, and counts it if so. It
// takes no lock for a user in the index, and allocates nothing.
func (c *cache) hit(k key) bool {
	s := c.shard(k)
	now := c.clock.now()
	until, found := s.index.get(k)
	if !found {
		until = s.peek(k)
	}
	if now >= until {
		return false
	}
	c.nhits.add()
	return true
}

// hitNoted is hit for the user of a Verified, on which it notes what it
// found: the shard's epoch when it looked, and until when the user is
// fresh. The next request bringing the Verified reads the note on it,
// which it holds already, and does not look: if the shard's epoch is still
// the note's, nothing in the shard changed since, and looking would find
// what the note says.
//
// The epoch is read before looking, and writers change it after changing
// the shard: a change that races the look leaves a note of an epoch gone.
// The note of another cache, or of another shard, names an epoch this shard
// never had (see epochs): it is read as none.
func (c *cache) hitNoted(k key, v *identity.Verified) bool {
	s := c.shard(k)
	now := c.clock.now()
	epoch := s.epoch.Load()
	if noted, until := v.Note(); noted == epoch && now < int64(until) {
		c.nhits.add()
		return true
	}
	until, found := s.index.get(k)
	if !found {
		until = s.peek(k)
	}
	if now >= until {
		return false
	}
	v.SetNote(epoch, uint64(until))
	c.nhits.add()
	return true
}

// peek is when k stops being fresh according to s's LRU, for a user the
// index does not hold: a new user, another profile, or one the index had no
// room for (rare, see index). 0 if k is not synced with this profile (the
// clock starts at 0).
func (s *shard) peek(k key) int64 {
	s.mu.RLock()
	e, ok := s.lru.Peek(k.hash)
	s.mu.RUnlock()
	if !ok || e.check != k.check {
		return 0
	}
	return e.expires
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

// add remembers k as synced, or as rejected, for the TTL, or for maxTTL if
// positive and shorter. Expiries are spread over the last tenth of the TTL,
// so that users synced together (after a deploy) are not all synced again
// in the same minute.
//
// maxTTL is a deadline set elsewhere (a fleet's record), which the entry
// must not outlive: the coarse clock lags real time by up to
// clockResolution, so the entry ends that much earlier.
func (c *cache) add(k key, st state, maxTTL time.Duration) {
	now := c.clock.now()
	e := entry{check: k.check, expires: now + c.ttl - c.randN(c.ttl/10+1)}
	if maxTTL > 0 {
		e.expires = min(e.expires, now+int64(maxTTL-clockResolution))
	}
	if st == rejected {
		e.check ^= rejectedMark
	}
	s := c.shard(k)
	s.mu.Lock()
	before := s.lru.Len()
	s.lru.Add(k.hash, e)
	if s.lru.Len() > before && c.count.Add(1) > c.size {
		// A newcomer beyond the size: the shard's least recently synced
		// makes room (the eviction callback counts them out), never the
		// newcomer itself.
		for c.count.Load() > c.size && s.lru.Len() > 1 {
			s.lru.RemoveOldest()
		}
	}
	if st == synced {
		s.index.put(k.hash, k.tag, e.expires)
	} else {
		s.index.remove(k.hash) // a refusal is never a hit
	}
	s.changed()
	s.mu.Unlock()
}

// changed gives s a new epoch, after a change: notes of the old one are
// read as none (see hitNoted). Under s.mu.
func (s *shard) changed() { s.epoch.Store(nextEpoch()) }

// forget drops the user hash, whatever their profile, synced or refused.
// It removes them from the LRU, whose eviction callback removes them from
// the index under the same lock, as for an eviction: a hit reading them
// meanwhile counts one last hit at worst (see index).
func (c *cache) forget(hash uint64) {
	s := &c.shards[hash>>c.shift]
	s.mu.Lock()
	s.lru.Remove(hash)
	s.changed()
	s.mu.Unlock()
}

// forgetAll drops every user, as forget does each.
func (c *cache) forgetAll() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		s.lru.Purge()
		s.changed()
		s.mu.Unlock()
	}
}

func (c *cache) hits() uint64 { return c.nhits.load() }

// len is how many users the cache holds: synced or refused, expired or not.
func (c *cache) len() int { return int(c.count.Load()) }
