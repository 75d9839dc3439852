package redisstore_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/middleware"
)

// A cluster refuses a script whose keys lie in different slots (CROSSSLOT):
// this shows both keys of every user share one slot.
func TestWorksOnRedisCluster(t *testing.T) {
	t.Parallel()
	srv := redistest.StartCluster(t)
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: srv.Addrs(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = client.Close() })
	s, err := redisstore.New(client)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	for _, id := range []string{"user-1", "}", "}{", "{}", "a}b", "%7D", "用户"} {
		got, _, err := s.Lease(t.Context(), id, 1, time.Now())
		require.NoError(t, err, "%q", id)
		assert.Equal(t, middleware.LeaseAcquired, got, "%q", id)
		require.NoError(t, s.Release(t.Context(), id), "%q", id)
		require.NoError(t, s.Done(t.Context(), id, 1, time.Now()), "%q", id)
		got, _, err = s.Lease(t.Context(), id, 1, time.Now())
		require.NoError(t, err, "%q", id)
		assert.Equal(t, middleware.LeaseSynced, got, "%q", id)
	}
}
