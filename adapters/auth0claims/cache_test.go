package auth0claims_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/auth0claims"
)

// countingValidator is the real validator, counting its verifications.
func countingValidator(t testing.TB) (jwtmiddleware.ValidateToken, *atomic.Int32) {
	t.Helper()
	v, err := validator.New(func(context.Context) (any, error) { return signKey, nil },
		validator.HS256, issuer, []string{audience},
		validator.WithCustomClaims(func() validator.CustomClaims { return &profileClaims{} }))
	require.NoError(t, err)
	var n atomic.Int32
	return func(ctx context.Context, token string) (any, error) {
		n.Add(1)
		return v.ValidateToken(ctx, token)
	}, &n
}

// CheckJWT through the cache verifies a token once; the user is the same
// every time; a token one byte off, or expired, is verified and refused.
func TestCachedValidator(t *testing.T) {
	t.Parallel()
	validate, calls := countingValidator(t)
	cached, err := auth0claims.Cached(validate)
	require.NoError(t, err)
	ext, err := auth0claims.New()
	require.NoError(t, err)
	mw := jwtmiddleware.New(cached)
	get := func(token string) (string, int) {
		var who string
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		mw.CheckJWT(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			id, _, _ := ext.Extract(r)
			who = id.Identifier
		})).ServeHTTP(w, r)
		return who, w.Code
	}
	token := sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-1", "email": "ann@example.com"})
	for range 5 {
		who, code := get(token)
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, "auth0|u-1", who)
	}
	assert.Equal(t, int32(1), calls.Load(), "verified once")

	off := token[:len(token)-2] + "AA"
	_, code := get(off)
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Equal(t, int32(2), calls.Load(), "a token one byte off is verified, and refused")

	expired := sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-2", "exp": time.Now().Add(-time.Minute).Unix()})
	for range 2 {
		_, code = get(expired)
		assert.Equal(t, http.StatusUnauthorized, code)
	}
	assert.Equal(t, int32(4), calls.Load(), "refusals are never cached")
}

func TestCachedValidatorOptions(t *testing.T) {
	t.Parallel()
	validate, _ := countingValidator(t)
	for _, bad := range []auth0claims.CacheOption{auth0claims.WithCacheSize(0, 1), auth0claims.WithCacheMaxAge(0), auth0claims.WithCacheLeeway(-time.Second)} {
		_, err := auth0claims.Cached(validate, bad)
		assert.Error(t, err)
	}
	_, err := auth0claims.Cached(nil)
	assert.Error(t, err)
	_, err = auth0claims.Cached(validate, auth0claims.WithCacheSize(10, 1<<20), auth0claims.WithCacheMaxAge(time.Minute), auth0claims.WithCacheLeeway(time.Second))
	assert.NoError(t, err)
}

// BenchmarkCachedValidator: the validator alone against the cached one, on
// the same token.
func BenchmarkCachedValidator(b *testing.B) {
	validate, _ := countingValidator(b)
	cached, err := auth0claims.Cached(validate)
	require.NoError(b, err)
	token := sign(b, signKey, jwt.MapClaims{"sub": "auth0|u-1", "email": "ann@example.com"})
	ctx := context.Background()
	for name, v := range map[string]jwtmiddleware.ValidateToken{"validator": validate, "cached": cached} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v(ctx, token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A cached token is never served past its exp, whatever type of claims the
// wrapped ValidateToken returns; one whose exp cannot be read is verified
// every time. Before, jwt.MapClaims, a struct and a map holding a
// json.Number were served for 10 minutes after exp.
func TestCachedValidatorHonoursExpForAnyClaims(t *testing.T) {
	t.Parallel()
	start := time.Unix(1_800_000_000, 0)
	exp := start.Add(time.Second)
	type structClaims struct {
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
	}
	for name, claims := range map[string]any{
		"jwt.MapClaims":      jwt.MapClaims{"sub": "u", "exp": float64(exp.Unix())},
		"map of json.Number": map[string]any{"sub": "u", "exp": json.Number(strconv.FormatInt(exp.Unix(), 10))},
		"struct pointer":     &structClaims{Sub: "u", Exp: exp.Unix()},
		"validated claims":   &validator.ValidatedClaims{RegisteredClaims: validator.RegisteredClaims{Subject: "u", Expiry: exp.Unix()}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			now := start
			var calls int
			validate := func(context.Context, string) (any, error) {
				calls++
				if !now.Before(exp) {
					return nil, errors.New("expired")
				}
				return claims, nil
			}
			cached, err := auth0claims.Cached(validate, auth0claims.WithCacheClock(func() time.Time { return now }))
			require.NoError(t, err)
			for range 2 {
				_, err = cached(t.Context(), "token")
				require.NoError(t, err)
			}
			assert.Equal(t, 1, calls, "cached")
			now = exp.Add(200 * time.Millisecond)
			_, err = cached(t.Context(), "token")
			assert.Error(t, err, "refused after exp, as the validator refuses it")
		})
	}

	var calls int
	noExp := func(context.Context, string) (any, error) { calls++; return map[string]any{"sub": "u"}, nil }
	cached, err := auth0claims.Cached(noExp)
	require.NoError(t, err)
	for range 3 {
		_, err := cached(t.Context(), "token")
		require.NoError(t, err)
	}
	assert.Equal(t, 3, calls, "no exp: never cached")
}

type tenantKey struct{}

// A ValidateToken that picks the tenant from the context gets a cache keyed
// on the tenant too (WithCacheKey): tenant A's token is never served to B.
func TestCachedValidatorKeysOnWhatTheContextSelects(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(time.Hour).Unix()
	validate := func(ctx context.Context, token string) (any, error) {
		if ctx.Value(tenantKey{}) != "a" {
			return nil, errors.New("not this tenant's token")
		}
		return map[string]any{"sub": "u", "exp": float64(exp)}, nil
	}
	tenant := func(ctx context.Context) string { s, _ := ctx.Value(tenantKey{}).(string); return s }
	cached, err := auth0claims.Cached(validate, auth0claims.WithCacheKey(tenant))
	require.NoError(t, err)
	a := context.WithValue(t.Context(), tenantKey{}, "a")
	b := context.WithValue(t.Context(), tenantKey{}, "b")
	_, err = cached(a, "token")
	require.NoError(t, err)
	_, err = cached(a, "token")
	require.NoError(t, err)
	_, err = cached(b, "token")
	assert.Error(t, err, "tenant a's token on tenant b")
	_, err = auth0claims.Cached(validate, auth0claims.WithCacheKey(nil))
	assert.Error(t, err)
}

// banClaims is custom claims whose Validate refuses banned subjects.
type banClaims struct {
	banned *atomic.Bool
}

func (c *banClaims) Validate(context.Context) error {
	if c.banned.Load() {
		return errors.New("banned")
	}
	return nil
}

// A hit runs CustomClaims.Validate again, as a fresh validation would, and
// each request gets its own claims.
func TestCachedValidatorRevalidatesAndCopies(t *testing.T) {
	t.Parallel()
	var banned atomic.Bool
	v, err := validator.New(func(context.Context) (any, error) { return signKey, nil },
		validator.HS256, issuer, []string{audience},
		validator.WithCustomClaims(func() validator.CustomClaims { return &banClaims{banned: &banned} }))
	require.NoError(t, err)
	cached, err := auth0claims.Cached(v.ValidateToken)
	require.NoError(t, err)
	token := sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-1"})

	first, err := cached(t.Context(), token)
	require.NoError(t, err)
	first.(*validator.ValidatedClaims).RegisteredClaims.Subject = "changed by a handler"
	second, err := cached(t.Context(), token)
	require.NoError(t, err)
	assert.Equal(t, "auth0|u-1", second.(*validator.ValidatedClaims).RegisteredClaims.Subject)

	banned.Store(true)
	_, err = cached(t.Context(), token)
	assert.ErrorContains(t, err, "banned", "refused from the next request on")

	m := map[string]any{"sub": "u", "exp": float64(time.Now().Add(time.Hour).Unix()), "roles": []any{"admin"}}
	cachedMap, err := auth0claims.Cached(func(context.Context, string) (any, error) { return m, nil })
	require.NoError(t, err)
	_, _ = cachedMap(t.Context(), "t")
	got, _ := cachedMap(t.Context(), "t")
	got.(map[string]any)["roles"].([]any)[0] = "root"
	again, _ := cachedMap(t.Context(), "t")
	assert.Equal(t, "admin", again.(map[string]any)["roles"].([]any)[0])
}
