package auth0claims

import "time"

// WithCacheClock sets the cache's clock, for tests.
func WithCacheClock(now func() time.Time) CacheOption {
	return func(c *cacheConfig) error {
		c.now = now
		return nil
	}
}
