// Package publickey holds the one rule every public verification key meets,
// whether it is given at start-up (identity/jwtverify) or found in a key set
// (identity/jwks).
package publickey

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
)

// The JWS algorithms of public keys, by key type.
var (
	RSAAlgorithms   = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	ECDSAAlgorithms = []string{"ES256", "ES384", "ES512"}
	// Algorithms are all of them: what a key set may hold, never HMAC,
	// whose secret has no business being published.
	Algorithms = slices.Concat(RSAAlgorithms, ECDSAAlgorithms, []string{"EdDSA"})
)

// MinRSABits is the smallest RSA modulus accepted.
const MinRSABits = 2048

// Check accepts RSA of at least MinRSABits, ECDSA on a curve with a JWS
// algorithm (P-256, P-384, P-521) and Ed25519 of its one size, and refuses
// anything else with the reason.
func Check(key any) error {
	switch k := key.(type) {
	case *rsa.PublicKey:
		switch {
		case k == nil || k.N == nil:
			return errors.New("nil key")
		case k.N.BitLen() < MinRSABits:
			return fmt.Errorf("%d bits, want at least %d", k.N.BitLen(), MinRSABits)
		}
	case *ecdsa.PublicKey:
		switch {
		case k == nil || k.Curve == nil:
			return errors.New("nil key")
		case Algorithm(k.Curve) == "":
			return fmt.Errorf("curve %s has no JWS algorithm", k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%d bytes, want %d", len(k), ed25519.PublicKeySize)
		}
	default:
		return fmt.Errorf("unsupported key type %T", key)
	}
	return nil
}

// Algorithm is the one JWS algorithm of an ECDSA curve, or "" if it has none.
func Algorithm(c elliptic.Curve) string {
	switch c {
	case elliptic.P256():
		return "ES256"
	case elliptic.P384():
		return "ES384"
	case elliptic.P521():
		return "ES512"
	}
	return ""
}
