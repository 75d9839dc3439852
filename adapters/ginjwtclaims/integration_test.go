package ginjwtclaims_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jwt "github.com/appleboy/gin-jwt/v2"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/ginidentify"
	"github.com/autoidentify/autoidentify/adapters/ginjwtclaims"
	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/middleware"
)

// TestSyncsThroughTheMiddleware runs the whole chain in a Gin engine:
// gin-jwt, then autoidentify's Gin adapter, syncing to an in-memory
// directory. Only verified users are created, and the token handler knows
// them too.
func TestSyncsThroughTheMiddleware(t *testing.T) {
	t.Parallel()
	dir, err := memory.New()
	require.NoError(t, err)
	ext, err := ginjwtclaims.New()
	require.NoError(t, err)
	m, err := middleware.New(dir, middleware.WithExtractor(ext), middleware.WithTokenSigner(signer{}))
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		assert.NoError(t, m.Close(ctx))
	})
	auth := newAuth(t, signKey, nil, true) // DisabledAbort: rejected requests go on
	past := newAuth(t, signKey, func() time.Time { return time.Now().Add(-2 * time.Hour) }, true)

	engine := gin.New()
	engine.Use(auth.MiddlewareFunc(), identify(t, m))
	engine.GET("/", func(c *gin.Context) {
		id, _ := ginidentify.FromContext(c)
		c.String(http.StatusOK, "[%s]", id.Identifier)
	})
	engine.GET("/token", tokenHandler(t, m))
	get := func(path, token string) string {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, r)
		return w.Body.String()
	}
	annToken := token(t, auth, jwt.MapClaims{"identity": "ann", "email": "ann@example.com"})
	malloryToken := token(t, past, jwt.MapClaims{"identity": "mallory"})

	assert.Equal(t, "[ann]", get("/", annToken))
	// gin-jwt answered these itself first, and let them go on (DisabledAbort).
	assert.True(t, strings.HasSuffix(get("/", malloryToken), "[]"))
	assert.JSONEq(t, `{"token":"token-of-ann"}`, get("/token", annToken))
	assert.True(t, strings.HasSuffix(get("/token", malloryToken), `{"error":"unauthorized"}`+"\n"))
	require.NoError(t, m.Flush(t.Context()))

	profile, ok := dir.User("ann")
	require.True(t, ok, "the verified user was not synced")
	assert.Equal(t, "ann@example.com", profile.Email)
	_, ok = dir.User("mallory")
	assert.False(t, ok, "an expired token's user was synced")
}

type signer struct{}

func (signer) Token(identifier string) (string, error) { return "token-of-" + identifier, nil }

// gin-jwt sets its payload before its Authorizator runs; with DisabledAbort,
// a request the Authorizator forbade goes on down the chain carrying it. Such
// a user is never synced, whatever the app's Unauthorized func writes.
func TestForbiddenUserIsNeverSynced(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		unauthorized func(*gin.Context, int, string)
	}{
		{"default answer", nil},
		{"an Unauthorized func that writes nothing", func(*gin.Context, int, string) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, err := memory.New()
			require.NoError(t, err)
			ext, err := ginjwtclaims.New()
			require.NoError(t, err)
			m, err := middleware.New(dir, middleware.WithExtractor(ext))
			require.NoError(t, err)
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				assert.NoError(t, m.Close(ctx))
			})
			auth, err := jwt.New(&jwt.GinJWTMiddleware{
				Realm: "test", Key: signKey, DisabledAbort: true, Unauthorized: tc.unauthorized,
				PayloadFunc:   func(data any) jwt.MapClaims { return data.(jwt.MapClaims) },
				Authenticator: func(*gin.Context) (any, error) { return nil, jwt.ErrFailedAuthentication },
				Authorizator:  func(id any, _ *gin.Context) bool { return id != "mallory" },
			})
			require.NoError(t, err)
			engine := gin.New()
			engine.Use(auth.MiddlewareFunc(), identify(t, m))
			engine.GET("/", func(c *gin.Context) {
				id, _ := ginidentify.FromContext(c)
				c.String(http.StatusOK, "[%s]", id.Identifier)
			})
			get := func(claims jwt.MapClaims) string {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Header.Set("Authorization", "Bearer "+token(t, auth, claims))
				w := httptest.NewRecorder()
				engine.ServeHTTP(w, r)
				return w.Body.String()
			}
			assert.Equal(t, "[ann]", get(jwt.MapClaims{"identity": "ann"}))
			assert.True(t, strings.HasSuffix(get(jwt.MapClaims{"identity": "mallory"}), "[]"), "the forbidden user is nobody")
			require.NoError(t, m.Flush(t.Context()))
			_, ok := dir.User("ann")
			assert.True(t, ok)
			_, ok = dir.User("mallory")
			assert.False(t, ok, "a user the Authorizator forbade was synced")
		})
	}
}

// identify is ginidentify.New for options the test knows to be valid.
func identify(tb testing.TB, m *middleware.Middleware, opts ...middleware.Option) gin.HandlerFunc {
	tb.Helper()
	h, err := ginidentify.New(m, opts...)
	require.NoError(tb, err)
	return h
}

// tokenHandler is ginidentify.TokenHandler for options the test knows to be
// valid.
func tokenHandler(tb testing.TB, m *middleware.Middleware, opts ...middleware.Option) gin.HandlerFunc {
	tb.Helper()
	h, err := ginidentify.TokenHandler(m, opts...)
	require.NoError(tb, err)
	return h
}
