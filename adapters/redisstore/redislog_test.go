package redisstore_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/redisstore"
)

// With Redis down at start, go-redis's own complaint reaches the Store's
// logger, at Debug, beside the Store's one Warn: one voice, structured.
// Not parallel: go-redis's logger is the whole process's.
func TestGoRedisLogsThroughTheStore(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now

	var logs logBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	client := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1, DialTimeout: time.Second})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.WithLogger(logger))
	require.NoError(t, err)
	defer store.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, err = store.Lease(ctx, "ann", 1, time.Now())
	require.Error(t, err, "Redis is down")
	require.Eventually(t, func() bool {
		s := logs.String()
		return strings.Contains(s, `level=DEBUG msg="redisstore: go-redis said"`) && strings.Contains(s, "failed to dial")
	}, 5*time.Second, 10*time.Millisecond, logs.String())
	assert.Contains(t, logs.String(), "level=WARN", "and the Store's own line")
}
