package middleware_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/autoidentify/autoidentify/identity"
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

func BenchmarkMiddleware(b *testing.B) {
	synced := signedIn(64)
	m := newMiddleware(b, noopDirectory{})
	hit := m.Handler(nop)
	for _, r := range synced {
		hit.ServeHTTP(&nopWriter{h: http.Header{}}, r)
	}
	flush(b, m)

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
