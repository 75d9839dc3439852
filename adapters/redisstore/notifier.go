package redisstore

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// channelKind names the channel, under the Store's prefix, on which Done,
// Release and Tombstone publish a user's record key.
const channelKind = "done"

// notifier wakes the callers waiting for a user's lease holder to finish:
// one subscription per Store, opened when the first caller waits. While it
// is down (Redis is, or the subscription failed) waiters are simply not
// woken, and they poll as they would without it.
type notifier struct {
	client   redis.UniversalClient
	channel  string // the done channel, which Done and Release publish on
	timeout  time.Duration
	cooldown time.Duration
	now      func() time.Time

	mu      sync.Mutex
	sub     *redis.PubSub
	retryAt time.Time // after a failed subscribe: none before
	waiters map[string]map[*waiter]struct{}
	closed  bool
	wg      sync.WaitGroup
}

type waiter struct{ f func() }

// NotifyDone calls f once, soon after identifier's lease holder (on any
// instance) calls Done or Release; stop cancels it. It implements
// middleware.StoreNotifier. The first call subscribes, which costs one
// round trip; if Redis cannot be reached, f is never called and the
// middleware polls.
func (s *Store) NotifyDone(identifier string, f func()) (stop func()) {
	return s.notifier.add(s.keys(identifier)[0], f)
}

// Close ends the subscription NotifyDone opened and the reading of the
// forget stream, if any, and stops renewing leases. Close the Store after
// the middleware that uses it; the client stays the application's.
func (s *Store) Close() error {
	s.notifier.close()
	s.forgets.close()
	s.leases.close()
	return nil
}

func (n *notifier) add(key string, f func()) (stop func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed || !n.subscribedLocked() {
		return func() {}
	}
	w := &waiter{f: f}
	if n.waiters[key] == nil {
		n.waiters[key] = make(map[*waiter]struct{})
	}
	n.waiters[key][w] = struct{}{}
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if ws := n.waiters[key]; ws != nil {
			delete(ws, w)
			if len(ws) == 0 {
				delete(n.waiters, key)
			}
		}
	}
}

// subscribedLocked subscribes once, waiting for Redis to confirm it so that
// no message published after it returns is missed. go-redis then keeps the
// subscription up, reconnecting and subscribing again after an outage.
func (n *notifier) subscribedLocked() bool {
	if n.sub != nil {
		return true
	}
	if n.now().Before(n.retryAt) {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.timeout)
	defer cancel()
	sub := n.client.Subscribe(ctx, n.channel)
	if _, err := sub.Receive(ctx); err != nil { // the confirmation
		_ = sub.Close()
		n.retryAt = n.now().Add(n.cooldown)
		return false
	}
	n.sub = sub
	n.waiters = make(map[string]map[*waiter]struct{})
	ch := sub.Channel()
	n.wg.Go(func() {
		for msg := range ch { // closed by sub.Close
			n.wake(msg.Payload)
		}
	})
	return true
}

// wake calls, outside the lock, every waiter for key, once.
func (n *notifier) wake(key string) {
	n.mu.Lock()
	ws := n.waiters[key]
	delete(n.waiters, key)
	n.mu.Unlock()
	for w := range ws {
		w.f()
	}
}

func (n *notifier) close() {
	n.mu.Lock()
	n.closed = true
	sub := n.sub
	n.mu.Unlock()
	if sub != nil {
		_ = sub.Close()
	}
	n.wg.Wait()
}
