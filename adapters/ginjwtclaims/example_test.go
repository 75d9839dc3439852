package ginjwtclaims_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	jwt "github.com/appleboy/gin-jwt/v2"
	"github.com/gin-gonic/gin"

	"github.com/autoidentify/autoidentify/adapters/ginjwtclaims"
	"github.com/autoidentify/autoidentify/identity"
)

func Example() {
	auth, err := jwt.New(&jwt.GinJWTMiddleware{
		Realm:       "example",
		Key:         []byte("test-signing-key-0123456789abcdef"),
		IdentityKey: "id",
		PayloadFunc: func(data any) jwt.MapClaims {
			return jwt.MapClaims{"id": data, "email": "ann@example.com"}
		},
		Authenticator: func(*gin.Context) (any, error) { return 42, nil },
	})
	if err != nil {
		panic(err)
	}
	ext, err := ginjwtclaims.New(ginjwtclaims.WithClaimsOptions(identity.WithIdentifierClaim("id")))
	if err != nil {
		panic(err)
	}

	gin.SetMode(gin.TestMode)
	engine := gin.New()
	engine.GET("/inbox", auth.MiddlewareFunc(), func(c *gin.Context) {
		id, ok, err := ext.ExtractGin(c)
		fmt.Println(id.Identifier, id.Profile.Email, ok, err)
	})

	token, _, _ := auth.TokenGenerator(42)
	r := httptest.NewRequest(http.MethodGet, "/inbox", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	engine.ServeHTTP(httptest.NewRecorder(), r)
	// Output: 42 ann@example.com true <nil>
}
