package oteltracing_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/adapters/oteltracing"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// Trace each background sync, linked to the request that started it.
func Example() {
	// The app's own SDK setup; in production, an OTLP exporter and
	// otel.SetTracerProvider, and no WithTracerProvider below.
	exporter := tracetest.NewInMemoryExporter()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer provider.Shutdown(context.Background())

	tracer, err := oteltracing.New(oteltracing.WithTracerProvider(provider))
	if err != nil {
		panic(err)
	}
	dir, err := memory.New()
	if err != nil {
		panic(err)
	}
	m, err := middleware.New(dir, tracer.Options()...)
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())

	// A request of a signed-in user, in a span (otelhttp would start it).
	ctx, span := provider.Tracer("app").Start(context.Background(), "GET /inbox")
	ctx = identity.NewContext(ctx, identity.Identity{Identifier: "user-1"})
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/inbox", nil)
	m.Handler(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), r)
	span.End()
	_ = m.Flush(context.Background()) // a test's shortcut: the sync runs in the background

	for _, s := range exporter.GetSpans() {
		if s.Name == oteltracing.SpanUpsert || s.Name == oteltracing.SpanSync {
			fmt.Println(s.Name, s.Status.Code, sortedAttributes(s.Attributes))
		}
		if s.Name == oteltracing.SpanSync {
			fmt.Println("  linked to the request:", s.Links[0].SpanContext.SpanID() == span.SpanContext().SpanID())
			fmt.Println("  user-1's hash:", tracer.Hash("user-1"))
		}
	}
	// Output:
	// autoidentify.upsert Unset [autoidentify.attempt=1]
	// autoidentify.sync Unset [autoidentify.sync.attempts=1 autoidentify.sync.outcome=synced autoidentify.user.hash=c6c289e49e9c05b2]
	//   linked to the request: true
	//   user-1's hash: c6c289e49e9c05b2
}

func sortedAttributes(kvs []attribute.KeyValue) []string {
	var out []string
	for _, kv := range kvs {
		out = append(out, string(kv.Key)+"="+kv.Value.String())
	}
	slices.Sort(out)
	return out
}
