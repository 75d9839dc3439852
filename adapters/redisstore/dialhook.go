package redisstore

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// dialWatch remembers why the client last failed to connect. go-redis
// retries a failed dial until the Store's timeout ends the call, which then
// fails with "context deadline exceeded" alone: the cause (connection
// refused, no such host) would show only in go-redis's own log.
type dialWatch struct {
	last atomic.Pointer[dialFailure] // nil once a dial succeeds
}

type dialFailure struct {
	err error
	at  time.Time
}

// cause returns the reason of a dial that failed since start, if any.
func (d *dialWatch) cause(start time.Time) error {
	if f := d.last.Load(); f != nil && !f.at.Before(start) {
		return f.err
	}
	return nil
}

func (d *dialWatch) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := next(ctx, network, addr)
		if err != nil {
			d.last.Store(&dialFailure{err: err, at: time.Now()})
		} else {
			d.last.Store(nil)
		}
		return conn, err
	}
}

func (d *dialWatch) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (d *dialWatch) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
