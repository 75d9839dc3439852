package auth0claims_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/golang-jwt/jwt/v5"

	"github.com/autoidentify/autoidentify/adapters/auth0claims"
	"github.com/autoidentify/autoidentify/identity"
)

// CustomClaims are the claims the app's Auth0 Action adds to access tokens.
type CustomClaims struct {
	Email string `json:"https://example.com/email"`
}

func (*CustomClaims) Validate(context.Context) error { return nil }

func Example() {
	key := []byte("test-signing-key-0123456789abcdef")
	v, err := validator.New(func(context.Context) (any, error) { return key, nil },
		validator.HS256, "https://tenant.example.auth0.com/", []string{"https://api.example.com"},
		validator.WithCustomClaims(func() validator.CustomClaims { return &CustomClaims{} }))
	if err != nil {
		panic(err)
	}
	ext, err := auth0claims.New(auth0claims.WithClaimsOptions(
		identity.WithAttributeClaim("email", "https://example.com/email")))
	if err != nil {
		panic(err)
	}
	app := jwtmiddleware.New(v.ValidateToken).CheckJWT(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		id, ok, err := ext.Extract(r)
		fmt.Println(id.Identifier, id.Profile.Email, ok, err)
	}))

	token, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "https://tenant.example.auth0.com/", "aud": "https://api.example.com",
		"exp": time.Now().Add(time.Hour).Unix(), "sub": "auth0|42",
		"https://example.com/email": "ann@example.com",
	}).SignedString(key)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	app.ServeHTTP(httptest.NewRecorder(), r)
	// Output: auth0|42 ann@example.com true <nil>
}
