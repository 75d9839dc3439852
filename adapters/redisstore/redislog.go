package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// go-redis logs to standard error by itself (its dial failures, say), a
// second voice beside the Store's own Warn that says the same, clearly and
// once. New routes those lines to the Store's logger, at Debug: go-redis's
// logger is one for the whole process (redis.SetLogger), so it goes to the
// logger of the Store made last. An app that wants go-redis's lines
// elsewhere calls redis.SetLogger after New.
var redisLog struct {
	once   sync.Once
	logger atomic.Pointer[slog.Logger]
}

// routeRedisLog makes l, or silence if l is nil, receive go-redis's log.
func routeRedisLog(l *slog.Logger) {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	redisLog.logger.Store(l)
	redisLog.once.Do(func() { redis.SetLogger(redisLogger{}) })
}

// redisLogger is go-redis's internal.Logging, forwarding to the Store's
// logger.
type redisLogger struct{}

func (redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l := redisLog.logger.Load()
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	l.DebugContext(ctx, "redisstore: go-redis said", "line", fmt.Sprintf(format, v...))
}
