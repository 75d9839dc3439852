package echov4identify_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/middleware"
)

// servers returns two Echo servers behind echo-jwt, one with a middleware
// that does nothing and one with New, and a request whose user is synced
// already: the floor and the hit. (Echo v4 chains the middleware of Use on
// every request, which costs each one a closure: the floor has it too.)
func servers(tb testing.TB) (bare, identified *echo.Echo, req *http.Request) {
	tb.Helper()
	m, _ := setup(tb, middleware.WithExtractor(jwtExtractor(tb)))
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	nothing := func(next echo.HandlerFunc) echo.HandlerFunc { return func(c echo.Context) error { return next(c) } }
	bare, identified = echo.New(), echo.New()
	bare.Use(echojwt.WithConfig(echojwt.Config{SigningKey: signKey}), nothing)
	identified.Use(echojwt.WithConfig(echojwt.Config{SigningKey: signKey}), identify(tb, m))
	bare.GET("/", ok)
	identified.GET("/", ok)
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+sign(tb, jwt.MapClaims{"sub": "ann", "email": "ann@example.com"}))
	identified.ServeHTTP(httptest.NewRecorder(), req)
	flush(tb, m)
	w := httptest.NewRecorder()
	identified.ServeHTTP(w, req)
	require.Equal(tb, http.StatusNoContent, w.Code)
	require.Equal(tb, uint64(1), m.Stats().Hits)
	return bare, identified, req
}

func BenchmarkEcho(b *testing.B) {
	bare, identified, req := servers(b)
	w := httptest.NewRecorder()
	b.Run("echo-jwt+nothing", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bare.ServeHTTP(w, req)
		}
	})
	b.Run("echo-jwt+hit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			identified.ServeHTTP(w, req)
		}
	})
}
