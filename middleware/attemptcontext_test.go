package middleware_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// What each attempt's context held, as the Directory and the attempt hook
// saw it.
type attemptSeen struct {
	first, second any
	deadline      bool
}

// Tracing's WithAttemptContext and the app's both apply, in the order given,
// before every call: the Directory gets the result with its timeout, and the
// attempt hooks get it too.
func TestAttemptContextsComposeAndReachTheCallAndTheHooks(t *testing.T) {
	t.Parallel()
	type firstKey struct{}
	type secondKey struct{}
	seen := func(ctx context.Context) attemptSeen {
		_, deadline := ctx.Deadline()
		return attemptSeen{ctx.Value(firstKey{}), ctx.Value(secondKey{}), deadline}
	}
	var mu sync.Mutex
	var calls, hooks []attemptSeen
	dir := directoryFunc(func(ctx context.Context, _ identity.Identity) error {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, seen(ctx))
		if len(calls) == 1 {
			return timeoutError{} // retried: a second attempt, a second context
		}
		return nil
	})
	m := newMiddleware(t, dir, (&timers{auto: true}).option(),
		middleware.WithAttemptContext(func(ctx context.Context, identifier string, attempt int) context.Context {
			return context.WithValue(ctx, firstKey{}, fmt.Sprintf("%s#%d", identifier, attempt))
		}),
		middleware.WithAttemptContext(func(ctx context.Context, _ string, _ int) context.Context {
			return context.WithValue(ctx, secondKey{}, ctx.Value(firstKey{}).(string)+" then second")
		}),
		middleware.WithAttemptHook(func(ctx context.Context, a middleware.Attempt) {
			mu.Lock()
			defer mu.Unlock()
			hooks = append(hooks, seen(ctx))
		}))
	ann := user("ann", "")
	serve(m.Handler(echo), &ann)
	flush(t, m)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []attemptSeen{
		{"ann#1", "ann#1 then second", true},
		{"ann#2", "ann#2 then second", true},
	}, calls, "the call's timeout on top")
	assert.Equal(t, []attemptSeen{
		{"ann#1", "ann#1 then second", false},
		{"ann#2", "ann#2 then second", false},
	}, hooks, "the hooks see what the functions added, not the call's timeout")
}

// Without WithAttemptContext, the attempt hooks get the job's context, as
// WithJobContext made it.
func TestAttemptHooksGetTheJobContextByDefault(t *testing.T) {
	t.Parallel()
	got := make(chan any, 1)
	m := newMiddleware(t, directoryFunc(func(context.Context, identity.Identity) error { return nil }),
		middleware.WithJobContext(func(req, job context.Context) context.Context {
			return context.WithValue(job, traceKey{}, req.Value(traceKey{}))
		}),
		middleware.WithAttemptHook(func(ctx context.Context, _ middleware.Attempt) { got <- ctx.Value(traceKey{}) }))
	ann := user("ann", "")
	serveCtx(context.WithValue(context.Background(), traceKey{}, "trace-3"), m.Handler(echo), &ann)
	assert.Equal(t, "trace-3", <-got)
}

// A panic deriving the context fails the call, which is never made, as a
// panic in the Directory would; the hooks still hear of it, with what the
// functions before the panicking one added, and the worker lives on.
func TestAPanicInAnAttemptContextFailsTheCall(t *testing.T) {
	t.Parallel()
	type key struct{}
	var mu sync.Mutex
	var called []string
	dir := directoryFunc(func(_ context.Context, id identity.Identity) error {
		mu.Lock()
		defer mu.Unlock()
		called = append(called, id.Identifier)
		return nil
	})
	var out outcomes
	var log logs
	hooked := make(chan any, 2)
	m := newMiddleware(t, dir, out.option(), log.option(), middleware.WithWorkers(1), middleware.WithMaxAttempts(1),
		middleware.WithAttemptContext(func(ctx context.Context, identifier string, _ int) context.Context {
			return context.WithValue(ctx, key{}, identifier)
		}),
		middleware.WithAttemptContext(func(ctx context.Context, identifier string, _ int) context.Context {
			if identifier == "boom" {
				panic("context exploded")
			}
			return ctx
		}),
		middleware.WithAttemptHook(func(ctx context.Context, a middleware.Attempt) {
			if a.Err != nil {
				hooked <- ctx.Value(key{})
			}
		}))
	h := m.Handler(echo)
	for _, name := range []string{"boom", "fine"} {
		id := user(name, "")
		serve(h, &id)
	}
	flush(t, m)

	assert.Equal(t, []string{"fine"}, called)
	assert.Equal(t, "boom", <-hooked)
	kinds := map[string]middleware.OutcomeKind{}
	for _, o := range out.all() {
		kinds[o.Identifier] = o.Kind
		if o.Identifier == "boom" {
			assert.ErrorIs(t, o.Err, middleware.ErrPanic)
		}
	}
	assert.Equal(t, map[string]middleware.OutcomeKind{"boom": middleware.Failed, "fine": middleware.Synced}, kinds)
	assert.Equal(t, 1, log.count(`msg="middleware: panic in WithAttemptContext"`))
}
