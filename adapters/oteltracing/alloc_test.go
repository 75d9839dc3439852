package oteltracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/adapters/oteltracing"
	"github.com/autoidentify/autoidentify/identity"
)

// nopWriter is a ResponseWriter that costs nothing, so that only the
// middleware is measured.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// The middleware's own TestHitPathAllocatesNothing, with tracing on, inside
// a request span.
func TestHitPathAllocatesNothingWithTracing(t *testing.T) { // not parallel: AllocsPerRun counts the whole process
	tr := newTracing(t)
	tracer, err := oteltracing.New(oteltracing.WithTracerProvider(tr.tp))
	assert.NoError(t, err)
	dir, err := memory.New()
	require.NoError(t, err)
	m := newMiddleware(t, dir, tracer.Options()...)
	h := m.Handler(nop)
	ctx, span := tr.tp.Tracer("test").Start(context.Background(), "GET /")
	defer span.End()
	r := httptest.NewRequestWithContext(identity.NewContext(ctx, identity.Identity{Identifier: "ann"}), http.MethodGet, "/", nil)
	w := &nopWriter{h: http.Header{}}
	h.ServeHTTP(w, r)
	flush(t, m)
	before := m.Stats().Hits

	allocs := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) })
	assert.Zero(t, allocs)
	assert.Equal(t, before+101, m.Stats().Hits, "every run was a hit") // AllocsPerRun warms up once
	assert.Len(t, tr.named(oteltracing.SpanSync), 1, "hits make no span")
}
