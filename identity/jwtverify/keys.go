package jwtverify

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/publickey"
	"github.com/golang-jwt/jwt/v5"
)

// MinHMACKeySize is the shortest HMAC secret HMACKey accepts, in bytes: RFC
// 7518 section 3.2 asks for a key at least as long as the hash, 32 bytes for
// HS256. HS384 and HS512 are allowed only with secrets of 48 and 64 bytes.
const MinHMACKeySize = 32

// ErrUnknownKey is wrapped when no key of the source can verify a token: its
// key id is unknown (even after a refresh, for a key set that allows one), or
// the key does not fit the token's algorithm, or the key set's entry is not
// one a signature may be verified with.
var ErrUnknownKey = errors.New("jwtverify: no key for this token")

// MinRSAKeyBits is the smallest RSA modulus RSAPublicKey accepts.
const MinRSAKeyBits = publickey.MinRSABits

// KeySource gives the keys tokens are verified with. The constructors below
// cover HMAC secrets, RSA, ECDSA and Ed25519 public keys, PEM files and JWKS
// URLs; implement it for anything else.
//
// New checks every key a source returns against the token's algorithm, so
// a source cannot be tricked into HS/RS confusion even if it tries.
type KeySource interface {
	// Algorithms lists the JWS "alg" values the keys are for. It must not be
	// empty, and must not mix HMAC with public-key algorithms.
	Algorithms() []string
	// VerificationKey returns the key (or a jwt.VerificationKeySet) for t,
	// whose algorithm is already one of Algorithms. Its error must not repeat
	// anything from the token, and it must not keep t, whose claims map is
	// reused once the token is mapped.
	VerificationKey(t *jwt.Token) (any, error)
}

// RotatingKeySource is a KeySource whose keys change while it runs (JWKS
// does). Generation must change after every change of the keys: the
// verified-token cache (WithVerifiedCache) reads it before verifying and
// serves a token only while it is unchanged, so a token verified by a key
// that left the set is verified again, and refused, on its next request. A
// KeySource that is neither a static key of this package nor a
// RotatingKeySource gets no verified-token cache.
type RotatingKeySource interface {
	KeySource
	Generation() uint64
}

var hmacAlgorithms = []string{"HS256", "HS384", "HS512"}

// staticKey is one key known at start-up.
type staticKey struct {
	key  any
	algs []string
	err  error // a bad key, reported by New
}

func (k *staticKey) Algorithms() []string                    { return k.algs }
func (k *staticKey) VerificationKey(*jwt.Token) (any, error) { return k.key, nil }
func (k *staticKey) check() error                            { return k.err }

// String keeps secrets out of logs and errors.
func (k *staticKey) String() string { return fmt.Sprintf("jwtverify.KeySource(%v)", k.algs) }

// GoString keeps secrets out of %#v.
func (k *staticKey) GoString() string { return k.String() }

// LogValue keeps secrets out of slog.
func (k *staticKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Format prints String for every verb: %d and the like would print the
// fields, an HMAC secret's bytes among them.
func (k *staticKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// HMACKey verifies tokens signed with secret: HS256, and HS384 and HS512 when
// the secret is long enough for them. A secret shorter than MinHMACKeySize
// bytes is refused by New. The secret is copied.
func HMACKey(secret []byte) KeySource {
	k := &staticKey{key: slices.Clone(secret)}
	switch n := len(secret); {
	case n >= 64:
		k.algs = hmacAlgorithms
	case n >= 48:
		k.algs = hmacAlgorithms[:2]
	case n >= MinHMACKeySize:
		k.algs = hmacAlgorithms[:1]
	default:
		k.err = &identity.ConfigError{Field: "HMACKey", Err: fmt.Errorf("secret is %d bytes, want at least %d", n, MinHMACKeySize)}
	}
	return k
}

// RSAPublicKey verifies tokens signed with the matching private key, with
// RS256/384/512 or PS256/384/512. Keys under MinRSAKeyBits are refused by New.
func RSAPublicKey(key *rsa.PublicKey) KeySource {
	return publicKeySource("RSAPublicKey", key, publickey.RSAAlgorithms)
}

// ECDSAPublicKey verifies tokens signed with the matching private key, with
// the one algorithm its curve allows: ES256 (P-256), ES384 (P-384) or ES512
// (P-521). Other curves are refused by New.
func ECDSAPublicKey(key *ecdsa.PublicKey) KeySource {
	var algs []string
	if key != nil && key.Curve != nil && publickey.Algorithm(key.Curve) != "" {
		algs = []string{publickey.Algorithm(key.Curve)}
	}
	return publicKeySource("ECDSAPublicKey", key, algs)
}

// publicKeySource is a static source of one public key, refused (by New)
// if it breaks checkPublicKey.
func publicKeySource(field string, key any, algs []string) KeySource {
	k := &staticKey{key: key, algs: algs}
	if err := publickey.Check(key); err != nil {
		k.err = &identity.ConfigError{Field: field, Err: err}
	}
	return k
}

// Ed25519PublicKey verifies tokens signed with the matching private key, with EdDSA.
func Ed25519PublicKey(key ed25519.PublicKey) KeySource {
	return publicKeySource("Ed25519PublicKey", key, []string{"EdDSA"})
}

// PublicKeyPEM verifies tokens with the first public key in a PEM file: a
// "PUBLIC KEY" (PKIX: RSA, ECDSA or Ed25519), an "RSA PUBLIC KEY" (PKCS #1) or
// a "CERTIFICATE". A private key is refused, so that it is never deployed
// where only verification is needed.
func PublicKeyPEM(data []byte) KeySource {
	bad := func(format string, args ...any) KeySource {
		return &staticKey{err: &identity.ConfigError{Field: "PublicKeyPEM", Err: fmt.Errorf(format, args...)}}
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return bad("no PEM block")
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			pub = cert.PublicKey
		}
	default:
		return bad("a %q block, want a public key or certificate", block.Type)
	}
	if err != nil {
		return bad("%w", err)
	}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		return RSAPublicKey(pub)
	case *ecdsa.PublicKey:
		return ECDSAPublicKey(pub)
	case ed25519.PublicKey:
		return Ed25519PublicKey(pub)
	}
	return bad("unsupported key type %T", pub)
}

// keyFits reports whether key is of the kind method verifies with: the
// second line of defence against algorithm confusion, after the allowed list.
func keyFits(method jwt.SigningMethod, key any) bool {
	switch m := method.(type) {
	case *jwt.SigningMethodHMAC:
		b, ok := key.([]byte)
		return ok && len(b) > 0
	case *jwt.SigningMethodRSA, *jwt.SigningMethodRSAPSS:
		_, ok := key.(*rsa.PublicKey)
		return ok
	case *jwt.SigningMethodECDSA:
		k, ok := key.(*ecdsa.PublicKey)
		return ok && k.Curve != nil && k.Curve.Params().BitSize == m.CurveBits
	case *jwt.SigningMethodEd25519:
		_, ok := key.(ed25519.PublicKey)
		return ok
	}
	return false
}

// isHMAC reports whether alg is an HMAC algorithm.
func isHMAC(alg string) bool { return slices.Contains(hmacAlgorithms, alg) }
