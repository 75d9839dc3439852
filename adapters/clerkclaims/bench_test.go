package clerkclaims_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/stretchr/testify/require"
)

// verifiedRequest returns a request Clerk's real middleware verified a
// session token for.
func verifiedRequest(tb testing.TB) *http.Request {
	tb.Helper()
	c := startClerk(tb)
	var verified *http.Request
	h := c.verify()(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { verified = r }))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+c.token(tb, "user_2abc", nil))
	h.ServeHTTP(httptest.NewRecorder(), r)
	require.NotNil(tb, verified, "Clerk refused the token")
	return verified
}

// libraryRead is what an app does to read the user with Clerk's SDK alone.
func libraryRead(r *http.Request) (string, bool) {
	claims, ok := clerk.SessionClaimsFromContext(r.Context())
	if !ok {
		return "", false
	}
	return claims.Subject, true
}

func BenchmarkExtract(b *testing.B) {
	r := verifiedRequest(b)
	ext := extractor(b)
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := libraryRead(r); !ok {
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
