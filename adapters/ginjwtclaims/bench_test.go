package ginjwtclaims_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	jwt "github.com/appleboy/gin-jwt/v2"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/ginjwtclaims"
)

// verifiedContext returns a Gin context the real gin-jwt middleware has
// verified a token for, with a string identity and an email.
func verifiedContext(tb testing.TB) *gin.Context {
	tb.Helper()
	auth := newAuth(tb, signKey, nil, false)
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	c.Request.Header.Set("Authorization", "Bearer "+token(tb, auth, jwt.MapClaims{"identity": "ann", "email": "ann@example.com"}))
	auth.MiddlewareFunc()(c)
	require.False(tb, c.IsAborted(), "gin-jwt refused the token")
	return c
}

// libraryRead is what an app does to read the user with gin-jwt alone.
func libraryRead(c *gin.Context) (string, string, bool) {
	claims := jwt.ExtractClaims(c)
	id, ok := claims[jwt.IdentityKey].(string)
	email, _ := claims["email"].(string)
	return id, email, ok
}

func BenchmarkExtract(b *testing.B) {
	c := verifiedContext(b)
	ext, err := ginjwtclaims.New()
	require.NoError(b, err)

	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, ok := libraryRead(c); !ok {
				b.Fatal("no user")
			}
		}
	})
	b.Run("extractor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, _ := ext.ExtractGin(c); !ok {
				b.Fatal("no user")
			}
		}
	})
}
