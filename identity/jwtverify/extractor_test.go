package jwtverify

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testNow is the fixed time of the JWT tests, so none depends on the clock.
var testNow = time.Unix(1_800_000_000, 0)

func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "u1", "email": "ada@example.com", "given_name": "Ada",
		"exp": testNow.Add(time.Hour).Unix(), "iat": testNow.Add(-time.Minute).Unix(),
		"nbf": testNow.Add(-time.Minute).Unix(),
	}
}

func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
			continue
		}
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

func newJWT(t testing.TB, src KeySource, opts ...Option) *Extractor {
	t.Helper()
	e, err := New(src, append([]Option{withClock(func() time.Time { return testNow })}, opts...)...)
	require.NoError(t, err)
	return e
}

func bearer(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func TestJWTEveryKeyType(t *testing.T) {
	t.Parallel()
	k := keys()
	edPub := k.ed.Public().(ed25519.PublicKey)
	tests := []struct {
		name    string
		src     KeySource
		method  jwt.SigningMethod
		signKey any
	}{
		{"HS256", HMACKey(k.hmac256), jwt.SigningMethodHS256, k.hmac256},
		{"HS384", HMACKey(k.hmac384), jwt.SigningMethodHS384, k.hmac384},
		{"HS512", HMACKey(k.hmac512), jwt.SigningMethodHS512, k.hmac512},
		{"HS256 with a long secret", HMACKey(k.hmac512), jwt.SigningMethodHS256, k.hmac512},
		{"RS256", RSAPublicKey(&k.rsa.PublicKey), jwt.SigningMethodRS256, k.rsa},
		{"RS384", RSAPublicKey(&k.rsa.PublicKey), jwt.SigningMethodRS384, k.rsa},
		{"RS512", RSAPublicKey(&k.rsa.PublicKey), jwt.SigningMethodRS512, k.rsa},
		{"PS256", RSAPublicKey(&k.rsa.PublicKey), jwt.SigningMethodPS256, k.rsa},
		{"PS512", RSAPublicKey(&k.rsa.PublicKey), jwt.SigningMethodPS512, k.rsa},
		{"ES256", ECDSAPublicKey(&k.p256.PublicKey), jwt.SigningMethodES256, k.p256},
		{"ES384", ECDSAPublicKey(&k.p384.PublicKey), jwt.SigningMethodES384, k.p384},
		{"ES512", ECDSAPublicKey(&k.p521.PublicKey), jwt.SigningMethodES512, k.p521},
		{"EdDSA", Ed25519PublicKey(edPub), jwt.SigningMethodEdDSA, k.ed},
		{"RS256 from PEM", PublicKeyPEM(pkixPEM(t, &k.rsa.PublicKey)), jwt.SigningMethodRS256, k.rsa},
		{"ES256 from a certificate", PublicKeyPEM(certPEM(t, k.p256)), jwt.SigningMethodES256, k.p256},
		{"EdDSA from PEM", PublicKeyPEM(pkixPEM(t, edPub)), jwt.SigningMethodEdDSA, k.ed},
		{"custom source", customKeys{algs: []string{"HS256"}, key: k.hmac256}, jwt.SigningMethodHS256, k.hmac256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newJWT(t, tt.src)
			id, ok, err := e.Extract(bearer(sign(t, tt.method, tt.signKey, validClaims())))
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, identity.Identity{Identifier: "u1", Profile: identity.Profile{Email: "ada@example.com", FirstName: "Ada"}}, id)
		})
	}
}

// TestJWTAttacks: every token an attacker or a bug could send yields no
// identity, an error that says why without repeating the token, and no panic.
func TestJWTAttacks(t *testing.T) {
	t.Parallel()
	k := keys()
	rsaPEM := pkixPEM(t, &k.rsa.PublicKey)
	hsE := newJWT(t, HMACKey(k.hmac256))
	rsE := newJWT(t, RSAPublicKey(&k.rsa.PublicKey))
	esE := newJWT(t, ECDSAPublicKey(&k.p256.PublicKey))
	strictE := newJWT(t, HMACKey(k.hmac256), WithIssuer("https://idp.example.com/"), WithAudience("app", "admin"))

	noneToken := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, validClaims())
	valid := sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims())
	parts := strings.Split(valid, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	big := sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "pad", strings.Repeat("x", 64<<10)))
	tampered := parts[0] + "." + b64([]byte(`{"sub":"admin","exp":1900000000}`)) + "." + parts[2]

	tests := []struct {
		name    string
		e       *Extractor
		token   string
		wantErr []error
	}{
		{"alg none", hsE, noneToken, []error{ErrInvalidToken, jwt.ErrTokenSignatureInvalid}},
		{"alg none on RSA", rsE, noneToken, []error{ErrInvalidToken}},
		{"alg NONE spelled otherwise", hsE, b64([]byte(`{"alg":"NONE","typ":"JWT"}`)) + "." + parts[1] + ".", []error{ErrInvalidToken, jwt.ErrTokenUnverifiable}},
		{"no alg", hsE, b64([]byte(`{"typ":"JWT"}`)) + "." + parts[1] + "." + parts[2], []error{ErrInvalidToken, jwt.ErrTokenUnverifiable}},
		{"wrong HMAC key", hsE, sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), validClaims()), []error{ErrInvalidToken, jwt.ErrSignatureInvalid}},
		{"wrong RSA key", rsE, sign(t, jwt.SigningMethodRS256, k.rsa2, validClaims()), []error{ErrInvalidToken, jwt.ErrTokenSignatureInvalid}},
		{"wrong EC key", esE, sign(t, jwt.SigningMethodES256, k.p256b, validClaims()), []error{ErrInvalidToken, jwt.ErrTokenSignatureInvalid}},
		{"EC key of another curve", esE, sign(t, jwt.SigningMethodES384, k.p384, validClaims()), []error{ErrInvalidToken}},
		{"HS256 signed with the RSA public key's PEM", rsE, sign(t, jwt.SigningMethodHS256, rsaPEM, validClaims()), []error{ErrInvalidToken, jwt.ErrTokenSignatureInvalid}},
		{"HS256 signed with the RSA public key's DER", rsE, sign(t, jwt.SigningMethodHS256, x509.MarshalPKCS1PublicKey(&k.rsa.PublicKey), validClaims()), []error{ErrInvalidToken}},
		{"RS256 on an HMAC extractor", hsE, sign(t, jwt.SigningMethodRS256, k.rsa, validClaims()), []error{ErrInvalidToken, jwt.ErrTokenSignatureInvalid}},
		{"HS384 with a 32-byte secret", hsE, sign(t, jwt.SigningMethodHS384, k.hmac256, validClaims()), []error{ErrInvalidToken}},
		{"tampered claims", hsE, tampered, []error{ErrInvalidToken, jwt.ErrTokenSignatureInvalid}},
		{"signature stripped", hsE, parts[0] + "." + parts[1] + ".", []error{ErrInvalidToken}},
		{"expired", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "exp", testNow.Add(-time.Minute).Unix())), []error{ErrInvalidToken, jwt.ErrTokenExpired}},
		{"no exp", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "exp", nil)), []error{ErrInvalidToken, jwt.ErrTokenRequiredClaimMissing}},
		{"exp not a number", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "exp", "tomorrow")), []error{ErrInvalidToken, jwt.ErrInvalidType}},
		{"not yet valid", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "nbf", testNow.Add(time.Minute).Unix())), []error{ErrInvalidToken, jwt.ErrTokenNotValidYet}},
		{"issued in the future", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "iat", testNow.Add(time.Minute).Unix())), []error{ErrInvalidToken, jwt.ErrTokenUsedBeforeIssued}},
		{"wrong issuer", strictE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "iss", "https://evil.example.com/", "aud", "app")), []error{ErrInvalidToken, jwt.ErrTokenInvalidIssuer}},
		{"no issuer", strictE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "aud", "app")), []error{ErrInvalidToken, jwt.ErrTokenRequiredClaimMissing}},
		{"wrong audience", strictE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "iss", "https://idp.example.com/", "aud", []string{"other"})), []error{ErrInvalidToken, jwt.ErrTokenInvalidAudience}},
		{"no audience", strictE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "iss", "https://idp.example.com/")), []error{ErrInvalidToken, jwt.ErrTokenRequiredClaimMissing}},
		{"numeric sub", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", 42)), []error{identity.ErrInvalidIdentifier}},
		{"object sub", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", map[string]any{"id": "admin"})), []error{identity.ErrInvalidIdentifier}},
		{"list sub", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", []string{"a", "b"})), []error{identity.ErrInvalidIdentifier}},
		{"empty sub", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", "")), []error{identity.ErrInvalidIdentifier}},
		{"no sub", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", nil)), []error{identity.ErrNoIdentifier}},
		{"NUL in sub", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", "admin\x00")), []error{identity.ErrInvalidIdentifier}},
		{"newline in sub", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", "u1\r\nX-Admin: 1")), []error{identity.ErrInvalidIdentifier}},
		{"escape in sub", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", "\x1b[31mred")), []error{identity.ErrInvalidIdentifier}},
		{"sub of 256 bytes", hsE, sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", strings.Repeat("a", 256))), []error{identity.ErrInvalidIdentifier}},
		{"64 KiB token", hsE, big, []error{ErrInvalidToken}},
		{"many dots", hsE, strings.Repeat("a.", 4000), []error{ErrInvalidToken}},
		{"only dots", hsE, strings.Repeat(".", 8192), []error{ErrInvalidToken}},
		{"two segments", hsE, parts[0] + "." + parts[1], []error{ErrInvalidToken}},
		{"four segments", hsE, valid + ".x", []error{ErrInvalidToken}},
		{"bad base64 header", hsE, "!!!." + parts[1] + "." + parts[2], []error{ErrInvalidToken, jwt.ErrTokenMalformed}},
		{"header not JSON", hsE, b64([]byte("not json")) + "." + parts[1] + "." + parts[2], []error{ErrInvalidToken, jwt.ErrTokenMalformed}},
		{"claims not an object", hsE, parts[0] + "." + b64([]byte(`["sub"]`)) + "." + parts[2], []error{ErrInvalidToken, jwt.ErrTokenMalformed}},
		{"padded base64", hsE, parts[0] + "==." + parts[1] + "." + parts[2], []error{ErrInvalidToken}},
		{"whitespace inside", hsE, parts[0] + ". " + parts[1] + "." + parts[2], []error{ErrInvalidToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, ok, err := tt.e.Extract(bearer(tt.token))
			assert.False(t, ok)
			assert.Zero(t, id)
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.ErrorIs(t, err, want)
			}
			for _, part := range strings.Split(tt.token, ".") {
				if len(part) > 8 {
					assert.NotContains(t, err.Error(), part, "the error must not repeat the token")
				}
			}
			assert.Less(t, len(err.Error()), 300, "errors stay short: %s", err)
		})
	}
}

func TestJWTLeeway(t *testing.T) {
	t.Parallel()
	k := keys()
	tests := []struct {
		name   string
		leeway []Option
		claim  string
		offset time.Duration
		ok     bool
	}{
		{"expired within default leeway", nil, "exp", -20 * time.Second, true},
		{"expired past default leeway", nil, "exp", -40 * time.Second, false},
		{"nbf within default leeway", nil, "nbf", 20 * time.Second, true},
		{"nbf past default leeway", nil, "nbf", 40 * time.Second, false},
		{"iat within default leeway", nil, "iat", 20 * time.Second, true},
		{"no leeway", []Option{WithLeeway(0)}, "exp", -time.Second, false},
		{"larger leeway", []Option{WithLeeway(2 * time.Minute)}, "exp", -time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newJWT(t, HMACKey(k.hmac256), tt.leeway...)
			_, err := e.Verify(sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), tt.claim, testNow.Add(tt.offset).Unix())))
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrInvalidToken)
			}
		})
	}
}

func TestJWTIssuerAndAudience(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newJWT(t, HMACKey(k.hmac256), WithIssuer("https://idp.example.com/"), WithAudience("app", "admin"))
	for _, aud := range []any{"app", "admin", []string{"other", "admin"}} {
		_, err := e.Verify(sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "iss", "https://idp.example.com/", "aud", aud)))
		assert.NoError(t, err, "aud %v", aud)
	}
}

func TestJWTAlgorithmsNarrowed(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newJWT(t, RSAPublicKey(&k.rsa.PublicKey), WithAlgorithms("PS256"))
	_, err := e.Verify(sign(t, jwt.SigningMethodPS256, k.rsa, validClaims()))
	require.NoError(t, err)
	_, err = e.Verify(sign(t, jwt.SigningMethodRS256, k.rsa, validClaims()))
	assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)
}

func TestJWTMaxTokenSize(t *testing.T) {
	t.Parallel()
	k := keys()
	token := sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "pad", strings.Repeat("x", 10<<10)))
	_, err := newJWT(t, HMACKey(k.hmac256)).Verify(token)
	require.ErrorIs(t, err, ErrInvalidToken)
	assert.Contains(t, err.Error(), "limit 8192")
	_, err = newJWT(t, HMACKey(k.hmac256), WithMaxTokenSize(16<<10)).Verify(token)
	assert.NoError(t, err)
}

func TestJWTConfigErrors(t *testing.T) {
	t.Parallel()
	k := keys()
	tests := []struct {
		name  string
		src   KeySource
		opt   Option
		field string
	}{
		{"empty issuer", HMACKey(k.hmac256), WithIssuer(""), "Issuer"},
		{"no audience", HMACKey(k.hmac256), WithAudience(), "Audience"},
		{"empty audience", HMACKey(k.hmac256), WithAudience("app", ""), "Audience"},
		{"negative leeway", HMACKey(k.hmac256), WithLeeway(-time.Second), "Leeway"},
		{"huge leeway", HMACKey(k.hmac256), WithLeeway(time.Hour), "Leeway"},
		{"zero token size", HMACKey(k.hmac256), WithMaxTokenSize(0), "MaxTokenSize"},
		{"no algorithms", HMACKey(k.hmac256), WithAlgorithms(), "Algorithms"},
		{"none algorithm", HMACKey(k.hmac256), WithAlgorithms("none"), "Algorithms"},
		{"algorithm the key cannot do", HMACKey(k.hmac256), WithAlgorithms("HS512"), "Algorithms"},
		{"RSA algorithm for an HMAC key", HMACKey(k.hmac256), WithAlgorithms("RS256"), "Algorithms"},
		{"HMAC algorithm for an RSA key", RSAPublicKey(&k.rsa.PublicKey), WithAlgorithms("HS256"), "Algorithms"},
		{"mixed algorithms", RSAPublicKey(&k.rsa.PublicKey), WithAlgorithms("RS256", "HS256"), "Algorithms"},
		{"no token source", HMACKey(k.hmac256), WithTokenSource(), "TokenSource"},
		{"nil token source", HMACKey(k.hmac256), WithTokenSource(nil), "TokenSource"},
		{"bad claims option", HMACKey(k.hmac256), WithClaimsOptions(identity.WithClaimsFunc(nil)), "ClaimsFunc"},
		{"nil option", HMACKey(k.hmac256), nil, "options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(tt.src, tt.opt)
			assert.Nil(t, e)
			var cfgErr *identity.ConfigError
			require.ErrorAs(t, err, &cfgErr)
			assert.Equal(t, tt.field, cfgErr.Field)
		})
	}
}

func TestJWTTokenSources(t *testing.T) {
	t.Parallel()
	k := keys()
	token := sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims())
	req := func(header ...string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for i := 0; i < len(header); i += 2 {
			r.Header.Add(header[i], header[i+1])
		}
		return r
	}
	cookieAndBearer := WithTokenSource(FromCookie("session_token"), FromBearer())
	tests := []struct {
		name string
		opts []Option
		r    *http.Request
		ok   bool
	}{
		{"bearer", nil, req("Authorization", "Bearer "+token), true},
		{"bearer lower case", nil, req("Authorization", "bearer "+token), true},
		{"bearer upper case, extra spaces", nil, req("Authorization", "BEARER   "+token+"  "), true},
		{"no header", nil, req(), false},
		{"basic auth is no token", nil, req("Authorization", "Basic dXNlcjpwYXNz"), false},
		{"bearer without token", nil, req("Authorization", "Bearer "), false},
		{"bearer with no space", nil, req("Authorization", "Bearer"+token), false},
		{"token without scheme", nil, req("Authorization", token), false},
		{"cookie", []Option{WithTokenSource(FromCookie("session_token"))}, req("Cookie", "a=1; session_token="+token+"; b=2"), true},
		{"quoted cookie", []Option{WithTokenSource(FromCookie("session_token"))}, req("Cookie", `session_token="`+token+`"`), true},
		{"cookie in a second header", []Option{WithTokenSource(FromCookie("session_token"))}, req("Cookie", "a=1", "Cookie", "session_token="+token), true},
		{"cookie with a longer name", []Option{WithTokenSource(FromCookie("session_token"))}, req("Cookie", "session_token2="+token), false},
		{"cookie with an empty name", []Option{WithTokenSource(FromCookie(""))}, req("Cookie", "="+token), false},
		{"cookie source ignores bearer", []Option{WithTokenSource(FromCookie("session_token"))}, req("Authorization", "Bearer "+token), false},
		{"custom header", []Option{WithTokenSource(FromHeader("x-auth-token"))}, req("X-Auth-Token", " "+token), true},
		{"custom function", []Option{WithTokenSource(func(r *http.Request) string { return r.URL.Query().Get("t") })}, httptest.NewRequest(http.MethodGet, "/?t="+token, nil), true},
		{"first source wins", []Option{cookieAndBearer}, req("Cookie", "session_token="+token, "Authorization", "Bearer garbage"), true},
		{"falls back to the next source", []Option{cookieAndBearer}, req("Authorization", "Bearer "+token), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, ok, err := newJWT(t, HMACKey(k.hmac256), tt.opts...).Extract(tt.r)
			require.NoError(t, err, "a missing token is not an error")
			assert.Equal(t, tt.ok, ok)
			if tt.ok {
				assert.Equal(t, "u1", id.Identifier)
			}
		})
	}
}

func TestJWTWithClaimsOptions(t *testing.T) {
	t.Parallel()
	k := keys()
	var dropped []error
	e := newJWT(t, HMACKey(k.hmac256), WithClaimsOptions(identity.WithIdentifierClaim("email"), identity.WithAttributeClaim("plan", "app_metadata", "plan"),
		identity.WithOnDropped(func(err error) { dropped = append(dropped, err) })))
	id, err := e.Verify(sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(),
		"app_metadata", map[string]any{"plan": "pro"}, "phone_number", "12")))
	require.NoError(t, err)
	assert.Equal(t, identity.Identity{Identifier: "ada@example.com", Profile: identity.Profile{
		Email: "ada@example.com", FirstName: "Ada", Custom: map[string]any{"plan": "pro"},
	}}, id)
	require.Len(t, dropped, 1)
	assert.ErrorIs(t, dropped[0], identity.ErrInvalidAttribute)
}

func TestJWTKeySourceMisbehaving(t *testing.T) {
	t.Parallel()
	k := keys()
	lookupFailed := errors.New("lookup failed")
	token := sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims())
	tests := []struct {
		name    string
		src     customKeys
		wantErr error
	}{
		// A source that claims HMAC but hands out an RSA key (or the reverse)
		// is caught by the key check, whatever golang-jwt would do with it.
		{"public key for an HMAC token", customKeys{algs: []string{"HS256"}, key: &k.rsa.PublicKey}, ErrUnknownKey},
		{"empty secret", customKeys{algs: []string{"HS256"}, key: []byte{}}, ErrUnknownKey},
		{"empty key set", customKeys{algs: []string{"HS256"}, key: jwt.VerificationKeySet{}}, ErrUnknownKey},
		{"key set of misfits", customKeys{algs: []string{"HS256"}, key: jwt.VerificationKeySet{Keys: []jwt.VerificationKey{&k.rsa.PublicKey}}}, ErrUnknownKey},
		{"lookup error", customKeys{algs: []string{"HS256"}, err: lookupFailed}, lookupFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := newJWT(t, tt.src).Verify(token)
			assert.ErrorIs(t, err, ErrInvalidToken)
			assert.ErrorIs(t, err, tt.wantErr)
		})
	}
	t.Run("key set with one fitting key", func(t *testing.T) {
		t.Parallel()
		src := customKeys{algs: []string{"HS256"}, key: jwt.VerificationKeySet{Keys: []jwt.VerificationKey{&k.rsa.PublicKey, k.hmac256}}}
		_, err := newJWT(t, src).Verify(token)
		assert.NoError(t, err)
	})
}

func TestJWTVerifyEmpty(t *testing.T) {
	t.Parallel()
	_, err := newJWT(t, HMACKey(keys().hmac256)).Verify("")
	assert.ErrorIs(t, err, ErrInvalidToken)
}

func TestJWTConcurrentUse(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newJWT(t, HMACKey(k.hmac256))
	good := sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims())
	bad := sign(t, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "exp", testNow.Add(-time.Hour).Unix()))
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				tok := good
				if i%2 == 1 {
					tok = bad
				}
				_, err := e.Verify(tok)
				if (err == nil) != (i%2 == 0) {
					t.Errorf("goroutine %d: unexpected result %v", i, err)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

func FuzzJWTExtract(f *testing.F) {
	k := keys()
	good := sign(f, jwt.SigningMethodHS256, k.hmac256, validClaims())
	parts := strings.Split(good, ".")
	for _, s := range []string{
		good, "", ".", "..", "...", "a.b.c", parts[0] + "." + parts[1] + ".",
		sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, validClaims()),
		sign(f, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", 42)),
		sign(f, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "sub", "a\x00")),
		sign(f, jwt.SigningMethodHS256, k.hmac256, with(validClaims(), "exp", "x", "nbf", []int{1})),
		sign(f, jwt.SigningMethodRS256, k.rsa, validClaims()),
		"eyJhbGciOiJIUzI1NiJ9.e30.", strings.Repeat("a.", 100),
	} {
		f.Add(s)
	}
	e := newJWT(f, HMACKey(k.hmac256))
	eRSA := newJWT(f, RSAPublicKey(&k.rsa.PublicKey))
	f.Fuzz(func(t *testing.T, token string) {
		for _, ex := range []*Extractor{e, eRSA} {
			id, ok, err := ex.Extract(bearer(strings.ReplaceAll(token, "\n", "")))
			if err != nil || !ok {
				if ok || id.Identifier != "" {
					t.Fatalf("identity alongside an error: %v", err)
				}
				continue
			}
			// Only a token our key signed can get here.
			checkSendable(t, id)
		}
	})
}

// TestJWTRefusesBeforeDecoding: oversized and misshapen tokens never reach
// golang-jwt (whose errors would then name a decoding step).
func TestJWTRefusesBeforeDecoding(t *testing.T) {
	t.Parallel()
	e := newJWT(t, HMACKey(keys().hmac256))
	for token, reason := range map[string]string{
		strings.Repeat("a", 64<<10):  "65536 bytes, limit 8192",
		strings.Repeat("a.", 4000):   "want three dot-separated segments",
		strings.Repeat(".", 8193):    "8193 bytes, limit 8192",
		"header.claims":              "want three dot-separated segments",
		"header.claims.sig.and.more": "want three dot-separated segments",
	} {
		_, err := e.Verify(token)
		require.ErrorIs(t, err, ErrInvalidToken)
		require.ErrorIs(t, err, jwt.ErrTokenMalformed, "for the middleware's reason: malformed")
		assert.Equal(t, "jwtverify: invalid token: token is malformed: "+reason, err.Error())
	}
}

// signRaw signs header and payload, JSON as given, with HS256: the shapes a
// JSON encoder would never write (1e300, duplicate names, lone surrogates)
// are what an attacker's token holds.
func signRaw(t testing.TB, key []byte, header, payload string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	unsigned := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodHS256.Sign(unsigned, key)
	require.NoError(t, err)
	return unsigned + "." + enc.EncodeToString(sig)
}

const hs256Header = `{"alg":"HS256","typ":"JWT"}`

// payloadWith is a valid payload at testNow with extra members appended.
func payloadWith(extra string) string {
	return fmt.Sprintf(`{"sub":"u1","exp":%d%s}`, testNow.Add(time.Hour).Unix(), extra)
}

func TestJWTRefusesCriticalHeader(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newJWT(t, HMACKey(k.hmac256))
	for _, header := range []string{
		`{"alg":"HS256","crit":["x-unknown"],"x-unknown":true}`,
		`{"alg":"HS256","crit":["b64"],"b64":false}`,
		`{"alg":"HS256","crit":[]}`,
		`{"alg":"HS256","crit":null}`,
	} {
		_, err := e.Verify(signRaw(t, k.hmac256, header, payloadWith("")))
		require.ErrorIs(t, err, ErrInvalidToken, header)
		assert.ErrorIs(t, err, errCritical, header)
	}
	_, err := e.Verify(signRaw(t, k.hmac256, hs256Header, payloadWith("")))
	assert.NoError(t, err, "the same token without crit verifies")
}

func TestJWTRefusesTimeClaimsOutOfRange(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newJWT(t, HMACKey(k.hmac256))
	for _, extra := range []string{
		`,"nbf":1e300`, `,"iat":1e300`, `,"nbf":-1e300`, `,"iat":-1`,
		`,"nbf":253402300800`, `,"iat":9223372036854775807`, `,"nbf":1e19`,
		`,"nbf":"0"`, `,"iat":null`, `,"nbf":true`, `,"iat":[1]`,
	} {
		_, err := e.Verify(signRaw(t, k.hmac256, hs256Header, payloadWith(extra)))
		assert.ErrorIs(t, err, ErrInvalidToken, extra)
	}
	for _, exp := range []string{"1e300", "253402300800", "-1"} {
		_, err := e.Verify(signRaw(t, k.hmac256, hs256Header, `{"sub":"u1","exp":`+exp+`}`))
		assert.ErrorIs(t, err, ErrInvalidToken, "exp %s", exp)
	}
	for _, extra := range []string{`,"nbf":0`, `,"iat":1799999999.5`, `,"nbf":1.7e9`} {
		_, err := e.Verify(signRaw(t, k.hmac256, hs256Header, payloadWith(extra)))
		assert.NoError(t, err, extra)
	}
	_, err := e.Verify(signRaw(t, k.hmac256, hs256Header, `{"sub":"u1","exp":253402300799}`))
	assert.NoError(t, err, "the last second of year 9999 is a time")
}

// Lone surrogates decode to U+FFFD: two different subjects would be one
// user, so neither is accepted.
func TestJWTRefusesSubjectsThatDecodeAlike(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newJWT(t, HMACKey(k.hmac256))
	for _, sub := range []string{`"u\ud800"`, `"u\udc00"`, `"u\ufffd"`, `"u\u200b"`, `"\u202eu"`, `"u\u2028"`} {
		payload := fmt.Sprintf(`{"sub":%s,"exp":%d}`, sub, testNow.Add(time.Hour).Unix())
		_, err := e.Verify(signRaw(t, k.hmac256, hs256Header, payload))
		assert.ErrorIs(t, err, identity.ErrInvalidIdentifier, sub)
	}
}

// Duplicate claim names: the last one wins, as RFC 7519 section 4 allows,
// and as every claim mapping here reads. This pins the decision.
func TestJWTDuplicateClaimsLastWins(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newJWT(t, HMACKey(k.hmac256))
	payload := fmt.Sprintf(`{"sub":"first","email":"a@example.com","sub":"last","exp":%d,"email":"b@example.com"}`, testNow.Add(time.Hour).Unix())
	id, err := e.Verify(signRaw(t, k.hmac256, hs256Header, payload))
	require.NoError(t, err)
	assert.Equal(t, "last", id.Identifier)
	assert.Equal(t, "b@example.com", id.Profile.Email)

	expired := fmt.Sprintf(`{"sub":"u1","exp":%d,"exp":%d}`, testNow.Add(time.Hour).Unix(), testNow.Add(-time.Hour).Unix())
	_, err = e.Verify(signRaw(t, k.hmac256, hs256Header, expired))
	assert.ErrorIs(t, err, jwt.ErrTokenExpired, "the last exp is the one checked")
}

func FuzzJWTTimeClaims(f *testing.F) {
	for _, s := range []string{
		"1e300", "-1e300", "-1", "0", "253402300799", "253402300800", "1.8e308", "9223372036854775807",
		"-9223372036854775808", "1e19", "0.5", "1800000000", "NaN", "Infinity", `"1"`, "null", "true", "[]",
	} {
		f.Add(s, "1800003600")
	}
	k := keys()
	e := newJWT(f, HMACKey(k.hmac256))
	f.Fuzz(func(t *testing.T, nbf, exp string) {
		token := signRaw(t, k.hmac256, hs256Header, `{"sub":"u1","nbf":`+nbf+`,"exp":`+exp+`}`)
		if _, err := e.Verify(token); err != nil {
			return
		}
		// Verified: both are finite numbers in range, nbf has come, exp has not gone.
		n, errN := strconv.ParseFloat(strings.TrimSpace(nbf), 64)
		x, errX := strconv.ParseFloat(strings.TrimSpace(exp), 64)
		switch {
		case errN != nil || errX != nil:
			t.Fatalf("verified with nbf %q, exp %q, not numbers", nbf, exp)
		case n < 0 || n > maxNumericDate || x < 0 || x > maxNumericDate:
			t.Fatalf("verified with nbf %v, exp %v out of range", n, x)
		case n > float64(testNow.Add(DefaultLeeway).Unix()) || x < float64(testNow.Add(-DefaultLeeway).Unix()):
			t.Fatalf("verified with nbf %v, exp %v at %v", n, x, testNow.Unix())
		}
	})
}

// Only the canonical encoding of a token is accepted: another last
// character of the signature with the same data bits, or a newline inside
// it, decodes to the same bytes with golang-jwt, and each would fill its
// own cache entry.
func TestNonCanonicalTokensAreRefused(t *testing.T) {
	t.Parallel()
	k := keys()
	e := newCachedJWT(t, RSAPublicKey(&k.rsa.PublicKey), &clockAt{t: testNow})
	token := sign(t, jwt.SigningMethodRS256, k.rsa, validClaims())
	_, err := e.Verify(token)
	require.NoError(t, err)

	sig := token[strings.LastIndex(token, ".")+1:]
	require.Equal(t, 2, len(sig)%4, "a 256-byte signature leaves 4 spare bits")
	v := byte(strings.IndexByte(base64urlAlphabet, sig[len(sig)-1]))
	accepted := 0
	for spare := range byte(16) {
		variant := token[:len(token)-1] + string(base64urlAlphabet[v&^0xF|spare])
		if _, err := e.Verify(variant); err == nil {
			accepted++
		}
	}
	assert.Equal(t, 1, accepted, "one spelling of the signature: its own")
	for _, variant := range []string{
		token[:len(token)-10] + "\n" + token[len(token)-10:],
		token[:len(token)-10] + "\r\n" + token[len(token)-10:],
		token + "=",
	} {
		_, err := e.Verify(variant)
		assert.ErrorIs(t, err, ErrInvalidToken, "%q", variant[len(variant)-12:])
	}
	assert.Equal(t, 1, e.verified.Len(), "nothing but the token itself is cached")
}

const base64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// FuzzOneSpelling: a string Verify accepts is the token as signed, byte for
// byte: no other spelling of its segments (spare bits, newlines, padding)
// gets through to the verifier or the cache.
func FuzzOneSpelling(f *testing.F) {
	k := keys()
	token := sign(f, jwt.SigningMethodHS256, k.hmac256, validClaims())
	e, err := New(HMACKey(k.hmac256), withClock(func() time.Time { return testNow }))
	require.NoError(f, err)
	f.Add(token)
	f.Add(token[:len(token)-1] + "B")
	f.Add(token[:20] + "\n" + token[20:])
	f.Add(token + "=")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := e.Verify(s); err == nil && s != token {
			t.Fatalf("accepted %q, a spelling of %q", s, token)
		}
	})
}

// checkSendable fails unless id may be sent to Engagespot as it is: a valid
// identifier, and a profile Sanitize leaves as it is.
func checkSendable(t *testing.T, id identity.Identity) {
	t.Helper()
	if err := identity.ValidateIdentifier(id.Identifier); err != nil {
		t.Fatalf("invalid identifier accepted: %v", err)
	}
	clean, err := id.Profile.Sanitize()
	if err != nil || !reflect.DeepEqual(clean, id.Profile) {
		t.Fatalf("profile would not be sent as it is: %v", err)
	}
	if _, err := json.Marshal(id.Profile); err != nil {
		t.Fatalf("profile does not encode: %v", fmt.Sprint(err))
	}
}

func TestFirstOfWithAnExtractorOfThisPackage(t *testing.T) {
	t.Parallel()
	k := keys()
	e := identity.FirstOf(identity.InContext, newJWT(t, HMACKey(k.hmac256)))
	r := bearer("not-a-token")
	_, ok, err := e.Extract(r)
	assert.False(t, ok)
	assert.ErrorIs(t, err, ErrInvalidToken, "a bad token is reported when nothing else finds a user")

	r = r.WithContext(identity.NewContext(r.Context(), identity.Identity{Identifier: "from-context"}))
	id, ok, err := e.Extract(r)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "from-context", id.Identifier)
}
