package redisstore

import (
	"sync"
	"time"
)

// breaker keeps a dead or slow Redis from costing a timeout on every call.
// After a failure it opens: calls are refused at once, without touching the
// network, until the cooldown has passed; then one call at a time goes
// through as a probe, and the first probe that succeeds closes it again.
//
// It reports only transitions, so the Store logs once when Redis goes away
// and once when it comes back, never once per call.
type breaker struct {
	cooldown time.Duration
	now      func() time.Time

	mu      sync.Mutex
	open    bool      // Redis failed and no probe has succeeded since
	retryAt time.Time // when open: the earliest time a probe may start
	probing bool      // when open: a probe is in flight
	writing bool      // when open: a write is in flight (see admitWrite)
}

// admit reports whether a call may go to Redis now, and whether that call is
// the probe of an open breaker (whose outcome decides whether it closes).
func (b *breaker) admit() (ok, probe bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return true, false
	}
	if b.probing || b.now().Before(b.retryAt) {
		return false, false
	}
	b.probing = true
	return true, true
}

// succeeded records an admitted call that worked. It reports true when that
// closed the breaker. A call admitted before the breaker opened proves
// nothing about Redis now, so only the probe closes it.
func (b *breaker) succeeded(probe bool) (recovered bool) {
	if !probe {
		return false // fast path: nothing to change unless we were the probe
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	recovered = b.open
	b.open, b.probing = false, false
	return recovered
}

// admitWrite reports whether a write that settles a sync (Done, Release)
// may go to Redis now: always while the breaker is closed; while it is open,
// one at a time, whatever the cooldown, so that a lease is settled as soon
// as Redis answers again while a dead Redis costs one timeout at a time.
// open says whether the write is one of those; it must call wrote after.
func (b *breaker) admitWrite() (ok, open bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		return true, false
	case b.writing:
		return false, true
	}
	b.writing = true
	return true, true
}

// wrote ends a write admitted while the breaker was open. A success proves
// Redis is back, as a probe's does: it reports true when it closed the
// breaker.
func (b *breaker) wrote(ok bool) (recovered bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writing = false
	if !ok {
		return false
	}
	recovered = b.open
	b.open, b.probing = false, false
	return recovered
}

// failed records an admitted call that failed. It reports true when that
// opened the breaker.
func (b *breaker) failed(probe bool) (tripped bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		b.open, b.retryAt = true, b.now().Add(b.cooldown)
		return true
	case probe:
		b.probing, b.retryAt = false, b.now().Add(b.cooldown)
	}
	return false
}

// abandoned records an admitted call whose caller gave up (its context ended
// first): that says nothing about Redis, but a probe must let the next one go.
func (b *breaker) abandoned(probe bool) {
	if !probe {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}
