package jwks

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/publickey"
)

// Defaults, each set by the option named after it.
const (
	// DefaultRefreshInterval is how often the key set is fetched anew.
	DefaultRefreshInterval = time.Hour
	// DefaultRefreshRateLimit is the least time between two fetches
	// caused by tokens with an unknown key id.
	DefaultRefreshRateLimit = 5 * time.Minute
	// DefaultTimeout bounds one fetch of the key set.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxSize is the largest key set accepted, in bytes.
	DefaultMaxSize = 1 << 20
)

// Option configures New.
type Option func(*config) error

type config struct {
	client      *http.Client
	interval    time.Duration
	rateLimit   time.Duration
	timeout     time.Duration
	maxSize     int64
	logger      *slog.Logger
	algorithms  []string
	requireInit bool
}

// WithHTTPClient fetches the key set with c. Its Transport is wrapped to
// cap the response size, refuse redirects and carry the URL's credentials;
// its CheckRedirect is not used, and c itself is not modified.
// Default: a client of its own, with a clone of http.DefaultTransport.
func WithHTTPClient(c *http.Client) Option {
	return func(cfg *config) error {
		if c == nil {
			return &identity.ConfigError{Field: "HTTPClient", Err: errors.New("nil client")}
		}
		cfg.client = c
		return nil
	}
}

// WithRefreshInterval fetches the key set every d, so that revoked keys go.
// Default: DefaultRefreshInterval (1h).
func WithRefreshInterval(d time.Duration) Option {
	return func(cfg *config) error {
		if d <= 0 {
			return &identity.ConfigError{Field: "RefreshInterval", Err: fmt.Errorf("%v: must be positive", d)}
		}
		cfg.interval = d
		return nil
	}
}

// WithRefreshRateLimit fetches the key set at most once every d because
// a token named an unknown key id (a rotation, or garbage). A token that finds
// the limit spent is rejected at once rather than waiting.
// Default: DefaultRefreshRateLimit (5m).
func WithRefreshRateLimit(d time.Duration) Option {
	return func(cfg *config) error {
		if d <= 0 {
			return &identity.ConfigError{Field: "RefreshRateLimit", Err: fmt.Errorf("%v: must be positive", d)}
		}
		cfg.rateLimit = d
		return nil
	}
}

// WithTimeout bounds one fetch of the key set, and so the longest a
// request with a new key id can wait for it.
// Default: DefaultTimeout (10s).
func WithTimeout(d time.Duration) Option {
	return func(cfg *config) error {
		if d <= 0 {
			return &identity.ConfigError{Field: "Timeout", Err: fmt.Errorf("%v: must be positive", d)}
		}
		cfg.timeout = d
		return nil
	}
}

// WithMaxSize refuses a key set larger than n bytes.
// Default: DefaultMaxSize (1 MiB).
func WithMaxSize(n int64) Option {
	return func(cfg *config) error {
		if n <= 0 {
			return &identity.ConfigError{Field: "MaxSize", Err: fmt.Errorf("%d: must be positive", n)}
		}
		cfg.maxSize = n
		return nil
	}
}

// WithLogger logs failed fetches of the key set at Error level; nil is
// silent. Default: slog.Default() as New finds it.
func WithLogger(l *slog.Logger) Option {
	return func(cfg *config) error {
		cfg.logger = l
		return nil
	}
}

// WithAlgorithms narrows the algorithms accepted from the key set, e.g.
// to RS256 alone. HMAC algorithms are never accepted from a key set.
// Default: RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA.
func WithAlgorithms(algs ...string) Option {
	return func(cfg *config) error {
		if len(algs) == 0 {
			return &identity.ConfigError{Field: "Algorithms", Err: errors.New("empty list")}
		}
		for _, a := range algs {
			if !slices.Contains(publickey.Algorithms, a) {
				return &identity.ConfigError{Field: "Algorithms", Err: fmt.Errorf("%q is not a public-key algorithm", a)}
			}
		}
		cfg.algorithms = append([]string(nil), algs...)
		return nil
	}
}

// WithRequireInitialFetch makes New fail when the first fetch of the key
// set fails, instead of starting with no keys and fetching again when the
// first token with a key id arrives (within the rate limit; tokens without
// a kid wait for the periodic refresh).
// Default: off, so an identity provider that is down does not stop the app.
func WithRequireInitialFetch() Option {
	return func(cfg *config) error {
		cfg.requireInit = true
		return nil
	}
}
