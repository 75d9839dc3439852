package identity

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

func newJWKS(t *testing.T, url string, opts ...JWKSOption) *JWKSKeys {
	t.Helper()
	k, err := JWKS(t.Context(), url, opts...)
	require.NoError(t, err)
	t.Cleanup(k.Close)
	return k
}

func TestJWKSEveryKeyType(t *testing.T) {
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

func TestJWKSRefusesAttacks(t *testing.T) {
	t.Parallel()
	k := keys()
	rsaPEM := pkixPEM(t, &k.rsa.PublicKey)
	srv := newJWKSServer(t,
		jwk{"rsa", &k.rsa.PublicKey, "RS256"},
		jwk{"oct", k.hmac256, "HS256"}, // a published secret must still never verify anything
	)
	e := newJWT(t, newJWKS(t, srv.URL, WithJWKSRefreshRateLimit(time.Hour)))
	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{"HS256 signed with the RSA key's PEM, RSA kid", sign(t, jwt.SigningMethodHS256, rsaPEM, validClaims(), "kid", "rsa"), jwt.ErrTokenSignatureInvalid},
		{"HS256 with the published oct key", sign(t, jwt.SigningMethodHS256, k.hmac256, validClaims(), "kid", "oct"), jwt.ErrTokenSignatureInvalid},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, validClaims(), "kid", "rsa"), jwt.ErrTokenSignatureInvalid},
		{"PS256 where the JWK says RS256", sign(t, jwt.SigningMethodPS256, k.rsa, validClaims(), "kid", "rsa"), ErrUnknownKey},
		{"ES256 with the RSA kid", sign(t, jwt.SigningMethodES256, k.p256, validClaims(), "kid", "rsa"), ErrUnknownKey},
		{"wrong RSA key", sign(t, jwt.SigningMethodRS256, k.rsa2, validClaims(), "kid", "rsa"), jwt.ErrTokenSignatureInvalid},
		{"unknown kid", sign(t, jwt.SigningMethodRS256, k.rsa, validClaims(), "kid", "evil\n\x1b[31m-kid-0123456789"), ErrUnknownKey},
		{"non-string kid", sign(t, jwt.SigningMethodRS256, k.rsa, validClaims(), "kid", 7), ErrUnknownKey},
		{"expired", sign(t, jwt.SigningMethodRS256, k.rsa, with(validClaims(), "exp", testNow.Add(-time.Hour).Unix()), "kid", "rsa"), jwt.ErrTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.Verify(tt.token)
			require.ErrorIs(t, err, ErrInvalidToken)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.NotContains(t, err.Error(), "evil", "the kid comes from the token and must not be repeated")
		})
	}
}

func TestJWKSRotation(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.rsa.PublicKey, "RS256"})
	e := newJWT(t, newJWKS(t, srv.URL, WithJWKSRefreshRateLimit(time.Hour)))
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
	assert.ErrorIs(t, err, ErrUnknownKey)
	for range 20 {
		_ = verify(k.p256b, "k3")
		_ = verify(k.p256b, "garbage")
	}
	assert.Equal(t, int32(2), srv.fetches.Load(), "unknown kids never refresh more often than the limit allows")
}

func TestJWKSPeriodicRefreshRevokesKeys(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.p256.PublicKey, "ES256"})
	e := newJWT(t, newJWKS(t, srv.URL, WithJWKSRefreshInterval(10*time.Millisecond), WithJWKSRefreshRateLimit(time.Hour)))
	token := sign(t, jwt.SigningMethodES256, k.p256, validClaims(), "kid", "k1")
	_, err := e.Verify(token)
	require.NoError(t, err)

	srv.set(t, jwk{"k2", &k.p256b.PublicKey, "ES256"})
	require.Eventually(t, func() bool {
		_, err := e.Verify(token)
		return err != nil
	}, 10*time.Second, 5*time.Millisecond, "a key removed from the set stops verifying")
}

func TestJWKSInitialFetch(t *testing.T) {
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
		_, err := JWKS(t.Context(), srv.URL, WithJWKSRequireInitialFetch())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "503")
	})
	t.Run("not JSON", func(t *testing.T) {
		t.Parallel()
		srv := newJWKSServer(t)
		srv.setBody(http.StatusOK, []byte("<html>"))
		_, err := JWKS(t.Context(), srv.URL, WithJWKSRequireInitialFetch())
		require.Error(t, err)
	})
}

func TestJWKSMaxSize(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.p256.PublicKey, "ES256"})
	// The set is a few hundred bytes: 64 is too small, with or without a Content-Length.
	_, err := JWKS(t.Context(), srv.URL, WithJWKSRequireInitialFetch(), WithJWKSMaxSize(64))
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
	_, err = JWKS(t.Context(), chunked.URL, WithJWKSRequireInitialFetch(), WithJWKSMaxSize(100))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "too large")
	keys, err := JWKS(t.Context(), chunked.URL, WithJWKSRequireInitialFetch(), WithJWKSMaxSize(2000))
	require.NoError(t, err, "a set under the limit is read whole")
	keys.Close()
}

func TestJWKSLogsFailedFetchesWithoutSecrets(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t)
	srv.setBody(http.StatusInternalServerError, nil)
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	newJWKS(t, srv.URL+"/jwks?api_key=SECRET", WithJWKSLogger(logger))
	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, buf.String(), "JWKS fetch failed")
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

func TestJWKSConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		url   string
		opt   JWKSOption
		field string
	}{
		{"relative URL", "/jwks", nil, "JWKS"},
		{"file URL", "file:///etc/passwd", nil, "JWKS"},
		{"garbage URL", "http://[::1", nil, "JWKS"},
		{"nil client", "http://127.0.0.1/", WithJWKSHTTPClient(nil), "JWKSHTTPClient"},
		{"zero interval", "http://127.0.0.1/", WithJWKSRefreshInterval(0), "JWKSRefreshInterval"},
		{"zero rate limit", "http://127.0.0.1/", WithJWKSRefreshRateLimit(0), "JWKSRefreshRateLimit"},
		{"zero timeout", "http://127.0.0.1/", WithJWKSTimeout(0), "JWKSTimeout"},
		{"zero size", "http://127.0.0.1/", WithJWKSMaxSize(0), "JWKSMaxSize"},
		{"no algorithms", "http://127.0.0.1/", WithJWKSAlgorithms(), "JWKSAlgorithms"},
		{"HMAC algorithm", "http://127.0.0.1/", WithJWKSAlgorithms("RS256", "HS256"), "JWKSAlgorithms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := JWKS(t.Context(), tt.url, tt.opt)
			assert.Nil(t, k)
			var cfgErr *ConfigError
			require.ErrorAs(t, err, &cfgErr)
			assert.Equal(t, tt.field, cfgErr.Field)
		})
	}
}

func TestJWKSOptions(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.p256.PublicKey, "ES256"}, jwk{"k2", &k.rsa.PublicKey, "RS256"})
	var requests atomic.Int32
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		requests.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	src := newJWKS(t, srv.URL, WithJWKSHTTPClient(client), WithJWKSAlgorithms("ES256"), WithJWKSTimeout(5*time.Second))
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

func TestJWKSStopsWithContextOrClose(t *testing.T) {
	t.Parallel()
	k := keys()
	srv := newJWKSServer(t, jwk{"k1", &k.p256.PublicKey, "ES256"})

	ctx, cancel := context.WithCancel(t.Context())
	byCtx, err := JWKS(ctx, srv.URL, WithJWKSRefreshInterval(time.Millisecond))
	require.NoError(t, err)
	cancel()
	byCtx.Close() // closes idle connections; the goroutine is already ending

	byClose, err := JWKS(t.Context(), srv.URL, WithJWKSRefreshInterval(time.Millisecond))
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

// A fetch that gets no answer fails with net/http's error, which quotes the
// URL with its query, and keyfunc quotes the URL whole, credentials
// included: neither may reach a log line or the error JWKS returns.
func TestJWKSNetworkFailureKeepsURLSecrets(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // nothing listens there any more: connection refused
	rawURL := strings.Replace(dead.URL, "http://", "http://user:PASSWORD@", 1) + "/jwks?api_key=QUERYSECRET"

	t.Run("logged", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		var mu sync.Mutex
		logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
		newJWKS(t, rawURL, WithJWKSLogger(logger))
		mu.Lock()
		defer mu.Unlock()
		assert.Contains(t, buf.String(), "JWKS fetch failed")
		assert.NotContains(t, buf.String(), "PASSWORD")
		assert.NotContains(t, buf.String(), "QUERYSECRET")
	})
	t.Run("returned", func(t *testing.T) {
		t.Parallel()
		_, err := JWKS(t.Context(), rawURL, WithJWKSRequireInitialFetch())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "/jwks")
		assert.NotContains(t, err.Error(), "PASSWORD")
		assert.NotContains(t, err.Error(), "QUERYSECRET")
	})
}
