package jwtverify

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

const (
	// DefaultLeeway is the clock skew allowed when checking exp, nbf and iat.
	DefaultLeeway = 30 * time.Second
	// MaxLeeway is the largest leeway WithLeeway accepts.
	MaxLeeway = 5 * time.Minute
	// DefaultMaxTokenSize is the longest token verified, in bytes; longer
	// ones are refused before any decoding.
	DefaultMaxTokenSize = 8 << 10
)

// Option configures New.
type Option func(*config) error

type config struct {
	issuer     string
	audience   []string
	leeway     time.Duration
	maxSize    int
	algorithms []string
	sources    []TokenSource
	claims     []identity.ClaimsOption
	now        func() time.Time // tests only

	cacheEntries int // 0: no verified-token cache
	cacheBytes   int64
	cacheMaxAge  time.Duration
}

// WithIssuer accepts only tokens whose iss claim is iss.
// Default: iss is not checked.
func WithIssuer(iss string) Option {
	return func(c *config) error {
		if iss == "" {
			return &identity.ConfigError{Field: "Issuer", Err: errors.New("empty")}
		}
		c.issuer = iss
		return nil
	}
}

// WithAudience accepts only tokens whose aud claim names one of aud.
// Default: aud is not checked.
func WithAudience(aud ...string) Option {
	return func(c *config) error {
		if len(aud) == 0 {
			return &identity.ConfigError{Field: "Audience", Err: errors.New("empty list")}
		}
		for _, a := range aud {
			if a == "" {
				return &identity.ConfigError{Field: "Audience", Err: errors.New("empty audience")}
			}
		}
		c.audience = append([]string(nil), aud...)
		return nil
	}
}

// WithLeeway allows d of clock skew between the issuer and this server, at
// most MaxLeeway.
// Default: DefaultLeeway (30s).
func WithLeeway(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 || d > MaxLeeway {
			return &identity.ConfigError{Field: "Leeway", Err: fmt.Errorf("%v: want 0 to %v", d, MaxLeeway)}
		}
		c.leeway = d
		return nil
	}
}

// WithMaxTokenSize refuses tokens longer than n bytes before decoding them.
// Default: DefaultMaxTokenSize (8 KiB).
func WithMaxTokenSize(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return &identity.ConfigError{Field: "MaxTokenSize", Err: fmt.Errorf("%d: must be positive", n)}
		}
		c.maxSize = n
		return nil
	}
}

// WithAlgorithms narrows the accepted algorithms to algs, each of which the
// key source must support (RS256 alone for an RSA key, say).
// Default: every algorithm of the key source.
func WithAlgorithms(algs ...string) Option {
	return func(c *config) error {
		if err := checkAlgorithms(algs); err != nil {
			return &identity.ConfigError{Field: "Algorithms", Err: err}
		}
		c.algorithms = append([]string(nil), algs...)
		return nil
	}
}

// WithTokenSource takes the token from the first of sources that finds one.
// Default: FromBearer().
func WithTokenSource(sources ...TokenSource) Option {
	return func(c *config) error {
		if len(sources) == 0 {
			return &identity.ConfigError{Field: "TokenSource", Err: errors.New("empty list")}
		}
		for _, s := range sources {
			if s == nil {
				return &identity.ConfigError{Field: "TokenSource", Err: errors.New("nil source")}
			}
		}
		c.sources = append([]TokenSource(nil), sources...)
		return nil
	}
}

// WithClaimsOptions changes how verified claims map to an identity, with
// the options of identity.NewClaimsMapper: for example
// identity.WithIdentifierClaim("uid") or
// identity.WithAttributeClaim("firstName", "first_name").
// Default: the OpenID Connect standard claims (identity.NewClaimsMapper's
// defaults): sub, email, phone_number, given_name, family_name, name, picture.
func WithClaimsOptions(opts ...identity.ClaimsOption) Option {
	return func(c *config) error {
		c.claims = append(c.claims, opts...)
		return nil
	}
}

// withClock makes the parser read time from now; for tests.
func withClock(now func() time.Time) Option {
	return func(c *config) error {
		c.now = now
		return nil
	}
}

// WithVerifiedCache keeps up to entries verified tokens, in about maxBytes,
// so that a token that comes again (the same client, until it expires)
// costs a lookup instead of base64, JSON and a signature: see Cache
// for the bounds and what makes an entry stop being served (exp, the
// maximum age, a change of the JWKS key set). WithVerifiedCache(0, 0)
// turns it off. Only static keys and a RotatingKeySource (JWKS) get one,
// and only with a claims mapper without WithClaimsFunc, whose function must
// see every request.
//
// It is on by default: the same token arrives with every request of a
// session, a hit cuts an RS256 verification of ~40 µs to ~100 ns, and it
// is safe: keyed on the exact token, re-checked against the clock on every
// hit, and never serving a token whose key left the key set.
// Default: DefaultVerifiedCacheEntries, DefaultVerifiedCacheBytes.
func WithVerifiedCache(entries int, maxBytes int64) Option {
	return func(c *config) error {
		switch {
		case entries == 0 && maxBytes == 0:
		case entries <= 0 || maxBytes <= 0:
			return &identity.ConfigError{Field: "VerifiedCache", Err: fmt.Errorf("%d entries, %d bytes: both positive, or both 0 for none", entries, maxBytes)}
		}
		c.cacheEntries, c.cacheBytes = entries, maxBytes
		return nil
	}
}

// WithVerifiedCacheMaxAge reuses a verification for at most d, however
// far the token's exp: the longest a token revoked by other means than its
// key (a session ended at the identity provider) is still accepted.
// Default: DefaultVerifiedCacheMaxAge.
func WithVerifiedCacheMaxAge(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return &identity.ConfigError{Field: "VerifiedCacheMaxAge", Err: fmt.Errorf("%v: must be positive", d)}
		}
		c.cacheMaxAge = d
		return nil
	}
}

// newConfig checks keys, applies opts over the defaults and builds the
// claims mapper: all New needs before it builds the parser.
func newConfig(keys KeySource, opts []Option) (*config, *identity.ClaimsMapper, error) {
	if keys == nil {
		return nil, nil, options.Error("KeySource", "nil")
	}
	if c, ok := keys.(interface{ check() error }); ok {
		if err := c.check(); err != nil {
			return nil, nil, err
		}
	}
	keyAlgs := keys.Algorithms()
	if err := checkAlgorithms(keyAlgs); err != nil {
		return nil, nil, &identity.ConfigError{Field: "KeySource", Err: err}
	}
	cfg := &config{
		leeway:       DefaultLeeway,
		maxSize:      DefaultMaxTokenSize,
		algorithms:   keyAlgs,
		sources:      []TokenSource{FromBearer()},
		cacheEntries: DefaultVerifiedCacheEntries,
		cacheBytes:   DefaultVerifiedCacheBytes,
		cacheMaxAge:  DefaultVerifiedCacheMaxAge,
	}
	if err := options.Apply(cfg, opts); err != nil {
		return nil, nil, err
	}
	for _, a := range cfg.algorithms {
		if !slices.Contains(keyAlgs, a) {
			return nil, nil, options.Error("Algorithms", "%q is not an algorithm of the key source %v", a, keyAlgs)
		}
	}
	mapper, err := identity.NewClaimsMapper(cfg.claims...)
	if err != nil {
		return nil, nil, err
	}
	return cfg, mapper, nil
}
