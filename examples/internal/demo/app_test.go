package demo_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/autoidentify/autoidentify/examples/internal/demo"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func config(t *testing.T, vars map[string]string) demo.Config {
	t.Helper()
	c, err := demo.FromEnv(env(vars))
	require.NoError(t, err)
	return c
}

func TestNewInMemory(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	app, err := demo.New(config(t, nil), slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	assert.False(t, app.Tokens)
	require.NotNil(t, app.Metrics)

	// The demo token verifies with the generated secret.
	tok, err := demo.DemoToken(app.Config.JWTSecret, time.Now())
	require.NoError(t, err)
	id, err := app.JWT.Verify(tok)
	require.NoError(t, err)
	assert.Equal(t, identity.Identity{Identifier: "demo-user-1",
		Profile: identity.Profile{Email: "ada@example.com", FirstName: "Ada"}}, id)
	require.NoError(t, app.Middleware.Ensure(t.Context(), id))

	require.NoError(t, app.Close(t.Context()))
	assert.Contains(t, logs.String(), `msg="memory directory: user created" identifier=demo-user-1`)
	assert.Contains(t, logs.String(), `msg="user synced" user_hash=`+identity.ShortHash("demo-user-1")+` attempts=1`)
}

func TestNewBadSigningKey(t *testing.T) {
	t.Parallel()
	_, err := demo.New(config(t, map[string]string{
		"ENGAGESPOT_API_KEY": "key", "ENGAGESPOT_API_SECRET": "secret", "ENGAGESPOT_PRIVATE_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n",
	}), slog.New(slog.DiscardHandler))
	envErr, ok := errors.AsType[*demo.EnvError](err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "ENGAGESPOT_PRIVATE_SIGNING_KEY", envErr.Var)
}

func TestNewSecureMode(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	app, err := demo.New(config(t, map[string]string{
		"ENGAGESPOT_API_KEY": "key", "ENGAGESPOT_API_SECRET": "secret", "ENGAGESPOT_SECURE_MODE": "true",
		"ENGAGESPOT_PRIVATE_SIGNING_KEY": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
	}), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, app.Close(t.Context())) })
	assert.True(t, app.Tokens)

	tok, err := demo.DemoToken(app.Config.JWTSecret, time.Now())
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	route, err := app.Middleware.With(middleware.WithExtractor(app.JWT))
	require.NoError(t, err)
	route.TokenHandler().ServeHTTP(w, r)
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Contains(t, w.Body.String(), `"token":"ey`)
}
