package jwtverify

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clockAt is a clock tests move by hand.
type clockAt struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clockAt) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clockAt) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newCachedJWT(t testing.TB, src KeySource, clock *clockAt, opts ...Option) *Extractor {
	t.Helper()
	e, err := New(src, append([]Option{withClock(clock.now)}, opts...)...)
	require.NoError(t, err)
	require.NotNil(t, e.verified, "the cache is on by default")
	return e
}

// A cached token answers what a fresh verification answers, at every
// instant around its edges: expired from exp plus the leeway exactly, not
// valid before nbf (or iat) less the leeway, also after the clock stepped
// back.
func TestVerifiedCacheAnswersAsAFreshCheck(t *testing.T) {
	t.Parallel()
	k := keys()
	clock := &clockAt{t: testNow}
	cached := newCachedJWT(t, HMACKey(k.hmac256), clock)
	fresh, err := New(HMACKey(k.hmac256), withClock(clock.now), WithVerifiedCache(0, 0))
	require.NoError(t, err)
	require.Nil(t, fresh.verified)

	exp := testNow.Add(time.Minute)
	expiring := sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "exp", exp.Unix()))
	early := sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "nbf", testNow.Add(DefaultLeeway).Unix()))
	ahead := sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "iat", testNow.Add(DefaultLeeway).Unix()))
	for _, tc := range []struct {
		name   string
		token  string
		warm   time.Time // when the cache verifies it first
		probes []time.Time
	}{
		{"exp", expiring, testNow, []time.Time{exp.Add(DefaultLeeway - time.Nanosecond), exp.Add(DefaultLeeway), exp.Add(DefaultLeeway + time.Nanosecond)}},
		{"nbf", early, testNow, []time.Time{testNow, testNow.Add(-time.Nanosecond), testNow.Add(-time.Second)}},
		{"iat ahead, then the clock steps back", ahead, testNow, []time.Time{testNow, testNow.Add(-time.Nanosecond), testNow.Add(-time.Second)}},
	} {
		clock.t = tc.warm
		_, err := cached.Verify(tc.token)
		require.NoError(t, err, tc.name)
		for _, at := range tc.probes {
			clock.t = at
			_, want := fresh.Verify(tc.token)
			_, got := cached.Verify(tc.token)
			assert.Equal(t, want == nil, got == nil, "%s at %s: fresh says %v, cached %v", tc.name, at.Sub(tc.warm), want, got)
			if want != nil && got != nil {
				assert.Equal(t, want.Error(), got.Error(), tc.name)
			}
		}
	}
}

// The key is the exact token: one byte off is a miss, verified, and refused.
func TestVerifiedCacheIsKeyedOnTheExactToken(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newCachedJWT(t, HMACKey(k.hmac256), &clockAt{t: testNow})
	token := sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims())
	_, err := e.Verify(token)
	require.NoError(t, err)
	for i := range token {
		if token[i] == '.' {
			continue
		}
		b := []byte(token)
		b[i] ^= 1
		_, err := e.Verify(string(b))
		require.Error(t, err, "byte %d flipped", i)
	}
	assert.Equal(t, 1, e.verified.Len(), "nothing refused was cached")
	id, err := e.Verify(token)
	require.NoError(t, err)
	assert.Equal(t, "u1", id.Identifier)
}

// A flood of garbage costs what verifying it costs, and evicts nothing.
func TestVerifiedCacheGarbageEvictsNothing(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newCachedJWT(t, HMACKey(k.hmac256), &clockAt{t: testNow}, WithVerifiedCache(16, 1<<20))
	valid := sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims())
	_, err := e.Verify(valid)
	require.NoError(t, err)
	parts := strings.Split(valid, ".")
	for i := range 5000 {
		forged := parts[0] + "." + parts[1] + "." + fmt.Sprintf("%042dA", i) // a valid shape, a wrong signature
		_, err := e.Verify(forged)
		require.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)
	}
	_, ok := e.verified.Get(valid, testNow, 0)
	assert.True(t, ok, "the valid token is still cached")
	assert.Equal(t, 1, e.verified.Len())
}

// After a key set rotation that drops a key, its tokens are refused on
// their next request, cached or not.
func TestVerifiedCacheStopsAtAKeyRotation(t *testing.T) {
	t.Parallel()
	k := keys()
	src := newRotating(map[string]any{"k1": &k.p256.PublicKey, "k2": &k.p256b.PublicKey})
	e := newCachedJWT(t, src, &clockAt{t: testNow})
	byK1 := sign(t, jwt.SigningMethodES256, k.p256, validClaims(), "kid", "k1")
	byK2 := sign(t, jwt.SigningMethodES256, k.p256b, validClaims(), "kid", "k2")
	for _, tok := range []string{byK1, byK2} {
		_, err := e.Verify(tok)
		require.NoError(t, err)
	}
	src.set(map[string]any{"k2": &k.p256b.PublicKey}) // k1 is revoked
	_, err := e.Verify(byK1)
	assert.ErrorIs(t, err, ErrUnknownKey, "the revoked key's token is refused at once")
	_, err = e.Verify(byK2)
	assert.NoError(t, err, "the key still in the set verifies, and is cached again")
}

// Custom KeySources that say nothing of rotation get no cache: it could
// serve a revoked key's tokens.
func TestVerifiedCacheOnlyForKnownKeys(t *testing.T) {
	t.Parallel()
	k := keys()
	e, err := New(customKeys{algs: []string{"HS256"}, key: k.hmac256})
	require.NoError(t, err)
	assert.Nil(t, e.verified)
	off, err := New(HMACKey(k.hmac256), WithVerifiedCache(0, 0))
	require.NoError(t, err)
	assert.Nil(t, off.verified)
	for _, bad := range []Option{WithVerifiedCache(-1, 10), WithVerifiedCache(10, 0), WithVerifiedCacheMaxAge(0)} {
		_, err := New(HMACKey(k.hmac256), bad)
		var cfgErr *identity.ConfigError
		assert.ErrorAs(t, err, &cfgErr)
	}
}

// A verification is reused for the maximum age at most, and tokens over
// MaxCachedTokenSize are verified every time.
func TestVerifiedCacheMaxAgeAndSize(t *testing.T) {
	t.Parallel()
	k := keys()
	clock := &clockAt{t: testNow}
	e := newCachedJWT(t, HMACKey(k.hmac256), clock, WithVerifiedCacheMaxAge(time.Minute))
	token := sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims())
	_, err := e.Verify(token)
	require.NoError(t, err)
	_, ok := e.verified.Get(token, clock.now().Add(time.Minute-time.Nanosecond), 0)
	assert.True(t, ok)
	_, ok = e.verified.Get(token, clock.now().Add(time.Minute), 0)
	assert.False(t, ok, "at the maximum age")

	large := sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "pad", strings.Repeat("x", MaxCachedTokenSize)))
	_, err = e.Verify(large)
	require.NoError(t, err)
	assert.Equal(t, 1, e.verified.Len(), "a token over 4 KiB is not cached")
}

// The caller gets its own copy of the custom attributes.
func TestVerifiedCacheHandsOutCopies(t *testing.T) {
	t.Parallel()
	k := keys()
	mOpts := []identity.ClaimsOption{identity.WithAttributeClaim("plan", "plan")}
	e := newCachedJWT(t, HMACKey(k.hmac256), &clockAt{t: testNow}, WithClaimsOptions(mOpts...))
	token := sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "plan", "pro"))
	first, err := e.Verify(token)
	require.NoError(t, err)
	first.Profile.Custom["plan"] = "changed"
	second, err := e.Verify(token)
	require.NoError(t, err)
	assert.Equal(t, "pro", second.Profile.Custom["plan"])
}

// A flood of a million distinct valid tokens keeps the cache within its
// bounds, by entries and by bytes.
func TestTokenCacheStaysWithinItsBounds(t *testing.T) {
	t.Parallel()
	const entries, maxBytes = 10_000, 2 << 20
	c, err := NewCache[identity.Identity](entries, maxBytes, time.Hour, 0)
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	exp := testNow.Add(time.Hour)
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	token := []byte(strings.Repeat("t", 300))
	for i := range n {
		copy(token[len(token)-8:], fmt.Sprintf("%08d", i))
		c.Put(string(token), &identity.Identity{Identifier: fmt.Sprint("user-", i)}, 10, exp, time.Time{}, testNow, 0)
		if i%100_000 == 0 {
			require.LessOrEqual(t, c.Len(), entries)
			require.LessOrEqual(t, c.Bytes(), int64(maxBytes))
		}
	}
	assert.LessOrEqual(t, c.Len(), entries)
	assert.LessOrEqual(t, c.Bytes(), int64(maxBytes))
	runtime.GC()
	runtime.ReadMemStats(&after)
	assert.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(4*maxBytes), "the heap holds about the byte bound")
	runtime.KeepAlive(c)
}

// Hits, misses, expiry and rotation at once (for the race detector).
func TestVerifiedCacheConcurrently(t *testing.T) {
	t.Parallel()
	k := keys()
	src := newRotating(map[string]any{"k1": &k.p256.PublicKey})
	clock := &clockAt{t: testNow}
	e := newCachedJWT(t, src, clock, WithVerifiedCache(64, 1<<20))
	tokens := make([]string, 32)
	for i := range tokens {
		tokens[i] = sign(t, jwt.SigningMethodES256, k.p256, with(validClaims(), "sub", fmt.Sprint("u", i), "exp", testNow.Add(time.Duration(i)*time.Second).Unix()), "kid", "k1")
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 400 {
				tok := tokens[(i+w*7)%len(tokens)]
				if i%50 == 0 {
					tok += "x" // a miss, refused
				}
				id, err := e.Verify(tok)
				if err == nil && !strings.HasPrefix(id.Identifier, "u") {
					t.Errorf("wrong identity %q", id.Identifier)
				}
				if w == 0 && i%100 == 0 {
					clock.advance(time.Second) // tokens expire as it goes
				}
				if w == 1 && i%50 == 0 {
					src.set(map[string]any{"k1": &k.p256.PublicKey}) // the same key, a new generation
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkVerifiedCacheMemory reports what a cached token costs the heap,
// and what the cache counts for it, for 10 000 tokens of an OIDC profile
// (about 330 bytes each): go test -run '^$' -bench VerifiedCacheMemory ./identity
func BenchmarkVerifiedCacheMemory(b *testing.B) {
	k := keys()
	const n = 10_000
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = sign(b, jwt.SigningMethodHS256, k.hmac256, jwt.MapClaims{
			"sub": fmt.Sprintf("auth0|%024d", i), "email": "ada@example.com", "given_name": "Ada",
			"family_name": "Lovelace", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
		})
	}
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		e, err := New(HMACKey(k.hmac256), WithVerifiedCache(n, 1<<30))
		require.NoError(b, err)
		for _, tok := range tokens {
			if _, err := e.Verify(tok); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		require.Equal(b, n, e.verified.Len())
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/token")
		b.ReportMetric(float64(e.verified.Bytes())/n, "counted-B/token")
		b.ReportMetric(float64(len(tokens[0])), "token-bytes")
		runtime.KeepAlive(e)
	}
}

// The fingerprint of a verified token's profile, and its identifier's hash,
// are computed once, and a hit hands out the Verified the cache keeps, the
// same one every time, where Extract hands out copies
// (identity.VerifiedExtractor).
func TestVerifiedCacheSharesWhatItKeeps(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newCachedJWT(t, HMACKey(k.hmac256), &clockAt{t: testNow})
	r := bearer(sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims()))
	var kept []*identity.Verified
	for range 3 { // a miss, then hits
		v, ok, err := e.ExtractVerified(r)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "u1", v.Identity.Identifier)
		assert.Equal(t, v.Identity.Profile.Fingerprint(), v.Fingerprint)
		assert.Equal(t, identity.HashIdentifier("u1"), v.IdentifierHash)
		kept = append(kept, v)
	}
	assert.Same(t, kept[1], kept[2], "hits share the cache's")
	assert.Equal(t, kept[0].Identity, kept[1].Identity, "the miss's is what the cache keeps")
	var _ identity.VerifiedExtractor = e
}

// heapPerToken verifies n tokens made by claims(i) into a fresh cache and
// reports what each costs the heap and what the cache counts for it.
func heapPerToken(t testing.TB, n int, mapperOpts []identity.ClaimsOption, claims func(i int) jwt.MapClaims) (heap, counted float64) {
	t.Helper()
	k := keys()
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = sign(t, jwt.SigningMethodHS256, k.hmac256, claims(i))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e, err := New(HMACKey(k.hmac256), WithVerifiedCache(n, 1<<30), WithClaimsOptions(mapperOpts...))
	require.NoError(t, err)
	for _, tok := range tokens {
		_, err := e.Verify(tok)
		require.NoError(t, err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	require.Equal(t, n, e.verified.Len())
	heap, counted = float64(after.HeapAlloc-before.HeapAlloc)/float64(n), float64(e.verified.Bytes())/float64(n)
	runtime.KeepAlive(e)
	return heap, counted
}

// The byte bound counts what an entry holds, nested custom values
// included: an array-valued claim is counted near what it costs the heap.
func TestVerifiedCacheCountsNestedValues(t *testing.T) {
	mapperOpts := []identity.ClaimsOption{identity.WithAttributeClaim("roles", "roles"), identity.WithAttributeClaim("org", "org")}
	roles := make([]any, 100)
	for i := range roles {
		roles[i] = fmt.Sprintf("role-%03d", i)
	}
	heap, counted := heapPerToken(t, 2000, mapperOpts, func(i int) jwt.MapClaims {
		return jwt.MapClaims{
			"sub": fmt.Sprintf("auth0|%024d", i), "exp": time.Now().Add(time.Hour).Unix(),
			"roles": roles, "org": map[string]any{"id": "org-1", "teams": []any{"a", "b", "c"}},
		}
	})
	t.Logf("heap %.0f B/token, counted %.0f B/token (%.2fx)", heap, counted, counted/heap)
	assert.InDelta(t, 1, counted/heap, 0.35, "counted %.0f B for %.0f B on the heap", counted, heap)
}

// What a caller receives is its own, to any depth: a handler writing into a
// nested custom value changes nothing the next request with the token sees,
// and handlers doing so at once do not race (run with -race).
func TestVerifiedCacheHandsOutOwnCopies(t *testing.T) {
	t.Parallel()
	k := keys()
	mapperOpts := []identity.ClaimsOption{identity.WithAttributeClaim("org", "org"), identity.WithAttributeClaim("roles", "roles")}
	e := newCachedJWT(t, HMACKey(k.hmac256), &clockAt{t: testNow}, WithClaimsOptions(mapperOpts...))
	token := sign(t, jwt.SigningMethodHS256, k.hmac256, with(with(validClaims(),
		"org", map[string]any{"id": "org-1"}), "roles", []any{"admin"}))

	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for range 100 {
				id, err := e.Verify(token)
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, "org-1", id.Profile.Custom["org"].(map[string]any)["id"])
				assert.Equal(t, "admin", id.Profile.Custom["roles"].([]any)[0])
				id.Profile.Custom["org"].(map[string]any)["id"] = fmt.Sprint("changed by ", w)
				id.Profile.Custom["roles"].([]any)[0] = "root"
			}
		})
	}
	wg.Wait()
}

// A WithClaimsFunc function sees every request: a user it starts refusing
// (banned meanwhile) is refused from the next request on, not served from
// the cache for its maximum age.
func TestClaimsFuncRunsOnEveryRequest(t *testing.T) {
	t.Parallel()
	k := keys()
	var banned atomic.Bool
	mapperOpts := []identity.ClaimsOption{identity.WithClaimsFunc(func(_ identity.Claims, id *identity.Identity) error {
		if banned.Load() {
			return errors.New("banned")
		}
		return nil
	})}
	e, err := New(HMACKey(k.hmac256), withClock(func() time.Time { return testNow }), WithClaimsOptions(mapperOpts...))
	require.NoError(t, err)
	token := sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims())
	_, err = e.Verify(token)
	require.NoError(t, err)
	_, err = e.Verify(token)
	require.NoError(t, err)

	banned.Store(true)
	_, err = e.Verify(token)
	assert.ErrorContains(t, err, "banned")
}

// rotating is a RotatingKeySource whose key set a test replaces, as a JWKS
// refresh does (identity/jwks tests the real one against a server).
type rotating struct {
	mu   sync.Mutex
	keys map[string]any // by kid
	gen  atomic.Uint64
}

func newRotating(keys map[string]any) *rotating { return &rotating{keys: keys} }

func (r *rotating) Algorithms() []string { return []string{"ES256"} }

func (r *rotating) VerificationKey(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	r.mu.Lock()
	defer r.mu.Unlock()
	if k, ok := r.keys[kid]; ok {
		return k, nil
	}
	return nil, ErrUnknownKey
}

func (r *rotating) Generation() uint64 { return r.gen.Load() }

func (r *rotating) set(keys map[string]any) {
	r.mu.Lock()
	r.keys = keys
	r.mu.Unlock()
	r.gen.Add(1)
}

// The index is a shortcut: a token it has no room for (its probe window
// full) is still found, in the map; one dropped leaves no slot behind.
func TestTokenCacheIndexOverflowsIntoTheMap(t *testing.T) {
	t.Parallel()
	c, err := NewCache[int](1000, 1<<20, time.Hour, 0)
	require.NoError(t, err)
	now := time.Now()
	exp := now.Add(time.Hour)
	// Tokens that land in one shard (the same last bytes) and, forced, in
	// one probe window: more than it holds.
	s := c.shard("x.y.z-same-tail")
	var tokens []string
	for i := range indexProbes + 3 {
		token := fmt.Sprintf("t%d.y.z-same-tail", i)
		require.Same(t, s, c.shard(token))
		tokens = append(tokens, token)
	}
	window := tokens[0]
	for i, token := range tokens {
		e := &tokenEntry[int]{token: token, tag: c.tagOf(window), value: i, notAfter: unixNano(exp.Add(time.Duration(i) * time.Minute)), size: 1}
		s.mu.Lock()
		s.order[(s.head+s.n)%len(s.order)] = e
		s.n++
		s.entries[token] = e
		s.indexPut(e)
		s.mu.Unlock()
		c.count.Add(1)
	}
	inIndex := 0
	for _, token := range tokens {
		v, ok := c.Get(token, now, 0)
		require.True(t, ok, token)
		assert.Equal(t, token, tokens[*v])
		if s.find(token, c.tagOf(window)) != nil {
			inIndex++
		}
	}
	assert.Equal(t, indexProbes, inIndex, "the window holds %d; the rest are found in the map", indexProbes)

	s.mu.Lock()
	for _, token := range tokens {
		c.drop(s, s.entries[token])
	}
	s.mu.Unlock()
	for i := range s.index {
		assert.Nil(t, s.index[i].entry.Load(), "no slot outlives its entry")
	}
}
