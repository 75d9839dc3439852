package jwks

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jwksServer is a local identity provider's JWKS endpoint whose keys the
// test rotates, counting fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	status  int
	fetches atomic.Int32
}

type jwk struct {
	kid string
	key any    // public key, or []byte for an "oct" key
	alg string // "" leaves the JWK's alg out
}

func newJWKSServer(t *testing.T, keys ...jwk) *jwksServer {
	t.Helper()
	s := &jwksServer{status: http.StatusOK}
	s.set(t, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		body, status := s.body, s.status
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(t *testing.T, keys ...jwk) {
	t.Helper()
	set := jwkset.JWKSMarshal{Keys: []jwkset.JWKMarshal{}}
	for _, k := range keys {
		j, err := jwkset.NewJWKFromKey(k.key, jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{KID: k.kid, ALG: jwkset.ALG(k.alg), USE: jwkset.UseSig},
			Marshal:  jwkset.JWKMarshalOptions{Private: true},
		})
		require.NoError(t, err)
		set.Keys = append(set.Keys, j.Marshal())
	}
	body, err := json.Marshal(set)
	require.NoError(t, err)
	s.setBody(http.StatusOK, body)
}

func (s *jwksServer) setBody(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func newJWKS(t *testing.T, url string, opts ...Option) *Keys {
	t.Helper()
	k, err := New(t.Context(), url, opts...)
	require.NoError(t, err)
	t.Cleanup(k.Close)
	return k
}

func TestEveryKeyType(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t,
		jwk{"rsa", &k.rsa.PublicKey, "RS256"},
		jwk{"rsa-any", &k.rsa2.PublicKey, ""},
		jwk{"p256", &k.p256.PublicKey, "ES256"},
		jwk{"p384", &k.p384.PublicKey, ""},
		jwk{"ed", k.ed.Public(), "EdDSA"},
	)
	e := newJWT(t, newJWKS(t, srv.URL))
	tests := []struct {
		name   string
		method jwt.SigningMethod
		key    any
		kid    any // nil: no kid header
	}{
		{"RS256", jwt.SigningMethodRS256, k.rsa, "rsa"},
		{"PS384 with a key without alg", jwt.SigningMethodPS384, k.rsa2, "rsa-any"},
		{"ES256", jwt.SigningMethodES256, k.p256, "p256"},
		{"ES384", jwt.SigningMethodES384, k.p384, "p384"},
		{"EdDSA", jwt.SigningMethodEdDSA, k.ed, "ed"},
		{"no kid: every key is tried", jwt.SigningMethodES256, k.p256, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var header []any
			if tt.kid != nil {
				header = []any{"kid", tt.kid}
			}
			id, err := e.Verify(sign(t, tt.method, tt.key, validClaims(), header...))
			require.NoError(t, err)
			assert.Equal(t, "u1", id.Identifier)
		})
	}
	assert.Equal(t, int32(1), srv.fetches.Load(), "known keys need no refetch")
}

func TestRefusesAttacks(t *testing.T) {
	t.Parallel()
	k := keys()
	rsaPEM := pkixPEM(t, &k.rsa.PublicKey)
	srv := newJWKSServer(t,
		jwk{"rsa", &k.rsa.PublicKey, "RS256"},
		jwk{"oct", k.hmac256, "HS256"}, // a published secret must still never verify anything
	)
	e := newJWT(t, newJWKS(t, srv.URL, WithRefreshRateLimit(time.Hour)))
	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{"HS256 signed with the RSA key's PEM, RSA kid", sign(t, jwt.SigningMethodHS256, rsaPEM, validClaims(), "kid", "rsa"), jwt.ErrTokenSignatureInvalid},
		{"HS256 with the published oct key", sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims(), "kid", "oct"), jwt.ErrTokenSignatureInvalid},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, validClaims(), "kid", "rsa"), jwt.ErrTokenSignatureInvalid},
		{"PS256 where the JWK says RS256", sign(t, jwt.SigningMethodPS256, k.rsa, validClaims(), "kid", "rsa"), jwtverify.ErrUnknownKey},
		{"ES256 with the RSA kid", sign(t, jwt.SigningMethodES256, k.p256, validClaims(), "kid", "rsa"), jwtverify.ErrUnknownKey},
		{"wrong RSA key", sign(t, jwt.SigningMethodRS256, k.rsa2, validClaims(), "kid", "rsa"), jwt.ErrTokenSignatureInvalid},
		{"unknown kid", sign(t, jwt.SigningMethodRS256, k.rsa, validClaims(), "kid", "evil\n\x1b[31m-kid-0123456789"), jwtverify.ErrUnknownKey},
		{"non-string kid", sign(t, jwt.SigningMethodRS256, k.rsa, validClaims(), "kid", 7), jwtverify.ErrUnknownKey},
		{"expired", sign(t, jwt.SigningMethodRS256, k.rsa, with(validClaims(), "exp", testNow.Add(-time.Hour).Unix()), "kid", "rsa"), jwt.ErrTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.Verify(tt.token)
			require.ErrorIs(t, err, jwtverify.ErrInvalidToken)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.NotContains(t, err.Error(), "evil", "the kid comes from the token and must not be repeated")
		})
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.rsa.PublicKey, "RS256"})
	e := newJWT(t, newJWKS(t, srv.URL, WithRefreshRateLimit(time.Hour)))
	verify := func(key any, kid string) error {
		_, err := e.Verify(sign(t, jwt.SigningMethodES256, key, validClaims(), "kid", kid))
		return err
	}
	_, err := e.Verify(sign(t, jwt.SigningMethodRS256, k.rsa, validClaims(), "kid", "k1"))
	require.NoError(t, err)
	require.Equal(t, int32(1), srv.fetches.Load())

	// The provider rotates in k2: the first token with it causes a refresh.
	srv.set(t, jwk{"k1", &k.rsa.PublicKey, "RS256"}, jwk{"k2", &k.p256.PublicKey, "ES256"})
	require.NoError(t, verify(k.p256, "k2"), "a new kid is verified after a refresh")
	assert.Equal(t, int32(2), srv.fetches.Load())
	require.NoError(t, verify(k.p256, "k2"))
	assert.Equal(t, int32(2), srv.fetches.Load(), "a known kid needs no refresh")

	// Another rotation within the rate limit: no fetch, the token is refused.
	srv.set(t, jwk{"k2", &k.p256.PublicKey, "ES256"}, jwk{"k3", &k.p256b.PublicKey, "ES256"})
	err = verify(k.p256b, "k3")
	assert.ErrorIs(t, err, jwtverify.ErrUnknownKey)
	for range 20 {
		_ = verify(k.p256b, "k3")
		_ = verify(k.p256b, "garbage")
	}
	assert.Equal(t, int32(2), srv.fetches.Load(), "unknown kids never refresh more often than the limit allows")
}

func TestPeriodicRefreshRevokesKeys(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.p256.PublicKey, "ES256"})
	e := newJWT(t, newJWKS(t, srv.URL, WithRefreshInterval(10*time.Millisecond), WithRefreshRateLimit(time.Hour)))
	token := sign(t, jwt.SigningMethodES256, k.p256, validClaims(), "kid", "k1")
	_, err := e.Verify(token)
	require.NoError(t, err)

	srv.set(t, jwk{"k2", &k.p256b.PublicKey, "ES256"})
	require.Eventually(t, func() bool {
		_, err := e.Verify(token)
		return err != nil
	}, 10*time.Second, 5*time.Millisecond, "a key removed from the set stops verifying")
}

func TestInitialFetch(t *testing.T) {
	t.Parallel()
	k := keys()
	t.Run("down at start, keys fetched when the first token comes", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t)
		srv.setBody(http.StatusServiceUnavailable, nil)
		e := newJWT(t, newJWKS(t, srv.URL))
		srv.set(t, jwk{"k1", &k.p256.PublicKey, "ES256"})
		_, err := e.Verify(sign(t, jwt.SigningMethodES256, k.p256, validClaims(), "kid", "k1"))
		require.NoError(t, err)
		assert.Equal(t, int32(2), srv.fetches.Load())
	})
	t.Run("required", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t)
		srv.setBody(http.StatusServiceUnavailable, nil)
		_, err := New(t.Context(), srv.URL, WithRequireInitialFetch())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "503")
	})
	t.Run("not JSON", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t)
		srv.setBody(http.StatusOK, []byte("<html>"))
		_, err := New(t.Context(), srv.URL, WithRequireInitialFetch())
		require.Error(t, err)
	})
}

func TestMaxSize(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.p256.PublicKey, "ES256"})
	// The set is a few hundred bytes: 64 is too small, with or without a Content-Length.
	_, err := New(t.Context(), srv.URL, WithRequireInitialFetch(), WithMaxSize(64))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "limit 64")

	chunked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":[`))
		w.(http.Flusher).Flush() // no Content-Length: the body itself is cut
		_, _ = w.Write(bytes.Repeat([]byte(" "), 1000))
		_, _ = w.Write([]byte(`]}`))
	}))
	defer chunked.Close()
	_, err = New(t.Context(), chunked.URL, WithRequireInitialFetch(), WithMaxSize(100))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "too large")
	keys, err := New(t.Context(), chunked.URL, WithRequireInitialFetch(), WithMaxSize(2000))
	require.NoError(t, err, "a set under the limit is read whole")
	keys.Close()
}

func TestLogsFailedFetchesWithoutSecrets(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t)
	srv.setBody(http.StatusInternalServerError, nil)
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	newJWKS(t, srv.URL+"/jwks?api_key=SECRET", WithLogger(logger))
	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, buf.String(), "jwks: fetch failed")
	assert.Contains(t, buf.String(), "/jwks")
	assert.NotContains(t, buf.String(), "SECRET")
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		url   string
		opt   Option
		field string
	}{
		{"relative URL", "/jwks", WithTimeout(time.Second), "URL"},
		{"file URL", "file:///etc/passwd", WithTimeout(time.Second), "URL"},
		{"garbage URL", "http://[::1", WithTimeout(time.Second), "URL"},
		{"nil option", "http://127.0.0.1/", nil, "options"},
		{"nil client", "http://127.0.0.1/", WithHTTPClient(nil), "HTTPClient"},
		{"zero interval", "http://127.0.0.1/", WithRefreshInterval(0), "RefreshInterval"},
		{"zero rate limit", "http://127.0.0.1/", WithRefreshRateLimit(0), "RefreshRateLimit"},
		{"zero timeout", "http://127.0.0.1/", WithTimeout(0), "Timeout"},
		{"zero size", "http://127.0.0.1/", WithMaxSize(0), "MaxSize"},
		{"no algorithms", "http://127.0.0.1/", WithAlgorithms(), "Algorithms"},
		{"HMAC algorithm", "http://127.0.0.1/", WithAlgorithms("RS256", "HS256"), "Algorithms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := New(t.Context(), tt.url, tt.opt)
			assert.Nil(t, k)
			var cfgErr *identity.ConfigError
			require.ErrorAs(t, err, &cfgErr)
			assert.Equal(t, tt.field, cfgErr.Field)
			assert.ErrorContains(t, err, "jwks: bad "+tt.field)
		})
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.p256.PublicKey, "ES256"}, jwk{"k2", &k.rsa.PublicKey, "RS256"})
	var requests atomic.Int32
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		requests.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	src := newJWKS(t, srv.URL, WithHTTPClient(client), WithAlgorithms("ES256"), WithTimeout(5*time.Second))
	assert.Equal(t, []string{"ES256"}, src.Algorithms())
	assert.Equal(t, int32(1), requests.Load(), "the given client is used")
	e := newJWT(t, src)
	_, err := e.Verify(sign(t, jwt.SigningMethodES256, k.p256, validClaims(), "kid", "k1"))
	assert.NoError(t, err)
	_, err = e.Verify(sign(t, jwt.SigningMethodRS256, k.rsa, validClaims(), "kid", "k2"))
	assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid, "RS256 was not allowed")
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestStopsWithContextOrClose(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.p256.PublicKey, "ES256"})

	ctx, cancel := context.WithCancel(t.Context())
	byCtx, err := New(ctx, srv.URL, WithRefreshInterval(time.Millisecond))
	require.NoError(t, err)
	cancel()
	byCtx.Close() // closes idle connections; the goroutine is already ending

	byClose, err := New(t.Context(), srv.URL, WithRefreshInterval(time.Millisecond))
	require.NoError(t, err)
	byClose.Close()
	byClose.Close() // a second Close is a no-op

	// Keys already fetched still verify after Close: only refreshing stops.
	e := newJWT(t, byClose)
	_, err = e.Verify(sign(t, jwt.SigningMethodES256, k.p256, validClaims(), "kid", "k1"))
	assert.NoError(t, err)
	// TestMain's goleak check fails the run if a refresh goroutine survived.
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://user:pw@idp.example.com/.well-known/jwks.json?key=s#frag": "https://idp.example.com/.well-known/jwks.json",
		"http://127.0.0.1:8080/jwks":                                       "http://127.0.0.1:8080/jwks",
	} {
		u, err := url.Parse(in)
		require.NoError(t, err)
		assert.Equal(t, want, redactURL(u))
		assert.False(t, strings.Contains(redactURL(u), "pw"))
	}
}

func TestRefusesPlainHTTPForRemoteHosts(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://idp.example.com/jwks", "http://10.0.0.1/jwks", "http://localhost.example.com/jwks"} {
		_, err := New(t.Context(), u)
		var cfgErr *identity.ConfigError
		require.ErrorAs(t, err, &cfgErr, u)
		assert.Equal(t, "URL", cfgErr.Field)
		assert.Contains(t, err.Error(), "use https")
	}
	for _, u := range []string{"http://localhost:1/jwks", "http://127.0.0.9:1/jwks", "http://[::1]:1/jwks", "https://idp.example.com/jwks"} {
		k, err := New(t.Context(), u, WithRefreshInterval(time.Hour))
		require.NoError(t, err, u)
		k.Close()
	}
}

// An endpoint that redirects, to plain http or to another host, would hand
// key selection to whoever answers there: no redirect is followed.
func TestRefusesRedirects(t *testing.T) {
	t.Parallel()
	k := keys()
	target := newJWKSServer(t, jwk{"k1", &k.p256.PublicKey, "ES256"})
	otherHost := strings.Replace(target.URL, "127.0.0.1", "localhost", 1)
	redirectTo := func(to string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, to+"/jwks?leaked=QUERY", http.StatusFound)
		}
	}
	tlsRedirect := httptest.NewTLSServer(redirectTo(target.URL))
	t.Cleanup(tlsRedirect.Close)
	hostRedirect := httptest.NewServer(redirectTo(otherHost))
	t.Cleanup(hostRedirect.Close)
	sameHost := httptest.NewServer(nil)
	sameHost.Config.Handler = redirectTo(sameHost.URL + "/moved")
	t.Cleanup(sameHost.Close)

	tests := []struct {
		name string
		url  string
		opts []Option
	}{
		{"https to http", tlsRedirect.URL, []Option{WithHTTPClient(tlsRedirect.Client())}},
		{"to another host", hostRedirect.URL, nil},
		{"on the same host", sameHost.URL, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(t.Context(), tt.url, append(tt.opts, WithRequireInitialFetch())...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "redirects are refused")
			assert.NotContains(t, err.Error(), "QUERY", "the redirect's path and query are not repeated")

			e := newJWT(t, newJWKS(t, tt.url, tt.opts...))
			_, err = e.Verify(sign(t, jwt.SigningMethodES256, k.p256, validClaims(), "kid", "k1"))
			assert.ErrorIs(t, err, jwtverify.ErrUnknownKey, "keys behind a redirect never verify")
		})
	}
	assert.Zero(t, target.fetches.Load(), "the redirect's target was never asked")
}

// jwkEntry is a key set entry with the metadata an attacker or a careless
// provider could publish.
func jwkEntry(t *testing.T, kid string, key any, alg string, use jwkset.USE, ops ...jwkset.KEYOPS) jwkset.JWKMarshal {
	t.Helper()
	j, err := jwkset.NewJWKFromKey(key, jwkset.JWKOptions{
		Metadata: jwkset.JWKMetadataOptions{KID: kid, ALG: jwkset.ALG(alg), USE: use, KEYOPS: ops},
		Validate: jwkset.JWKValidateOptions{SkipAll: true},
	})
	require.NoError(t, err)
	return j.Marshal()
}

func (s *jwksServer) setEntries(t *testing.T, entries ...jwkset.JWKMarshal) {
	t.Helper()
	body, err := json.Marshal(jwkset.JWKSMarshal{Keys: entries})
	require.NoError(t, err)
	s.setBody(http.StatusOK, body)
}

// Keys from a key set meet the rules static keys meet, and the set's own
// metadata must allow signatures.
func TestKeyRules(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t)
	srv.setEntries(t,
		jwkEntry(t, "good", &k.rsa.PublicKey, "RS256", jwkset.UseSig, jwkset.KeyOpsVerify),
		jwkEntry(t, "no-use", &k.p256.PublicKey, "", ""),
		jwkEntry(t, "enc", &k.rsa.PublicKey, "RS256", jwkset.UseEnc),
		jwkEntry(t, "encrypt-only", &k.rsa.PublicKey, "RS256", "", jwkset.KeyOpsEncrypt),
		jwkEntry(t, "rsa1024", &k.rsaSmall.PublicKey, "RS256", jwkset.UseSig),
		jwkEntry(t, "alg-mismatch", &k.p256.PublicKey, "ES384", jwkset.UseSig),
	)
	e := newJWT(t, newJWKS(t, srv.URL, WithRefreshRateLimit(time.Hour)))
	tests := []struct {
		name    string
		method  jwt.SigningMethod
		key     any
		kid     string
		wantErr string // "" verifies
	}{
		{"use sig, key_ops verify", jwt.SigningMethodRS256, k.rsa, "good", ""},
		{"no use", jwt.SigningMethodES256, k.p256, "no-use", ""},
		{"use enc", jwt.SigningMethodRS256, k.rsa, "enc", `use "enc"`},
		{"key_ops without verify", jwt.SigningMethodRS256, k.rsa, "encrypt-only", `key_ops lack "verify"`},
		{"1024-bit RSA", jwt.SigningMethodRS256, k.rsaSmall, "rsa1024", "1024 bits, want at least 2048"},
		{"alg of the entry is not the token's", jwt.SigningMethodES256, k.p256, "alg-mismatch", "is for ES384"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := e.Verify(sign(t, tt.method, tt.key, validClaims(), "kid", tt.kid))
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, "u1", id.Identifier)
				return
			}
			require.ErrorIs(t, err, jwtverify.ErrInvalidToken)
			assert.ErrorIs(t, err, jwtverify.ErrUnknownKey)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
	t.Run("without a kid, refused entries are not tried", func(t *testing.T) {
		t.Parallel()
		_, err := e.Verify(sign(t, jwt.SigningMethodRS256, k.rsaSmall, validClaims()))
		assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)
		_, err = e.Verify(sign(t, jwt.SigningMethodRS256, k.rsa, validClaims()))
		assert.NoError(t, err, "the usable RSA key is tried")
	})
}

func TestOnlyEncryptionKeys(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t)
	srv.setEntries(t, jwkEntry(t, "enc", &k.p256.PublicKey, "ES256", jwkset.UseEnc))
	e := newJWT(t, newJWKS(t, srv.URL))
	_, err := e.Verify(sign(t, jwt.SigningMethodES256, k.p256, validClaims()))
	assert.ErrorIs(t, err, jwtverify.ErrUnknownKey, "a set of encryption keys verifies nothing")
}

// The URL's credentials and query are sent with the fetch, and never reach
// an error or a log line, however they are spelled: a token as the user
// name, a quote in the query.
func TestURLSecretsAreSentButNeverShown(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.p256.PublicKey, "ES256"})
	var gotUser, gotQuery atomic.Value
	checking := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, _ := r.BasicAuth()
		gotUser.Store(user)
		gotQuery.Store(r.URL.RawQuery)
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(checking.Close)
	withSecrets := func(base string) string {
		return strings.Replace(base, "http://", "http://TOKENSECRET:PWSECRET@", 1) + `/jwks?k="QUERYSECRET`
	}

	e := newJWT(t, newJWKS(t, withSecrets(checking.URL), WithRequireInitialFetch()))
	_, err := e.Verify(sign(t, jwt.SigningMethodES256, k.p256, validClaims(), "kid", "k1"))
	require.NoError(t, err)
	assert.Equal(t, "TOKENSECRET", gotUser.Load(), "userinfo is sent as basic auth")
	assert.Equal(t, `k="QUERYSECRET`, gotQuery.Load(), "the query is sent as given")

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	newJWKS(t, withSecrets(dead.URL), WithLogger(logger))
	_, err = New(t.Context(), withSecrets(dead.URL), WithRequireInitialFetch())
	require.Error(t, err)
	mu.Lock()
	defer mu.Unlock()
	for _, shown := range []string{err.Error(), buf.String()} {
		assert.Contains(t, shown, "/jwks")
		assert.NotContains(t, shown, "TOKENSECRET")
		assert.NotContains(t, shown, "QUERYSECRET")
		assert.NotContains(t, shown, "PWSECRET")
	}
}
