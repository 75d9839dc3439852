package ginsession_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/ginidentify"
	"github.com/autoidentify/autoidentify/adapters/ginsession"
	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/middleware"
)

// TestSyncsThroughTheMiddleware runs the whole chain in a Gin engine:
// sessions, then autoidentify's Gin adapter, syncing to an in-memory
// directory. A forged session creates nobody.
func TestSyncsThroughTheMiddleware(t *testing.T) {
	t.Parallel()
	dir, err := memory.New()
	require.NoError(t, err)
	ext, err := ginsession.New()
	require.NoError(t, err)
	m, err := middleware.New(dir, middleware.WithExtractor(ext))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, m.Close(ctx))
	})
	store := cookie.NewStore(hashKey)

	engine := gin.New()
	engine.Use(sessions.Sessions(sessionName, store), identify(t, m))
	engine.GET("/", func(c *gin.Context) {
		id, _ := ginidentify.FromContext(c)
		c.String(http.StatusOK, "[%s]", id.Identifier)
	})
	get := func(cookie *http.Cookie) string {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, r)
		return w.Body.String()
	}

	assert.Equal(t, "[u-1]", get(loginDefault(t, store, map[string]any{"user_id": "u-1", "given_name": "Ann"})))
	assert.Equal(t, "[]", get(loginDefault(t, cookie.NewStore(otherKey), map[string]any{"user_id": "mallory"})))
	require.NoError(t, m.Flush(t.Context()))

	profile, ok := dir.User("u-1")
	require.True(t, ok, "the signed-in user was not synced")
	assert.Equal(t, "Ann", profile.FirstName)
	_, ok = dir.User("mallory")
	assert.False(t, ok, "a forged session's user was synced")
}

// identify is ginidentify.New for options the test knows to be valid.
func identify(tb testing.TB, m *middleware.Middleware, opts ...middleware.Option) gin.HandlerFunc {
	tb.Helper()
	h, err := ginidentify.New(m, opts...)
	require.NoError(tb, err)
	return h
}
