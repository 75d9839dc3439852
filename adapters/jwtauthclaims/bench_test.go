package jwtauthclaims_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/jwtauth/v5"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/jwtauthclaims"
)

// verifiedRequest returns a request as Verifier leaves it for a good token
// with a subject and an email.
func verifiedRequest(tb testing.TB) *http.Request {
	tb.Helper()
	ja := jwtauth.New("HS256", signKey, nil)
	token, err := jwtauth.VerifyToken(ja, sign(tb, ja, map[string]any{"sub": "u-1", "email": "ann@example.com"}))
	require.NoError(tb, err)
	return httptest.NewRequestWithContext(jwtauth.NewContext(context.Background(), token, nil), http.MethodGet, "/", nil)
}

// libraryRead is what an app does to read the user with jwtauth alone.
func libraryRead(r *http.Request) (string, string, bool) {
	token, claims, err := jwtauth.FromContext(r.Context())
	if err != nil || token == nil {
		return "", "", false
	}
	sub, _ := claims["sub"].(string)
	email, _ := claims["email"].(string)
	return sub, email, sub != ""
}

func BenchmarkExtract(b *testing.B) {
	r := verifiedRequest(b)
	ext, err := jwtauthclaims.New()
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
