package engagespot

import (
	"context"
	"time"
)

// SetClock replaces the clock Retry-After dates and batch pauses read.
func SetClock(c *Client, now func() time.Time) { c.now = now }

// SetSleep replaces how a batch waits out a pause.
func SetSleep(c *Client, sleep func(ctx context.Context, d time.Duration) error) { c.sleep = sleep }

// SetSignerClock replaces the clock that sets a token's iat.
func SetSignerClock(s *TokenSigner, now func() time.Time) { s.now = now }

// What the tests check of the client's unexported constants and helpers.
const (
	Version      = version
	UserAgent    = userAgent
	MaxErrorBody = maxErrorBody
)

var ParseRetryAfter = parseRetryAfter
