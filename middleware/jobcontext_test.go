package middleware_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// Tracing adds its WithJobContext, and the app may have its own: both apply,
// in the order given.
func TestJobContextsCompose(t *testing.T) {
	t.Parallel()
	type firstKey struct{}
	type secondKey struct{}
	got := make(chan [3]any, 1)
	dir := directoryFunc(func(ctx context.Context, _ identity.Identity) error {
		got <- [3]any{ctx.Value(firstKey{}), ctx.Value(secondKey{}), ctx.Value(traceKey{})}
		return nil
	})
	m := newMiddleware(t, dir,
		middleware.WithJobContext(func(req, job context.Context) context.Context {
			return context.WithValue(job, firstKey{}, req.Value(traceKey{}))
		}),
		middleware.WithJobContext(func(req, job context.Context) context.Context {
			return context.WithValue(job, secondKey{}, job.Value(firstKey{}).(string)+" then second")
		}))
	ann := user("ann", "")
	serveCtx(context.WithValue(context.Background(), traceKey{}, "first"), m.Handler(echo), &ann)
	assert.Equal(t, [3]any{"first", "first then second", nil}, <-got, "the request's own values stay behind")
}
