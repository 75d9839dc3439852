package ginsession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/ginsession"
)

// loadedContext returns a Gin context the real Sessions middleware has set
// up, for a request carrying a session with a string user id and an email,
// already decoded (as it is once the app or the extractor has read it).
func loadedContext(tb testing.TB) *gin.Context {
	tb.Helper()
	store := cookie.NewStore(hashKey)
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	c.Request.AddCookie(loginDefault(tb, store, map[string]any{"user_id": "u-1", "email": "ann@example.com"}))
	sessions.Sessions(sessionName, store)(c)
	require.Equal(tb, "u-1", sessions.Default(c).Get("user_id"))
	return c
}

// libraryRead is what an app does to read the user with gin-contrib/sessions alone.
func libraryRead(c *gin.Context) (string, string, bool) {
	s := sessions.Default(c)
	id, ok := s.Get("user_id").(string)
	email, _ := s.Get("email").(string)
	return id, email, ok
}

func BenchmarkExtract(b *testing.B) {
	c := loadedContext(b)
	ext, err := ginsession.New()
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
