package redis

import (
	"context"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// The channels, under the Store's prefix: Done and Release publish a user's
// synced key on the first, Forget a user's identifier on the second.
const (
	channelKind = "done"
	forgetKind  = "forget"
)

// notifier wakes the callers waiting for a user's lease holder to finish,
// and tells the OnForget functions who was forgotten: one subscription per
// Store, to the two channels, opened when the first caller waits or
// registers. While it is down (Redis is, or the subscription failed)
// waiters are simply not woken, and the middleware polls as it would
// without it; a forget is missed, and that instance syncs the user again
// when its cache entry expires.
type notifier struct {
	client   goredis.UniversalClient
	channel  string // the done channel, which Done and Release publish on
	forget   string // the forget channel, which Forget publishes on
	timeout  time.Duration
	cooldown time.Duration
	now      func() time.Time

	mu      sync.Mutex
	sub     *goredis.PubSub
	retryAt time.Time // after a failed subscribe: none before
	waiters map[string]map[*waiter]struct{}
	forgets map[*forgetter]struct{}
	closed  bool
	wg      sync.WaitGroup
}

type waiter struct{ f func() }

type forgetter struct{ f func(identifier string) }

// NotifyDone calls f once, soon after identifier's lease holder (on any
// instance) calls Done or Release; stop cancels it. It implements
// middleware.StoreNotifier. The first call subscribes, which costs one
// round trip; if Redis cannot be reached, f is never called and the
// middleware polls.
func (s *Store) NotifyDone(identifier string, f func()) (stop func()) {
	return s.notifier.add(s.keys(identifier)[0], f)
}

// OnForget calls f, from the subscription's goroutine, with each identifier
// any instance sharing the Store forgets (Forget), until stop or Close; f
// returns quickly. It implements middleware.StoreDeleter: the middleware
// drops such a user from its cache, so a deleted user who comes back is
// created again at once. It subscribes now, if Redis answers; a
// subscription that failed is tried again when NotifyDone or OnForget is
// next called.
func (s *Store) OnForget(f func(identifier string)) (stop func()) {
	n := &s.notifier
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return func() {}
	}
	r := &forgetter{f: f}
	n.forgets[r] = struct{}{}
	n.subscribedLocked()
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.forgets, r)
	}
}

// Close ends the subscription NotifyDone opened, if any. Close the Store
// after the middleware that uses it; the client stays the application's.
func (s *Store) Close() error {
	s.notifier.close()
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
	sub := n.client.Subscribe(ctx, n.channel, n.forget)
	for range 2 { // one confirmation per channel
		if _, err := sub.Receive(ctx); err != nil {
			_ = sub.Close()
			n.retryAt = n.now().Add(n.cooldown)
			return false
		}
	}
	n.sub = sub
	n.waiters = make(map[string]map[*waiter]struct{})
	ch := sub.Channel()
	n.wg.Go(func() {
		for msg := range ch { // closed by sub.Close
			if msg.Channel == n.forget {
				n.forgot(msg.Payload)
			} else {
				n.wake(msg.Payload)
			}
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

// forgot calls, outside the lock, every OnForget function.
func (n *notifier) forgot(identifier string) {
	n.mu.Lock()
	fs := make([]func(string), 0, len(n.forgets))
	for r := range n.forgets {
		fs = append(fs, r.f)
	}
	n.mu.Unlock()
	for _, f := range fs {
		f(identifier)
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
