package auth0claims

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/golang-jwt/jwt/v4"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/internal/options"
)

// CacheOption configures Cached.
type CacheOption func(*cacheConfig) error

type cacheConfig struct {
	entries int
	bytes   int64
	maxAge  time.Duration
	leeway  time.Duration
	key     func(context.Context) string
	now     func() time.Time
}

// claimsSize is what a cached token's claims count for, beyond the token.
const claimsSize = 512

// Cached wraps the ValidateToken that CheckJWT is built with (a
// *validator.Validator's method) so that a token seen before costs a lookup,
// not a signature check: the same verified-token cache as the identity
// package's JWT extractor (jwtverify.Cache), with the same bounds. Only
// tokens validate accepted are kept, and only those whose exp it can read
// (*validator.ValidatedClaims, or claims that marshal to JSON with a
// numeric "exp": jwt.MapClaims, a map, a struct); any other passes through,
// verified every time. One is served until the earliest of its exp (with
// the validator's clock skew, WithCacheLeeway) and the maximum age, never
// before its nbf, as a fresh validation would answer then.
//
// A hit runs again what a fresh validation would run per request: the
// CustomClaims' Validate(ctx). Each request gets its own copy of the claims
// (the struct of *validator.ValidatedClaims and its audience, or a map to
// any depth); a CustomClaims value is shared, so handlers must not change
// it. Where ValidateToken reads the context (a tenant's key set picked from
// it), WithCacheKey must name what it reads, or one tenant's token would be
// served to another. The validator's key provider cannot tell the cache
// when a key is revoked, so the maximum age (WithCacheMaxAge) bounds how
// long a revoked key's tokens are still accepted.
//
//	validate, err := auth0claims.Cached(jwtValidator.ValidateToken)
//	handler := jwtmiddleware.New(validate).CheckJWT(m.Handler(app))
func Cached(validate jwtmiddleware.ValidateToken, opts ...CacheOption) (jwtmiddleware.ValidateToken, error) {
	if validate == nil {
		return nil, fmt.Errorf("auth0claims: %w", &identity.ConfigError{Field: "ValidateToken", Err: fmt.Errorf("nil")})
	}
	cfg := cacheConfig{
		entries: jwtverify.DefaultVerifiedCacheEntries,
		bytes:   jwtverify.DefaultVerifiedCacheBytes,
		maxAge:  jwtverify.DefaultVerifiedCacheMaxAge,
		now:     time.Now,
	}
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("auth0claims: %w", err)
	}
	cache, err := jwtverify.NewCache[any](cfg.entries, cfg.bytes, cfg.maxAge, cfg.leeway)
	if err != nil {
		return nil, fmt.Errorf("auth0claims: %w", err)
	}
	return func(ctx context.Context, token string) (any, error) {
		now := cfg.now()
		key := token
		if cfg.key != nil {
			// The token stays last: the cache picks a shard from its end.
			key = cfg.key(ctx) + "\x00" + token
		}
		if kept, ok := cache.Get(key, now, 0); ok {
			claims := *kept
			if vc, ok := claims.(*validator.ValidatedClaims); ok && vc.CustomClaims != nil {
				if err := vc.CustomClaims.Validate(ctx); err != nil {
					return nil, fmt.Errorf("%w: %w", jwtmiddleware.ErrJWTInvalid, err)
				}
			}
			return copyClaims(claims), nil
		}
		claims, err := validate(ctx, token)
		if err != nil {
			return nil, err
		}
		if exp, nbf, ok := timeBounds(claims); ok {
			kept := copyClaims(claims)
			cache.Put(key, &kept, claimsSize, exp, nbf, now, 0)
		}
		return claims, nil
	}, nil
}

// timeBounds reads exp and nbf (or iat, if later) from what the validator
// returned; ok is false if it holds no exp.
func timeBounds(claims any) (exp, nbf time.Time, ok bool) {
	var exp64, nbf64, iat64 float64
	if c, isValidated := claims.(*validator.ValidatedClaims); isValidated {
		exp64, nbf64, iat64 = float64(c.RegisteredClaims.Expiry), float64(c.RegisteredClaims.NotBefore), float64(c.RegisteredClaims.IssuedAt)
	} else {
		b, err := json.Marshal(claims)
		if err != nil {
			return time.Time{}, time.Time{}, false
		}
		var times struct {
			Exp, Nbf, Iat *float64
		}
		if json.Unmarshal(b, &times) != nil || times.Exp == nil {
			return time.Time{}, time.Time{}, false
		}
		exp64 = *times.Exp
		if times.Nbf != nil {
			nbf64 = *times.Nbf
		}
		if times.Iat != nil {
			iat64 = *times.Iat
		}
	}
	if exp64 <= 0 {
		return time.Time{}, time.Time{}, false
	}
	if nbf64 := max(nbf64, iat64); nbf64 > 0 {
		nbf = time.Unix(int64(nbf64), 0)
	}
	return time.Unix(int64(exp64), 0), nbf, true
}

// copyClaims returns claims a request may change without changing what the
// cache holds: the struct of *validator.ValidatedClaims with its own
// audience, or a map copied to any depth.
func copyClaims(claims any) any {
	switch c := claims.(type) {
	case *validator.ValidatedClaims:
		cp := *c
		cp.RegisteredClaims.Audience = slices.Clone(c.RegisteredClaims.Audience)
		return &cp
	case map[string]any:
		return identity.CloneValue(c)
	case jwt.MapClaims:
		return jwt.MapClaims(identity.CloneValue(map[string]any(c)).(map[string]any))
	}
	return claims
}

// WithCacheSize keeps up to entries tokens in about maxBytes.
// Default: jwtverify.DefaultVerifiedCacheEntries, jwtverify.DefaultVerifiedCacheBytes.
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
// token's exp. Default: jwtverify.DefaultVerifiedCacheMaxAge.
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

// WithCacheKey adds what key returns to each token's cache key: what the
// wrapped ValidateToken reads from the context to decide (a tenant, picked
// from the host or a header by an earlier middleware), so that a token
// accepted for one tenant is never served from the cache to another. It
// runs on every request and must return quickly.
// Default: none, for a ValidateToken that reads nothing from the context.
func WithCacheKey(key func(ctx context.Context) string) CacheOption {
	return func(c *cacheConfig) error {
		if key == nil {
			return &identity.ConfigError{Field: "CacheKey", Err: fmt.Errorf("nil function")}
		}
		c.key = key
		return nil
	}
}
