package ginjwtclaims_test

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

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/ginidentify"
	"github.com/autoidentify/autoidentify/adapters/ginjwtclaims"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

var _ ginidentify.Extractor = (*ginjwtclaims.Extractor)(nil)

// ginJWT returns a real gin-jwt middleware and a request carrying a token
// it accepts, for ann.
func ginJWT(t testing.TB) (*jwt.GinJWTMiddleware, *http.Request) {
	t.Helper()
	auth, err := jwt.New(&jwt.GinJWTMiddleware{
		Realm:         "test",
		Key:           []byte("test-signing-key-0123456789abcdef"),
		Timeout:       time.Hour,
		PayloadFunc:   func(data any) jwt.MapClaims { return data.(jwt.MapClaims) },
		Authenticator: func(*gin.Context) (any, error) { return nil, jwt.ErrFailedAuthentication },
	})
	require.NoError(t, err)
	token, _, err := auth.TokenGenerator(jwt.MapClaims{"identity": "ann", "email": "ann@example.com"})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return auth, req
}

func TestGinExtractor(t *testing.T) {
	t.Parallel()
	ext, err := ginjwtclaims.New()
	require.NoError(t, err)
	m, srv := setup(t, middleware.WithExtractor(ext), middleware.WithTokenSigner(signer{}))
	auth, req := ginJWT(t)
	r := gin.New()
	r.Use(auth.MiddlewareFunc())
	r.GET("/token", tokenHandler(t, m))
	api := r.Group("/api", identify(t, m))
	api.GET("/me", func(c *gin.Context) {
		id, ok := ginidentify.FromContext(c)
		_, inRequest := identity.FromContext(c.Request.Context())
		c.JSON(http.StatusOK, gin.H{"id": id.Identifier, "email": id.Profile.Email, "ok": ok, "inRequest": inRequest})
	})
	serve := func(path string) string {
		rq := req.Clone(context.Background())
		rq.URL.Path = path
		w := httptest.NewRecorder()
		r.ServeHTTP(w, rq)
		return w.Body.String()
	}
	assert.JSONEq(t, `{"id":"ann","email":"ann@example.com","ok":true,"inRequest":false}`, serve("/api/me"),
		"FromContext asks the extractor; nothing was copied into the request")
	assert.JSONEq(t, `{"token":"token-of-ann"}`, serve("/token"), "the token handler reads the Gin context too")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, m.Flush(ctx))
	u, ok := srv.User("ann")
	require.True(t, ok, "synced")
	assert.Equal(t, "ann@example.com", u.Profile().Email)
}

func TestGinExtractorRequired(t *testing.T) {
	t.Parallel()
	ext, err := ginjwtclaims.New()
	require.NoError(t, err)
	m, srv := setup(t, middleware.WithExtractor(ext))
	auth, _ := ginJWT(t)
	r := gin.New()
	r.Use(auth.MiddlewareFunc())
	r.GET("/", identify(t, m, middleware.WithRequired(true)), who)
	// gin-jwt itself lets through a request whose claims lack an identity,
	// which the extractor rejects.
	token, _, err := auth.TokenGenerator(jwt.MapClaims{"email": "nobody@example.com"})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.JSONEq(t, `{"error":"unauthorized"}`, w.Body.String())
	assert.Zero(t, srv.Calls())
}

// TestGinExtractorHitPathAddsNoAllocation: through gin-jwt and ginjwt, a
// synced user costs nothing beyond gin-jwt's own work.
func TestGinExtractorHitPathAddsNoAllocation(t *testing.T) { // not parallel: AllocsPerRun counts the whole process
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	ext, err := ginjwtclaims.New()
	require.NoError(t, err)
	m, _ := setup(t, middleware.WithExtractor(ext))
	auth, req := ginJWT(t)
	ok := func(c *gin.Context) { c.Status(http.StatusNoContent) }
	with, without := gin.New(), gin.New()
	with.Use(auth.MiddlewareFunc(), identify(t, m))
	with.GET("/", ok)
	without.Use(auth.MiddlewareFunc())
	without.GET("/", ok)

	with.ServeHTTP(httptest.NewRecorder(), req) // syncs ann
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, m.Flush(ctx))

	library, ours := ginAllocs(without, req), ginAllocs(with, req)
	assert.Equal(t, library, ours)
	assert.Equal(t, uint64(101), m.Stats().Hits, "every run was a hit")
	t.Logf("allocs per request: gin-jwt alone %v, with autoidentify %v", library, ours)
}

// setup is a Middleware on a fake Engagespot, closed with the test.
func setup(t testing.TB, opts ...middleware.Option) (*middleware.Middleware, *engagespottest.Server) {
	t.Helper()
	srv := engagespottest.NewServer(t)
	client, err := engagespot.New(srv.APIKey, srv.APISecret,
		engagespot.WithBaseURL(srv.URL()), engagespot.WithHTTPClient(srv.HTTPClient()))
	require.NoError(t, err)
	m, err := middleware.New(client, opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = m.Close(ctx)
	})
	return m, srv
}

// who answers the identifier ginidentify found, or "-".
func who(c *gin.Context) {
	id, ok := ginidentify.FromContext(c)
	if !ok {
		c.String(http.StatusOK, "-")
		return
	}
	c.String(http.StatusOK, id.Identifier)
}

// ginAllocs counts the allocations of r serving req.
func ginAllocs(r *gin.Engine, req *http.Request) float64 {
	w := httptest.NewRecorder()
	return testing.AllocsPerRun(100, func() {
		w.Body.Reset()
		r.ServeHTTP(w, req)
	})
}
