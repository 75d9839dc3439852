package ginjwt_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	jwt "github.com/appleboy/gin-jwt/v2"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	autoidentifygin "github.com/autoidentify/autoidentify/adapters/gin"
	"github.com/autoidentify/autoidentify/adapters/ginjwt"
	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// TestSyncsThroughTheMiddleware runs the whole chain in a Gin engine:
// gin-jwt, ExposeContext, then autoidentify's Gin adapter, syncing to an
// in-memory directory. Only verified users are created.
func TestSyncsThroughTheMiddleware(t *testing.T) {
	t.Parallel()
	dir := memory.New()
	ext, err := ginjwt.New()
	require.NoError(t, err)
	m, err := middleware.New(dir, middleware.WithExtractor(ext))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, m.Close(ctx))
	})
	auth := newAuth(t, signKey, nil, true) // DisabledAbort: rejected requests go on
	past := newAuth(t, signKey, func() time.Time { return time.Now().Add(-2 * time.Hour) }, true)

	engine := gin.New()
	engine.Use(auth.MiddlewareFunc(), ginjwt.ExposeContext, autoidentifygin.New(m))
	engine.GET("/", func(c *gin.Context) {
		id, _ := identity.FromContext(c.Request.Context())
		c.String(http.StatusOK, "[%s]", id.Identifier)
	})
	get := func(token string) string {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, r)
		return w.Body.String()
	}

	assert.Contains(t, get(token(t, auth, jwt.MapClaims{"identity": "ann", "email": "ann@example.com"})), "[ann]")
	assert.Contains(t, get(token(t, past, jwt.MapClaims{"identity": "mallory"})), "[]")
	require.NoError(t, m.Flush(t.Context()))

	profile, ok := dir.User("ann")
	require.True(t, ok, "the verified user was not synced")
	assert.Equal(t, "ann@example.com", profile.Email)
	_, ok = dir.User("mallory")
	assert.False(t, ok, "an expired token's user was synced")
}
