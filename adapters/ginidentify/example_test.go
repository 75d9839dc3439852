package ginidentify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/autoidentify/autoidentify/adapters/ginidentify"
	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

func Example() {
	dir, err := memory.New() // in production: an engagespot.Client
	if err != nil {
		panic(err)
	}
	userHeader := identity.ExtractorFunc(func(r *http.Request) (identity.Identity, bool, error) {
		v := r.Header.Get("X-User") // in production: a verified token
		return identity.Identity{Identifier: v, Profile: identity.Profile{FirstName: "Ann"}}, v != "", nil
	})
	m, err := middleware.New(dir, middleware.WithExtractor(userHeader))
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())

	r := gin.New()
	identify, err := ginidentify.New(m, middleware.WithRequired(true))
	if err != nil {
		panic(err)
	}
	api := r.Group("/api", identify)
	api.GET("/hello", func(c *gin.Context) {
		id, _ := ginidentify.FromContext(c)
		c.String(http.StatusOK, "hello %s", id.Profile.FirstName)
	})

	for _, user := range []string{"ann", ""} {
		req := httptest.NewRequest(http.MethodGet, "/api/hello", nil)
		req.Header.Set("X-User", user)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(w.Code, w.Body.String())
	}
	_ = m.Flush(context.Background()) // for the example only: requests never wait
	_, synced := dir.User("ann")
	fmt.Println(synced)
	// Output:
	// 200 hello Ann
	// 401 {"error":"unauthorized"}
	//
	// true
}
