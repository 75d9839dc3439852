package auth0

import (
	"context"
	"fmt"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"

	"github.com/autoidentify/autoidentify/identity"
)

// CacheOption configures Cached.
type CacheOption func(*cacheConfig) error

type cacheConfig struct {
	entries int
	bytes   int64
	maxAge  time.Duration
	leeway  time.Duration
	now     func() time.Time
}

// claimsSize is what a cached token's claims count for, beyond the token.
const claimsSize = 512

// Cached wraps the ValidateToken that CheckJWT is built with (a
// *validator.Validator's method) so that a token seen before costs a lookup,
// not a signature check: the same verified-token cache as the identity
// package's JWT extractor (identity.TokenCache), with the same bounds. Only
// tokens validate accepted are kept; one is served until the earliest of
// its exp (with the validator's clock skew, WithCacheLeeway), the maximum
// age, and never before its nbf.
//
// The claims of a cached token are the same value for every request that
// carries it: handlers must treat them as read-only, as this package does.
// The validator's key provider cannot tell the cache when a key is revoked,
// so the maximum age (WithCacheMaxAge) bounds how long a revoked key's
// tokens are still accepted.
//
//	validate, err := auth0.Cached(jwtValidator.ValidateToken)
//	handler := jwtmiddleware.New(validate).CheckJWT(m.Handler(app))
func Cached(validate jwtmiddleware.ValidateToken, opts ...CacheOption) (jwtmiddleware.ValidateToken, error) {
	if validate == nil {
		return nil, fmt.Errorf("auth0: %w", &identity.ConfigError{Field: "ValidateToken", Err: fmt.Errorf("nil")})
	}
	cfg := cacheConfig{
		entries: identity.DefaultVerifiedCacheEntries,
		bytes:   identity.DefaultVerifiedCacheBytes,
		maxAge:  identity.DefaultVerifiedCacheMaxAge,
		now:     time.Now,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("auth0: %w", err)
		}
	}
	cache, err := identity.NewTokenCache[any](cfg.entries, cfg.bytes, cfg.maxAge, cfg.leeway)
	if err != nil {
		return nil, fmt.Errorf("auth0: %w", err)
	}
	return func(ctx context.Context, token string) (any, error) {
		now := cfg.now()
		if claims, ok := cache.Get(token, now, 0); ok {
			return claims, nil
		}
		claims, err := validate(ctx, token)
		if err != nil {
			return nil, err
		}
		exp, nbf := timeBounds(claims)
		if exp.IsZero() {
			exp = now.Add(cfg.maxAge) // no exp: the maximum age alone bounds it
		}
		cache.Put(token, claims, claimsSize, exp, nbf, now, 0)
		return claims, nil
	}, nil
}

// timeBounds reads exp and nbf from what the validator returned.
func timeBounds(claims any) (exp, nbf time.Time) {
	unix := func(s int64) time.Time {
		if s == 0 {
			return time.Time{}
		}
		return time.Unix(s, 0)
	}
	switch c := claims.(type) {
	case *validator.ValidatedClaims:
		return unix(c.RegisteredClaims.Expiry), unix(c.RegisteredClaims.NotBefore)
	case map[string]any:
		seconds := func(v any) int64 {
			f, _ := v.(float64)
			return int64(f)
		}
		return unix(seconds(c["exp"])), unix(seconds(c["nbf"]))
	}
	return time.Time{}, time.Time{}
}

// WithCacheSize keeps up to entries tokens in about maxBytes.
// Default: identity.DefaultVerifiedCacheEntries, identity.DefaultVerifiedCacheBytes.
func WithCacheSize(entries int, maxBytes int64) CacheOption {
	return func(c *cacheConfig) error {
		if entries <= 0 || maxBytes <= 0 {
			return &identity.ConfigError{Field: "CacheSize", Err: fmt.Errorf("%d entries, %d bytes: must be positive", entries, maxBytes)}
		}
		c.entries, c.bytes = entries, maxBytes
		return nil
	}
}

// WithCacheMaxAge reuses a validation for at most d, however far the
// token's exp. Default: identity.DefaultVerifiedCacheMaxAge.
func WithCacheMaxAge(d time.Duration) CacheOption {
	return func(c *cacheConfig) error {
		if d <= 0 {
			return &identity.ConfigError{Field: "CacheMaxAge", Err: fmt.Errorf("%v: must be positive", d)}
		}
		c.maxAge = d
		return nil
	}
}

// WithCacheLeeway is the clock skew the validator allows
// (validator.WithAllowedClockSkew): a cached token is served until its exp
// plus d, as the validator would accept it. Default: 0, the validator's.
func WithCacheLeeway(d time.Duration) CacheOption {
	return func(c *cacheConfig) error {
		if d < 0 {
			return &identity.ConfigError{Field: "CacheLeeway", Err: fmt.Errorf("%v: must not be negative", d)}
		}
		c.leeway = d
		return nil
	}
}
