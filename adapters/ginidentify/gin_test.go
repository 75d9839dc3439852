package ginidentify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/ginidentify"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	goleak.VerifyTestMain(m)
}

// setup returns a Middleware syncing to a fake Engagespot API through the
// real client; t.Cleanup closes both.
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

// fromHeader names the user in X-User; "bad" is a rejected credential.
var fromHeader = identity.ExtractorFunc(func(r *http.Request) (identity.Identity, bool, error) {
	switch v := r.Header.Get("X-User"); v {
	case "":
		return identity.Identity{}, false, nil
	case "bad":
		return identity.Identity{}, false, errors.New("bad token")
	default:
		return identity.Identity{Identifier: v, Profile: identity.Profile{FirstName: "Ann"}}, true, nil
	}
})

// session stands in for an auth middleware that puts the user in the
// request's context, as the default route expects.
func session(c *gin.Context) {
	if v := c.GetHeader("X-Session"); v != "" {
		c.Request = c.Request.WithContext(identity.NewContext(c.Request.Context(), identity.Identity{Identifier: v}))
	}
}

// who answers the identifier FromContext finds, "-" if none.
func who(c *gin.Context) {
	id, ok := ginidentify.FromContext(c)
	if !ok {
		c.String(http.StatusOK, "-")
		return
	}
	c.String(http.StatusOK, id.Identifier)
}

type signer struct{}

func (signer) Token(identifier string) (string, error) { return "token-of-" + identifier, nil }

func TestGinEngineWithGroups(t *testing.T) {
	t.Parallel()
	m, srv := setup(t, middleware.WithTokenSigner(signer{}))
	r := gin.New()
	r.Use(session)
	app := r.Group("/app", identify(t, m))
	app.GET("/me", who)
	api := r.Group("/api", identify(t, m, middleware.WithExtractor(fromHeader), middleware.WithRequired(true)))
	api.GET("/me", who)
	quiet := r.Group("/quiet", identify(t, m, middleware.WithExtractor(fromHeader), middleware.WithSync(false)))
	quiet.GET("/me", who)
	r.GET("/health", who)
	r.GET("/engagespot/token", tokenHandler(t, m, middleware.WithExtractor(fromHeader)))
	own := r.Group("/own", identify(t, m, middleware.WithExtractor(fromHeader), middleware.WithRequired(true),
		middleware.WithUnauthorized(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, "no: "+middleware.ErrorFromContext(r.Context()).Error())
		}))))
	own.GET("/me", who)

	tests := []struct {
		path, session, user string
		code                int
		body                string
	}{
		{path: "/app/me", session: "s1", code: 200, body: "s1"},
		{path: "/app/me", user: "ignored", code: 200, body: "-"},
		{path: "/api/me", user: "a1", code: 200, body: "a1"},
		{path: "/api/me", code: 401, body: `{"error":"unauthorized"}` + "\n"},
		{path: "/api/me", user: "bad", code: 401, body: `{"error":"unauthorized"}` + "\n"},
		{path: "/quiet/me", user: "q1", code: 200, body: "q1"},
		{path: "/health", session: "h1", user: "h2", code: 200, body: "h1"},
		{path: "/engagespot/token", user: "a1", code: 200, body: `{"token":"token-of-a1"}` + "\n"},
		{path: "/engagespot/token", code: 401, body: `{"error":"unauthorized"}` + "\n"},
		{path: "/own/me", user: "bad", code: 403, body: "no: bad token"},
		{path: "/own/me", user: "o1", code: 200, body: "o1"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, tt.path, nil)
		if tt.session != "" {
			req.Header.Set("X-Session", tt.session)
		}
		if tt.user != "" {
			req.Header.Set("X-User", tt.user)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		assert.Equal(t, tt.code, w.Code, "%s %+v", tt.path, tt)
		assert.Equal(t, tt.body, w.Body.String(), "%s %+v", tt.path, tt)
		if tt.code == 401 {
			assert.Contains(t, w.Header().Get("WWW-Authenticate"), "Bearer", "%s %+v", tt.path, tt)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, m.Flush(ctx))
	assert.ElementsMatch(t, []string{"s1", "a1", "o1"}, srv.Identifiers(), "synced: users of syncing groups only")
	u, _ := srv.User("a1")
	assert.Equal(t, "Ann", u.Profile().FirstName)
}

func TestGinSyncsOnceAcrossRequests(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	r := gin.New()
	r.Use(session, identify(t, m))
	r.GET("/", who)
	serve := func() {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("X-Session", "ann")
		r.ServeHTTP(httptest.NewRecorder(), req)
	}
	serve()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, m.Flush(ctx))
	for range 5 {
		serve()
	}
	assert.Equal(t, 1, srv.Calls())
	assert.Equal(t, uint64(5), m.Stats().Hits)
}

// ginAllocs counts the allocations of r serving req.
func ginAllocs(r *gin.Engine, req *http.Request) float64 {
	w := httptest.NewRecorder()
	return testing.AllocsPerRun(100, func() {
		w.Body.Reset()
		r.ServeHTTP(w, req)
	})
}

func TestGinHitPathAddsNoAllocation(t *testing.T) { // not parallel: AllocsPerRun counts the whole process
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	m, _ := setup(t)
	id := identity.Identity{Identifier: "ann", Profile: identity.Profile{Email: "ann@example.com"}}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req = req.WithContext(identity.NewContext(req.Context(), id))
	ok := func(c *gin.Context) { c.Status(http.StatusNoContent) }

	with, without := gin.New(), gin.New()
	with.Use(identify(t, m))
	with.GET("/", ok)
	without.GET("/", ok)
	require.NoError(t, m.Ensure(context.Background(), id))

	assert.Equal(t, ginAllocs(without, req), ginAllocs(with, req))
	assert.Equal(t, uint64(101), m.Stats().Hits, "every run was a hit")
}

func BenchmarkGin(b *testing.B) {
	m, _ := setup(b)
	id := identity.Identity{Identifier: "ann", Profile: identity.Profile{Email: "ann@example.com", FirstName: "Ann"}}
	require.NoError(b, m.Ensure(context.Background(), id))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req = req.WithContext(identity.NewContext(req.Context(), id))
	ok := func(c *gin.Context) { c.Status(http.StatusNoContent) }
	baseline, hit := gin.New(), gin.New()
	baseline.GET("/", ok)
	hit.Use(identify(b, m))
	hit.GET("/", ok)
	for name, r := range map[string]*gin.Engine{"baseline": baseline, "hit": hit} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			w := httptest.NewRecorder()
			for b.Loop() {
				r.ServeHTTP(w, req)
			}
		})
	}
}

func TestTokenHandlerWithoutSignerPanicsWhenMounted(t *testing.T) {
	t.Parallel()
	m, _ := setup(t)
	r := gin.New()
	assert.PanicsWithValue(t, "middleware: TokenHandler needs WithTokenSigner", func() {
		r.GET("/engagespot/token", tokenHandler(t, m))
	})
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
