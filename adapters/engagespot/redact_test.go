package engagespot_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/identity"
)

// printed returns v as every fmt verb and slog's JSON handler print it.
func printed(t *testing.T, v any) string {
	t.Helper()
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%T"} {
		fmt.Fprintf(&out, verb+"\n", v)
	}
	fmt.Fprintln(&out, v)
	fmt.Fprint(&out, v, "\n")
	fmt.Fprintf(&out, "%v\n", []any{v})
	fmt.Fprintf(&out, "%+v\n", struct{ X any }{v})
	logger := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	logger.Info("msg", "value", v)
	logger.Info("msg", slog.Any("value", v))
	logger.With("value", v).Debug("msg")
	logger.Info("msg", "group", slog.GroupValue(slog.Any("value", v)))
	return out.String()
}

func TestClientNeverPrintsTheSecret(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-api-secret-value"
	c, err := engagespot.New("the-api-key", secret)
	require.NoError(t, err)
	for name, v := range map[string]any{"pointer": c, "value": *c} {
		out := printed(t, v)
		assert.NotContains(t, out, secret, name)
		assert.Contains(t, out, "the-api-key", "%s: the key is not secret and helps debugging", name)
		assert.Contains(t, out, "[REDACTED]", name)
	}
	var js bytes.Buffer
	slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "client", c)
	var rec struct {
		Client map[string]string `json:"client"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &rec), js.String())
	assert.Equal(t, map[string]string{"base_url": engagespot.DefaultBaseURL, "api_key": "the-api-key", "api_secret": "[REDACTED]"}, rec.Client)
}

func TestErrorsNeverCarryTheSecret(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	bad, err := engagespot.New(srv.APIKey, "wrong-"+srv.APISecret, engagespot.WithBaseURL(srv.URL()))
	require.NoError(t, err)
	errs := []error{
		bad.Upsert(t.Context(), identity.Identity{Identifier: "u"}),                                                                   // 401
		c.Upsert(t.Context(), identity.Identity{Identifier: ""}),                                                                      // input
		c.Upsert(t.Context(), identity.Identity{Identifier: "u", Profile: identity.Profile{Custom: map[string]any{"identifier": 1}}}), // input
	}
	srv.Close()
	errs = append(errs, c.Upsert(t.Context(), identity.Identity{Identifier: "u"})) // network
	for _, err := range errs {
		require.Error(t, err)
		out := printed(t, err)
		assert.NotContains(t, out, srv.APISecret)
	}
}

func TestTokenSignerNeverPrintsTheKey(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	s, err := engagespot.NewTokenSigner("the-api-key", pkcs1PEM(key))
	require.NoError(t, err)
	// Telltales of the private key: its PEM body, its private exponent and primes.
	der := pkcs1DER(key)
	telltales := []string{
		base64.StdEncoding.EncodeToString(der)[:40],
		key.D.String()[:40], key.D.Text(16)[:40],
		key.Primes[0].String()[:40], key.Primes[0].Text(16)[:40],
	}
	for name, v := range map[string]any{"pointer": s, "value": *s} {
		out := printed(t, v)
		for _, tt := range telltales {
			assert.NotContains(t, out, tt, name)
		}
		assert.Contains(t, out, "the-api-key", name)
		assert.Contains(t, out, "[REDACTED]", name)
	}
}
