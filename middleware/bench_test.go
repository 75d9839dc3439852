package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/internal/alternate"
	"github.com/autoidentify/autoidentify/middleware"
)

// nopWriter is a ResponseWriter that costs nothing, so that the benchmarks
// measure the middleware alone.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

var nop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// signedIn returns n requests of n users with a typical profile (what the
// OpenID Connect claims give), each already in its request's context, as an
// auth middleware would leave it.
func signedIn(n int) []*http.Request {
	reqs := make([]*http.Request, n)
	for i := range reqs {
		id := identity.Identity{
			Identifier: fmt.Sprintf("user-%07d", i),
			Profile: identity.Profile{
				Email: fmt.Sprintf("user%d@example.com", i), FirstName: "Ann", LastName: "Example",
			},
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		reqs[i] = r.WithContext(identity.NewContext(r.Context(), id))
	}
	return reqs
}

// benchSecret signs the tokens of BenchmarkMiddleware/hit-jwt (HS256).
var benchSecret = []byte("a benchmark secret of 32 bytes..")

// withTokens returns n requests of the users of signedIn(n), each with an
// HS256 token (the OpenID Connect claims of that profile) in its
// Authorization header instead of an identity in its context.
func withTokens(tb testing.TB, n int) []*http.Request {
	tb.Helper()
	reqs := make([]*http.Request, n)
	for i := range reqs {
		token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"sub": fmt.Sprintf("user-%07d", i), "email": fmt.Sprintf("user%d@example.com", i),
			"given_name": "Ann", "family_name": "Example",
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
		}).SignedString(benchSecret)
		require.NoError(tb, err)
		reqs[i] = httptest.NewRequest(http.MethodGet, "/", nil)
		reqs[i].Header.Set("Authorization", "Bearer "+token)
	}
	return reqs
}

func TestHitPathAllocatesNothing(t *testing.T) { // not parallel: AllocsPerRun counts the whole process
	m := newMiddleware(t, noopDirectory{})
	h := m.Handler(nop)
	r, w := signedIn(1)[0], &nopWriter{h: http.Header{}}
	h.ServeHTTP(w, r)
	flush(t, m)
	before := m.Stats().Hits

	allocs := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) })
	assert.Zero(t, allocs)
	assert.Equal(t, before+101, m.Stats().Hits, "every run was a hit") // AllocsPerRun warms up once
}

// A hit on a route verifying tokens allocates what its floor does (a copy
// of the request, and a context with the user), and fewer bytes: the
// context holds the cached identity, not a copy of it (a pointer to the
// jwtverify cache's identity.Verified).
func TestTokenHitAllocatesLessThanItsFloor(t *testing.T) { // not parallel: it counts the whole process's allocations
	m := newMiddleware(t, noopDirectory{})
	tokens, err := jwtverify.New(jwtverify.HMACKey(benchSecret))
	require.NoError(t, err)
	h := with(t, m, middleware.WithExtractor(tokens)).Handler(nop)
	r, w := withTokens(t, 1)[0], &nopWriter{h: http.Header{}}
	h.ServeHTTP(w, r)
	flush(t, m)
	h.ServeHTTP(w, r) // a hit that notes
	floor := floorJWT(t, []*http.Request{r})
	before := m.Stats().Hits

	perRun := func(h http.Handler) (allocs, bytes float64) {
		const runs = 100
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		for range runs {
			h.ServeHTTP(w, r)
		}
		runtime.ReadMemStats(&ms1)
		return float64(ms1.Mallocs-ms0.Mallocs) / runs, float64(ms1.TotalAlloc-ms0.TotalAlloc) / runs
	}
	allocs, bytes := perRun(h)
	floorAllocs, floorBytes := perRun(floor)
	assert.Equal(t, before+100, m.Stats().Hits, "every run was a hit")
	assert.LessOrEqual(t, allocs, floorAllocs)
	assert.Less(t, bytes, floorBytes)
	t.Logf("hit-jwt %.0f allocs, %.0f B; floor-jwt %.0f allocs, %.0f B", allocs, bytes, floorAllocs, floorBytes)
}

// BenchmarkMiddleware measures a request through the middleware, the
// handler doing nothing, against the handler alone (baseline) and against
// each path's floor, the least any middleware doing that work must do, in a
// working set of 64 and of 4 096 users or sessions, taken in turn:
//
//   - floor: read the user from the context, and look them up in a map of
//     synced users (what hit does, with nothing else);
//   - floor-jwt: read the bearer token, look it up in a map of verified
//     tokens, put the user in the request's context (what hit-jwt does);
//   - parse-hs256: golang-jwt's ParseWithClaims of the same tokens, which a
//     route without a verified-token cache runs on every request.
//
// bench/ratios prints each path over its floor. See BENCHMARKS.md.
func BenchmarkMiddleware(b *testing.B) {
	for _, c := range middlewareCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			w := &nopWriter{h: http.Header{}}
			i := 0
			for b.Loop() {
				c.h.ServeHTTP(w, c.reqs[i%len(c.reqs)])
				i++
			}
		})
		b.Run(c.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			var seq atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				w := &nopWriter{h: http.Header{}}
				i := int(seq.Add(1)) * 7919 // each goroutine starts on other users
				for pb.Next() {
					c.h.ServeHTTP(w, c.reqs[i%len(c.reqs)])
					i++
				}
			})
		})
	}
}

// BenchmarkOverFloor measures hit and hit-jwt against their floors, and hit
// against the handler alone (baseline), in alternating batches
// (internal/alternate, as BenchmarkJWTOverhead does for golang-jwt), so
// that what else the machine does, and the garbage collector, hit both
// alike. It reports the medians of the per-batch ratios and of the
// per-batch differences (what the path adds, in ns a request): the numbers
// to read on a busy machine, where BenchmarkMiddleware's separate runs drift
// apart. bench/ratios checks the goals against them where they ran. (Not
// against parse-hs256: its garbage, collected while the other batch runs,
// would be charged to it.)
func BenchmarkOverFloor(b *testing.B) {
	const batch = 50
	cases := map[string]bench{}
	for _, c := range middlewareCases(b) {
		cases[c.name] = c
	}
	for _, n := range []int{64, 4096} {
		set := fmt.Sprintf("users=%d/", n)
		for _, pair := range [][2]string{{"hit", "baseline"}, {"hit", "floor"}, {"hit-jwt", "floor-jwt"}} {
			path, floor := cases[set+pair[0]], cases[set+pair[1]]
			b.Run(set+pair[0]+"/"+pair[1], func(b *testing.B) {
				w := &nopWriter{h: http.Header{}}
				serve := func(c bench) func(int) {
					return func(i int) { c.h.ServeHTTP(w, c.reqs[i%len(c.reqs)]) }
				}
				alternate.Batches(b, batch, "path-ns/op", serve(path), "floor-ns/op", serve(floor))
			})
		}
	}
}

// bench is one path of BenchmarkMiddleware: a handler and the requests
// it serves, taken in turn.
type bench struct {
	name string
	h    http.Handler
	reqs []*http.Request
}

// middlewareCases builds the paths of BenchmarkMiddleware, their caches
// filled: every user synced, every token verified.
func middlewareCases(b *testing.B) []bench {
	var cases []bench
	for _, n := range []int{64, 4096} {
		synced := signedIn(n)
		m := newMiddleware(b, noopDirectory{})
		hit := m.Handler(nop)
		for _, r := range synced {
			hit.ServeHTTP(&nopWriter{h: http.Header{}}, r)
		}
		flush(b, m)

		// The same users, from HS256 tokens the route verifies itself.
		jwtExtractor, err := jwtverify.New(jwtverify.HMACKey(benchSecret))
		require.NoError(b, err)
		tokens := withTokens(b, n)
		hitJWT := with(b, m, middleware.WithExtractor(jwtExtractor)).Handler(nop)
		for _, r := range tokens {
			hitJWT.ServeHTTP(&nopWriter{h: http.Header{}}, r)
		}
		flush(b, m)
		require.Equal(b, uint64(n), m.Stats().Queued, "the tokens' users are the users synced already")

		prefix := fmt.Sprintf("users=%d/", n)
		cases = append(cases,
			bench{prefix + "baseline", nop, synced},                  // the handler without the middleware
			bench{prefix + "floor", floor(synced), synced},           // hit's floor
			bench{prefix + "hit", hit, synced},                       // the user is synced already
			bench{prefix + "floor-jwt", floorJWT(b, tokens), tokens}, // hit-jwt's floor
			bench{prefix + "hit-jwt", hitJWT, tokens},                // the same users, from a token the route verifies
			bench{prefix + "parse-hs256", parseHS256(b), tokens},     // golang-jwt, no cache
		)
		if n == 64 {
			// A cache of one user makes every request a miss, in turn starting a
			// sync, joining one, or being dropped when the queue is full.
			missing := newMiddleware(b, noopDirectory{}, middleware.WithCacheSize(1))
			anonymous := []*http.Request{httptest.NewRequest(http.MethodGet, "/", nil)}
			cases = append(cases,
				bench{prefix + "none", hit, anonymous},               // no user in the request
				bench{prefix + "miss", missing.Handler(nop), synced}, // the user needs a sync
			)
		}
	}
	return cases
}

// floor is hit's floor: the user read from the context, and looked up in a
// map of the synced users (read-only here: a real one needs a lock or a
// copy-on-write map, which this floor does without). The map's keys are
// copies, as in an app, whose requests bring identifiers in memory of their
// own: comparing a string with itself would skip reading it.
func floor(synced []*http.Request) http.Handler {
	known := make(map[string]uint64, len(synced))
	for _, r := range synced {
		id, _ := identity.FromContext(r.Context())
		known[strings.Clone(id.Identifier)] = 1 // not the request's memory, as a real map's keys
	}
	var misses atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := identity.FromContext(r.Context())
		if !ok || known[id.Identifier] == 0 {
			misses.Add(1) // never, in the benchmark
		}
		nop.ServeHTTP(w, r)
	})
}

// floorJWT is hit-jwt's floor: the bearer token read, looked up in a map of
// verified tokens, and its user put in the request's context.
func floorJWT(tb testing.TB, tokens []*http.Request) http.Handler {
	tb.Helper()
	verified := make(map[string]identity.Identity, len(tokens))
	v, err := jwtverify.New(jwtverify.HMACKey(benchSecret))
	require.NoError(tb, err)
	for _, r := range tokens {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		id, err := v.Verify(token)
		require.NoError(tb, err)
		verified[strings.Clone(token)] = id // not the request's memory, as a real map's keys
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		id, ok := verified[token]
		if !ok {
			nop.ServeHTTP(w, r)
			return
		}
		nop.ServeHTTP(w, r.WithContext(identity.NewContext(r.Context(), id)))
	})
}

// parseHS256 verifies the bearer token with golang-jwt's ParseWithClaims
// alone, as a route without a verified-token cache does on every request.
func parseHS256(tb testing.TB) http.Handler {
	tb.Helper()
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	key := func(*jwt.Token) (any, error) { return benchSecret, nil }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, err := parser.ParseWithClaims(token, jwt.MapClaims{}, key); err != nil {
			panic(err)
		}
		nop.ServeHTTP(w, r)
	})
}
