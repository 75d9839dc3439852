package redisstore

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// maxLeaseHold bounds how long a lease is renewed: a sync whose Directory
// call ignores its deadline stops holding the user back after it.
const maxLeaseHold = time.Minute

// leases renews the leases this Store holds while their syncs run, a third
// of the lease TTL apart, so the TTL can be short (DefaultLeaseTTL): a live
// instance keeps its lease however long its API call takes, and a dead
// one's frees the user within the TTL. One goroutine per Store, started
// with the first lease and stopped by Close.
type leases struct {
	renew func(ctx context.Context, keys []string) // renews these lease keys if still ours
	every time.Duration

	mu      sync.Mutex
	held    map[string]time.Time // lease key -> when it was taken
	started bool
	closed  bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

func (l *leases) hold(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.held[key] = time.Now()
	if !l.started {
		l.started = true
		l.wg.Go(l.run)
	}
}

// drop stops renewing key, and reports whether this Store held it.
func (l *leases) drop(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, held := l.held[key]
	delete(l.held, key)
	return held
}

func (l *leases) run() {
	t := time.NewTicker(l.every)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case now := <-t.C:
			l.mu.Lock()
			keys := make([]string, 0, len(l.held))
			for k, since := range l.held {
				if now.Sub(since) > maxLeaseHold {
					delete(l.held, k)
					continue
				}
				keys = append(keys, k)
			}
			l.mu.Unlock()
			if len(keys) > 0 {
				// Bounded by the lease TTL: a renewal later than that is no use.
				ctx, cancel := context.WithTimeout(context.Background(), 3*l.every)
				l.renew(ctx, keys)
				cancel()
			}
		}
	}
}

func (l *leases) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	l.wg.Wait()
}

// renewLeases extends each of keys that is still this Store's lease, in
// one pipeline (a cluster client splits it by node). A failure is the next
// Lease's to notice: a lease that lapses lets at worst a second instance
// sync the user, and its Done then says so (see doneScript).
func (s *Store) renewLeases(ctx context.Context, keys []string) {
	_, _ = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Eval(ctx, renewSource, []string{k}, s.token, s.leaseMS)
		}
		return nil
	})
}
