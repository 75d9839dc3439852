package jwks_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/autoidentify/autoidentify/identity/jwks"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
)

func ExampleNew() {
	// The identity provider's key set; here a local server with one Ed25519 key.
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","alg":"EdDSA","x":%q}]}`,
			base64.RawURLEncoding.EncodeToString(pub))
	}))
	defer idp.Close()

	keys, err := jwks.New(context.Background(), idp.URL, jwks.WithRequireInitialFetch())
	if err != nil {
		panic(err)
	}
	defer keys.Close() // stops the refresh goroutine
	extractor, err := jwtverify.New(keys, jwtverify.WithIssuer(idp.URL))
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
