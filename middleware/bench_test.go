package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
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

// BenchmarkMiddleware measures a request through the middleware, the
// handler doing nothing, against the handler alone (baseline). See
// BENCHMARKS.md for the commands and the numbers.
func BenchmarkMiddleware(b *testing.B) {
	synced := signedIn(64)
	m := newMiddleware(b, noopDirectory{})
	hit := m.Handler(nop)
	for _, r := range synced {
		hit.ServeHTTP(&nopWriter{h: http.Header{}}, r)
	}
	flush(b, m)

	// The same users, from HS256 tokens the route verifies itself.
	jwtExtractor, err := jwtverify.New(jwtverify.HMACKey(benchSecret))
	require.NoError(b, err)
	tokens := withTokens(b, len(synced))
	hitJWT := with(b, m, middleware.WithExtractor(jwtExtractor)).Handler(nop)
	for _, r := range tokens {
		hitJWT.ServeHTTP(&nopWriter{h: http.Header{}}, r)
	}
	flush(b, m)
	require.Equal(b, uint64(len(synced)), m.Stats().Queued, "the tokens' users are the users synced already")

	// A cache of one user makes every request a miss, in turn starting a
	// sync, joining one, or being dropped when the queue is full.
	missing := newMiddleware(b, noopDirectory{}, middleware.WithCacheSize(1))
	anonymous := []*http.Request{httptest.NewRequest(http.MethodGet, "/", nil)}

	cases := []struct {
		name string
		h    http.Handler
		reqs []*http.Request
	}{
		{"baseline", nop, synced},              // the handler without the middleware
		{"hit", hit, synced},                   // the user is synced already
		{"hit-jwt", hitJWT, tokens},            // the same, the user from a token the route verifies
		{"none", hit, anonymous},               // no user in the request
		{"miss", missing.Handler(nop), synced}, // the user needs a sync
	}
	for _, c := range cases {
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
