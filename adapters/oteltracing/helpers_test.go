package oteltracing_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/oteltracing"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// waitLimit bounds every wait: reaching it means a bug, never a slow machine.
const waitLimit = 10 * time.Second

// fast makes retries and pauses wait microseconds rather than seconds.
var fast = []middleware.Option{
	middleware.WithBackoff(time.Microsecond, time.Millisecond),
	middleware.WithPause(middleware.DefaultPauseAfter, time.Millisecond),
}

// tracing is an SDK tracer provider recording every span in memory.
type tracing struct {
	rec *tracetest.SpanRecorder
	tp  *sdktrace.TracerProvider
}

func newTracing(t testing.TB) *tracing {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { require.NoError(t, tp.Shutdown(context.Background())) })
	return &tracing{rec: rec, tp: tp}
}

// traced returns a Middleware syncing through the real Engagespot client to
// baseURL, traced into tr; t.Cleanup closes it.
func traced(t testing.TB, tr *tracing, baseURL string, opts ...middleware.Option) *middleware.Middleware {
	t.Helper()
	tracer, err := oteltracing.New(oteltracing.WithTracerProvider(tr.tp))
	require.NoError(t, err)
	return newMiddleware(t, client(t, baseURL), append(append(tracer.Options(), fast...), opts...)...)
}

func newMiddleware(t testing.TB, dir middleware.Directory, opts ...middleware.Option) *middleware.Middleware {
	t.Helper()
	m, err := middleware.New(dir, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		require.NoError(t, m.Close(ctx))
	})
	return m
}

func client(t testing.TB, baseURL string) *engagespot.Client {
	t.Helper()
	c, err := engagespot.New(engagespottest.DefaultAPIKey, engagespottest.DefaultAPISecret,
		engagespot.WithBaseURL(baseURL))
	require.NoError(t, err)
	return c
}

var nop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// serveTraced sends h a request of identifier inside a server span, as
// otelhttp would make, and returns that span's context.
func (tr *tracing) serveTraced(h http.Handler, identifier string) trace.SpanContext {
	ctx, span := tr.tp.Tracer("test").Start(context.Background(), "GET /", trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	serveCtx(ctx, h, identifier)
	return span.SpanContext()
}

func serveCtx(ctx context.Context, h http.Handler, identifier string) {
	id := identity.Identity{Identifier: identifier, Profile: identity.Profile{Email: "someone@example.com"}}
	r := httptest.NewRequestWithContext(identity.NewContext(ctx, id), http.MethodGet, "/", nil)
	h.ServeHTTP(httptest.NewRecorder(), r)
}

func flush(t testing.TB, m *middleware.Middleware) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	require.NoError(t, m.Flush(ctx))
}

// named returns the ended spans called name, in the order they ended.
func (tr *tracing) named(name string) []sdktrace.ReadOnlySpan {
	var spans []sdktrace.ReadOnlySpan
	for _, s := range tr.rec.Ended() {
		if s.Name() == name {
			spans = append(spans, s)
		}
	}
	return spans
}

// childrenOf returns the ended spans whose parent is span, in the order
// they ended.
func (tr *tracing) childrenOf(span sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	var spans []sdktrace.ReadOnlySpan
	for _, s := range tr.rec.Ended() {
		if s.Parent().SpanID() == span.SpanContext().SpanID() {
			spans = append(spans, s)
		}
	}
	return spans
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]any {
	m := map[attribute.Key]any{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value.AsInterface()
	}
	return m
}

// sha256Hex16 is the documented unkeyed user hash, computed independently.
func sha256Hex16(identifier string) string {
	sum := sha256.Sum256([]byte(identifier))
	return hex.EncodeToString(sum[:])[:16]
}
