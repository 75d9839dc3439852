package oteltracing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
	"github.com/autoidentify/autoidentify/middleware"
)

// ScopeName is the instrumentation scope of the spans.
const ScopeName = "github.com/autoidentify/autoidentify/adapters/oteltracing"

// Span names.
const (
	SpanSync   = "autoidentify.sync"   // one background sync of one user, from start to outcome
	SpanUpsert = "autoidentify.upsert" // one API call of a sync
)

// HashLen is the length of a user hash: the first 64 bits of the digest, in
// hex, plenty to find a user's spans and short enough to read.
const HashLen = identity.HashLen

// Attributes.
const (
	keyUserHash   = attribute.Key("autoidentify.user.hash")
	keyOutcome    = attribute.Key("autoidentify.sync.outcome")
	keyAttempts   = attribute.Key("autoidentify.sync.attempts")
	keyAttempt    = attribute.Key("autoidentify.attempt")
	keyProbe      = attribute.Key("autoidentify.attempt.probe")
	keyErrorType  = attribute.Key("error.type")                // OpenTelemetry semantic conventions
	keyHTTPStatus = attribute.Key("http.response.status_code") // idem
)

// Tracer traces a Middleware's background syncs. It is safe for concurrent
// use and may serve several Middlewares.
type Tracer struct {
	tracer  trace.Tracer
	hashKey []byte
}

// New returns a Tracer; give its Options to middleware.New. A bad option
// fails with a *identity.ConfigError.
func New(opts ...Option) (*Tracer, error) {
	var c config
	if err := options.Apply(&c, opts); err != nil {
		return nil, fmt.Errorf("oteltracing: %w", err)
	}
	if c.provider == nil {
		c.provider = otel.GetTracerProvider()
	}
	return &Tracer{tracer: c.provider.Tracer(ScopeName), hashKey: c.hashKey}, nil
}

// Options returns what middleware.New needs to trace: a job context that
// remembers the triggering request's span, an attempt context that starts
// each API call's span before the call, and the attempt and outcome hooks
// that end the spans.
func (t *Tracer) Options() []middleware.Option {
	return []middleware.Option{
		middleware.WithJobContext(t.jobContext),
		middleware.WithAttemptContext(t.attemptContext),
		middleware.WithAttemptHook(t.attempt),
		middleware.WithOutcomeHook(t.outcome),
	}
}

// Hash returns the user hash the spans carry for identifier, to find a user's
// syncs in the traces. Without WithHashKey it is identity.ShortHash, the
// user_hash of the middleware's logs: printf %s "$id" | sha256sum | cut -c1-16.
func (t *Tracer) Hash(identifier string) string {
	if t.hashKey == nil {
		return identity.ShortHash(identifier)
	}
	var sum [sha256.Size]byte
	mac := hmac.New(sha256.New, t.hashKey)
	mac.Write([]byte(identifier))
	mac.Sum(sum[:0])
	return hex.EncodeToString(sum[:HashLen/2])
}

// String, GoString and LogValue never show the hash key.
func (t Tracer) String() string {
	if t.hashKey != nil {
		return "oteltracing.Tracer{hash key: [redacted]}"
	}
	return "oteltracing.Tracer{}"
}

func (t Tracer) GoString() string { return t.String() }

func (t Tracer) LogValue() slog.Value { return slog.StringValue(t.String()) }

// A sync's span cannot start when its job context is made: that context is
// thrown away when the request joins a sync already under way, and its span
// would never end. So the job context only remembers the request's span and
// the time, and the sync span starts, dated from the job's start, at the
// first attempt or at the outcome, whichever comes first; the outcome ends
// it. An attempt's span starts in the attempt context, just before the call,
// as a child of the sync span, so that the spans the Directory starts from
// the context it gets are its children; the attempt hook, which the
// middleware calls after every attempt context, ends it.
type (
	jobKey     struct{}
	attemptKey struct{}
)

type syncSpan struct {
	link  trace.SpanContext // the triggering request's span, if it had one
	start time.Time

	mu   sync.Mutex
	span trace.Span // nil until started
}

func (t *Tracer) jobContext(req, job context.Context) context.Context {
	return context.WithValue(job, jobKey{}, &syncSpan{link: trace.SpanContextFromContext(req), start: time.Now()})
}

// syncSpanOf returns the sync span of the job ctx belongs to, starting it if
// need be; nil for a context without a job.
func (t *Tracer) syncSpanOf(ctx context.Context, identifier string) trace.Span {
	s, _ := ctx.Value(jobKey{}).(*syncSpan)
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.span == nil {
		opts := []trace.SpanStartOption{
			trace.WithTimestamp(s.start),
			trace.WithAttributes(keyUserHash.String(t.Hash(identifier))),
		}
		if s.link.IsValid() {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: s.link}))
		}
		_, s.span = t.tracer.Start(ctx, SpanSync, opts...)
	}
	return s.span
}

// attemptContext starts the span of an API call, in the context the call
// gets.
func (t *Tracer) attemptContext(ctx context.Context, identifier string, attempt int) context.Context {
	parent := t.syncSpanOf(ctx, identifier)
	if parent == nil {
		return ctx // a job context WithJobContext did not make: nothing to attach to
	}
	ctx, span := t.tracer.Start(trace.ContextWithSpan(ctx, parent), SpanUpsert,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(keyAttempt.Int(attempt)))
	return context.WithValue(ctx, attemptKey{}, span)
}

// attempt ends the span attemptContext started for the call. Without one
// (an attempt context before the tracer's panicked) it records the span
// after the fact, from the call's own times.
func (t *Tracer) attempt(ctx context.Context, a middleware.Attempt) {
	var end []trace.SpanEndOption
	span, _ := ctx.Value(attemptKey{}).(trace.Span)
	if span == nil {
		parent := t.syncSpanOf(ctx, a.Identifier)
		if parent == nil {
			return // a job context WithJobContext did not make: nothing to attach to
		}
		_, span = t.tracer.Start(trace.ContextWithSpan(ctx, parent), SpanUpsert, trace.WithTimestamp(a.Start),
			trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(keyAttempt.Int(a.Number)))
		end = append(end, trace.WithTimestamp(a.Start.Add(a.Duration)))
	}
	if a.Probe {
		span.SetAttributes(keyProbe.Bool(true))
	}
	if a.Err != nil {
		if status, ok := httpStatus(a.Err); ok && status > 0 {
			span.SetAttributes(keyHTTPStatus.Int(status))
		}
		fail(span, middleware.Classify(a.Err))
	}
	span.End(end...)
}

func (t *Tracer) outcome(ctx context.Context, o middleware.Outcome) {
	span := t.syncSpanOf(ctx, o.Identifier)
	if span == nil {
		// No job: the middleware refused the identifier outright.
		_, span = t.tracer.Start(ctx, SpanSync, trace.WithTimestamp(time.Now().Add(-o.Duration)),
			trace.WithAttributes(keyUserHash.String(t.Hash(o.Identifier))))
	}
	span.SetAttributes(keyOutcome.String(o.Kind.String()), keyAttempts.Int(o.Attempts))
	// Superseded is no failure: a newer profile or a deletion came first,
	// as it should.
	if o.Kind != middleware.Synced && o.Kind != middleware.Superseded {
		fail(span, o.Reason)
	}
	span.End()
}

// fail marks span failed with the reason alone: an error's text may quote
// the identifier (a URL in a network error), which must stay out of traces.
func fail(span trace.Span, reason middleware.Reason) {
	if reason == "" {
		reason = middleware.ReasonOther
	}
	span.SetAttributes(keyErrorType.String(string(reason)))
	span.SetStatus(codes.Error, string(reason))
}

// httpStatus reads the status the middleware.Directory contract describes.
func httpStatus(err error) (int, bool) {
	var s interface{ HTTPStatus() int }
	if errors.As(err, &s) {
		return s.HTTPStatus(), true
	}
	return 0, false
}
