package prommetrics_test

import (
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/middleware"
)

// nopWriter is a ResponseWriter that costs nothing, so that only the
// middleware is measured.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// The middleware's own TestHitPathAllocatesNothing, with metrics on: the
// collector's hooks installed, the collector registered and scraped.
func TestHitPathAllocatesNothingWithMetrics(t *testing.T) { // not parallel: AllocsPerRun counts the whole process
	dir, err := memory.New()
	require.NoError(t, err)
	m, c := instrumented(t, dir)
	h := m.Handler(nop)
	r, w := signedIn("ann"), &nopWriter{h: http.Header{}}
	h.ServeHTTP(w, r)
	flush(t, m)
	before := values(t, c)["autoidentify_cache_hits_total"]

	allocs := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) })
	assert.Zero(t, allocs)
	require.Equal(t, before+101, values(t, c)["autoidentify_cache_hits_total"], "every run was a hit") // AllocsPerRun warms up once
}

func BenchmarkHit(b *testing.B) {
	dir, err := memory.New()
	require.NoError(b, err)
	plain, err := middleware.New(dir)
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, plain.Close(b.Context())) })
	dir2, err := memory.New()
	require.NoError(b, err)
	metered, _ := instrumented(b, dir2)
	for _, bc := range []struct {
		name string
		m    *middleware.Middleware
	}{{"plain", plain}, {"metrics", metered}} {
		b.Run(bc.name, func(b *testing.B) {
			h := bc.m.Handler(nop)
			r, w := signedIn("ann"), &nopWriter{h: http.Header{}}
			h.ServeHTTP(w, r)
			flush(b, bc.m)
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		})
	}
}

// BenchmarkScrape is what one scrape of the collector costs: the registry
// gathering it, without the text encoding.
func BenchmarkScrape(b *testing.B) {
	dir, err := memory.New()
	require.NoError(b, err)
	m, c := instrumented(b, dir)
	serve(m.Handler(nop), "ann", "bob")
	flush(b, m)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
