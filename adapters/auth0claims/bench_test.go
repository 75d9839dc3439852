package auth0claims_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/auth0claims"
)

// verifiedRequest returns a request as CheckJWT leaves it for a good token
// with a subject and an email in the custom claims struct.
func verifiedRequest(tb testing.TB) *http.Request {
	tb.Helper()
	v, err := validator.New(func(context.Context) (any, error) { return signKey, nil },
		validator.HS256, issuer, []string{audience},
		validator.WithCustomClaims(func() validator.CustomClaims { return &profileClaims{} }))
	require.NoError(tb, err)
	claims, err := v.ValidateToken(context.Background(), sign(tb, signKey, jwt.MapClaims{"sub": "auth0|u-1", "email": "ann@example.com"}))
	require.NoError(tb, err)
	ctx := context.WithValue(context.Background(), jwtmiddleware.ContextKey{}, claims)
	return httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
}

// libraryRead is what an app does to read the user with go-jwt-middleware alone.
func libraryRead(r *http.Request) (string, string, bool) {
	claims, ok := r.Context().Value(jwtmiddleware.ContextKey{}).(*validator.ValidatedClaims)
	if !ok {
		return "", "", false
	}
	custom, _ := claims.CustomClaims.(*profileClaims)
	return claims.RegisteredClaims.Subject, custom.Email, claims.RegisteredClaims.Subject != ""
}

func BenchmarkExtract(b *testing.B) {
	r := verifiedRequest(b)
	ext, err := auth0claims.New()
	require.NoError(b, err)

	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, ok := libraryRead(r); !ok {
				b.Fatal("no user")
			}
		}
	})
	b.Run("extractor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, _ := ext.Extract(r); !ok {
				b.Fatal("no user")
			}
		}
	})
}
