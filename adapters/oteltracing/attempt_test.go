package oteltracing_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/oteltracing"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// spanTransport starts a client span for each request from the request's
// context, as otelhttp's transport does.
type spanTransport struct {
	tracer trace.Tracer
	next   http.RoundTripper
}

func (s spanTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, span := s.tracer.Start(r.Context(), "HTTP "+r.Method, trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	return s.next.RoundTrip(r.WithContext(ctx))
}

// The spans the Directory starts from the context it gets (an instrumented
// http.Client's) are children of the attempt's span, one per call.
func TestTheDirectorysSpansAreChildrenOfTheAttempt(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.FailUser("ann", 1, http.StatusServiceUnavailable)
	tr := newTracing(t)
	c, err := engagespot.New(srv.APIKey, srv.APISecret, engagespot.WithBaseURL(srv.URL()),
		engagespot.WithHTTPClient(&http.Client{Transport: spanTransport{tr.tp.Tracer("http"), srv.HTTPClient().Transport}}))
	require.NoError(t, err)
	tracer, err := oteltracing.New(oteltracing.WithTracerProvider(tr.tp))
	require.NoError(t, err)
	m := newMiddleware(t, c, append(tracer.Options(), fast...)...)

	tr.serveTraced(m.Handler(nop), "ann")
	flush(t, m)

	syncs := tr.named(oteltracing.SpanSync)
	require.Len(t, syncs, 1)
	attempts := tr.childrenOf(syncs[0])
	require.Len(t, attempts, 2)
	for i, a := range attempts {
		assert.Equal(t, oteltracing.SpanUpsert, a.Name())
		assert.Equal(t, int64(i+1), attrs(a)["autoidentify.attempt"])
		calls := tr.childrenOf(a)
		require.Len(t, calls, 1, "attempt %d", i+1)
		call := calls[0]
		assert.Equal(t, "HTTP PUT", call.Name())
		assert.Equal(t, syncs[0].SpanContext().TraceID(), call.SpanContext().TraceID())
		assert.False(t, call.StartTime().Before(a.StartTime()), "the call starts within its attempt")
		assert.False(t, call.EndTime().After(a.EndTime()), "the call ends within its attempt")
	}
	assert.Equal(t, sdktrace.Status{Code: codes.Error, Description: "server_error"}, attempts[0].Status())
	assert.Equal(t, int64(503), attrs(attempts[0])["http.response.status_code"])
	assert.Equal(t, sdktrace.Status{Code: codes.Unset}, attempts[1].Status())
	assert.Len(t, tr.rec.Started(), len(tr.rec.Ended()), "no span left open")
}

// When an attempt context given before the tracer's panics, the tracer's
// never runs: the attempt's span is still recorded, after the fact, and
// none is left open.
func TestAnAttemptIsTracedWhenAnEarlierAttemptContextPanics(t *testing.T) {
	t.Parallel()
	var calls []context.Context
	dir := directoryFunc(func(ctx context.Context, _ identity.Identity) error {
		calls = append(calls, ctx) // one worker: no race
		return nil
	})
	tr := newTracing(t)
	tracer, err := oteltracing.New(oteltracing.WithTracerProvider(tr.tp))
	require.NoError(t, err)
	opts := []middleware.Option{
		middleware.WithWorkers(1),
		middleware.WithAttemptContext(func(ctx context.Context, _ string, attempt int) context.Context {
			if attempt == 1 {
				panic("app context exploded")
			}
			return ctx
		}),
	}
	m := newMiddleware(t, dir, append(append(opts, tracer.Options()...), fast...)...)

	tr.serveTraced(m.Handler(nop), "ann")
	flush(t, m)

	require.Len(t, calls, 1, "the first attempt failed before its call")
	syncs := tr.named(oteltracing.SpanSync)
	require.Len(t, syncs, 1)
	attempts := tr.childrenOf(syncs[0])
	require.Len(t, attempts, 2)
	assert.Equal(t, int64(1), attrs(attempts[0])["autoidentify.attempt"])
	assert.Equal(t, sdktrace.Status{Code: codes.Error, Description: "other"}, attempts[0].Status())
	assert.Equal(t, int64(2), attrs(attempts[1])["autoidentify.attempt"])
	assert.Equal(t, sdktrace.Status{Code: codes.Unset}, attempts[1].Status())
	assert.Equal(t, attempts[1].SpanContext(), trace.SpanContextFromContext(calls[0]),
		"the second call ran inside its attempt's span")
	assert.Len(t, tr.rec.Started(), len(tr.rec.Ended()), "no span left open")
}

// directoryFunc adapts a function to a Directory.
type directoryFunc func(context.Context, identity.Identity) error

func (f directoryFunc) Upsert(ctx context.Context, id identity.Identity) error { return f(ctx, id) }
