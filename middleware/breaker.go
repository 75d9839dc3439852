package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"sync"
	"time"
)

// breaker pauses API calls when the API is clearly down (many transient
// failures in a row) or rejects the credentials, rather than hammering it:
// workers wait at the breaker, keeping their jobs, until a cool-down has
// passed; then one call, the probe, tests the API. Success resumes every
// worker; failure pauses again. A pause and a resumption are logged once.
type breaker struct {
	threshold int
	cooldown  time.Duration
	limit     time.Duration // caps a Retry-After that lengthens a pause
	afterFunc func(time.Duration, func()) func() bool
	log       *slog.Logger

	mu        sync.Mutex
	failures  int  // transient failures in a row
	paused    bool // calls wait
	probeDue  bool // the cool-down has passed: one call may probe
	probing   bool // the probe is under way
	wake      chan struct{}
	stopTimer func() bool
	pauses    int  // identifies the current pause to its timer
	closed    bool // no timer may be started
}

// result is what one pass through the breaker came to.
type result int

const (
	noCall              result = iota // no call reached the API (the Store answered, the Directory refused the profile itself)
	reachable                         // the API answered: success, or a refusal of this one user
	transient                         // worth retrying: the API may be down
	rejectedCredentials               // or a wrong URL: only a fix of the configuration helps
)

// resultOf says what an API call that returned err tells about the API
// (Classify, for metrics, says why a job failed).
func resultOf(err error) result {
	switch {
	case err == nil:
		return reachable
	case misconfigured(err):
		return rejectedCredentials
	case refusedLocally(err):
		return noCall
	}
	if status, ok := httpStatus(err); ok && status != 0 && !retryable(err) {
		return reachable // it answered, refusing one user
	}
	return transient // no answer, or one worth retrying
}

// pass is one trip through the breaker: a wait that let a call go, to be
// followed by exactly one done.
type pass struct {
	b     *breaker
	probe bool
	ended bool
}

// end tells the breaker what the pass came to; later calls do nothing.
func (p *pass) end(r result, err error) {
	if !p.ended {
		p.ended = true
		p.b.done(p.probe, r, err)
	}
}

func newBreaker(threshold int, cooldown, limit time.Duration, afterFunc func(time.Duration, func()) func() bool, log *slog.Logger) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, limit: limit, afterFunc: afterFunc, log: log, wake: make(chan struct{})}
}

// wait returns when a call may go: at once unless paused; when paused, after
// the cool-down, to one caller at a time (probe is then true). It returns
// ctx's error if ctx ends first.
func (b *breaker) wait(ctx context.Context) (probe bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	for {
		b.mu.Lock()
		switch {
		case !b.paused:
			b.mu.Unlock()
			return false, nil
		case b.probeDue && !b.probing:
			b.probing = true
			b.mu.Unlock()
			return true, nil
		}
		wake := b.wake
		b.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// done records what a pass through the breaker came to; every wait that
// returned without error is followed by exactly one done.
func (b *breaker) done(probe bool, r result, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	switch r {
	case noCall:
		if probe {
			b.broadcast() // let another call probe
		}
	case reachable:
		b.failures = 0
		if b.paused {
			b.paused = false
			b.stop()
			b.broadcast()
			b.log.Info("middleware: API calls resumed")
		}
	case transient:
		b.failures++
		if b.paused && probe {
			b.pause(retryAfter(err))
		} else if !b.paused && b.failures >= b.threshold {
			b.pause(retryAfter(err))
			b.log.Error("middleware: API calls paused: failing repeatedly",
				append([]any{"failures", b.failures, "cooldown", b.cooldownFor(retryAfter(err))}, causeAttrs(err)...)...)
			b.log.Debug("middleware: why API calls stopped", "err", err)
		}
	case rejectedCredentials:
		if b.paused && probe {
			b.pause(0)
		} else if !b.paused {
			b.pause(0)
			if notFound(err) { // to an upsert: the wrong URL
				b.log.Error("middleware: API calls paused: the API answered 404 to a user upsert, so the base URL is wrong",
					append([]any{"fix", "give the API's base URL with its version path, e.g. https://api.engagespot.co/v3",
						"cooldown", b.cooldown}, causeAttrs(err)...)...)
			} else {
				b.log.Error("middleware: API calls paused: credentials rejected",
					append([]any{"fix", "check the API key and secret (ENGAGESPOT_API_KEY, ENGAGESPOT_API_SECRET)",
						"cooldown", b.cooldown}, causeAttrs(err)...)...)
			}
			b.log.Debug("middleware: why API calls stopped", "err", err)
		}
	}
}

// causeAttrs says why a call failed without what may be personal data: the
// reason and the HTTP status, or for a call that got no answer the
// transport's error without its URL (which names the user). The error
// itself, which may quote the API's answer, goes to Debug.
func causeAttrs(err error) []any {
	attrs := []any{"reason", string(Classify(err))}
	var ue *url.Error
	if status, ok := httpStatus(err); ok && status > 0 {
		attrs = append(attrs, "status", status)
	} else if errors.As(err, &ue) {
		attrs = append(attrs, "cause", ue.Err.Error())
	}
	return attrs
}

func (b *breaker) cooldownFor(asked time.Duration) time.Duration {
	return max(b.cooldown, min(asked, b.limit))
}

// pause starts (or restarts) a cool-down; b.mu is held.
func (b *breaker) pause(asked time.Duration) {
	b.paused, b.probeDue = true, false
	b.stop()
	if b.closed {
		return
	}
	b.pauses++
	pause := b.pauses
	b.stopTimer = b.afterFunc(b.cooldownFor(asked), func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.paused && b.pauses == pause { // not a stale timer that fired as it was stopped
			b.probeDue = true
			b.broadcast()
		}
	})
}

// broadcast wakes every waiter; b.mu is held.
func (b *breaker) broadcast() {
	close(b.wake)
	b.wake = make(chan struct{})
}

// stop cancels a pending cool-down; b.mu is held.
func (b *breaker) stop() {
	if b.stopTimer != nil {
		b.stopTimer()
		b.stopTimer = nil
	}
}

func (b *breaker) isPaused() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.paused
}

// close cancels a pending cool-down, and any later one, so that no timer
// outlives the engine.
func (b *breaker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.stop()
}
