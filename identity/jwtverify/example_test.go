package jwtverify_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
)

// secret is at least jwtverify.MinHMACKeySize bytes, as HS256 requires.
var secret = []byte("an-example-secret-of-32-bytes-ok")

func signed(claims jwt.MapClaims) string {
	claims["exp"] = time.Now().Add(time.Hour).Unix()
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		panic(err)
	}
	return token
}

func ExampleNew() {
	extractor, err := jwtverify.New(jwtverify.HMACKey(secret))
	if err != nil {
		panic(err) // a bad key or option
	}

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+signed(jwt.MapClaims{
		"sub": "user-42", "email": "ada@example.com", "given_name": "Ada",
		"phone_number": "+44 20 7946 0958",
	}))
	id, ok, err := extractor.Extract(r)
	fmt.Println(ok, err)
	fmt.Println(id.Identifier, id.Profile.Email, id.Profile.FirstName, id.Profile.PhoneNumber)

	// No token: no user, and no error.
	_, ok, err = extractor.Extract(httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Println(ok, err)

	// A forged token: no user, and the reason.
	r.Header.Set("Authorization", "Bearer "+signed(jwt.MapClaims{"sub": "admin"})+"x")
	_, ok, err = extractor.Extract(r)
	fmt.Println(ok, errors.Is(err, jwtverify.ErrInvalidToken))
	// Output:
	// true <nil>
	// user-42 ada@example.com Ada +442079460958
	// false <nil>
	// false true
}

func Example_firstOf() {
	jwtExtractor, err := jwtverify.New(jwtverify.HMACKey(secret),
		jwtverify.WithTokenSource(jwtverify.FromCookie("token"), jwtverify.FromBearer()))
	if err != nil {
		panic(err)
	}
	// An identity an upstream middleware verified wins; else the token's.
	extractor := identity.FirstOf(identity.InContext, jwtExtractor)

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: "token", Value: signed(jwt.MapClaims{"sub": "from-cookie"})})
	id, ok, _ := extractor.Extract(r)
	fmt.Println(id.Identifier, ok)

	r = r.WithContext(identity.NewContext(r.Context(), identity.Identity{Identifier: "from-upstream"}))
	id, ok, _ = extractor.Extract(r)
	fmt.Println(id.Identifier, ok)
	// Output:
	// from-cookie true
	// from-upstream true
}
