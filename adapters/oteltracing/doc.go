// Package oteltracing traces the autoidentify middleware's background
// syncs with OpenTelemetry (go.opentelemetry.io/otel). It uses the API only:
// the app brings its SDK and exporter (OTLP, Jaeger, stdout...).
//
// # Use
//
// A *Tracer's Options install a job context, an attempt context and two
// hooks in the Middleware:
//
//	tracer, err := oteltracing.New() // the global provider; or WithTracerProvider
//	m, err := middleware.New(dir, append(tracer.Options(), middleware.WithWorkers(8))...)
//
// Requests are traced by the app's own instrumentation (otelhttp, otelgin);
// put it outside the middleware so that a sync can link to the request's span.
// The app may add its own middleware.WithJobContext and WithAttemptContext:
// both apply.
//
// # Spans
//
// A sync outlives the request that started it, so it is a trace of its own,
// with a link to the request's span (or to the span of the caller of
// Middleware.Ensure), not a child of it:
//
//	autoidentify.sync      one per sync, from its start to its outcome (internal)
//	  autoidentify.upsert  one per API call: retries and probes too (client)
//
// Each upsert span is started before its API call, in the context the
// Directory gets, so the spans the Directory starts from that context (an
// otelhttp transport in the Engagespot client's http.Client, say) are its
// children. Requests that join a sync already under way add no span, and no
// span is left open: an upsert span ends when its call returns, a sync span
// with its outcome. Attributes:
//
//	autoidentify.user.hash      the user, hashed (below)                      sync
//	autoidentify.sync.outcome   synced, dropped or failed                     sync
//	autoidentify.sync.attempts  API calls made                                sync
//	autoidentify.attempt        1 for the sync's first call                   upsert
//	autoidentify.attempt.probe  true for the call testing a paused API        upsert
//	http.response.status_code   the API's answer, when it failed with one     upsert
//	error.type                  the middleware.Reason: rate_limited,          both
//	                            unauthorized, client_error, server_error,
//	                            network, profile_loader, queue_full,
//	                            closed, other
//
// A failed call, and a sync that did not end synced, has status Error with
// the reason as its description. Error messages are not recorded: they may
// quote the identifier (a network error names the URL).
//
// # The user hash
//
// No span carries the raw identifier, often an email address. They carry the
// first 64 bits of its SHA-256, in hex (HashLen characters), which
// Tracer.Hash computes to find a user's syncs:
//
//	printf %s "$identifier" | sha256sum | cut -c1-16
//
// Anyone able to guess an identifier can check a plain hash against the
// traces; WithHashKey makes it an HMAC under a secret key instead.
//
// # Cost
//
// Nothing on the request path when the user is synced already: the attempt
// context and the hooks run on the background workers, and the job context
// is made only when a request needs a sync.
package oteltracing
