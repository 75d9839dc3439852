package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity/jwtverify"
)

// The keys the tests sign with, made once.
type testKeys struct {
	hmac256             []byte
	rsa, rsa2, rsaSmall *rsa.PrivateKey
	p256, p256b, p384   *ecdsa.PrivateKey
	ed                  ed25519.PrivateKey
}

var keys = sync.OnceValue(func() *testKeys {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	k := &testKeys{hmac256: []byte("0123456789abcdef0123456789abcdef")}
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsaSmall, err = rsa.GenerateKey(rand.Reader, 1024)
	must(err)
	k.p256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.p256b, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	k.p384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(err)
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

// testNow is when the tests' tokens were issued: the real clock, since the
// extractor verifying them reads it.
var testNow = time.Now()

func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "u1", "email": "ada@example.com",
		"exp": testNow.Add(time.Hour).Unix(), "iat": testNow.Add(-time.Minute).Unix(),
	}
}

func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	for i := 0; i < len(kv); i += 2 {
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

func sign(t testing.TB, m jwt.SigningMethod, key any, claims jwt.MapClaims, header ...any) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	for i := 0; i < len(header); i += 2 {
		tok.Header[header[i].(string)] = header[i+1]
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func newJWT(t testing.TB, src jwtverify.KeySource, opts ...jwtverify.Option) *jwtverify.Extractor {
	t.Helper()
	e, err := jwtverify.New(src, opts...)
	require.NoError(t, err)
	return e
}

func bearer(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func pkixPEM(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
