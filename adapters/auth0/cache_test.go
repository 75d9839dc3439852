package auth0_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/auth0"
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
	cached, err := auth0.Cached(validate)
	require.NoError(t, err)
	ext, err := auth0.New()
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
	for _, bad := range []auth0.CacheOption{auth0.WithCacheSize(0, 1), auth0.WithCacheMaxAge(0), auth0.WithCacheLeeway(-time.Second)} {
		_, err := auth0.Cached(validate, bad)
		assert.Error(t, err)
	}
	_, err := auth0.Cached(nil)
	assert.Error(t, err)
	_, err = auth0.Cached(validate, auth0.WithCacheSize(10, 1<<20), auth0.WithCacheMaxAge(time.Minute), auth0.WithCacheLeeway(time.Second))
	assert.NoError(t, err)
}

// BenchmarkCachedValidator: the validator alone against the cached one, on
// the same token.
func BenchmarkCachedValidator(b *testing.B) {
	validate, _ := countingValidator(b)
	cached, err := auth0.Cached(validate)
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
