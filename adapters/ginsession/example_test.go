package ginsession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"

	"github.com/autoidentify/autoidentify/adapters/ginsession"
)

func Example() {
	ext, err := ginsession.New()
	if err != nil {
		panic(err)
	}
	gin.SetMode(gin.TestMode)
	engine := gin.New()
	engine.Use(sessions.Sessions("app-session", cookie.NewStore([]byte("0123456789abcdef0123456789abcdef"))))
	engine.POST("/login", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("user_id", 42)
		s.Set("given_name", "Ann")
		_ = s.Save()
	})
	engine.GET("/inbox", func(c *gin.Context) {
		id, ok, err := ext.ExtractGin(c)
		fmt.Println(id.Identifier, id.Profile.FirstName, ok, err)
	})

	w := httptest.NewRecorder()
	engine.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/login", nil))
	r := httptest.NewRequest(http.MethodGet, "/inbox", nil)
	r.AddCookie(w.Result().Cookies()[0])
	engine.ServeHTTP(httptest.NewRecorder(), r)
	// Output: 42 Ann true <nil>
}
