package echov5identify_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	echojwt "github.com/labstack/echo-jwt/v5"
	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/echov5identify"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/internal/adaptertest"
	"github.com/autoidentify/autoidentify/middleware"
)

// The shared kit: a Middleware syncing to a fake of the API, and a wait for its syncs.
var (
	setup = adaptertest.Setup
	flush = adaptertest.Flush
)

var signKey = []byte("0123456789abcdef0123456789abcdef")

func sign(tb testing.TB, claims jwt.MapClaims) string {
	tb.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(signKey)
	require.NoError(tb, err)
	return s
}

func identify(tb testing.TB, m *middleware.Middleware, opts ...middleware.Option) echo.MiddlewareFunc {
	tb.Helper()
	mw, err := echov5identify.New(m, opts...)
	require.NoError(tb, err)
	return mw
}

// who answers the identifier of the user New found, "-" if none.
func who(c *echo.Context) error {
	id, ok := echov5identify.FromContext(c)
	if !ok {
		return c.String(http.StatusOK, "-")
	}
	return c.String(http.StatusOK, id.Identifier)
}

func jwtExtractor(tb testing.TB) *echov5identify.JWTExtractor {
	tb.Helper()
	ext, err := echov5identify.NewJWTExtractor()
	require.NoError(tb, err)
	return ext
}

func get(tb testing.TB, url, token string) (int, string, http.Header) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(tb, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func TestEchoJWTUserIsSynced(t *testing.T) {
	t.Parallel()
	m, api := setup(t, middleware.WithExtractor(jwtExtractor(t)))
	e := echo.New()
	e.Use(echojwt.WithConfig(echojwt.Config{SigningKey: signKey}), identify(t, m))
	e.GET("/me", who)
	srv := httptest.NewServer(e)
	defer srv.Close()

	token := sign(t, jwt.MapClaims{"sub": "ann", "email": "ann@example.com", "exp": time.Now().Add(time.Hour).Unix()})
	for range 3 {
		status, body, _ := get(t, srv.URL+"/me", token)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, "ann", body)
	}
	flush(t, m)
	u, ok := api.User("ann")
	require.True(t, ok)
	assert.Equal(t, "ann@example.com", u.Profile().Email)
	assert.Equal(t, 1, api.Calls())

	status, _, _ := get(t, srv.URL+"/me", sign(t, jwt.MapClaims{"sub": "eve", "exp": time.Now().Add(-time.Hour).Unix()}))
	assert.Equal(t, http.StatusUnauthorized, status, "echo-jwt refuses an expired token")
	assert.Equal(t, 1, api.Calls(), "nobody is created from it")
}

func TestRequiredAnswersEchos401(t *testing.T) {
	t.Parallel()
	m, api := setup(t)
	e := echo.New()
	var handled error
	e.HTTPErrorHandler = func(c *echo.Context, err error) {
		handled = err
		echo.DefaultHTTPErrorHandler(false)(c, err)
	}
	e.GET("/open", who, identify(t, m))
	e.GET("/private", who, identify(t, m, middleware.WithRequired(true)))
	srv := httptest.NewServer(e)
	defer srv.Close()

	status, body, _ := get(t, srv.URL+"/open", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "-", body)

	status, body, header := get(t, srv.URL+"/private", "")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.JSONEq(t, `{"message":"Unauthorized"}`, body, "Echo's own answer")
	assert.Equal(t, "Bearer", header.Get("WWW-Authenticate"))
	var he *echo.HTTPError
	require.True(t, errors.As(handled, &he), "the app's error handler gets an *echo.HTTPError")
	assert.Equal(t, http.StatusUnauthorized, he.Code)
	assert.Zero(t, api.Calls())
}

func TestRequestExtractorPutsTheUserInTheRequest(t *testing.T) {
	t.Parallel()
	verifier, err := jwtverify.New(jwtverify.HMACKey(signKey))
	require.NoError(t, err)
	m, api := setup(t, middleware.WithExtractor(verifier))
	e := echo.New()
	var rejected error
	e.HTTPErrorHandler = func(c *echo.Context, err error) {
		rejected = err
		echo.DefaultHTTPErrorHandler(false)(c, err)
	}
	e.Use(identify(t, m))
	e.GET("/me", who)
	e.GET("/private", who, identify(t, m, middleware.WithRequired(true)))
	srv := httptest.NewServer(e)
	defer srv.Close()

	status, body, _ := get(t, srv.URL+"/me", sign(t, jwt.MapClaims{"sub": "bob", "email": "bob@example.com", "exp": time.Now().Add(time.Hour).Unix()}))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "bob", body, "handlers read the user from the request's context")
	flush(t, m)
	assert.Equal(t, []string{"bob"}, api.Identifiers())

	status, _, header := get(t, srv.URL+"/private", "not-a-jwt")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, `Bearer error="invalid_token"`, header.Get("WWW-Authenticate"))
	assert.ErrorIs(t, rejected, jwtverify.ErrInvalidToken, "the rejected credential's error is the 401's internal error")
}

func TestUpstreamContextUser(t *testing.T) {
	t.Parallel()
	m, api := setup(t) // identity.InContext
	e := echo.New()
	auth := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			id := identity.Identity{Identifier: "cat", Profile: identity.Profile{Email: "cat@example.com"}}
			c.SetRequest(c.Request().WithContext(identity.NewContext(c.Request().Context(), id)))
			return next(c)
		}
	}
	e.Use(auth, identify(t, m))
	e.GET("/me", who)
	srv := httptest.NewServer(e)
	defer srv.Close()
	_, body, _ := get(t, srv.URL+"/me", "")
	assert.Equal(t, "cat", body)
	flush(t, m)
	assert.Equal(t, []string{"cat"}, api.Identifiers())
}

func TestJWTExtractorRefusesWhatEchoJWTDidNotVerify(t *testing.T) {
	t.Parallel()
	ext := jwtExtractor(t)
	e := echo.New()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	_, ok, err := ext.ExtractEcho(c)
	assert.False(t, ok)
	assert.NoError(t, err, "no token: no user, no error")

	c.Set("user", "a string, not a token")
	_, ok, err = ext.ExtractEcho(c)
	assert.False(t, ok)
	assert.ErrorIs(t, err, echov5identify.ErrUnsupportedToken)

	c.Set("user", &jwt.Token{Claims: jwt.MapClaims{"sub": "ann"}}) // parsed, never verified
	_, ok, err = ext.ExtractEcho(c)
	assert.False(t, ok)
	assert.ErrorIs(t, err, echov5identify.ErrUnsupportedToken)

	// An app's own claims type (echo-jwt's NewClaimsFunc).
	type appClaims struct {
		jwt.RegisteredClaims
		Email string `json:"email"`
	}
	c.Set("user", &jwt.Token{Valid: true, Claims: &appClaims{RegisteredClaims: jwt.RegisteredClaims{Subject: "ann"}, Email: "ann@example.com"}})
	id, ok, err := ext.ExtractEcho(c)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, identity.Identity{Identifier: "ann", Profile: identity.Profile{Email: "ann@example.com"}}, id)

	_, err = echov5identify.NewJWTExtractor(echov5identify.WithContextKey(""))
	var cfg *identity.ConfigError
	assert.ErrorAs(t, err, &cfg)
	_, err = echov5identify.New(m0(t), middleware.WithWorkers(2))
	assert.ErrorAs(t, err, &cfg, "an option of the whole middleware is refused")
}

func m0(tb testing.TB) *middleware.Middleware {
	m, _ := setup(tb)
	return m
}

type signer struct{}

func (signer) Token(identifier string) (string, error) { return "token-for-" + identifier, nil }

func TestTokenHandlerWithEchoJWT(t *testing.T) {
	t.Parallel()
	m, api := setup(t, middleware.WithExtractor(jwtExtractor(t)), middleware.WithSecureMode(true), middleware.WithTokenSigner(signer{}))
	h, err := echov5identify.TokenHandler(m)
	require.NoError(t, err)
	e := echo.New()
	e.GET("/engagespot/token", h, echojwt.WithConfig(echojwt.Config{SigningKey: signKey}))
	srv := httptest.NewServer(e)
	defer srv.Close()

	status, body, _ := get(t, srv.URL+"/engagespot/token", sign(t, jwt.MapClaims{"sub": "ann"}))
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"token":"token-for-ann"}`, body)
	assert.Zero(t, api.Calls(), "secure mode creates nobody")
}
