package jwtverify

import (
	"fmt"
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
// Lookups take a read lock of one shard among many, picked by the token's
// last bytes (its signature): hits on different tokens scale with cores.
type Cache[T any] struct {
	shards     []tokenShard[T]
	mask       uint64
	maxAge     time.Duration
	leeway     time.Duration
	maxEntries int64
	maxBytes   int64
	count      atomic.Int64 // entries, in all shards
	bytes      atomic.Int64 // what they count, in all shards
}

type tokenShard[T any] struct {
	mu      sync.RWMutex
	entries map[string]*tokenEntry[T]
	order   []*tokenEntry[T] // a ring, oldest at head: what eviction takes first
	head, n int
	_       [64]byte // shards stay off each other's cache lines
}

// entryOverhead is what an entry costs the heap beyond its token and what
// its value holds: the entry, its map slot and ring slot, and the token's
// copy's rounding (measured: BenchmarkVerifiedCacheMemory).
const entryOverhead = 272

type tokenEntry[T any] struct {
	token    string
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
		shards: make([]tokenShard[T], n), mask: uint64(n - 1), maxAge: maxAge, leeway: leeway,
		maxEntries: int64(entries), maxBytes: maxBytes,
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.entries = make(map[string]*tokenEntry[T])
		s.order = make([]*tokenEntry[T], 2*(entries/n)+8) // room for a shard that draws more than its share
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
// the key set at generation gen. It allocates nothing.
func (c *Cache[T]) Get(token string, now time.Time, gen uint64) (T, bool) {
	s := c.shard(token)
	s.mu.RLock()
	e := s.entries[token]
	s.mu.RUnlock()
	var zero T
	if e == nil || e.gen != gen {
		return zero, false
	}
	// As golang-jwt decides: expired at exp plus the leeway exactly, valid
	// from nbf (and iat) less the leeway exactly.
	if t := now.UnixNano(); t >= e.notAfter || t < e.notUntil {
		return zero, false
	}
	return e.value, true
}

// Put stores value, the result of verifying token at now with the key set
// at generation gen (read before verifying: a verification that raced a key
// change is then never served), for a token whose exp and nbf (zero if
// absent) are as given; pass as nbf the later of nbf and iat, where the
// verifier checks iat too, so that a clock stepping back finds the token
// not yet valid as a fresh verification would. size is what value holds beyond the token, in bytes.
// A token over MaxCachedTokenSize is not stored.
func (c *Cache[T]) Put(token string, value T, size int64, exp, nbf time.Time, now time.Time, gen uint64) {
	if len(token) > MaxCachedTokenSize || token == "" {
		return
	}
	e := &tokenEntry[T]{
		token:    string([]byte(token)), // not the request's memory
		value:    value,
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
