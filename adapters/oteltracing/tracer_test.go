package oteltracing_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/oteltracing"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

func TestASyncIsOneSpanLinkedToItsRequestWithOneChildPerAttempt(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.FailUser("ann@example.com", 1, http.StatusInternalServerError)
	tr := newTracing(t)
	m := traced(t, tr, srv.URL())

	request := tr.serveTraced(m.Handler(nop), "ann@example.com")
	flush(t, m)

	syncs := tr.named(oteltracing.SpanSync)
	require.Len(t, syncs, 1)
	sync := syncs[0]
	assert.False(t, sync.Parent().IsValid(), "a sync outlives its request: a root of its own")
	assert.NotEqual(t, request.TraceID(), sync.SpanContext().TraceID())
	require.Len(t, sync.Links(), 1)
	assert.Equal(t, request, sync.Links()[0].SpanContext.WithRemote(false), "linked to the request that started it")
	assert.Equal(t, map[attribute.Key]any{
		"autoidentify.user.hash":     sha256Hex16("ann@example.com"),
		"autoidentify.sync.outcome":  "synced",
		"autoidentify.sync.attempts": int64(2),
	}, attrs(sync))
	assert.Equal(t, sdktrace.Status{Code: codes.Unset}, sync.Status())
	assert.Equal(t, trace.SpanKindInternal, sync.SpanKind())

	attempts := tr.childrenOf(sync)
	require.Len(t, attempts, 2)
	for i, a := range attempts {
		assert.Equal(t, oteltracing.SpanUpsert, a.Name())
		assert.Equal(t, sync.SpanContext().TraceID(), a.SpanContext().TraceID())
		assert.Equal(t, trace.SpanKindClient, a.SpanKind())
		assert.Equal(t, int64(i+1), attrs(a)["autoidentify.attempt"])
		assert.False(t, a.StartTime().Before(sync.StartTime()), "attempt %d starts within the sync", i+1)
		assert.False(t, a.EndTime().After(sync.EndTime()), "attempt %d ends within the sync", i+1)
		assert.False(t, a.EndTime().Before(a.StartTime()))
	}
	assert.Equal(t, map[attribute.Key]any{
		"autoidentify.attempt":      int64(1),
		"http.response.status_code": int64(500),
		"error.type":                "server_error",
	}, attrs(attempts[0]))
	assert.Equal(t, sdktrace.Status{Code: codes.Error, Description: "server_error"}, attempts[0].Status())
	assert.Equal(t, map[attribute.Key]any{"autoidentify.attempt": int64(2)}, attrs(attempts[1]))
	assert.Equal(t, sdktrace.Status{Code: codes.Unset}, attempts[1].Status())
	assert.False(t, attempts[0].EndTime().After(attempts[1].StartTime()), "attempts follow each other")
}

func TestFailuresMarkTheSpans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		attempts  int
		reason    string
		hasStatus bool
		probe     bool
	}{
		{"rate limited", http.StatusTooManyRequests, 2, "rate_limited", true, false},
		{"server error", http.StatusBadGateway, 2, "server_error", true, false},
		{"credentials rejected", http.StatusUnauthorized, 2, "unauthorized", true, true},
		{"profile refused", http.StatusUnprocessableEntity, 1, "client_error", true, false}, // never retried
		{"no answer", 0, 2, "network", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			baseURL := unreachable(t)
			if tt.status != 0 {
				srv := engagespottest.NewServer(t)
				srv.FailAlways(tt.status)
				baseURL = srv.URL()
			}
			tr := newTracing(t)
			// One worker: it hears the breaker's verdict on the first call
			// before it can make the second, so the probe is deterministic.
			m := traced(t, tr, baseURL, middleware.WithMaxAttempts(2), middleware.WithWorkers(1))

			tr.serveTraced(m.Handler(nop), "ann@example.com")
			flush(t, m)

			syncs := tr.named(oteltracing.SpanSync)
			require.Len(t, syncs, 1)
			assert.Equal(t, map[attribute.Key]any{
				"autoidentify.user.hash":     sha256Hex16("ann@example.com"),
				"autoidentify.sync.outcome":  "failed",
				"autoidentify.sync.attempts": int64(tt.attempts),
				"error.type":                 tt.reason,
			}, attrs(syncs[0]))
			assert.Equal(t, sdktrace.Status{Code: codes.Error, Description: tt.reason}, syncs[0].Status())

			attempts := tr.childrenOf(syncs[0])
			require.Len(t, attempts, tt.attempts)
			for i, a := range attempts {
				want := map[attribute.Key]any{"autoidentify.attempt": int64(i + 1), "error.type": tt.reason}
				if tt.hasStatus {
					want["http.response.status_code"] = int64(tt.status)
				}
				if tt.probe && i == 1 {
					want["autoidentify.attempt.probe"] = true // rejected credentials paused the API: this call tested it
				}
				assert.Equal(t, want, attrs(a))
				assert.Equal(t, sdktrace.Status{Code: codes.Error, Description: tt.reason}, a.Status())
			}
		})
	}
}

// unreachable returns a base URL where nothing listens.
func unreachable(t *testing.T) string {
	t.Helper()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	return gone.URL + engagespottest.BasePath
}

// The identifier reaches no span: not its name, attributes, links, events or
// status, even when an error's text quotes it (a network error names the URL).
func TestTheRawIdentifierIsInNoSpan(t *testing.T) {
	t.Parallel()
	const identifier = "ann.secret@example.com"
	tr := newTracing(t)
	m := traced(t, tr, unreachable(t), middleware.WithMaxAttempts(2))

	tr.serveTraced(m.Handler(nop), identifier)
	flush(t, m)
	err := m.Ensure(context.Background(), identity.Identity{Identifier: identifier, Profile: identity.Profile{FirstName: "Ann"}})
	require.Error(t, err)
	require.Contains(t, err.Error(), identifier, "the error quotes it: the spans must not")

	spans := tr.rec.Ended()
	require.Len(t, tr.named(oteltracing.SpanSync), 2)
	require.Len(t, tr.named(oteltracing.SpanUpsert), 4)
	for _, stub := range tracetest.SpanStubsFromReadOnlySpans(spans) {
		dump, err := json.Marshal(stub) // everything the span holds
		require.NoError(t, err)
		assert.False(t, strings.Contains(string(dump), "ann.secret"), "span %s quotes the identifier", stub.Name)
		if stub.Name == oteltracing.SpanSync {
			assert.Contains(t, string(dump), sha256Hex16(identifier))
		}
	}
}

// Requests that join a sync under way add no span, and leave none open.
func TestJoinedRequestsShareOneSpan(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.Hang()
	tr := newTracing(t)
	m := traced(t, tr, srv.URL())
	h := m.Handler(nop)

	first := tr.serveTraced(h, "ann")
	require.NoError(t, srv.WaitHeld(t.Context(), 1))
	for range 3 {
		tr.serveTraced(h, "ann")
	}
	srv.Release()
	flush(t, m)

	syncs := tr.named(oteltracing.SpanSync)
	require.Len(t, syncs, 1)
	require.Len(t, syncs[0].Links(), 1)
	assert.Equal(t, first.SpanID(), syncs[0].Links()[0].SpanContext.SpanID(), "linked to the request that started it")
	assert.Len(t, tr.childrenOf(syncs[0]), 1)
	assert.Len(t, tr.rec.Started(), len(tr.rec.Ended()), "no span left open")
	assert.Len(t, tr.rec.Ended(), 4+1+1)
}

func TestDroppedSyncsAreTraced(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.Hang()
	tr := newTracing(t)
	m := traced(t, tr, srv.URL(), middleware.WithWorkers(1), middleware.WithQueueSize(1))
	h := m.Handler(nop)

	tr.serveTraced(h, "ann")
	require.NoError(t, srv.WaitHeld(t.Context(), 1))
	bob := tr.serveTraced(h, "bob") // the queue is full
	srv.Release()
	flush(t, m)

	var dropped []sdktrace.ReadOnlySpan
	for _, s := range tr.named(oteltracing.SpanSync) {
		if attrs(s)["autoidentify.sync.outcome"] == "dropped" {
			dropped = append(dropped, s)
		}
	}
	require.Len(t, dropped, 1)
	assert.Equal(t, map[attribute.Key]any{
		"autoidentify.user.hash":     sha256Hex16("bob"),
		"autoidentify.sync.outcome":  "dropped",
		"autoidentify.sync.attempts": int64(0),
		"error.type":                 "queue_full",
	}, attrs(dropped[0]))
	assert.Equal(t, sdktrace.Status{Code: codes.Error, Description: "queue_full"}, dropped[0].Status())
	require.Len(t, dropped[0].Links(), 1)
	assert.Equal(t, bob.SpanID(), dropped[0].Links()[0].SpanContext.SpanID())
	assert.Empty(t, tr.childrenOf(dropped[0]))
}

func TestARequestWithoutASpanGivesAnUnlinkedSync(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	tr := newTracing(t)
	m := traced(t, tr, srv.URL())

	serveCtx(context.Background(), m.Handler(nop), "ann")
	flush(t, m)

	syncs := tr.named(oteltracing.SpanSync)
	require.Len(t, syncs, 1)
	assert.Empty(t, syncs[0].Links())
	assert.Equal(t, "synced", attrs(syncs[0])["autoidentify.sync.outcome"])
	assert.Len(t, tr.childrenOf(syncs[0]), 1)
}

// Ensure's caller is the request: the sync links to its span.
func TestEnsureLinksToItsCaller(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	tr := newTracing(t)
	m := traced(t, tr, srv.URL())

	ctx, span := tr.tp.Tracer("test").Start(context.Background(), "notify")
	require.NoError(t, m.Ensure(ctx, identity.Identity{Identifier: "ann"}))
	span.End()

	syncs := tr.named(oteltracing.SpanSync)
	require.Len(t, syncs, 1)
	require.Len(t, syncs[0].Links(), 1)
	assert.Equal(t, span.SpanContext().SpanID(), syncs[0].Links()[0].SpanContext.SpanID())
}

// An identifier the middleware refuses before any job still gets its span.
func TestARefusedIdentifierIsTraced(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	tr := newTracing(t)
	m := traced(t, tr, srv.URL())

	tr.serveTraced(m.Handler(nop), "ann\x00")
	flush(t, m)

	syncs := tr.named(oteltracing.SpanSync)
	require.Len(t, syncs, 1)
	assert.Equal(t, map[attribute.Key]any{
		"autoidentify.user.hash":     sha256Hex16("ann\x00"),
		"autoidentify.sync.outcome":  "failed",
		"autoidentify.sync.attempts": int64(0),
		"error.type":                 "client_error",
	}, attrs(syncs[0]))
	assert.Equal(t, 0, srv.Calls())
}

// The app's own WithJobContext, before or after the tracer's, keeps working,
// and so does the tracer's.
func TestComposesWithTheAppsJobContext(t *testing.T) {
	t.Parallel()
	type appKey struct{}
	appContext := middleware.WithJobContext(func(req, job context.Context) context.Context {
		return context.WithValue(job, appKey{}, req.Value(appKey{}))
	})
	for _, appFirst := range []bool{true, false} {
		srv := engagespottest.NewServer(t)
		tr := newTracing(t)
		tracer, err := oteltracing.New(oteltracing.WithTracerProvider(tr.tp))
		require.NoError(t, err)
		seen := make(chan any, 1)
		opts := append(tracer.Options(), middleware.WithAttemptHook(func(ctx context.Context, _ middleware.Attempt) {
			seen <- ctx.Value(appKey{})
		}))
		if appFirst {
			opts = append([]middleware.Option{appContext}, opts...)
		} else {
			opts = append(opts, appContext)
		}
		m := newMiddleware(t, client(t, srv.URL()), opts...)

		ctx, span := tr.tp.Tracer("test").Start(context.WithValue(context.Background(), appKey{}, "tenant-1"), "GET /")
		serveCtx(ctx, m.Handler(nop), "ann")
		span.End()
		flush(t, m)

		assert.Equal(t, "tenant-1", <-seen, "app first: %v", appFirst)
		syncs := tr.named(oteltracing.SpanSync)
		require.Len(t, syncs, 1)
		require.Len(t, syncs[0].Links(), 1, "app first: %v", appFirst)
		assert.Equal(t, span.SpanContext().SpanID(), syncs[0].Links()[0].SpanContext.SpanID())
	}
}

// A superseded sync (here: its user deleted while it waited to retry) is no
// failure: its span says so without an error status.
func TestSupersededSyncsAreNoFailure(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.AddFault(engagespottest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600"}) // come back in an hour
	tr := newTracing(t)
	m := traced(t, tr, srv.URL(), middleware.WithBackoff(time.Hour, time.Hour))
	tr.serveTraced(m.Handler(nop), "ann")
	require.NoError(t, srv.WaitCalls(t.Context(), 1))
	require.Eventually(t, func() bool { return m.Stats().InFlight == 0 }, time.Minute, time.Millisecond)
	require.NoError(t, m.Delete(t.Context(), "ann"))

	spans := tr.named(oteltracing.SpanSync)
	require.Len(t, spans, 1)
	assert.Equal(t, "superseded", attrs(spans[0])["autoidentify.sync.outcome"])
	assert.Equal(t, codes.Unset, spans[0].Status().Code)
}
