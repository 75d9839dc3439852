// Package adaptertest is what the tests of the framework and claims
// adapters share: a Middleware syncing through the real Engagespot client
// to a fake of its API, and a wait for its syncs.
package adaptertest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/middleware"
)

// waitLimit bounds Flush: reaching it means a lost sync, not a slow machine.
const waitLimit = 10 * time.Second

// Setup returns a Middleware with opts syncing to a fake of the API, both
// closed when the test ends.
func Setup(tb testing.TB, opts ...middleware.Option) (*middleware.Middleware, *engagespottest.Server) {
	tb.Helper()
	api := engagespottest.NewServer(tb)
	client, err := engagespot.New(api.APIKey, api.APISecret, engagespot.WithBaseURL(api.URL()), engagespot.WithHTTPClient(api.HTTPClient()))
	require.NoError(tb, err)
	m, err := middleware.New(client, opts...)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = m.Close(context.Background()) })
	return m, api
}

// Flush waits until every sync m started has ended.
func Flush(tb testing.TB, m *middleware.Middleware) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	require.NoError(tb, m.Flush(ctx))
}
