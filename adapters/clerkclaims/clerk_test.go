package clerkclaims_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	clerkhttp "github.com/clerk/clerk-sdk-go/v2/http"
	"github.com/clerk/clerk-sdk-go/v2/jwks"
	"github.com/clerk/clerk-sdk-go/v2/user"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/clerkclaims"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/adaptertest"
	"github.com/autoidentify/autoidentify/middleware"
)

// The shared kit: a Middleware syncing to a fake of the API, and a wait for its syncs.
var (
	setup = adaptertest.Setup
	flush = adaptertest.Flush
)

// localClerk is Clerk's Backend API as the SDK calls it, on loopback: the
// instance's JWKS and its users. It signs session tokens as Clerk does
// (RS256, with a kid).
type localClerk struct {
	*httptest.Server
	key *rsa.PrivateKey
	kid string

	mu       sync.Mutex
	users    map[string]map[string]any // by id: the Backend API's JSON
	fail     int                       // status of every users call, if set
	getUsers atomic.Int64
}

var kids atomic.Int64 // clerkhttp caches keys by kid, process-wide

func startClerk(t testing.TB) *localClerk {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	c := &localClerk{key: key, kid: "ins_test_" + big.NewInt(kids.Add(1)).String(), users: map[string]map[string]any{}}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.Close)
	return c
}

func (c *localClerk) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/v1/jwks":
		b64 := base64.RawURLEncoding.EncodeToString
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]any{{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": c.kid,
			"n": b64(c.key.N.Bytes()), "e": b64(big.NewInt(int64(c.key.E)).Bytes()),
		}}})
	case strings.HasPrefix(r.URL.Path, "/v1/users/"):
		c.getUsers.Add(1)
		c.mu.Lock()
		defer c.mu.Unlock()
		u, ok := c.users[strings.TrimPrefix(r.URL.Path, "/v1/users/")]
		switch {
		case c.fail != 0:
			w.WriteHeader(c.fail)
			_, _ = w.Write([]byte(`{"errors":[{"code":"failed","message":"failed"}]}`))
		case !ok:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errors":[{"code":"resource_not_found","message":"not found"}]}`))
		default:
			_ = json.NewEncoder(w).Encode(u)
		}
	default:
		http.NotFound(w, r)
	}
}

func (c *localClerk) addUser(id, email, phone, first string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users[id] = map[string]any{
		"object": "user", "id": id, "first_name": first, "last_name": nil,
		"primary_email_address_id": "idn_email", "primary_phone_number_id": "idn_phone",
		"email_addresses": []map[string]any{{"id": "idn_other", "email_address": "old@example.com"}, {"id": "idn_email", "email_address": email}},
		"phone_numbers":   []map[string]any{{"id": "idn_phone", "phone_number": phone}},
	}
}

// config points the SDK at the local Clerk.
func (c *localClerk) config() *clerk.ClientConfig {
	url, key := c.URL+"/v1", "sk_test_local"
	return &clerk.ClientConfig{BackendConfig: clerk.BackendConfig{URL: &url, Key: &key, HTTPClient: c.Client()}}
}

// token is a session token as Clerk issues it, with extra claims if any.
func (c *localClerk) token(t testing.TB, sub string, extra jwt.MapClaims) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{"iss": "https://clerk.example.com", "sub": sub, "sid": "sess_1", "azp": "http://localhost",
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range extra {
		claims[k] = v
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = c.kid
	s, err := tok.SignedString(c.key)
	require.NoError(t, err)
	return s
}

// verify is Clerk's own middleware, verifying against the local JWKS.
func (c *localClerk) verify(opts ...clerkhttp.AuthorizationOption) func(http.Handler) http.Handler {
	return clerkhttp.WithHeaderAuthorization(append([]clerkhttp.AuthorizationOption{clerkhttp.JWKSClient(jwks.NewClient(c.config()))}, opts...)...)
}

func extractor(t testing.TB, opts ...clerkclaims.Option) *clerkclaims.Extractor {
	t.Helper()
	ext, err := clerkclaims.New(opts...)
	require.NoError(t, err)
	return ext
}

var who = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, ok := identity.FromContext(r.Context())
	if !ok {
		_, _ = w.Write([]byte("-"))
		return
	}
	_, _ = w.Write([]byte(id.Identifier))
})

func get(t testing.TB, h http.Handler, token string) (int, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func TestClerkSessionWithTheLoadedProfile(t *testing.T) {
	t.Parallel()
	c := startClerk(t)
	c.addUser("user_2abc", "ann@example.com", "+15551234567", "Ann")
	m, api := setup(t, middleware.WithExtractor(extractor(t)),
		middleware.WithProfileLoader(clerkclaims.ProfileLoader(user.NewClient(c.config()))))
	h := c.verify()(m.Handler(who))

	token := c.token(t, "user_2abc", nil) // Clerk's default claims: no email
	for range 5 {
		status, body := get(t, h, token)
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, "user_2abc", body)
	}
	flush(t, m)
	u, ok := api.User("user_2abc")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"email": "ann@example.com", "phoneNumber": "+15551234567", "firstName": "Ann"}, u.Attributes)
	assert.Equal(t, int64(1), c.getUsers.Load(), "one Backend API call for the user's five requests")

	status, body := get(t, h, "")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "-", body, "no session: no user")
	forged := startClerk(t).token(t, "user_eve", nil) // signed by another instance's key
	status, _ = get(t, h, forged)
	assert.Equal(t, http.StatusUnauthorized, status, "Clerk's middleware refuses it")
	flush(t, m)
	assert.Equal(t, []string{"user_2abc"}, api.Identifiers(), "nobody is created from an unverified token")
}

func TestCustomizedSessionTokenClaims(t *testing.T) {
	t.Parallel()
	c := startClerk(t)
	m, api := setup(t, middleware.WithExtractor(extractor(t, clerkclaims.WithClaimsOptions(
		identity.WithAttributeClaim("firstName", "first_name")))))
	custom := func(context.Context) any { return &map[string]any{} }
	h := c.verify(clerkhttp.CustomClaimsConstructor(custom))(m.Handler(who))

	status, _ := get(t, h, c.token(t, "user_3", jwt.MapClaims{"email": "cat@example.com", "first_name": "Cat"}))
	require.Equal(t, http.StatusOK, status)
	flush(t, m)
	u, ok := api.User("user_3")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"email": "cat@example.com", "firstName": "Cat"}, u.Attributes)

	// An app's own type for the custom claims reads the same.
	type appClaims struct {
		Email     string `json:"email"`
		FirstName string `json:"first_name"`
	}
	h = c.verify(clerkhttp.CustomClaimsConstructor(func(context.Context) any { return &appClaims{} }))(m.Handler(who))
	status, _ = get(t, h, c.token(t, "user_4", jwt.MapClaims{"email": "dan@example.com", "first_name": "Dan"}))
	require.Equal(t, http.StatusOK, status)
	flush(t, m)
	u, ok = api.User("user_4")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"email": "dan@example.com", "firstName": "Dan"}, u.Attributes)
}

func TestProfileLoaderAnswers(t *testing.T) {
	t.Parallel()
	c := startClerk(t)
	load := clerkclaims.ProfileLoader(user.NewClient(c.config()))
	ctx := t.Context()

	p, err := load(ctx, identity.Identity{Identifier: "user_unknown"})
	require.NoError(t, err, "a user Clerk does not know is no error")
	assert.True(t, p.IsZero())

	c.mu.Lock()
	c.fail = http.StatusUnauthorized
	c.mu.Unlock()
	_, err = load(ctx, identity.Identity{Identifier: "user_1"})
	require.Error(t, err)
	var final interface{ Retryable() bool }
	require.ErrorAs(t, err, &final)
	assert.False(t, final.Retryable(), "a rejected secret key is not retried")

	c.mu.Lock()
	c.fail = http.StatusServiceUnavailable
	c.mu.Unlock()
	_, err = load(ctx, identity.Identity{Identifier: "user_1"})
	require.Error(t, err)
	assert.False(t, errors.As(err, &final), "an outage is retried by the middleware")
}
