package examples_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"maps"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/identity"
)

// exampleNames are the programs under test: both follow one contract.
var exampleNames = []string{"nethttp", "gin"}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "autoidentify-examples-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			println("goleak:", err.Error())
			code = 1
		}
	}
	os.Exit(code)
}

// secret is the JWT_SECRET the tests sign with.
var secret = []byte("examples-test-secret-of-32-bytes")

func token(t *testing.T, key []byte, claims jwt.MapClaims) string {
	t.Helper()
	if _, ok := claims["exp"]; !ok {
		claims["exp"] = time.Now().Add(time.Hour).Unix()
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	require.NoError(t, err)
	return s
}

// ada carries every OIDC claim the examples map.
func ada() jwt.MapClaims {
	return jwt.MapClaims{
		"sub":          "user-1",
		"email":        "ada@example.com",
		"phone_number": "+44 20 7946 0958",
		"given_name":   "Ada",
		"family_name":  "Lovelace",
		"name":         "Ada Lovelace",
		"picture":      "https://example.com/ada.png",
	}
}

// fakeEnv points an example at the fake API.
func fakeEnv(api *engagespottest.Server) map[string]string {
	return map[string]string{
		"JWT_SECRET":            string(secret),
		"ENGAGESPOT_API_KEY":    api.APIKey,
		"ENGAGESPOT_API_SECRET": api.APISecret,
		"ENGAGESPOT_BASE_URL":   api.URL(),
	}
}

func synced(user string) *regexp.Regexp {
	return regexp.MustCompile(`msg="user synced" user_hash=` + identity.ShortHash(user) + ` `)
}

func puts(api *engagespottest.Server, user string) []engagespottest.Request {
	var out []engagespottest.Request
	for _, r := range api.Requests() {
		if r.Method == http.MethodPut && r.Identifier == user {
			out = append(out, r)
		}
	}
	return out
}

func forEachExample(t *testing.T, test func(t *testing.T, name string)) {
	for _, name := range exampleNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, name)
		})
	}
}

// The routes, the 401s, and one API call per new user or changed profile.
func TestContract(t *testing.T) {
	t.Parallel()
	forEachExample(t, func(t *testing.T, name string) {
		api := engagespottest.NewServer(t)
		p := start(t, name, fakeEnv(api))

		status, body := p.get("/healthz", "not-a-token") // outside the middleware
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, "ok\n", string(body))

		expired := ada()
		expired["exp"] = time.Now().Add(-time.Hour).Unix()
		blank := ada()
		blank["sub"] = "  "
		valid := token(t, secret, ada())
		for _, tc := range []struct{ name, token string }{
			{"no token", ""},
			{"garbage", "not-a-token"},
			{"expired", token(t, secret, expired)},
			{"bad signature", token(t, []byte("another-secret-of-at-least-32-bytes"), ada())},
			{"invalid identifier", token(t, secret, blank)},
		} {
			status, body := p.get("/api/me", tc.token)
			assert.Equal(t, http.StatusUnauthorized, status, tc.name)
			assert.JSONEq(t, `{"error":"unauthorized"}`, string(body), tc.name)
		}

		status, body = p.get("/api/me", valid)
		require.Equal(t, http.StatusOK, status, string(body))
		assert.JSONEq(t, `{"identifier":"user-1"}`, string(body))
		p.waitCount(p.stderr, synced("user-1"), 1)
		first := puts(api, "user-1")
		require.Len(t, first, 1)
		assert.Equal(t, "/v3/users/user-1", first[0].Path)
		assert.JSONEq(t, `{"email":"ada@example.com","phoneNumber":"+442079460958","firstName":"Ada",
			"lastName":"Lovelace","name":"Ada Lovelace","avatar":"https://example.com/ada.png"}`, string(first[0].Body))

		status, _ = p.get("/api/me", valid) // synced already: no call
		require.Equal(t, http.StatusOK, status)

		moved := ada()
		moved["email"] = "ada@lovelace.example"
		status, _ = p.get("/api/me", token(t, secret, moved)) // changed profile: one more call
		require.Equal(t, http.StatusOK, status)
		p.waitCount(p.stderr, synced("user-1"), 2)

		status, body = p.get("/metrics", "not-a-token") // outside the middleware
		require.Equal(t, http.StatusOK, status)
		for _, line := range []string{
			"autoidentify_cache_hits_total 1", // the repeat
			"autoidentify_cache_misses_total 2",
			"autoidentify_sync_synced_total 2",
			`autoidentify_sync_failures_total{reason="network"} 0`,
			// The five refusals above, each under its reason.
			`autoidentify_requests_without_user_total{reason="no_credentials"} 1`,
			`autoidentify_requests_without_user_total{reason="malformed"} 1`,
			`autoidentify_requests_without_user_total{reason="expired"} 1`,
			`autoidentify_requests_without_user_total{reason="bad_signature"} 1`,
			`autoidentify_requests_without_user_total{reason="invalid_identifier"} 1`,
			"autoidentify_ready 1",
		} {
			assert.Contains(t, string(body), "\n"+line+"\n")
		}

		status, _ = p.get("/api/engagespot/token", valid) // no signing key, no route
		assert.Equal(t, http.StatusNotFound, status)

		p.stop() // drains: every sync started has ended, so the count is final
		all := puts(api, "user-1")
		require.Len(t, all, 2, "one call for the new user, one for the changed email, none for the repeat")
		u, ok := api.User("user-1")
		require.True(t, ok)
		assert.Equal(t, "ada@lovelace.example", u.Email())
		assert.Equal(t, 2, api.Calls(), "no other call")
		assert.Contains(t, p.stderr.String(), `msg=stopped synced=2 failed=0 dropped=0`)
		assert.NotContains(t, p.stderr.String(), string(secret))
		assert.NotContains(t, p.stderr.String(), api.APISecret)
	})
}

// A sync Engagespot refuses is logged once, and the request was served anyway.
func TestSyncFailureLogged(t *testing.T) {
	t.Parallel()
	forEachExample(t, func(t *testing.T, name string) {
		api := engagespottest.NewServer(t)
		api.FailAlways(http.StatusUnprocessableEntity)
		p := start(t, name, fakeEnv(api))
		status, _ := p.get("/api/me", token(t, secret, ada()))
		require.Equal(t, http.StatusOK, status)
		failed := regexp.MustCompile(`level=WARN msg="middleware: sync failed" user_hash=` + identity.ShortHash("user-1") + ` attempts=1 reason=client_error status=422`)
		p.waitCount(p.stderr, failed, 1)
		status, _ = p.get("/api/me", token(t, secret, ada())) // refused with this profile: not sent again
		require.Equal(t, http.StatusOK, status)

		p.stop()
		assert.Len(t, failed.FindAllString(p.stderr.String(), -1), 1)
		assert.NotContains(t, p.stderr.String(), `msg="user synced"`)
		assert.Equal(t, 1, api.Calls())
		assert.Contains(t, p.stderr.String(), "msg=stopped synced=0 failed=1 dropped=0")
	})
}

// Secure mode identifies users but creates nobody, and serves user tokens.
func TestSecureMode(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))

	forEachExample(t, func(t *testing.T, name string) {
		api := engagespottest.NewServer(t)
		env := fakeEnv(api)
		env["ENGAGESPOT_SECURE_MODE"] = "true"
		env["ENGAGESPOT_PRIVATE_SIGNING_KEY"] = keyPEM
		p := start(t, name, env)
		assert.Contains(t, p.stderr.String(), "secure_mode=true")
		assert.Contains(t, p.stderr.String(), "the middleware creates nobody")

		valid := token(t, secret, ada())
		status, body := p.get("/api/me", valid)
		require.Equal(t, http.StatusOK, status, string(body))
		assert.JSONEq(t, `{"identifier":"user-1"}`, string(body))

		status, body = p.get("/api/engagespot/token", valid)
		require.Equal(t, http.StatusOK, status, string(body))
		var got struct{ Token string }
		require.NoError(t, json.Unmarshal(body, &got))
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(got.Token, claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
			jwt.WithValidMethods([]string{"RS256"}))
		require.NoError(t, err, "the user token verifies with the public key")
		assert.Equal(t, "user:user-1", claims["sub"])
		assert.Equal(t, api.APIKey, claims["apiKey"])

		for _, tok := range []string{"", "not-a-token", token(t, []byte("another-secret-of-at-least-32-bytes"), ada())} {
			status, _ = p.get("/api/engagespot/token", tok)
			assert.Equal(t, http.StatusUnauthorized, status)
		}

		p.stop()
		assert.Zero(t, api.Calls(), "secure mode creates nobody")
		assert.NotContains(t, p.stderr.String(), "PRIVATE KEY")
	})
}

var tryLine = regexp.MustCompile(`curl -H 'Authorization: Bearer (\S+)' (http://\S+/api/me)`)

// Without JWT_SECRET each run makes its own secret and prints a token for it.
func TestGeneratedSecret(t *testing.T) {
	t.Parallel()
	forEachExample(t, func(t *testing.T, name string) {
		api := engagespottest.NewServer(t)
		env := fakeEnv(api)
		delete(env, "JWT_SECRET")
		a := start(t, name, env)
		b := start(t, name, maps.Clone(env))
		tryA := a.waitOutput(a.stdout, tryLine)
		tryB := b.waitOutput(b.stdout, tryLine)
		assert.Contains(t, a.stderr.String(), `jwt_secret="[GENERATED for this run]"`)

		status, body := get(t, tryA[2], tryA[1]) // the curl line, as printed
		require.Equal(t, http.StatusOK, status, string(body))
		assert.JSONEq(t, `{"identifier":"demo-user-1"}`, string(body))

		status, _ = get(t, b.URL+"/api/me", tryA[1])
		assert.Equal(t, http.StatusUnauthorized, status, "a's token is no good on b: each run has its own secret")
		status, _ = get(t, a.URL+"/api/me", tryB[1])
		assert.Equal(t, http.StatusUnauthorized, status)
		status, _ = a.get("/api/me", token(t, secret, ada()))
		assert.Equal(t, http.StatusUnauthorized, status, "a known secret is no good")

		a.stop()
		b.stop()
		u, ok := api.User("demo-user-1")
		require.True(t, ok)
		assert.Equal(t, "ada@example.com", u.Email())
		assert.Equal(t, "Ada", u.Profile().FirstName)
	})
}

// SIGTERM waits for the syncs under way.
func TestShutdownDrains(t *testing.T) {
	t.Parallel()
	forEachExample(t, func(t *testing.T, name string) {
		api := engagespottest.NewServer(t)
		p := start(t, name, fakeEnv(api))
		api.Hang()
		status, _ := p.get("/api/me", token(t, secret, ada()))
		require.Equal(t, http.StatusOK, status, "the request never waits for the API")
		require.NoError(t, api.WaitHeld(t.Context(), 1))

		p.signal(syscall.SIGTERM)
		p.waitOutput(p.stderr, regexp.MustCompile(`msg="shutting down`))
		api.Release() // the sync under way may now end; the process waited for it
		require.Equal(t, 0, p.wait())

		reqs := puts(api, "user-1")
		require.Len(t, reqs, 1)
		assert.Equal(t, http.StatusOK, reqs[0].Status)
		assert.Regexp(t, `(?s)msg="user synced" user_hash=`+identity.ShortHash("user-1")+` .*msg=stopped synced=1 `, p.stderr.String())
	})
}

// DRAIN_TIMEOUT bounds the wait: what is left is dropped, and the exit is clean.
func TestShutdownDrainTimeout(t *testing.T) {
	t.Parallel()
	forEachExample(t, func(t *testing.T, name string) {
		api := engagespottest.NewServer(t)
		env := fakeEnv(api)
		env["DRAIN_TIMEOUT"] = "200ms"
		p := start(t, name, env)
		api.Hang() // until the fake closes: longer than the drain
		status, _ := p.get("/api/me", token(t, secret, ada()))
		require.Equal(t, http.StatusOK, status)
		require.NoError(t, api.WaitHeld(t.Context(), 1))

		p.stop()
		out := p.stderr.String()
		assert.Contains(t, out, "drain_timeout=200ms")
		assert.Contains(t, out, `msg="sync dropped: the user's next request tries again" user_hash=`+identity.ShortHash("user-1")+` reason=closed`)
		assert.Contains(t, out, "msg=stopped synced=0 failed=0 dropped=1")
		_, ok := api.User("user-1")
		assert.False(t, ok)
	})
}

// Bad values stop the example at startup, naming the variable and never
// repeating a secret.
func TestBadConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		env    map[string]string
		want   string
		secret string // must not appear in the output
	}{
		{"drain timeout", map[string]string{"DRAIN_TIMEOUT": "abc"}, "DRAIN_TIMEOUT", ""},
		{"negative drain timeout", map[string]string{"DRAIN_TIMEOUT": "-1s"}, "DRAIN_TIMEOUT", ""},
		{"secure mode", map[string]string{"ENGAGESPOT_SECURE_MODE": "maybe"}, "ENGAGESPOT_SECURE_MODE", ""},
		{"secure mode without key", map[string]string{"ENGAGESPOT_SECURE_MODE": "true"}, "needs ENGAGESPOT_PRIVATE_SIGNING_KEY", ""},
		{"redis scheme", map[string]string{"REDIS_URL": "http://localhost:6379"}, "REDIS_URL", ""},
		{"redis port", map[string]string{"REDIS_URL": "redis://:hunter2hunter2@localhost:port/0"}, "REDIS_URL", "hunter2hunter2"},
		{"short jwt secret", map[string]string{"JWT_SECRET": "shortsecret"}, "JWT_SECRET", "shortsecret"},
		{"base url", map[string]string{"ENGAGESPOT_BASE_URL": "api.engagespot.co"}, "ENGAGESPOT_BASE_URL", ""},
		{"signing key", map[string]string{"ENGAGESPOT_API_KEY": "k", "ENGAGESPOT_API_SECRET": "s", "ENGAGESPOT_PRIVATE_SIGNING_KEY": "not-a-pem-key"}, "ENGAGESPOT_PRIVATE_SIGNING_KEY", "not-a-pem-key"},
		{"signing key without api key", map[string]string{"ENGAGESPOT_PRIVATE_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----"}, "needs ENGAGESPOT_API_KEY", ""},
		{"addr", map[string]string{"ADDR": "127.0.0.1:notaport"}, "ADDR", ""},
		{"api key without its secret", map[string]string{"ENGAGESPOT_API_KEY": "k"}, "ENGAGESPOT_API_SECRET: unset while ENGAGESPOT_API_KEY is set", ""},
		{"api secret without its key", map[string]string{"ENGAGESPOT_API_SECRET": "s3cr3t-value"}, "ENGAGESPOT_API_KEY: unset while ENGAGESPOT_API_SECRET is set", "s3cr3t-value"},
		{"redis without a scheme", map[string]string{"REDIS_URL": "foo"}, "REDIS_URL: no scheme", ""},
		{"base url without its version", map[string]string{"ENGAGESPOT_API_KEY": "k", "ENGAGESPOT_API_SECRET": "s", "ENGAGESPOT_BASE_URL": "https://api.engagespot.co"}, "must end in the API's version", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			forEachExample(t, func(t *testing.T, name string) {
				p := launch(t, name, maps.Clone(tc.env))
				code := p.wait()
				out := p.stdout.String() + p.stderr.String()
				assert.Equal(t, 2, code, out)
				assert.Contains(t, out, "configuration error")
				assert.Contains(t, out, tc.want)
				assert.NotContains(t, out, "listening")
				if tc.secret != "" {
					assert.NotContains(t, out, tc.secret)
				}
			})
		})
	}
}

// With REDIS_URL, a fleet of instances syncs a user once.
func TestFleet(t *testing.T) {
	t.Parallel()
	forEachExample(t, func(t *testing.T, name string) {
		redis := redistest.Start(t)
		api := engagespottest.NewServer(t)
		env := fakeEnv(api)
		env["REDIS_URL"] = redis.URL()
		a := start(t, name, env)
		b := start(t, name, maps.Clone(env))
		assert.Contains(t, a.stderr.String(), "redis="+redis.URL())

		valid := token(t, secret, ada())
		status, _ := a.get("/api/me", valid)
		require.Equal(t, http.StatusOK, status)
		a.waitCount(a.stderr, synced("user-1"), 1)
		status, _ = b.get("/api/me", valid) // b has not seen the user: it asks Redis, not the API
		require.Equal(t, http.StatusOK, status)
		b.waitCount(b.stderr, synced("user-1"), 1)

		// Two more users, each seen by both instances.
		for _, user := range []string{"user-2", "user-3"} {
			claims := ada()
			claims["sub"] = user
			tok := token(t, secret, claims)
			status, _ := a.get("/api/me", tok)
			require.Equal(t, http.StatusOK, status)
			a.waitCount(a.stderr, synced(user), 1)
			status, _ = b.get("/api/me", tok)
			require.Equal(t, http.StatusOK, status)
			b.waitCount(b.stderr, synced(user), 1)
		}

		// The fleet's counters add up: summed over the instances,
		// sync_synced_total is the calls the API accepted.
		var sum, byFleet float64
		for _, p := range []*proc{a, b} {
			sum += p.metric("autoidentify_sync_synced_total")
			byFleet += p.metric("autoidentify_sync_synced_by_fleet_total")
		}
		assert.Equal(t, float64(api.Calls()), sum, "the fleet's sum is the API's calls")
		assert.Equal(t, float64(3), sum)
		assert.Equal(t, float64(3), byFleet, "each user found synced by the other instance")

		a.stop()
		b.stop()
		assert.Len(t, puts(api, "user-1"), 1, "one API call for the fleet")
	})
}

// Readiness: with credentials the API rejects, /readyz answers 503 with
// the reason while /healthz stays 200; once the API accepts them again
// (a rotated secret), the next sync's probe brings /readyz back to 200.
func TestReadiness(t *testing.T) {
	t.Parallel()
	forEachExample(t, func(t *testing.T, name string) {
		api := engagespottest.NewServer(t)
		env := fakeEnv(api)
		env["PAUSE_FOR"] = "200ms"
		p := start(t, name, env)
		status, body := p.get("/readyz", "")
		require.Equal(t, http.StatusOK, status)
		assert.JSONEq(t, `{"ready":true}`, string(body))

		api.FailAlways(http.StatusUnauthorized)
		status, _ = p.get("/api/me", token(t, secret, ada()))
		require.Equal(t, http.StatusOK, status, "the request is served; its sync waits")
		require.Eventually(t, func() bool { status, body = p.get("/readyz", ""); return status == http.StatusServiceUnavailable },
			deadline, 10*time.Millisecond)
		var r struct {
			Ready    bool `json:"ready"`
			NotReady []struct {
				Reason string `json:"reason"`
				Since  string `json:"since"`
				Detail string `json:"detail"`
			} `json:"not_ready"`
		}
		require.NoError(t, json.Unmarshal(body, &r), string(body))
		assert.False(t, r.Ready)
		require.Len(t, r.NotReady, 1)
		assert.Equal(t, "api_rejected_config", r.NotReady[0].Reason)
		assert.NotEmpty(t, r.NotReady[0].Since)
		assert.Contains(t, r.NotReady[0].Detail, "credentials")
		status, _ = p.get("/healthz", "")
		assert.Equal(t, http.StatusOK, status, "liveness: the process serves")
		assert.Equal(t, 0.0, p.metric("autoidentify_ready"))

		api.ClearFaults()
		require.Eventually(t, func() bool {
			status, _ = p.get("/readyz", "")
			return status == http.StatusOK
		}, deadline, 50*time.Millisecond, "the kept sync probes after the pause and resumes")
		assert.Equal(t, 1.0, p.metric("autoidentify_ready"))
		p.waitCount(p.stderr, synced("user-1"), 1)
		assert.Contains(t, p.stderr.String(), `msg="middleware: API calls resumed"`)
	})
}

// -token prints a token for a subject, signed with JWT_SECRET, that the
// server run with the same secret accepts: a newcomer on the real API has
// something to curl with. Without JWT_SECRET it refuses, exit 2.
func TestTokenFlag(t *testing.T) {
	t.Parallel()
	forEachExample(t, func(t *testing.T, name string) {
		api := engagespottest.NewServer(t)
		env := fakeEnv(api)
		p := launch(t, name, maps.Clone(env), "-token", "user-42", "-email", "u42@example.com")
		require.Equal(t, 0, p.wait(), p.stderr.String())
		tok := strings.TrimSpace(p.stdout.String())
		require.Equal(t, 2, strings.Count(tok, "."), "stdout is the token alone: %q", tok)

		srv := start(t, name, maps.Clone(env))
		code, body := srv.get("/api/me", tok)
		assert.Equal(t, http.StatusOK, code, string(body))
		assert.JSONEq(t, `{"identifier":"user-42"}`, string(body))
		assert.NotContains(t, srv.stderr.String(), tok, "the server logs no token")

		without := launch(t, name, map[string]string{}, "-token", "user-42")
		assert.Equal(t, 2, without.wait())
		assert.Contains(t, without.stderr.String(), "-token needs JWT_SECRET")
		assert.Empty(t, without.stdout.String())
	})
}

// A Redis that does not answer is said at start, with its cause; the
// example still starts (fleet mode falls back to local-only).
func TestRedisUnreachableAtStart(t *testing.T) {
	t.Parallel()
	forEachExample(t, func(t *testing.T, name string) {
		env := fakeEnv(engagespottest.NewServer(t))
		env["REDIS_URL"] = "redis://:hunter2hunter2@127.0.0.1:1/0" // nothing listens there
		p := start(t, name, env)
		out := p.stderr.String()
		assert.Contains(t, out, `level=WARN msg="redis not reachable at start`)
		assert.Contains(t, out, "connection refused")
		assert.NotContains(t, out, "hunter2hunter2")
	})
}
