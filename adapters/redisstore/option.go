package redisstore

import (
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/autoidentify/autoidentify/internal/options"
)

const (
	// DefaultPrefix starts every key the Store writes.
	DefaultPrefix = "autoidentify:"
	// DefaultTTL is how long a synced fingerprint is remembered. It matches
	// the middleware's local cache TTL, so the fleet re-syncs a user about as
	// often as a single instance would.
	DefaultTTL = 24 * time.Hour
	// DefaultLeaseTTL is how long a lease outlives its holder's last sign
	// of life: the Store renews its leases a third of it apart while their
	// syncs run (up to a minute), so an instance dying mid-sync holds the
	// user back for at most this long, however long API calls take.
	DefaultLeaseTTL = 5 * time.Second
	// DefaultTimeout bounds each call to Redis.
	DefaultTimeout = 250 * time.Millisecond
	// DefaultCooldown is how long the Store skips Redis after a failure
	// before it lets one call through to probe it again.
	DefaultCooldown = 5 * time.Second
)

// Option configures a Store.
type Option func(*config) error

type config struct {
	prefix   string
	ttl      time.Duration
	leaseTTL time.Duration
	timeout  time.Duration
	cooldown time.Duration
	logger   *slog.Logger
	now      func() time.Time
	randN    func(int64) int64 // the records' TTL jitter
}

func defaultConfig() config {
	return config{
		prefix:   DefaultPrefix,
		ttl:      DefaultTTL,
		leaseTTL: DefaultLeaseTTL,
		timeout:  DefaultTimeout,
		cooldown: DefaultCooldown,
		logger:   slog.Default(),
		now:      time.Now,
		randN:    rand.Int64N,
	}
}

// WithPrefix sets the namespace every key starts with, so several apps (or
// environments) can share one Redis. It must not be empty and must not
// contain '{' or '}': the Store places its own Redis Cluster hash tags.
// Default: DefaultPrefix.
func WithPrefix(prefix string) Option {
	return func(c *config) error {
		switch {
		case prefix == "":
			return options.Error("Prefix", "empty: keys must be namespaced")
		case strings.ContainsAny(prefix, "{}"):
			return options.Error("Prefix", "contains '{' or '}', which would break the hash tags")
		}
		c.prefix = prefix
		return nil
	}
}

// WithTTL sets how long a synced fingerprint is remembered by the fleet; set
// it to the middleware's cache TTL. Default: DefaultTTL.
func WithTTL(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond {
			return options.Error("TTL", "%s: must be at least 1ms", d)
		}
		c.ttl = d
		return nil
	}
}

// WithLeaseTTL sets how long one instance may hold the right to sync a user.
// It should outlive one API attempt (the middleware's attempt timeout); its
// expiry is what frees a user whose syncing instance died.
// Default: DefaultLeaseTTL.
func WithLeaseTTL(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond {
			return options.Error("LeaseTTL", "%s: must be at least 1ms", d)
		}
		c.leaseTTL = d
		return nil
	}
}

// WithTimeout bounds each call to Redis; past it the call fails with
// ErrUnavailable. Default: DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return options.Error("Timeout", "%s: must be positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithCooldown sets how long the Store answers ErrUnavailable at once, without
// touching the network, after Redis failed; then one call probes it again.
// Default: DefaultCooldown.
func WithCooldown(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return options.Error("Cooldown", "%s: must not be negative", d)
		}
		c.cooldown = d
		return nil
	}
}

// WithLogger logs the switch to local-only mode when Redis fails (Warn),
// with the error, and the switch back when it answers again: one line each,
// never one per call. go-redis's own lines (its dial failures) go there too,
// at Debug, rather than to standard error: go-redis has one logger for the
// whole process, which New points at the logger of the Store made last.
// WithLogger(nil) is silent, go-redis included. Default: slog.Default() as
// New finds it.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}
