package engagespot_test

import (
	"bytes"
	cryptorand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/identity"
)

// verify checks tok's signature with pub and returns its header and claims.
func verify(t *testing.T, tok string, pub *rsa.PublicKey) (map[string]any, map[string]any) {
	t.Helper()
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuedAt())
	require.NoError(t, err)
	require.True(t, parsed.Valid)
	return parsed.Header, claims
}

// asJSON normalises a value through JSON, so numbers compare as float64.
func asJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func TestTokenMatchesOfficialSDK(t *testing.T) {
	t.Parallel()
	g := loadGolden(t).GenerateUserToken
	require.NotEmpty(t, g.Claims)
	iat := int64(g.Claims["iat"].(float64))
	apiKey := g.Claims["apiKey"].(string)
	k := testKey(t)

	tests := []struct {
		name       string
		pem        []byte
		identifier string
		want       map[string]any
	}{
		{"PKCS#8 key", pkcs8PEM(t, k), "user-1", g.Claims},
		{"PKCS#1 key, identifier kept raw", pkcs1PEM(k), "a/b?c#d é", g.PKCS1KeyTokenClaim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := engagespot.NewTokenSigner(apiKey, tt.pem)
			require.NoError(t, err)
			engagespot.SetSignerClock(s, func() time.Time { return time.Unix(iat, 0) })
			tok, err := s.Token(tt.identifier)
			require.NoError(t, err)

			header, claims := verify(t, tok, &k.PublicKey)
			assert.Equal(t, g.Header, header, "header: alg RS256, typ JWT, nothing else")
			assert.Equal(t, tt.want, asJSON(t, claims), "claims: sub, apiKey, iat and nothing else")

			// The signature is over exactly these bytes, and iat is an integer.
			parts := strings.Split(tok, ".")
			require.Len(t, parts, 3)
			raw, err := base64.RawURLEncoding.DecodeString(parts[1])
			require.NoError(t, err)
			assert.Contains(t, string(raw), `"iat":`+strconv.FormatInt(iat, 10))
		})
	}
}

func TestTokenDoesNotVerifyWithAnotherKey(t *testing.T) {
	t.Parallel()
	k, other := testKeys(t)
	s, err := engagespot.NewTokenSigner("k", pkcs1PEM(k))
	require.NoError(t, err)
	assert.Equal(t, &k.PublicKey, s.PublicKey())
	tok, err := s.Token("u")
	require.NoError(t, err)
	_, err = jwt.Parse(tok, func(*jwt.Token) (any, error) { return &other.PublicKey, nil })
	assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)
}

func TestTokenIATFollowsTheClock(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	s, err := engagespot.NewTokenSigner("k", pkcs1PEM(k))
	require.NoError(t, err)
	now := time.Unix(1_700_000_000, 999_000_000)
	engagespot.SetSignerClock(s, func() time.Time { return now })
	tok, err := s.Token("u")
	require.NoError(t, err)
	_, claims := verify(t, tok, &k.PublicKey)
	assert.InDelta(t, 1_700_000_000, claims["iat"], 0, "whole seconds, as the Node SDK")
}

func TestTokenRefusesBadIdentifiers(t *testing.T) {
	t.Parallel()
	s, err := engagespot.NewTokenSigner("k", pkcs1PEM(testKey(t)))
	require.NoError(t, err)
	for _, id := range []string{"", " ", "a\nb", "\xff", "..", strings.Repeat("x", identity.MaxIdentifierLen+1)} {
		tok, err := s.Token(id)
		assert.Empty(t, tok)
		require.ErrorIs(t, err, identity.ErrInvalidIdentifier, "%q", id)
		var ie *engagespot.InputError
		assert.ErrorAs(t, err, &ie)
	}
	_, err = s.Token("abcd")
	assert.NoError(t, err)
}

func TestNewTokenSignerRefusesBadKeys(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	small, err := rsa.GenerateKey(cryptorand.Reader, 1024)
	require.NoError(t, err)
	ecDER, err := x509.MarshalECPrivateKey(ecKey(t))
	require.NoError(t, err)
	goodPEM := pkcs8PEM(t, k)
	tests := []struct {
		name   string
		pem    []byte
		want   error
		reason string
	}{
		{"missing", nil, engagespot.ErrNoSigningKey, "not provided"},
		{"blank", []byte(" \n"), engagespot.ErrNoSigningKey, "not provided"},
		{"garbage", []byte("not a key at all"), engagespot.ErrInvalidSigningKey, "no PEM block"},
		{"truncated PEM", goodPEM[:len(goodPEM)/2], engagespot.ErrInvalidSigningKey, "no PEM block"},
		{"DER without PEM", pkcs1DER(k), engagespot.ErrInvalidSigningKey, "no PEM block"},
		{"junk in a PKCS#8 block", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")}), engagespot.ErrInvalidSigningKey, "does not parse"},
		{"junk in a PKCS#1 block", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("junk")}), engagespot.ErrInvalidSigningKey, "does not parse"},
		{"PKCS#8 labelled PKCS#1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: mustPKCS8(t, k)}), engagespot.ErrInvalidSigningKey, "does not parse"},
		{"EC key in PKCS#8", pkcs8PEM(t, ecKey(t)), engagespot.ErrInvalidSigningKey, "ECDSA key"},
		{"EC key in SEC 1", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}), engagespot.ErrInvalidSigningKey, "EC PRIVATE KEY"},
		{"Ed25519 key", pkcs8PEM(t, edKey(t)), engagespot.ErrInvalidSigningKey, "Ed25519"},
		{"public key", publicPEM(t, k), engagespot.ErrInvalidSigningKey, "public key"},
		{"PKCS#1 public key", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.PublicKey)}), engagespot.ErrInvalidSigningKey, "public key"},
		{"certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("x")}), engagespot.ErrInvalidSigningKey, "certificate"},
		{"encrypted PKCS#8", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("x")}), engagespot.ErrInvalidSigningKey, "encrypted"},
		{"encrypted PKCS#1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00"}, Bytes: []byte("x")}), engagespot.ErrInvalidSigningKey, "encrypted"},
		{"OpenSSH key", pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte("x")}), engagespot.ErrInvalidSigningKey, "RSA key"},
		{"unknown block", pem.EncodeToMemory(&pem.Block{Type: "SOMETHING", Bytes: []byte("x")}), engagespot.ErrInvalidSigningKey, `"SOMETHING"`},
		{"1024-bit RSA", pkcs1PEM(small), engagespot.ErrInvalidSigningKey, "1024 bits"},
	}
	telltale := base64.StdEncoding.EncodeToString(pkcs1DER(k))[64:104]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := engagespot.NewTokenSigner("k", tt.pem)
			assert.Nil(t, s)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.reason)
			var ce *identity.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "privateKeyPEM", ce.Field)
			assert.NotContains(t, err.Error(), telltale, "the error never quotes the key")
		})
	}

	_, err = engagespot.NewTokenSigner("", goodPEM)
	var ce *identity.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "apiKey", ce.Field)
	_, err = engagespot.NewTokenSigner("k", goodPEM, engagespot.WithTokenLifetime(time.Second))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "TokenLifetime", ce.Field)
	_, err = engagespot.NewTokenSigner("k", goodPEM, nil)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "options", ce.Field)
	assert.ErrorContains(t, err, "engagespot: bad options")
}

func TestNewTokenSignerAcceptsPEMWithSurroundings(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	withText := append([]byte("Engagespot signing key, generated 2026-11-29\n"), pkcs8PEM(t, k)...)
	escaped := bytes.ReplaceAll(bytes.TrimSpace(pkcs1PEM(k)), []byte("\n"), []byte(`\n`))
	for name, p := range map[string][]byte{"text before": withText, `\n escaped`: escaped, "CRLF": bytes.ReplaceAll(pkcs1PEM(k), []byte("\n"), []byte("\r\n"))} {
		s, err := engagespot.NewTokenSigner("k", p)
		require.NoError(t, err, name)
		assert.Equal(t, &k.PublicKey, s.PublicKey(), name)
	}
}

// Not parallel: it sets the environment.
func TestNewTokenSignerFromEnv(t *testing.T) {
	g := loadGolden(t).GenerateUserToken
	k := testKey(t)

	t.Setenv(engagespot.EnvSigningKey, "")
	_, err := engagespot.NewTokenSignerFromEnv("k")
	require.ErrorIs(t, err, engagespot.ErrNoSigningKey)
	assert.Contains(t, strings.ToLower(err.Error()), strings.ToLower(g.WithoutSigningKey), "the Node SDK's message")
	var ce *identity.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, engagespot.EnvSigningKey, ce.Field)

	t.Setenv(engagespot.EnvSigningKey, "garbage")
	_, err = engagespot.NewTokenSignerFromEnv("k")
	require.ErrorIs(t, err, engagespot.ErrInvalidSigningKey)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, engagespot.EnvSigningKey, ce.Field)

	t.Setenv(engagespot.EnvSigningKey, strings.ReplaceAll(string(pkcs8PEM(t, k)), "\n", `\n`))
	s, err := engagespot.NewTokenSignerFromEnv("k")
	require.NoError(t, err)
	tok, err := s.Token("user-1")
	require.NoError(t, err)
	_, claims := verify(t, tok, &k.PublicKey)
	assert.Equal(t, "user:user-1", claims["sub"])
}

func TestTokenConcurrent(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	s, err := engagespot.NewTokenSigner("k", pkcs1PEM(k))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			id := "user-" + string(rune('a'+i))
			tok, err := s.Token(id)
			if assert.NoError(t, err) {
				_, claims := verify(t, tok, &k.PublicKey)
				assert.Equal(t, "user:"+id, claims["sub"])
			}
		})
	}
	wg.Wait()
}

func mustPKCS8(t *testing.T, k any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return der
}

// WithTokenLifetime adds exp, iat plus the lifetime; without it there is
// none, as the official SDKs sign.
func TestTokenLifetime(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	now := time.Unix(1_700_000_000, 0)
	s, err := engagespot.NewTokenSigner("k", pkcs1PEM(k), engagespot.WithTokenLifetime(time.Hour))
	require.NoError(t, err)
	engagespot.SetSignerClock(s, func() time.Time { return now })
	tok, err := s.Token("u")
	require.NoError(t, err)
	_, err = jwt.Parse(tok, func(*jwt.Token) (any, error) { return &k.PublicKey, nil },
		jwt.WithTimeFunc(func() time.Time { return now.Add(time.Hour) }))
	assert.ErrorIs(t, err, jwt.ErrTokenExpired, "expired an hour after iat")
	claims := jwt.MapClaims{}
	_, err = jwt.NewParser(jwt.WithoutClaimsValidation()).ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return &k.PublicKey, nil })
	require.NoError(t, err)
	assert.InDelta(t, now.Add(time.Hour).Unix(), claims["exp"], 0)

	_, err = engagespot.NewTokenSigner("k", pkcs1PEM(k), engagespot.WithTokenLifetime(time.Second))
	assert.Error(t, err, "a lifetime under a minute is refused")
}
