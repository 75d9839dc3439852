package engagespot

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// EnvSigningKey is the environment variable the official Node SDK reads the
// private signing key from; NewTokenSignerFromEnv reads it too.
const EnvSigningKey = "ENGAGESPOT_PRIVATE_SIGNING_KEY"

// MinSigningKeyBits is the smallest RSA key NewTokenSigner accepts.
const MinSigningKeyBits = 2048

var (
	// ErrNoSigningKey: no private signing key was given.
	ErrNoSigningKey = errors.New("engagespot: signing key not provided")
	// ErrInvalidSigningKey: the key is not a usable RSA private key in PEM.
	ErrInvalidSigningKey = errors.New("engagespot: invalid signing key")
)

// TokenSigner mints the user tokens Engagespot's in-app (front-end) library
// needs in secure mode: RS256 JWTs over {"sub": "user:<identifier>",
// "apiKey": <API key>, "iat": <now>}, as the official Node SDK's
// generateUserToken. It is safe for concurrent use. Printing or logging it
// never shows the key.
type TokenSigner struct {
	apiKey   string
	key      *rsa.PrivateKey
	lifetime time.Duration    // 0: no exp, as the official SDK
	now      func() time.Time // tests replace it
}

// SignerOption configures NewTokenSigner.
type SignerOption func(*signerConfig) error

type signerConfig struct {
	lifetime time.Duration
}

// WithTokenLifetime adds an exp claim, d after iat, to every token: a token
// that leaks stops working by itself, if Engagespot checks exp. Whether it
// does is not documented, and this was not verified against Engagespot (its
// official SDKs sign no exp): check that the in-app library accepts the
// tokens, and refreshes them before they expire, before relying on it.
// Default: none, as the official SDKs.
func WithTokenLifetime(d time.Duration) SignerOption {
	return func(c *signerConfig) error {
		if d < time.Minute {
			return options.Error("TokenLifetime", "%s: want at least a minute", d)
		}
		c.lifetime = d
		return nil
	}
}

// NewTokenSigner returns a signer for the workspace's API key and private
// signing key (generated in the Engagespot console when secure mode is
// turned on), given as PEM: PKCS#1 ("RSA PRIVATE KEY") or PKCS#8
// ("PRIVATE KEY"). A missing key gives an *identity.ConfigError wrapping
// ErrNoSigningKey; a malformed, encrypted, public, non-RSA or short key one
// wrapping ErrInvalidSigningKey. Errors never quote the key.
func NewTokenSigner(apiKey string, privateKeyPEM []byte, opts ...SignerOption) (*TokenSigner, error) {
	if strings.TrimSpace(apiKey) == "" {
		return nil, fmt.Errorf("engagespot: %w", options.Error("apiKey", "empty"))
	}
	key, err := parseSigningKey(privateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("engagespot: %w", &identity.ConfigError{Field: "privateKeyPEM", Err: err})
	}
	var cfg signerConfig
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("engagespot: %w", err)
	}
	return &TokenSigner{apiKey: apiKey, key: key, lifetime: cfg.lifetime, now: time.Now}, nil
}

// NewTokenSignerFromEnv is NewTokenSigner with the key read from the
// ENGAGESPOT_PRIVATE_SIGNING_KEY environment variable, like the Node SDK.
// A key whose newlines were written as \n (common in .env files) is accepted.
func NewTokenSignerFromEnv(apiKey string, opts ...SignerOption) (*TokenSigner, error) {
	pemKey := os.Getenv(EnvSigningKey)
	if strings.TrimSpace(pemKey) == "" {
		return nil, fmt.Errorf("engagespot: %w", &identity.ConfigError{Field: EnvSigningKey, Err: fmt.Errorf("%w: the variable is unset or empty", ErrNoSigningKey)})
	}
	s, err := NewTokenSigner(apiKey, []byte(pemKey), opts...)
	var ce *identity.ConfigError
	if errors.As(err, &ce) && ce.Field == "privateKeyPEM" {
		ce.Field = EnvSigningKey
	}
	return s, err
}

// Token returns the user token for identifier: a JWT the front-end passes
// to Engagespot's in-app library in secure mode. The identifier goes into
// "sub" as is (no escaping); an invalid one is refused with an *InputError.
func (s *TokenSigner) Token(identifier string) (string, error) {
	const op = "sign user token"
	if err := identity.ValidateIdentifier(identifier); err != nil {
		return "", &InputError{Op: op, Err: err}
	}
	now := s.now()
	claims := jwt.MapClaims{
		"sub":    "user:" + identifier,
		"apiKey": s.apiKey,
		"iat":    now.Unix(),
	}
	if s.lifetime > 0 {
		claims["exp"] = now.Add(s.lifetime).Unix()
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("engagespot: %s: %w", op, err)
	}
	return tok, nil
}

// PublicKey returns the public half of the signing key, the one Engagespot
// keeps: use it to verify tokens.
func (s *TokenSigner) PublicKey() *rsa.PublicKey { return &s.key.PublicKey }

// parseSigningKey reads an RSA private key from PEM, saying what is wrong
// with anything else without repeating it.
func parseSigningKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	if len(bytes.TrimSpace(pemBytes)) == 0 {
		return nil, ErrNoSigningKey
	}
	block, _ := pem.Decode(pemBytes)
	if block == nil && bytes.Contains(pemBytes, []byte(`\n`)) {
		block, _ = pem.Decode(bytes.ReplaceAll(pemBytes, []byte(`\n`), []byte("\n")))
	}
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found (want -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)", ErrInvalidSigningKey)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		if _, encrypted := block.Headers["DEK-Info"]; encrypted {
			return nil, fmt.Errorf("%w: the key is encrypted; decrypt it first", ErrInvalidSigningKey)
		}
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("%w: the key is encrypted; decrypt it first", ErrInvalidSigningKey)
	case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
		return nil, fmt.Errorf("%w: got a %s; Engagespot keeps that one, signing needs the private key", ErrInvalidSigningKey, strings.ToLower(block.Type))
	case "EC PRIVATE KEY", "EC PARAMETERS", "OPENSSH PRIVATE KEY":
		return nil, fmt.Errorf("%w: got an %s block; secure mode needs an RSA key (RS256)", ErrInvalidSigningKey, block.Type)
	default:
		return nil, fmt.Errorf("%w: unexpected PEM block type %q", ErrInvalidSigningKey, block.Type)
	}
	if err != nil {
		// x509's messages describe the structure, never the key material.
		return nil, fmt.Errorf("%w: %s block does not parse: %w", ErrInvalidSigningKey, block.Type, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < MinSigningKeyBits {
			return nil, fmt.Errorf("%w: RSA key of %d bits, want at least %d", ErrInvalidSigningKey, bits, MinSigningKeyBits)
		}
		return k, nil
	case *ecdsa.PrivateKey:
		return nil, fmt.Errorf("%w: got an ECDSA key; secure mode needs an RSA key (RS256)", ErrInvalidSigningKey)
	case ed25519.PrivateKey:
		return nil, fmt.Errorf("%w: got an Ed25519 key; secure mode needs an RSA key (RS256)", ErrInvalidSigningKey)
	default:
		return nil, fmt.Errorf("%w: got a %T; secure mode needs an RSA key (RS256)", ErrInvalidSigningKey, key)
	}
}

// String describes the signer without its key.
func (s TokenSigner) String() string {
	return "engagespot.TokenSigner{APIKey: " + s.apiKey + ", PrivateKey: [REDACTED]}"
}

// GoString is String, so %#v does not print the key either.
func (s TokenSigner) GoString() string { return s.String() }

// Format prints String for every verb.
func (s TokenSigner) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue logs the signer without its key.
func (s TokenSigner) LogValue() slog.Value {
	return slog.GroupValue(slog.String("api_key", s.apiKey), slog.String("private_key", "[REDACTED]"))
}
