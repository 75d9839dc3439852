package engagespot_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// RSA keys are slow to generate: one per test binary.
var (
	keyOnce  sync.Once
	key      *rsa.PrivateKey
	otherKey *rsa.PrivateKey
)

func testKeys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		key, err = rsa.GenerateKey(cryptorand.Reader, 2048)
		require.NoError(t, err)
		otherKey, err = rsa.GenerateKey(cryptorand.Reader, 2048)
		require.NoError(t, err)
	})
	return key, otherKey
}

func testKey(t testing.TB) *rsa.PrivateKey { k, _ := testKeys(t); return k }

func pkcs1DER(k *rsa.PrivateKey) []byte { return x509.MarshalPKCS1PrivateKey(k) }

func pkcs1PEM(k *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: pkcs1DER(k)})
}

func pkcs8PEM(t testing.TB, k any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func publicPEM(t testing.TB, k *rsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func ecKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), cryptorand.Reader)
	require.NoError(t, err)
	return k
}

func edKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(cryptorand.Reader)
	require.NoError(t, err)
	return k
}
