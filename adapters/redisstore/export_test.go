package redisstore

import "time"

// WithClock replaces time.Now for the cooldown, so tests never wait it out.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		c.now = now
		return nil
	}
}
