package identity_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/golang-jwt/jwt/v5"
)

// secret is at least identity.MinHMACKeySize bytes, as HS256 requires.
var secret = []byte("an-example-secret-of-32-bytes-ok")

func signed(claims jwt.MapClaims) string {
	claims["exp"] = time.Now().Add(time.Hour).Unix()
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		panic(err)
	}
	return token
}

func ExampleNewJWT() {
	extractor, err := identity.NewJWT(identity.HMACKey(secret))
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
	fmt.Println(ok, errors.Is(err, identity.ErrInvalidToken))
	// Output:
	// true <nil>
	// user-42 ada@example.com Ada +442079460958
	// false <nil>
	// false true
}

func ExampleNewClaimsMapper() {
	mapper, err := identity.NewClaimsMapper(
		identity.WithIdentifierClaim("email"),                           // the app's users are known by email
		identity.WithAttributeClaim("firstName", "profile", "first"),    // a nested claim
		identity.WithAttributeClaim("plan", "https://example.com/plan"), // a namespaced custom claim
		identity.WithOnDropped(func(err error) { fmt.Println("dropped:", err) }),
	)
	if err != nil {
		panic(err)
	}
	id, err := mapper.Map(map[string]any{
		"sub":                      "auth0|abc",
		"email":                    "ada@example.com",
		"phone_number":             "not a number",
		"profile":                  map[string]any{"first": "Ada"},
		"https://example.com/plan": "pro",
	})
	fmt.Println(err)
	fmt.Println(id.Identifier, id.Profile.FirstName, id.Profile.PhoneNumber == "", id.Profile.Custom["plan"])
	// Output:
	// dropped: identity: invalid attribute: phoneNumber: no country code (want E.164, e.g. +15551234567)
	// <nil>
	// ada@example.com Ada true pro
}

func ExampleClaimsMapper_MapLookup() {
	// Session stores hand out values one key at a time.
	session := map[any]any{"user_id": 42, "name": "Ada Lovelace"}
	mapper, err := identity.NewClaimsMapper(identity.WithIdentifierClaim("user_id"), identity.WithNumericIdentifiers())
	if err != nil {
		panic(err)
	}
	id, err := mapper.MapLookup(func(key string) (any, bool) {
		v, ok := session[key]
		return v, ok
	})
	fmt.Println(id.Identifier, id.Profile.Name, err)
	// Output: 42 Ada Lovelace <nil>
}

func ExampleFirstOf() {
	jwtExtractor, err := identity.NewJWT(identity.HMACKey(secret),
		identity.WithTokenSource(identity.FromCookie("token"), identity.FromBearer()))
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

func ExampleFromContext() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := identity.FromContext(r.Context()); ok {
			fmt.Fprintf(w, "hello %s", id.Profile.FirstName)
			return
		}
		fmt.Fprint(w, "hello stranger")
	})

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(identity.NewContext(r.Context(), identity.Identity{
		Identifier: "user-42", Profile: identity.Profile{FirstName: "Ada"},
	}))
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	fmt.Println(w.Body.String())
	// Output: hello Ada
}

func ExampleValidateIdentifier() {
	for _, s := range []string{"user-42", "", "a\x00b", "   "} {
		fmt.Println(identity.ValidateIdentifier(s, 0))
	}
	// Output:
	// <nil>
	// identity: invalid identifier: empty
	// identity: invalid identifier: control character U+0000 at byte 1
	// identity: invalid identifier: blank
}

func ExampleProfile_Fingerprint() {
	a := identity.Profile{Email: "ada@example.com", Custom: map[string]any{"plan": "pro", "seats": 3}}
	b := identity.Profile{Email: "ada@example.com", Custom: map[string]any{"seats": 3.0, "plan": "pro"}}
	fmt.Println(a.Fingerprint() == b.Fingerprint())
	b.Custom["plan"] = "team"
	fmt.Println(a.Fingerprint() == b.Fingerprint())
	// Output:
	// true
	// false
}

func ExampleJWKS() {
	// The identity provider's key set; here a local server with one Ed25519 key.
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","alg":"EdDSA","x":%q}]}`,
			base64.RawURLEncoding.EncodeToString(pub))
	}))
	defer idp.Close()

	keys, err := identity.JWKS(context.Background(), idp.URL, identity.WithJWKSRequireInitialFetch())
	if err != nil {
		panic(err)
	}
	defer keys.Close() // stops the refresh goroutine
	extractor, err := identity.NewJWT(keys, identity.WithIssuer(idp.URL))
	if err != nil {
		panic(err)
	}

	token := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": idp.URL, "sub": "user-42", "exp": time.Now().Add(time.Hour).Unix(),
	})
	token.Header["kid"] = "k1"
	raw, _ := token.SignedString(priv)
	id, err := extractor.Verify(raw)
	fmt.Println(id.Identifier, err)
	// Output: user-42 <nil>
}
