package echov5identify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	echojwt "github.com/labstack/echo-jwt/v5"
	"github.com/labstack/echo/v5"

	"github.com/autoidentify/autoidentify/adapters/echov5identify"
	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/middleware"
)

// Echo with echo-jwt: the token's user is synced in the background, and
// handlers read them with FromContext.
func Example() {
	dir, _ := memory.New() // in production: an engagespot.Client
	ext, err := echov5identify.NewJWTExtractor()
	if err != nil {
		panic(err)
	}
	m, err := middleware.New(dir, middleware.WithExtractor(ext))
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())
	identify, err := echov5identify.New(m)
	if err != nil {
		panic(err)
	}

	e := echo.New()
	e.Use(echojwt.WithConfig(echojwt.Config{SigningKey: []byte("0123456789abcdef0123456789abcdef")}), identify)
	e.GET("/me", func(c *echo.Context) error {
		id, _ := echov5identify.FromContext(c)
		return c.String(http.StatusOK, id.Identifier)
	})

	r := httptest.NewRequest(http.MethodGet, "/me", nil)
	// {"sub": "ann", "email": "ann@example.com"}, signed HS256 with the key above.
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJlbWFpbCI6ImFubkBleGFtcGxlLmNvbSIsInN1YiI6ImFubiJ9.tvxmeLPmuHqQq8AeLWEeJILR33x1m8q-9GSzENNUQOo")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	_ = m.Flush(context.Background())
	profile, _ := dir.User("ann")
	fmt.Println(w.Code, w.Body.String(), profile.Email)
	// Output: 200 ann ann@example.com
}
