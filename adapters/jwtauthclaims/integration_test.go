package jwtauthclaims_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/jwtauth/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/autoidentify/autoidentify/adapters/jwtauthclaims"
	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/middleware"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSyncsThroughTheMiddleware runs Verifier (without Authenticator) in
// front of autoidentify's handler, syncing to an in-memory directory: the
// verified user is created, the holder of an expired token is not, though
// the request goes on.
func TestSyncsThroughTheMiddleware(t *testing.T) {
	t.Parallel()
	dir, err := memory.New()
	require.NoError(t, err)
	ext, err := jwtauthclaims.New()
	require.NoError(t, err)
	m, err := middleware.New(dir, middleware.WithExtractor(ext))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, m.Close(ctx))
	})
	ja := jwtauth.New("HS256", signKey, nil)
	app := jwtauth.Verifier(ja)(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})))
	serve := func(token string) int {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		return w.Code
	}

	assert.Equal(t, http.StatusNoContent, serve(sign(t, ja, map[string]any{"sub": "u-1", "given_name": "Ann"})))
	assert.Equal(t, http.StatusNoContent, serve(sign(t, ja, map[string]any{"sub": "mallory", "exp": time.Now().Add(-time.Minute).Unix()})))
	require.NoError(t, m.Flush(t.Context()))

	profile, ok := dir.User("u-1")
	require.True(t, ok, "the verified user was not synced")
	assert.Equal(t, "Ann", profile.FirstName)
	_, ok = dir.User("mallory")
	assert.False(t, ok, "an expired token's user was synced")
}
