package middleware

import "time"

// Seams for the external tests, compiled into the test binary only, so that
// retries, pauses and TTLs are driven by the test instead of by the wall clock.

// WithAfterFunc replaces time.AfterFunc for retries and pauses; f must never
// call fn on the caller's goroutine.
func WithAfterFunc(f func(d time.Duration, fn func()) (stop func() bool)) Option {
	return func(c *config) error { c.afterFunc = f; return nil }
}

// WithRandN replaces rand.Int64N for backoff jitter and TTL spread.
func WithRandN(f func(n int64) int64) Option {
	return func(c *config) error { c.randN = f; return nil }
}

// WithManualClock makes the TTL clock move only when advance is called.
func WithManualClock() (opt Option, advance func(time.Duration)) {
	clk := new(clock)
	return func(c *config) error { c.clock = clk; return nil }, clk.advance
}
