package redis_test

import (
	"errors"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/redis"
)

func TestNewRefusesBadOptions(t *testing.T) {
	t.Parallel()
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"}) // never dialled
	t.Cleanup(func() { _ = client.Close() })
	tests := []struct {
		name   string
		client goredis.UniversalClient
		opt    redis.Option
		field  string
	}{
		{"nil client", nil, nil, "Client"},
		{"empty prefix", client, redis.WithPrefix(""), "Prefix"},
		{"prefix with hash tag", client, redis.WithPrefix("app{1}:"), "Prefix"},
		{"zero TTL", client, redis.WithTTL(0), "TTL"},
		{"sub-millisecond lease", client, redis.WithLeaseTTL(1), "LeaseTTL"},
		{"zero timeout", client, redis.WithTimeout(0), "Timeout"},
		{"negative cooldown", client, redis.WithCooldown(-1), "Cooldown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []redis.Option
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			s, err := redis.New(tt.client, opts...)
			require.Error(t, err)
			assert.Nil(t, s)
			var cfgErr *redis.ConfigError
			require.True(t, errors.As(err, &cfgErr), "%T", err)
			assert.Equal(t, tt.field, cfgErr.Field)
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestNewAcceptsGoodOptions(t *testing.T) {
	t.Parallel()
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = client.Close() })
	s, err := redis.New(client,
		redis.WithPrefix("app:"), redis.WithTTL(redis.DefaultTTL), redis.WithLeaseTTL(redis.DefaultLeaseTTL),
		redis.WithTimeout(redis.DefaultTimeout), redis.WithCooldown(0), redis.WithLogger(nil))
	require.NoError(t, err)
	assert.NotNil(t, s)
}
