package jwtauthclaims_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/go-chi/jwtauth/v5"

	"github.com/autoidentify/autoidentify/adapters/jwtauthclaims"
)

func Example() {
	ja := jwtauth.New("HS256", []byte("test-signing-key-0123456789abcdef"), nil)
	ext, err := jwtauthclaims.New()
	if err != nil {
		panic(err)
	}
	app := jwtauth.Verifier(ja)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		id, ok, err := ext.Extract(r)
		if !ok {
			fmt.Println("no user:", err)
			return
		}
		fmt.Println(id.Identifier, id.Profile.Email)
	}))

	for _, exp := range []time.Duration{time.Hour, -time.Hour} {
		_, token, _ := ja.Encode(map[string]any{
			"sub": "user-1", "email": "ann@example.com", "exp": time.Now().Add(exp).Unix(),
		})
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		app.ServeHTTP(httptest.NewRecorder(), r)
	}
	// Output:
	// user-1 ann@example.com
	// no user: jwtauthclaims: token rejected: token is expired
}
