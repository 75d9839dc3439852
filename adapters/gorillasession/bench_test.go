package gorillasession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/gorillasession"
)

// warmRequest returns a request whose session gorilla has already decoded
// (as it is once the app or the extractor has read it), with a string user
// id and an email.
func warmRequest(tb testing.TB, store *sessions.CookieStore) *http.Request {
	tb.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(sessionCookie(tb, store, map[any]any{"user_id": "u-1", "email": "ann@example.com"}))
	_, err := store.Get(r, sessionName)
	require.NoError(tb, err)
	return r
}

// libraryRead is what an app does to read the user with gorilla alone.
func libraryRead(store sessions.Store, r *http.Request) (string, string, bool) {
	s, err := store.Get(r, sessionName)
	if err != nil {
		return "", "", false
	}
	id, ok := s.Values["user_id"].(string)
	email, _ := s.Values["email"].(string)
	return id, email, ok
}

func BenchmarkExtract(b *testing.B) {
	store := sessions.NewCookieStore(hashKey)
	r := warmRequest(b, store)
	ext, err := gorillasession.New(store, sessionName)
	require.NoError(b, err)

	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, ok := libraryRead(store, r); !ok {
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
