package middleware

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// Defaults, each set by the option named after it (WithBackoff sets the
// retry ones, WithPause the pause ones).
const (
	// DefaultCacheSize is how many synced users the cache remembers. Each
	// costs about 150 bytes (149 measured at 1M users), whatever the identifier's length.
	DefaultCacheSize = 100_000
	// DefaultTTL is how long a synced user is remembered before the next
	// request syncs them again, in case their Engagespot profile was changed
	// or deleted elsewhere.
	DefaultTTL = 24 * time.Hour
	// DefaultQueueSize is how many users may wait for a sync at once.
	DefaultQueueSize = 10_000
	// DefaultWorkers is how many API calls may be in flight at once.
	DefaultWorkers = 4
	// DefaultAttemptTimeout bounds one API call.
	DefaultAttemptTimeout = 10 * time.Second
	// DefaultMaxAttempts is a job's retry budget: API calls per sync.
	DefaultMaxAttempts = 5
	// DefaultRetryBase is the ceiling of the first backoff; it doubles on
	// each retry.
	DefaultRetryBase = 500 * time.Millisecond
	// DefaultRetryMax caps every wait between attempts, including one a
	// Retry-After header asks for.
	DefaultRetryMax = time.Minute
	// DefaultPauseAfter is how many transient failures in a row pause all
	// API calls.
	DefaultPauseAfter = 5
	// DefaultPauseFor is how long a pause lasts before one call probes
	// whether the API is back.
	DefaultPauseFor = 30 * time.Second
	// DefaultPauseReminder is how often a pause that lasts is logged again.
	DefaultPauseReminder = time.Minute
)

// An Option configures New or With. Most configure the whole middleware and
// are refused by With; WithExtractor, WithSync, WithRequired and
// WithUnauthorized configure how requests are handled: given to New, for
// every route; given to With, for one route or group.
type Option func(*config) error

type config struct {
	route          route
	routesOnly     bool // applied by With: an option of the whole middleware is refused
	logger         *slog.Logger
	logIdentifiers bool
	cacheSize      int
	ttl            time.Duration
	queueSize      int
	workers        int
	attemptTimeout time.Duration
	maxAttempts    int
	retryBase      time.Duration
	retryMax       time.Duration
	pauseAfter     int
	pauseFor       time.Duration
	pauseReminder  time.Duration
	secure         bool
	signer         TokenSigner
	store          Store
	loader         ProfileLoader
	onOutcome      []func(context.Context, Outcome)
	onAttempt      []func(context.Context, Attempt)
	jobContext     func(req, job context.Context) context.Context
	attemptContext []func(ctx context.Context, identifier string, attempt int) context.Context

	// Seams for tests, so retries and TTLs never wait for real.
	clock     *clock                                             // nil: a real coarse clock
	afterFunc func(d time.Duration, f func()) (stop func() bool) // time.AfterFunc
	randN     func(n int64) int64                                // rand.Int64N
}

func defaultConfig() config {
	return config{
		route:          route{sync: true},
		logger:         slog.Default(),
		cacheSize:      DefaultCacheSize,
		ttl:            DefaultTTL,
		queueSize:      DefaultQueueSize,
		workers:        DefaultWorkers,
		attemptTimeout: DefaultAttemptTimeout,
		maxAttempts:    DefaultMaxAttempts,
		retryBase:      DefaultRetryBase,
		retryMax:       DefaultRetryMax,
		pauseAfter:     DefaultPauseAfter,
		pauseFor:       DefaultPauseFor,
		pauseReminder:  DefaultPauseReminder,
		afterFunc:      func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop },
		randN:          rand.Int64N,
	}
}

// global is an option of the whole middleware, which With refuses: a route
// shares its Middleware's cache, queue and workers.
func global(field string, set func(*config) error) Option {
	return func(c *config) error {
		if c.routesOnly {
			return options.Error(field, "configures the whole middleware: give it to New, not With")
		}
		return set(c)
	}
}

func positive[T int | time.Duration](field string, v T) error {
	if v <= 0 {
		return options.Error(field, "%v: must be positive", v)
	}
	return nil
}

// WithExtractor sets how requests name their user. A nil extractor restores
// the default. Default: identity.InContext, for a user an earlier
// middleware put in the request context.
func WithExtractor(ex identity.Extractor) Option {
	return func(c *config) error { c.route.extractor = ex; return nil }
}

// WithSync(false) makes a route identify its users without syncing them:
// the identity still reaches the context. Secure mode turns sync off
// everywhere. Default: true.
func WithSync(sync bool) Option {
	return func(c *config) error { c.route.sync = sync; return nil }
}

// WithRequired(true) makes a route answer 401 to requests without a valid
// identity instead of passing them on. Default: false.
func WithRequired(required bool) Option {
	return func(c *config) error { c.route.required = required; return nil }
}

// WithUnauthorized makes h answer, instead of the default, the requests a
// route refuses for want of a user: on a route WithRequired, and those of
// its TokenHandler. ErrorFromContext(r.Context()) says why, if a credential
// was rejected. nil restores the default. Default: 401 with
// WWW-Authenticate: Bearer (RFC 6750; error="invalid_token" when a
// credential was rejected) and {"error":"unauthorized"}.
func WithUnauthorized(h http.Handler) Option {
	return func(c *config) error { c.route.unauthorized = h; return nil }
}

// WithLogger sets where the middleware logs: pauses of the API (Error) and
// its resumption, syncs that failed for good (Warn), the queue filling up, a
// route that never sees a user, panics. Nothing is logged for a request
// whose user is already synced, and no secret is logged; nor, at Info and
// above, personal data: a user is named by user_hash (identity.ShortHash)
// unless WithLogIdentifiers, and a failure by its reason and status, the
// API's answer (which may echo an email or a phone number) at Debug only.
// WithLogger(nil) is silent. Default: slog.Default() as New finds it, so
// that a misconfigured app says so in the log it already watches.
func WithLogger(l *slog.Logger) Option {
	return global("Logger", func(c *config) error { c.logger = l; return nil })
}

// WithLogIdentifiers logs users by their identifier (user=...) rather than
// by its hash (user_hash=...), for apps whose identifiers are no personal
// data, or whose logs may hold it. Default: false.
func WithLogIdentifiers(raw bool) Option {
	return global("LogIdentifiers", func(c *config) error { c.logIdentifiers = raw; return nil })
}

// WithCacheSize sets how many users are remembered: n, exactly, however they
// spread over the cache's shards (Stats.Cached and Stats.CacheSize tell how
// full it is). Beyond n, a newcomer evicts the least recently synced user of
// its shard, which is among the least recently synced of the whole cache:
// approximately LRU. Default: DefaultCacheSize.
func WithCacheSize(n int) Option {
	return global("CacheSize", func(c *config) error { c.cacheSize = n; return positive("CacheSize", n) })
}

// WithTTL sets how long a synced user is remembered before being synced
// again; it is checked to the second. Default: DefaultTTL.
func WithTTL(d time.Duration) Option {
	return global("TTL", func(c *config) error { c.ttl = d; return positive("TTL", d) })
}

// WithQueueSize sets how many users may wait for a sync at once (queued,
// being synced or waiting to retry). When it is full, new users are dropped,
// counted, and tried again on their next request. Default: DefaultQueueSize.
func WithQueueSize(n int) Option {
	return global("QueueSize", func(c *config) error { c.queueSize = n; return positive("QueueSize", n) })
}

// WithWorkers sets how many API calls may be in flight at once, whatever
// the load. Default: DefaultWorkers.
func WithWorkers(n int) Option {
	return global("Workers", func(c *config) error { c.workers = n; return positive("Workers", n) })
}

// WithAttemptTimeout bounds each API call. Default: DefaultAttemptTimeout.
func WithAttemptTimeout(d time.Duration) Option {
	return global("AttemptTimeout", func(c *config) error { c.attemptTimeout = d; return positive("AttemptTimeout", d) })
}

// WithMaxAttempts sets how many API calls one sync may make; 1 means no
// retry. Default: DefaultMaxAttempts.
func WithMaxAttempts(n int) Option {
	return global("MaxAttempts", func(c *config) error { c.maxAttempts = n; return positive("MaxAttempts", n) })
}

// WithBackoff sets the waits between attempts: a random duration up to
// base·2ⁿ (full jitter), never more than max; a Retry-After header raises
// the wait to what it asks, up to max. Default: DefaultRetryBase,
// DefaultRetryMax.
func WithBackoff(base, max time.Duration) Option {
	return global("Backoff", func(c *config) error {
		c.retryBase, c.retryMax = base, max
		if err := positive("Backoff", base); err != nil {
			return err
		}
		if max < base {
			return options.Error("Backoff", "max %v is below base %v", max, base)
		}
		return nil
	})
}

// WithPause sets when all API calls pause: after this many transient
// failures in a row (or at once when the API rejects the credentials), for
// this long, before one call probes whether the API is back. Default:
// DefaultPauseAfter, DefaultPauseFor.
func WithPause(after int, cooldown time.Duration) Option {
	return global("Pause", func(c *config) error {
		c.pauseAfter, c.pauseFor = after, cooldown
		if err := positive("Pause", after); err != nil {
			return err
		}
		return positive("Pause", cooldown)
	})
}

// WithPauseReminder sets how often a pause that lasts is logged again, at
// Warn, with its reason, how long it has lasted, the syncs waiting and, for a
// rejected configuration, the fix. The pause's start (Error) and its end
// (Info, with what was waiting) are logged once each. Default:
// DefaultPauseReminder.
func WithPauseReminder(every time.Duration) Option {
	return global("PauseReminder", func(c *config) error { c.pauseReminder = every; return positive("PauseReminder", every) })
}

// WithSecureMode(true) mirrors Engagespot's secure mode: requests are still
// identified, but no user is created automatically; Ensure creates users
// explicitly, and TokenHandler gives the front-end its user token, so a
// TokenSigner is required. Default: false.
func WithSecureMode(on bool) Option {
	return global("SecureMode", func(c *config) error { c.secure = on; return nil })
}

// WithTokenSigner sets what mints user tokens for TokenHandler
// (adapters/engagespot's TokenSigner); TokenHandler panics without one.
// Default: none.
func WithTokenSigner(s TokenSigner) Option {
	return global("TokenSigner", func(c *config) error {
		if s == nil {
			return options.Error("TokenSigner", "nil")
		}
		c.signer = s
		return nil
	})
}

// WithStore shares synced users and sync leases with a fleet of instances
// (adapters/redisstore), so a user is synced once per fleet rather than once per
// instance. When the Store fails, each instance goes on alone. Default: none.
func WithStore(s Store) Option {
	return global("Store", func(c *config) error {
		if s == nil {
			return options.Error("Store", "nil")
		}
		c.store = s
		return nil
	})
}

// WithOutcomeHook adds a function called once per job with its terminal
// outcome: synced, dropped or failed for good. It runs on the goroutine that
// settled the job (a worker, or the request that was dropped), outside every
// lock, and must return quickly. Default: none.
func WithOutcomeHook(f func(ctx context.Context, o Outcome)) Option {
	return global("OutcomeHook", func(c *config) error {
		if f == nil {
			return options.Error("OutcomeHook", "nil")
		}
		c.onOutcome = append(c.onOutcome, f)
		return nil
	})
}

// WithAttemptHook adds a function called after each API call, on the worker
// that made it, outside every lock; it must return quickly. Its ctx is the
// job's, as WithAttemptContext derived it for this call. Default: none.
func WithAttemptHook(f func(ctx context.Context, a Attempt)) Option {
	return global("AttemptHook", func(c *config) error {
		if f == nil {
			return options.Error("AttemptHook", "nil")
		}
		c.onAttempt = append(c.onAttempt, f)
		return nil
	})
}

// WithJobContext lets a job carry something from the request that started
// it, such as a trace link: f gets the request's context and the job's, and
// returns the job's context with what it needs added. It must return job or
// a context derived from it, never req: a job outlives its request. It is
// called on the miss path only and must return quickly. The result reaches
// the Directory, the Store and the hooks. Given several times (tracing, and
// the app's own), the functions run in that order, each given the job context
// the one before returned. Default: none.
func WithJobContext(f func(req, job context.Context) context.Context) Option {
	return global("JobContext", func(c *config) error {
		if f == nil {
			return options.Error("JobContext", "nil")
		}
		if prev := c.jobContext; prev != nil {
			c.jobContext = func(req, job context.Context) context.Context { return f(req, prev(req, job)) }
			return nil
		}
		c.jobContext = f
		return nil
	})
}

// WithAttemptContext adds a function called before each API call, on the
// worker about to make it, that derives the context the call gets from the
// job's: a span started there (tracing) is the parent of the Directory's own
// spans, an otelhttp transport's say. f gets the user's identifier and the
// call's number in the job (1 for the first), and must return ctx or a
// context derived from it. The Directory gets the result with the call's
// timeout added; the attempt hooks get it as is, so that they can end what f
// started. Given several times, the functions run in that order, each given
// the context the one before returned. A panic in f fails the call as one
// in Directory.Upsert does; the hooks still run. Default: none.
func WithAttemptContext(f func(ctx context.Context, identifier string, attempt int) context.Context) Option {
	return global("AttemptContext", func(c *config) error {
		if f == nil {
			return options.Error("AttemptContext", "nil")
		}
		c.attemptContext = append(c.attemptContext, f)
		return nil
	})
}
