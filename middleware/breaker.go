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
// worker; failure pauses again. A pause is logged when it begins, again
// every remind while it lasts (with the syncs waiting), and once when it
// ends.
type breaker struct {
	threshold int
	cooldown  time.Duration
	limit     time.Duration // caps a Retry-After that lengthens a pause
	remind    time.Duration // how often a pause that lasts is logged again
	afterFunc func(time.Duration, func()) func() bool
	waiting   func() int // the syncs waiting: the engine's pending jobs; called without mu
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

	// The pause as operators see it: from the failure that began it to the
	// call that ended it, however many probes failed between.
	reason     Reason    // why: the failure's (unauthorized: the credentials)
	fix        string    // what to do about it, if the configuration is at fault
	since      time.Time // zero when not paused
	episode    int       // identifies the pause to its reminder
	stopRemind func() bool
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

func newBreaker(c *config, waiting func() int, log *slog.Logger) *breaker {
	return &breaker{threshold: c.pauseAfter, cooldown: c.pauseFor, limit: c.retryMax, remind: c.pauseReminder,
		afterFunc: c.afterFunc, waiting: waiting, log: log, wake: make(chan struct{})}
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
	resumed, since := b.record(probe, r, err)
	b.mu.Unlock()
	if resumed {
		b.log.Info("middleware: API calls resumed", "paused_for", roundDuration(time.Since(since)), "waiting", b.waiting())
	}
}

// record is done's work under mu; it reports whether the call ended a pause
// begun at since.
func (b *breaker) record(probe bool, r result, err error) (resumed bool, since time.Time) {
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
			resumed, since = true, b.since
			b.endEpisode()
		}
	case transient:
		b.failures++
		if b.paused && probe {
			b.pause(retryAfter(err))
		} else if !b.paused && b.failures >= b.threshold {
			b.pause(retryAfter(err))
			b.beginEpisode(Classify(err), "")
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
				b.beginEpisode(Classify(err), "give the API's base URL with its version path, e.g. https://api.engagespot.co/v3")
				b.log.Error("middleware: API calls paused: the API answered 404 to a user upsert, so the base URL is wrong",
					append([]any{"fix", b.fix, "cooldown", b.cooldown}, causeAttrs(err)...)...)
			} else {
				b.beginEpisode(Classify(err), "check the API key and secret (ENGAGESPOT_API_KEY, ENGAGESPOT_API_SECRET)")
				b.log.Error("middleware: API calls paused: credentials rejected",
					append([]any{"fix", b.fix, "cooldown", b.cooldown}, causeAttrs(err)...)...)
			}
			b.log.Debug("middleware: why API calls stopped", "err", err)
		}
	}
	return resumed, since
}

// beginEpisode records why a pause began, and schedules its reminder; mu is
// held.
func (b *breaker) beginEpisode(reason Reason, fix string) {
	b.reason, b.fix, b.since = reason, fix, time.Now()
	b.episode++
	b.scheduleReminder()
}

// endEpisode forgets the pause that ended; mu is held.
func (b *breaker) endEpisode() {
	b.reason, b.fix, b.since = "", "", time.Time{}
	if b.stopRemind != nil {
		b.stopRemind()
		b.stopRemind = nil
	}
}

// scheduleReminder logs the pause again after remind, if it still lasts;
// mu is held.
func (b *breaker) scheduleReminder() {
	if b.closed || b.remind <= 0 {
		return
	}
	episode := b.episode
	b.stopRemind = b.afterFunc(b.remind, func() { b.remindOf(episode) })
}

// remindOf logs that the pause episode still lasts, and schedules the next
// reminder.
func (b *breaker) remindOf(episode int) {
	b.mu.Lock()
	if !b.paused || b.episode != episode || b.closed {
		b.mu.Unlock()
		return
	}
	reason, fix, since := b.reason, b.fix, b.since
	b.scheduleReminder()
	b.mu.Unlock()
	attrs := []any{"reason", string(reason), "paused_for", roundDuration(time.Since(since)), "waiting", b.waiting()}
	if fix != "" {
		attrs = append(attrs, "fix", fix)
	}
	b.log.Warn("middleware: API calls still paused", attrs...)
}

// roundDuration rounds d for a log line: to the second, or the millisecond
// below one.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
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

// state reports whether calls are paused, why, and since when.
func (b *breaker) state() (paused bool, reason Reason, since time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.paused, b.reason, b.since
}

// close cancels a pending cool-down, and any later one, so that no timer
// outlives the engine.
func (b *breaker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.stop()
	if b.stopRemind != nil {
		b.stopRemind()
		b.stopRemind = nil
	}
}
