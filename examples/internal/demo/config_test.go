package demo_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/examples/internal/demo"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

const jwtSecret = "a-jwt-secret-of-at-least-32-bytes"

func TestFromEnvDefaults(t *testing.T) {
	t.Parallel()
	c, err := demo.FromEnv(env(nil))
	require.NoError(t, err)
	assert.Equal(t, ":8080", c.Addr)
	assert.Equal(t, "https://api.engagespot.co/v3", c.BaseURL)
	assert.Equal(t, 10*time.Second, c.DrainTimeout)
	assert.False(t, c.SecureMode)
	assert.False(t, c.UsesEngagespot())
	assert.True(t, c.JWTSecretGenerated)
	assert.Len(t, c.JWTSecret, 32)

	again, err := demo.FromEnv(env(nil))
	require.NoError(t, err)
	assert.NotEqual(t, c.JWTSecret, again.JWTSecret, "a fresh secret per run")
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	c, err := demo.FromEnv(env(map[string]string{
		"ADDR": "127.0.0.1:9000", "JWT_SECRET": jwtSecret,
		"ENGAGESPOT_API_KEY": "key", "ENGAGESPOT_API_SECRET": "secret",
		"ENGAGESPOT_BASE_URL": "https://api-eu.engagespot.co/v3", "ENGAGESPOT_SECURE_MODE": "true",
		"ENGAGESPOT_PRIVATE_SIGNING_KEY": "pem", "REDIS_URL": "redis://:pw@localhost:6379/2", "DRAIN_TIMEOUT": "1m30s",
		"PAUSE_FOR": "5s",
	}))
	require.NoError(t, err)
	assert.Equal(t, demo.Config{
		Addr: "127.0.0.1:9000", JWTSecret: []byte(jwtSecret), APIKey: "key", APISecret: "secret",
		BaseURL: "https://api-eu.engagespot.co/v3", SecureMode: true, SigningKeyPEM: []byte("pem"),
		RedisURL: "redis://:pw@localhost:6379/2", DrainTimeout: 90 * time.Second, PauseFor: 5 * time.Second,
	}, c)
	assert.True(t, c.UsesEngagespot())
}

func TestFromEnvErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		vars  map[string]string
		named []string // the variables the error names
	}{
		{"drain not a duration", map[string]string{"DRAIN_TIMEOUT": "abc"}, []string{"DRAIN_TIMEOUT"}},
		{"drain negative", map[string]string{"DRAIN_TIMEOUT": "-5s"}, []string{"DRAIN_TIMEOUT"}},
		{"pause not a duration", map[string]string{"PAUSE_FOR": "soon"}, []string{"PAUSE_FOR"}},
		{"pause zero", map[string]string{"PAUSE_FOR": "0s"}, []string{"PAUSE_FOR"}},
		{"secure mode not a bool", map[string]string{"ENGAGESPOT_SECURE_MODE": "maybe"}, []string{"ENGAGESPOT_SECURE_MODE"}},
		{"secure mode without key", map[string]string{"ENGAGESPOT_SECURE_MODE": "1"}, []string{"ENGAGESPOT_SECURE_MODE"}},
		{"key without api key", map[string]string{"ENGAGESPOT_PRIVATE_SIGNING_KEY": "pem"}, []string{"ENGAGESPOT_PRIVATE_SIGNING_KEY"}},
		{"redis scheme", map[string]string{"REDIS_URL": "localhost:6379"}, []string{"REDIS_URL"}},
		{"short secret", map[string]string{"JWT_SECRET": "short"}, []string{"JWT_SECRET"}},
		{"base url", map[string]string{"ENGAGESPOT_BASE_URL": "ftp://x"}, []string{"ENGAGESPOT_BASE_URL"}},
		{"api key alone", map[string]string{"ENGAGESPOT_API_KEY": "k"}, []string{"ENGAGESPOT_API_SECRET"}},
		{"api secret alone", map[string]string{"ENGAGESPOT_API_SECRET": "s"}, []string{"ENGAGESPOT_API_KEY"}},
		{"redis without a scheme", map[string]string{"REDIS_URL": "foo"}, []string{"REDIS_URL"}},
		{"all at once", map[string]string{"DRAIN_TIMEOUT": "x", "ENGAGESPOT_SECURE_MODE": "x", "REDIS_URL": "x"},
			[]string{"DRAIN_TIMEOUT", "ENGAGESPOT_SECURE_MODE", "REDIS_URL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := demo.FromEnv(env(tc.vars))
			require.Error(t, err)
			var named []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				envErr, ok := errors.AsType[*demo.EnvError](e)
				require.True(t, ok, "%T", e)
				named = append(named, envErr.Var)
			}
			assert.ElementsMatch(t, tc.named, named)
		})
	}
}

// No secret reaches an error, a log line or a printed Config.
func TestSecretsRedacted(t *testing.T) {
	t.Parallel()
	const (
		apiSecret  = "api-secret-value"
		signingKey = "signing-key-value"
		redisPass  = "redis-password-value"
	)
	c, err := demo.FromEnv(env(map[string]string{
		"JWT_SECRET": jwtSecret, "ENGAGESPOT_API_KEY": "key", "ENGAGESPOT_API_SECRET": apiSecret,
		"ENGAGESPOT_PRIVATE_SIGNING_KEY": signingKey, "REDIS_URL": "redis://user:" + redisPass + "@localhost:6379/0",
	}))
	require.NoError(t, err)
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "", c)
	outputs := map[string]string{
		"log": logged.String(), "%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c),
		"%#v": fmt.Sprintf("%#v", c), "%s": fmt.Sprintf("%s", c), "%x": fmt.Sprintf("%x", c),
		"%q": fmt.Sprintf("%q", c), "pointer": fmt.Sprintf("%v", &c),
	}
	for name, out := range outputs {
		for _, s := range []string{jwtSecret, apiSecret, signingKey, redisPass} {
			assert.NotContains(t, out, s, name)
		}
		assert.Contains(t, out, "[REDACTED]", name)
	}
	assert.Contains(t, logged.String(), "redis=redis://user:xxxxx@localhost:6379/0")
	assert.Contains(t, logged.String(), "engagespot_api_key=key")

	_, err = demo.FromEnv(env(map[string]string{"JWT_SECRET": "short-" + apiSecret}))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), apiSecret)
	_, err = demo.FromEnv(env(map[string]string{"REDIS_URL": "redis://:" + redisPass + "@host:port/0"}))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), redisPass)
	for _, base := range []string{
		"https://user:" + apiSecret + "@api.engagespot.co/v3", "ftp://user:" + apiSecret + "@x/v3",
		"https://api.engagespot.co/v3?token=" + apiSecret, "https://api.engagespot.co/v3#" + apiSecret,
		"https:///" + apiSecret, "https://" + apiSecret + "@exa mple.com/v3",
	} {
		_, err = demo.FromEnv(env(map[string]string{"ENGAGESPOT_BASE_URL": base}))
		require.Error(t, err, base)
		assert.Contains(t, err.Error(), "ENGAGESPOT_BASE_URL")
		assert.NotContains(t, err.Error(), apiSecret)
	}
}
