package identity

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"
)

// JWKS defaults.
const (
	// DefaultJWKSRefreshInterval is how often the key set is fetched anew.
	DefaultJWKSRefreshInterval = time.Hour
	// DefaultJWKSRefreshRateLimit is the least time between two fetches
	// caused by tokens with an unknown key id.
	DefaultJWKSRefreshRateLimit = 5 * time.Minute
	// DefaultJWKSTimeout bounds one fetch of the key set.
	DefaultJWKSTimeout = 10 * time.Second
	// DefaultJWKSMaxSize is the largest key set accepted, in bytes.
	DefaultJWKSMaxSize = 1 << 20
)

// JWKSOption configures JWKS.
type JWKSOption func(*jwksConfig) error

type jwksConfig struct {
	client      *http.Client
	interval    time.Duration
	rateLimit   time.Duration
	timeout     time.Duration
	maxSize     int64
	logger      *slog.Logger
	algorithms  []string
	requireInit bool
}

// WithJWKSHTTPClient fetches the key set with c. Its Transport is wrapped to
// cap the response size, refuse redirects and carry the URL's credentials;
// its CheckRedirect is not used, and c itself is not modified.
// Default: a client of its own, with a clone of http.DefaultTransport.
func WithJWKSHTTPClient(c *http.Client) JWKSOption {
	return func(cfg *jwksConfig) error {
		if c == nil {
			return &ConfigError{Field: "JWKSHTTPClient", Err: errors.New("nil client")}
		}
		cfg.client = c
		return nil
	}
}

// WithJWKSRefreshInterval fetches the key set every d, so that revoked keys go.
// Default: DefaultJWKSRefreshInterval (1h).
func WithJWKSRefreshInterval(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d <= 0 {
			return &ConfigError{Field: "JWKSRefreshInterval", Err: fmt.Errorf("%v: must be positive", d)}
		}
		cfg.interval = d
		return nil
	}
}

// WithJWKSRefreshRateLimit fetches the key set at most once every d because
// a token named an unknown key id (a rotation, or garbage). A token that finds
// the limit spent is rejected at once rather than waiting.
// Default: DefaultJWKSRefreshRateLimit (5m).
func WithJWKSRefreshRateLimit(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d <= 0 {
			return &ConfigError{Field: "JWKSRefreshRateLimit", Err: fmt.Errorf("%v: must be positive", d)}
		}
		cfg.rateLimit = d
		return nil
	}
}

// WithJWKSTimeout bounds one fetch of the key set, and so the longest a
// request with a new key id can wait for it.
// Default: DefaultJWKSTimeout (10s).
func WithJWKSTimeout(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d <= 0 {
			return &ConfigError{Field: "JWKSTimeout", Err: fmt.Errorf("%v: must be positive", d)}
		}
		cfg.timeout = d
		return nil
	}
}

// WithJWKSMaxSize refuses a key set larger than n bytes.
// Default: DefaultJWKSMaxSize (1 MiB).
func WithJWKSMaxSize(n int64) JWKSOption {
	return func(cfg *jwksConfig) error {
		if n <= 0 {
			return &ConfigError{Field: "JWKSMaxSize", Err: fmt.Errorf("%d: must be positive", n)}
		}
		cfg.maxSize = n
		return nil
	}
}

// WithJWKSLogger logs failed fetches of the key set at Error level; nil is
// silent. Default: slog.Default() as JWKS finds it.
func WithJWKSLogger(l *slog.Logger) JWKSOption {
	return func(cfg *jwksConfig) error {
		cfg.logger = l
		return nil
	}
}

// WithJWKSAlgorithms narrows the algorithms accepted from the key set, e.g.
// to RS256 alone. HMAC algorithms are never accepted from a key set.
// Default: RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA.
func WithJWKSAlgorithms(algs ...string) JWKSOption {
	return func(cfg *jwksConfig) error {
		if len(algs) == 0 {
			return &ConfigError{Field: "JWKSAlgorithms", Err: errors.New("empty list")}
		}
		for _, a := range algs {
			if !slices.Contains(publicAlgorithms, a) {
				return &ConfigError{Field: "JWKSAlgorithms", Err: fmt.Errorf("%q is not a public-key algorithm", a)}
			}
		}
		cfg.algorithms = append([]string(nil), algs...)
		return nil
	}
}

// WithJWKSRequireInitialFetch makes JWKS fail when the first fetch of the key
// set fails, instead of starting with no keys and fetching again when the
// first token with a key id arrives (within the rate limit; tokens without
// a kid wait for the periodic refresh).
// Default: off, so an identity provider that is down does not stop the app.
func WithJWKSRequireInitialFetch() JWKSOption {
	return func(cfg *jwksConfig) error {
		cfg.requireInit = true
		return nil
	}
}
