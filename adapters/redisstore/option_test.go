package redisstore_test

import (
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/identity"
)

func TestNewRefusesBadOptions(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	t.Cleanup(func() { _ = client.Close() })
	tests := []struct {
		name   string
		client redis.UniversalClient
		opt    redisstore.Option
		field  string
	}{
		{"nil client", nil, nil, "Client"},
		{"empty prefix", client, redisstore.WithPrefix(""), "Prefix"},
		{"prefix with hash tag", client, redisstore.WithPrefix("app{1}:"), "Prefix"},
		{"zero TTL", client, redisstore.WithTTL(0), "TTL"},
		{"sub-millisecond lease", client, redisstore.WithLeaseTTL(1), "LeaseTTL"},
		{"zero timeout", client, redisstore.WithTimeout(0), "Timeout"},
		{"negative cooldown", client, redisstore.WithCooldown(-1), "Cooldown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []redisstore.Option
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			s, err := redisstore.New(tt.client, opts...)
			require.Error(t, err)
			assert.Nil(t, s)
			var cfgErr *identity.ConfigError
			require.True(t, errors.As(err, &cfgErr), "%T", err)
			assert.Equal(t, tt.field, cfgErr.Field)
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestNewAcceptsGoodOptions(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = client.Close() })
	s, err := redisstore.New(client,
		redisstore.WithPrefix("app:"), redisstore.WithTTL(redisstore.DefaultTTL), redisstore.WithLeaseTTL(redisstore.DefaultLeaseTTL),
		redisstore.WithTimeout(redisstore.DefaultTimeout), redisstore.WithCooldown(0), redisstore.WithLogger(nil))
	require.NoError(t, err)
	assert.NotNil(t, s)
}
