package jwtverify

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autoidentify/autoidentify/identity"
)

// Verified-token cache defaults (see WithVerifiedCache).
const (
	// DefaultVerifiedCacheEntries is how many verified tokens are kept.
	DefaultVerifiedCacheEntries = 10_000
	// DefaultVerifiedCacheBytes bounds the memory they take, in bytes.
	DefaultVerifiedCacheBytes = 16 << 20
	// DefaultVerifiedCacheMaxAge is the longest a verification is reused,
	// however far the token's exp.
	DefaultVerifiedCacheMaxAge = 10 * time.Minute
	// MaxCachedTokenSize is the longest token cached, in bytes, as Envoy's
	// jwt_authn does: a longer one is verified every time.
	MaxCachedTokenSize = 4 << 10
)

// Cache keeps the result of verifying a token, of type T, for the
// same token when it comes again: a lookup instead of base64, JSON and a
// signature check. Build it with NewCache; it is safe for concurrent
// use.
//
// It is keyed on the exact token: no hash stands in for it, so no
// collision can hand one token another's result. Only what the caller
// verified goes in (there is no negative cache a flood of garbage could
// fill), and never a token over MaxCachedTokenSize. It is bounded by
// entries and by bytes, in all: past a bound, a newcomer takes the place of
// the oldest entries of its shard, which spread over all shards are among
// the oldest of the cache (each shard holds at most twice its share). An
// entry is served until the earliest of the token's exp (with the leeway),
// the maximum age, and a change of the key set's generation (Put's gen; see
// RotatingKeySource); before the token's nbf, it is not served.
//
// Lookups take no lock: each shard keeps, beside its map, an index of its
// entries that reads with atomic loads only (see tokenShard), so hits write
// no memory that another core reads and scale with cores. Writers lock one
// shard among many, picked by the token's last bytes (its signature).
type Cache[T any] struct {
	seed       maphash.Seed // of the index's hashes
	shards     []tokenShard[T]
	mask       uint64
	maxAge     time.Duration
	leeway     time.Duration
	maxEntries int64
	maxBytes   int64
	count      atomic.Int64 // entries, in all shards
	bytes      atomic.Int64 // what they count, in all shards
}

// tokenShard is a share of the cache. Its map, under mu, is the truth; its
// index is what hits read: a small open-addressed table of the entries,
// each slot a tag (the token's hash, never 0) and the entry, probed over
// indexProbes slots from the hash. A slot's tag is cleared first and set
// last when it changes hands, and a read compares the whole token of the
// entry it finds, so a read racing a writer finds the right entry or none.
// A token the index has no room for, which its probe window makes rare, is
// found in the map, under mu.
type tokenShard[T any] struct {
	mu      sync.RWMutex
	entries map[string]*tokenEntry[T]
	order   []*tokenEntry[T] // a ring, oldest at head: what eviction takes first
	head, n int
	index   []indexSlot[T] // len a power of two
	_       [64]byte       // shards stay off each other's cache lines
}

type indexSlot[T any] struct {
	tag   atomic.Uint64
	entry atomic.Pointer[tokenEntry[T]]
}

// indexProbes is how many slots from its hash a token may sit in: two
// cache lines.
const indexProbes = 8

// entryOverhead is what an entry costs the heap beyond its token and what
// its value holds: the entry, its map slot and ring slot, and the token's
// copy's rounding (measured: BenchmarkVerifiedCacheMemory).
const entryOverhead = 304

type tokenEntry[T any] struct {
	token    string
	tag      uint64 // its index slot's tag
	value    T
	notAfter int64 // unix ns: the token's exp plus the leeway, or the maximum age: not served from then on
	notUntil int64 // unix ns: the token's nbf less the leeway; 0 if none
	gen      uint64
	size     int64
}

// NewCache returns a cache of at most entries tokens and about
// maxBytes bytes (each entry counts its token, its size as the caller
// gives it, and entryOverhead), each reused for at most maxAge; leeway is the
// clock skew allowed on exp and nbf, as the verifier allows it.
func NewCache[T any](entries int, maxBytes int64, maxAge, leeway time.Duration) (*Cache[T], error) {
	switch {
	case entries <= 0:
		return nil, &identity.ConfigError{Field: "VerifiedCache", Err: fmt.Errorf("%d entries: must be positive", entries)}
	case maxBytes <= 0:
		return nil, &identity.ConfigError{Field: "VerifiedCache", Err: fmt.Errorf("%d bytes: must be positive", maxBytes)}
	case maxAge <= 0:
		return nil, &identity.ConfigError{Field: "VerifiedCacheMaxAge", Err: fmt.Errorf("%v: must be positive", maxAge)}
	}
	// About 64 entries a shard, from 16 to 256 shards: enough that hits on
	// different tokens rarely meet on one lock.
	n := 1 << min(max(bits.Len(uint(entries/64)), 4), 8)
	c := &Cache[T]{
		seed:   maphash.MakeSeed(),
		shards: make([]tokenShard[T], n), mask: uint64(n - 1), maxAge: maxAge, leeway: leeway,
		maxEntries: int64(entries), maxBytes: maxBytes,
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.entries = make(map[string]*tokenEntry[T])
		s.order = make([]*tokenEntry[T], 2*(entries/n)+8)               // room for a shard that draws more than its share
		s.index = make([]indexSlot[T], 1<<bits.Len(uint(len(s.order)))) // more slots than the ring holds entries
	}
	return c, nil
}

// shard picks the token's shard from its last bytes: a signature, as good
// as random, and only verified tokens are stored, so nobody chooses them.
func (c *Cache[T]) shard(token string) *tokenShard[T] {
	var h uint64 = 14695981039346656037 // FNV-1a of the last 8 bytes
	for i := max(0, len(token)-8); i < len(token); i++ {
		h = (h ^ uint64(token[i])) * 1099511628211
	}
	return &c.shards[h&c.mask]
}

// Get returns what Put stored for token if it may be served at now with
// the key set at generation gen: the cache's own, shared with every caller
// that brings the same token, so read it, never change it. It allocates
// nothing.
func (c *Cache[T]) Get(token string, now time.Time, gen uint64) (*T, bool) {
	s := c.shard(token)
	tag := c.tagOf(token)
	e := s.find(token, tag)
	if e == nil {
		s.mu.RLock()
		e = s.entries[token] // a token the index had no room for, or none
		s.mu.RUnlock()
	}
	if e == nil || e.gen != gen {
		return nil, false
	}
	// As golang-jwt decides: expired at exp plus the leeway exactly, valid
	// from nbf (and iat) less the leeway exactly.
	if t := now.UnixNano(); t >= e.notAfter || t < e.notUntil {
		return nil, false
	}
	return &e.value, true
}

// Put stores a copy of *value (which nothing may be using yet: T may hold
// atomics, as identity.Verified does), the result of verifying token at now
// with the key set at generation gen (read before verifying: a verification
// that raced a key change is then never served), for a token whose exp and
// nbf (zero if absent) are as given; pass as nbf the later of nbf and iat,
// where the verifier checks iat too, so that a clock stepping back finds the
// token not yet valid as a fresh verification would. size is what value
// holds beyond the token, in bytes. A token over MaxCachedTokenSize is not
// stored.
func (c *Cache[T]) Put(token string, value *T, size int64, exp, nbf time.Time, now time.Time, gen uint64) {
	if len(token) > MaxCachedTokenSize || token == "" {
		return
	}
	e := &tokenEntry[T]{
		token:    string([]byte(token)), // not the request's memory
		tag:      c.tagOf(token),
		value:    *value,
		notAfter: min(unixNano(exp.Add(c.leeway)), unixNano(now.Add(c.maxAge))),
		gen:      gen,
		size:     int64(len(token)) + size + entryOverhead,
	}
	if !nbf.IsZero() {
		e.notUntil = unixNano(nbf.Add(-c.leeway))
	}
	s := c.shard(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.entries[token]; old != nil {
		c.drop(s, old) // a newer verification of the same token: replaced
	}
	for s.n > 0 && (s.n == len(s.order) || c.count.Load() >= c.maxEntries || c.bytes.Load()+e.size > c.maxBytes) {
		c.evictOldest(s)
	}
	if c.count.Load() >= c.maxEntries || c.bytes.Load()+e.size > c.maxBytes {
		return // no room, even with this shard emptied: the bounds hold
	}
	s.order[(s.head+s.n)%len(s.order)] = e
	s.n++
	s.entries[token] = e
	s.indexPut(e)
	c.count.Add(1)
	c.bytes.Add(e.size)
}

// evictOldest drops the oldest entry of s's ring. Under s.mu.
func (c *Cache[T]) evictOldest(s *tokenShard[T]) {
	e := s.order[s.head]
	s.order[s.head] = nil
	s.head = (s.head + 1) % len(s.order)
	s.n--
	c.drop(s, e)
}

// drop removes e from s's map, if it is still there. Under s.mu.
func (c *Cache[T]) drop(s *tokenShard[T], e *tokenEntry[T]) {
	if e != nil && s.entries[e.token] == e {
		delete(s.entries, e.token)
		s.indexRemove(e)
		c.count.Add(-1)
		c.bytes.Add(-e.size)
	}
}

// Len is how many tokens the cache holds.
func (c *Cache[T]) Len() int { return int(c.count.Load()) }

// Bytes is what the cache's entries count, in bytes.
func (c *Cache[T]) Bytes() int64 { return c.bytes.Load() }

// unixNano is t in nanoseconds since 1970, clamped to what int64 holds
// (years 1678 to 2262): a token's exp may be as late as year 9999.
func unixNano(t time.Time) int64 {
	switch {
	case t.After(maxUnixNano):
		return math.MaxInt64
	case t.Before(minUnixNano):
		return math.MinInt64
	}
	return t.UnixNano()
}

var (
	maxUnixNano = time.Unix(0, math.MaxInt64)
	minUnixNano = time.Unix(0, math.MinInt64)
)

// tagOf is token's hash for the index, never 0 (an empty slot).
func (c *Cache[T]) tagOf(token string) uint64 { return maphash.String(c.seed, token) | 1 }

// find returns token's entry if the index holds it, with atomic loads only.
func (s *tokenShard[T]) find(token string, tag uint64) *tokenEntry[T] {
	mask := uint64(len(s.index) - 1)
	for i := range uint64(indexProbes) {
		slot := &s.index[(tag+i)&mask]
		if slot.tag.Load() != tag {
			continue
		}
		if e := slot.entry.Load(); e != nil && e.token == token {
			return e
		}
	}
	return nil
}

// indexPut gives e a slot of its probe window: a free one, else the one
// whose entry expires first, which stays in the map. Under s.mu.
func (s *tokenShard[T]) indexPut(e *tokenEntry[T]) {
	mask := uint64(len(s.index) - 1)
	var victim *indexSlot[T]
	for i := range uint64(indexProbes) {
		slot := &s.index[(e.tag+i)&mask]
		old := slot.entry.Load()
		if old == nil {
			victim = slot
			break
		}
		if victim == nil || old.notAfter < victim.entry.Load().notAfter {
			victim = slot
		}
	}
	victim.tag.Store(0) // no read matches the slot while it changes hands
	victim.entry.Store(e)
	victim.tag.Store(e.tag)
}

// indexRemove frees e's slot, if it has one. Under s.mu.
func (s *tokenShard[T]) indexRemove(e *tokenEntry[T]) {
	mask := uint64(len(s.index) - 1)
	for i := range uint64(indexProbes) {
		slot := &s.index[(e.tag+i)&mask]
		if slot.entry.Load() == e {
			slot.tag.Store(0)
			slot.entry.Store(nil)
			return
		}
	}
}
