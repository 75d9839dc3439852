package oteltracing_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/oteltracing"
	"github.com/autoidentify/autoidentify/identity"
)

func TestBadOptionsFailAtNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opt   oteltracing.Option
		field string
	}{
		{"nil option", nil, "options"},
		{"nil provider", oteltracing.WithTracerProvider(nil), "TracerProvider"},
		{"nil key", oteltracing.WithHashKey(nil), "HashKey"},
		{"empty key", oteltracing.WithHashKey([]byte{}), "HashKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tracer, err := oteltracing.New(tt.opt)
			assert.Nil(t, tracer)
			var cfgErr *identity.ConfigError
			require.ErrorAs(t, err, &cfgErr)
			assert.Equal(t, tt.field, cfgErr.Field)
			assert.True(t, strings.HasPrefix(err.Error(), "oteltracing: bad "+tt.field+": "), err.Error())
		})
	}
}

func TestHashKey(t *testing.T) {
	t.Parallel()
	key := []byte("hash-key-kept-in-a-vault")
	srv := engagespottest.NewServer(t)
	tr := newTracing(t)
	tracer, err := oteltracing.New(oteltracing.WithTracerProvider(tr.tp), oteltracing.WithHashKey(key))
	require.NoError(t, err)
	key[0] = 'X' // New kept its own copy
	m := newMiddleware(t, client(t, srv.URL()), tracer.Options()...)

	serveCtx(context.Background(), m.Handler(nop), "ann@example.com")
	flush(t, m)

	mac := hmac.New(sha256.New, []byte("hash-key-kept-in-a-vault"))
	mac.Write([]byte("ann@example.com"))
	want := hex.EncodeToString(mac.Sum(nil))[:oteltracing.HashLen]
	syncs := tr.named(oteltracing.SpanSync)
	require.Len(t, syncs, 1)
	assert.Equal(t, want, attrs(syncs[0])["autoidentify.user.hash"])
	assert.Equal(t, want, tracer.Hash("ann@example.com"))
	assert.NotEqual(t, sha256Hex16("ann@example.com"), want)
}

func TestHashWithoutKeyIsSHA256(t *testing.T) {
	t.Parallel()
	tracer, err := oteltracing.New()
	require.NoError(t, err)
	for _, id := range []string{"ann@example.com", "", "ünïcödé", strings.Repeat("x", 1000)} {
		assert.Equal(t, sha256Hex16(id), tracer.Hash(id))
	}
	// printf %s ann@example.com | sha256sum | cut -c1-16
	assert.Equal(t, "71d4f55f72fa128d", tracer.Hash("ann@example.com"))
}

func TestTheHashKeyIsNeverPrinted(t *testing.T) {
	t.Parallel()
	tracer, err := oteltracing.New(oteltracing.WithHashKey([]byte("hash-key-kept-in-a-vault")))
	require.NoError(t, err)
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("tracing", "tracer", tracer)
	key := []byte("hash-key-kept-in-a-vault")
	for _, out := range []string{
		fmt.Sprintf("%v", tracer), fmt.Sprintf("%+v", tracer), fmt.Sprintf("%#v", tracer),
		fmt.Sprintf("%s", tracer), fmt.Sprintf("%q", tracer),
		fmt.Sprintf("%v", *tracer), fmt.Sprintf("%+v", *tracer), fmt.Sprintf("%#v", *tracer),
		logged.String(),
	} {
		assert.Contains(t, out, "redacted")
		for _, leak := range []string{"vault", hex.EncodeToString(key[:8]), fmt.Sprint(key[:8])[1:20]} {
			assert.NotContains(t, out, leak)
		}
	}
}

// Not parallel: it sets the global tracer provider.
func TestTheGlobalProviderByDefault(t *testing.T) {
	tr := newTracing(t)
	otel.SetTracerProvider(tr.tp)
	tracer, err := oteltracing.New()
	require.NoError(t, err)
	srv := engagespottest.NewServer(t)
	m := newMiddleware(t, client(t, srv.URL()), tracer.Options()...)

	serveCtx(context.Background(), m.Handler(nop), "ann")
	flush(t, m)

	syncs := tr.named(oteltracing.SpanSync)
	require.Len(t, syncs, 1)
	assert.Equal(t, oteltracing.ScopeName, syncs[0].InstrumentationScope().Name)
	assert.Len(t, tr.childrenOf(syncs[0]), 1)
}
