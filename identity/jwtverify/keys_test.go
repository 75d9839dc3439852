package jwtverify

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testKeys are generated once: RSA key generation is slow.
type testKeys struct {
	hmac256, hmac384, hmac512 []byte
	rsa, rsa2                 *rsa.PrivateKey
	rsaSmall                  *rsa.PrivateKey
	p256, p384, p521, p256b   *ecdsa.PrivateKey
	p224                      *ecdsa.PrivateKey
	ed, ed2                   ed25519.PrivateKey
}

var keys = sync.OnceValue(func() *testKeys {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	k := &testKeys{
		hmac256: []byte("0123456789abcdef0123456789abcdef"),
		hmac384: []byte("0123456789abcdef0123456789abcdef0123456789abcdef"),
		hmac512: []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
	}
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsaSmall, err = rsa.GenerateKey(rand.Reader, 1024)
	must(err)
	for _, c := range []struct {
		dst   **ecdsa.PrivateKey
		curve elliptic.Curve
	}{{&k.p256, elliptic.P256()}, {&k.p384, elliptic.P384()}, {&k.p521, elliptic.P521()}, {&k.p256b, elliptic.P256()}, {&k.p224, elliptic.P224()}} {
		*c.dst, err = ecdsa.GenerateKey(c.curve, rand.Reader)
		must(err)
	}
	_, k.ed, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	_, k.ed2, err = ed25519.GenerateKey(rand.Reader)
	must(err)
	return k
})

func pemOf(t testing.TB, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkixPEM(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	return pemOf(t, "PUBLIC KEY", der)
}

func certPEM(t testing.TB, priv *ecdsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	require.NoError(t, err)
	return pemOf(t, "CERTIFICATE", der)
}

func TestKeySourceAlgorithms(t *testing.T) {
	t.Parallel()
	k := keys()
	tests := []struct {
		name string
		src  KeySource
		want []string
	}{
		{"HMAC 32 bytes", HMACKey(k.hmac256), []string{"HS256"}},
		{"HMAC 48 bytes", HMACKey(k.hmac384), []string{"HS256", "HS384"}},
		{"HMAC 64 bytes", HMACKey(k.hmac512), []string{"HS256", "HS384", "HS512"}},
		{"RSA", RSAPublicKey(&k.rsa.PublicKey), []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}},
		{"P-256", ECDSAPublicKey(&k.p256.PublicKey), []string{"ES256"}},
		{"P-384", ECDSAPublicKey(&k.p384.PublicKey), []string{"ES384"}},
		{"P-521", ECDSAPublicKey(&k.p521.PublicKey), []string{"ES512"}},
		{"Ed25519", Ed25519PublicKey(k.ed.Public().(ed25519.PublicKey)), []string{"EdDSA"}},
		{"PEM RSA PKIX", PublicKeyPEM(pkixPEM(t, &k.rsa.PublicKey)), []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}},
		{"PEM RSA PKCS1", PublicKeyPEM(pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey))), []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}},
		{"PEM EC", PublicKeyPEM(pkixPEM(t, &k.p384.PublicKey)), []string{"ES384"}},
		{"PEM Ed25519", PublicKeyPEM(pkixPEM(t, k.ed.Public())), []string{"EdDSA"}},
		{"PEM certificate", PublicKeyPEM(certPEM(t, k.p256)), []string{"ES256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.src.Algorithms())
			_, err := New(tt.src)
			require.NoError(t, err)
		})
	}
}

func TestKeySourceRefusedByNew(t *testing.T) {
	t.Parallel()
	k := keys()
	ecPriv, err := x509.MarshalECPrivateKey(k.p256)
	require.NoError(t, err)
	tests := []struct {
		name   string
		src    KeySource
		field  string
		reason string
	}{
		{"nil source", nil, "KeySource", "nil"},
		{"empty HMAC secret", HMACKey(nil), "HMACKey", "0 bytes, want at least 32"},
		{"short HMAC secret", HMACKey([]byte("secret")), "HMACKey", "6 bytes"},
		{"nil RSA key", RSAPublicKey(nil), "RSAPublicKey", "nil key"},
		{"1024-bit RSA key", RSAPublicKey(&k.rsaSmall.PublicKey), "RSAPublicKey", "1024 bits, want at least 2048"},
		{"nil EC key", ECDSAPublicKey(nil), "ECDSAPublicKey", "nil key"},
		{"P-224 key", ECDSAPublicKey(&k.p224.PublicKey), "ECDSAPublicKey", "P-224 has no JWS algorithm"},
		{"short Ed25519 key", Ed25519PublicKey(ed25519.PublicKey{1, 2, 3}), "Ed25519PublicKey", "3 bytes, want 32"},
		{"PEM garbage", PublicKeyPEM([]byte("not pem")), "PublicKeyPEM", "no PEM block"},
		{"PEM private key", PublicKeyPEM(pemOf(t, "EC PRIVATE KEY", ecPriv)), "PublicKeyPEM", `"EC PRIVATE KEY" block`},
		{"PEM corrupt public key", PublicKeyPEM(pemOf(t, "PUBLIC KEY", []byte{1, 2, 3})), "PublicKeyPEM", "asn1"},
		{"PEM small RSA", PublicKeyPEM(pkixPEM(t, &k.rsaSmall.PublicKey)), "RSAPublicKey", "1024 bits"},
		{"custom source without algorithms", customKeys{}, "KeySource", "no algorithms"},
		{"custom source with none", customKeys{algs: []string{"none"}}, "KeySource", `"none" is not allowed`},
		{"custom source with unknown alg", customKeys{algs: []string{"XX999"}}, "KeySource", `"XX999" is not allowed`},
		{"custom source mixing HMAC and RSA", customKeys{algs: []string{"HS256", "RS256"}}, "KeySource", "must not be mixed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(tt.src)
			assert.Nil(t, e)
			var cfgErr *identity.ConfigError
			require.ErrorAs(t, err, &cfgErr)
			assert.Equal(t, tt.field, cfgErr.Field)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestKeySourceNeverPrintsSecret(t *testing.T) {
	t.Parallel()
	secret := []byte("super-secret-value-0123456789abcdef")
	src := HMACKey(secret)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(format, src), "super-secret", format)
	}
	// Verbs a Stringer does not answer print the fields: the secret's bytes.
	for _, format := range []string{"%d", "%o", "%b", "%c", "%U"} {
		printed := strings.Trim(fmt.Sprintf(format, secret), "[]")
		assert.NotContains(t, fmt.Sprintf(format, src), printed, format)
	}
	// The secret is copied: changing the caller's slice changes nothing.
	e := newJWT(t, src)
	token := sign(t, jwt.SigningMethodHS256, secret, validClaims())
	secret[0] = 'X'
	_, err := e.Verify(token)
	assert.NoError(t, err)
}

func TestKeyFits(t *testing.T) {
	t.Parallel()
	k := keys()
	rsaPub, p256, p384, edPub := &k.rsa.PublicKey, &k.p256.PublicKey, &k.p384.PublicKey, k.ed.Public()
	tests := []struct {
		method jwt.SigningMethod
		fits   []any
		misfit []any
	}{
		{jwt.SigningMethodHS256, []any{k.hmac256}, []any{[]byte{}, rsaPub, p256, edPub, "secret", nil}},
		{jwt.SigningMethodRS256, []any{rsaPub}, []any{k.hmac256, k.rsa, p256, edPub, x509.MarshalPKCS1PublicKey(rsaPub)}},
		{jwt.SigningMethodPS512, []any{rsaPub}, []any{k.hmac256, p256}},
		{jwt.SigningMethodES256, []any{p256}, []any{p384, rsaPub, k.hmac256, k.p256}},
		{jwt.SigningMethodES384, []any{p384}, []any{p256}},
		{jwt.SigningMethodEdDSA, []any{edPub}, []any{k.ed, []byte(edPub.(ed25519.PublicKey)), p256}},
		{jwt.SigningMethodNone, nil, []any{jwt.UnsafeAllowNoneSignatureType, k.hmac256}},
	}
	for _, tt := range tests {
		for _, key := range tt.fits {
			assert.True(t, keyFits(tt.method, key), "%s with %T", tt.method.Alg(), key)
		}
		for _, key := range tt.misfit {
			assert.False(t, keyFits(tt.method, key), "%s with %T", tt.method.Alg(), key)
		}
	}
}

// customKeys is a KeySource of its own, as an application might write.
type customKeys struct {
	algs []string
	key  any
	err  error
}

func (c customKeys) Algorithms() []string                    { return c.algs }
func (c customKeys) VerificationKey(*jwt.Token) (any, error) { return c.key, c.err }

func TestExtractorNeverPrintsSecret(t *testing.T) {
	t.Parallel()
	secret := []byte("super-secret-value-0123456789abcdef")
	e := newJWT(t, HMACKey(secret))
	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "extractor", e, "keys", HMACKey(secret))
	for _, s := range []string{fmt.Sprint(e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), buf.String()} {
		assert.NotContains(t, s, "super-secret")
		assert.Contains(t, s, "HS256")
	}
}
