package auth0claims_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/auth0claims"
	"github.com/autoidentify/autoidentify/identity"
)

const (
	issuer   = "https://tenant.example.auth0.com/"
	audience = "https://api.example.com"
)

var (
	signKey  = []byte("test-signing-key-0123456789abcdef")
	otherKey = []byte("someone-elses-key-0123456789abcde")
)

// profileClaims is an app's custom claims type, decoded from the token by
// the validator: a struct with json tags, as Auth0's examples write them.
type profileClaims struct {
	Email     string `json:"email"`
	GivenName string `json:"given_name"`
	Phone     string `json:"phone_number,omitempty"`
	Plan      string `json:"https://example.com/plan"`
	Ignored   string `json:"-"`
	Nickname  string
}

func (*profileClaims) Validate(context.Context) error { return nil }

// embeddedClaims promotes fields from embedded structs, as encoding/json
// does; a nil embedded pointer just has no claims.
type embeddedClaims struct {
	Base
	*Extra
}

// Base is embedded in embeddedClaims.
type Base struct {
	Email string `json:"email"`
}

// Extra is embedded in embeddedClaims by a pointer the validator leaves nil
// when none of its claims are in the token.
type Extra struct {
	Name string `json:"name"`
}

func (*embeddedClaims) Validate(context.Context) error { return nil }

// lookupClaims implements identity.ClaimSource, which takes precedence over
// reading struct fields.
type lookupClaims struct {
	Email string `json:"email"`
}

func (*lookupClaims) Validate(context.Context) error { return nil }

func (c *lookupClaims) LookupClaim(name string) (any, bool) {
	if name == "email" {
		return "via-lookup@example.com", true
	}
	return nil, false
}

// stringLookupClaims implements identity.StringClaimSource, which takes
// precedence over reading struct fields, for strings too.
type stringLookupClaims struct {
	lookupClaims
}

func (c *stringLookupClaims) LookupString(name string) (string, bool) {
	if name == "given_name" {
		return "Via-LookupString", true
	}
	return "", false
}

// typedClaims has a field of a named string type, and a number where the
// profile wants a string.
type typedClaims struct {
	Email emailAddress `json:"email"`
	Name  int          `json:"name"`
}

type emailAddress string

func (*typedClaims) Validate(context.Context) error { return nil }

// mapClaims is a custom claims type that keeps every claim in a map.
type mapClaims map[string]any

func (mapClaims) Validate(context.Context) error { return nil }

// sign returns an HS256 token from the test issuer to the test audience,
// valid for an hour unless claims say otherwise.
func sign(t testing.TB, key []byte, claims jwt.MapClaims) string {
	t.Helper()
	base := jwt.MapClaims{"iss": issuer, "aud": audience, "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		base[k] = v
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, base).SignedString(key)
	require.NoError(t, err)
	return s
}

// newMiddleware returns the real middleware with the real validator,
// decoding custom claims into what custom returns (nil for none).
func newMiddleware(t testing.TB, custom func() validator.CustomClaims, opts ...jwtmiddleware.Option) *jwtmiddleware.JWTMiddleware {
	t.Helper()
	var vopts []validator.Option
	if custom != nil {
		vopts = append(vopts, validator.WithCustomClaims(custom))
	}
	v, err := validator.New(func(context.Context) (any, error) { return signKey, nil },
		validator.HS256, issuer, []string{audience}, vopts...)
	require.NoError(t, err)
	return jwtmiddleware.New(v.ValidateToken, opts...)
}

type result struct {
	called bool
	id     identity.Identity
	ok     bool
	err    error
}

// serve runs r through wrap(handler) where the handler calls the extractor.
func serve(t testing.TB, ext identity.Extractor, wrap func(http.Handler) http.Handler, r *http.Request) (result, int) {
	t.Helper()
	var got result
	w := httptest.NewRecorder()
	wrap(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got.called = true
		got.id, got.ok, got.err = ext.Extract(r)
	})).ServeHTTP(w, r)
	return got, w.Code
}

func TestExtract(t *testing.T) {
	t.Parallel()
	plain := newMiddleware(t, nil, jwtmiddleware.WithCredentialsOptional(true))
	withProfile := newMiddleware(t, func() validator.CustomClaims { return &profileClaims{} })
	withLookup := newMiddleware(t, func() validator.CustomClaims { return &lookupClaims{} })
	withEmbedded := newMiddleware(t, func() validator.CustomClaims { return &embeddedClaims{} })
	withMap := newMiddleware(t, func() validator.CustomClaims { return &mapClaims{} })
	withStringLookup := newMiddleware(t, func() validator.CustomClaims { return &stringLookupClaims{} })
	withTyped := newMiddleware(t, func() validator.CustomClaims { return &typedClaims{} })
	mapValidator := jwtmiddleware.New(func(context.Context, string) (any, error) {
		return map[string]any{"sub": "u-map", "email": "map@example.com"}, nil
	})
	oddValidator := jwtmiddleware.New(func(context.Context, string) (any, error) { return "sub=u-1", nil })
	none := func(next http.Handler) http.Handler { return next }

	tests := []struct {
		name    string
		mw      func(http.Handler) http.Handler
		token   string // "" for none
		opts    []auth0claims.Option
		want    identity.Identity
		wantErr error
	}{
		{
			name:  "verified token",
			mw:    plain.CheckJWT,
			token: sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-1"}),
			want:  identity.Identity{Identifier: "auth0|u-1"},
		},
		{
			name: "profile from a custom claims struct, phone normalised",
			mw:   withProfile.CheckJWT,
			token: sign(t, signKey, jwt.MapClaims{
				"sub": "auth0|u-2", "email": "ann@example.com", "given_name": "Ann", "phone_number": "+44 20 7946 0958",
				"https://example.com/plan": "pro", "Nickname": "annie",
			}),
			opts: []auth0claims.Option{auth0claims.WithClaimsOptions(
				identity.WithAttributeClaim("plan", "https://example.com/plan"),
				identity.WithAttributeClaim("nickname", "Nickname"))},
			want: identity.Identity{Identifier: "auth0|u-2", Profile: identity.Profile{
				Email: "ann@example.com", FirstName: "Ann", PhoneNumber: "+442079460958",
				Custom: map[string]any{"plan": "pro", "nickname": "annie"},
			}},
		},
		{
			name:  "fields tagged \"-\" are not claims",
			mw:    withProfile.CheckJWT,
			token: sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-2", "-": "x", "Ignored": "y"}),
			opts: []auth0claims.Option{auth0claims.WithClaimsOptions(
				identity.WithAttributeClaim("dash", "-"), identity.WithAttributeClaim("ignored", "Ignored"))},
			want: identity.Identity{Identifier: "auth0|u-2"},
		},
		{
			name:  "promoted fields of embedded structs",
			mw:    withEmbedded.CheckJWT,
			token: sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-5", "email": "ann@example.com"}),
			want:  identity.Identity{Identifier: "auth0|u-5", Profile: identity.Profile{Email: "ann@example.com"}},
		},
		{
			name:  "registered claim as identifier",
			mw:    plain.CheckJWT,
			token: sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-1", "jti": "j-1"}),
			opts:  []auth0claims.Option{auth0claims.WithClaimsOptions(identity.WithIdentifierClaim("jti"))},
			want:  identity.Identity{Identifier: "j-1"},
		},
		{
			name:  "custom claims implementing identity.ClaimSource",
			mw:    withLookup.CheckJWT,
			token: sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-3", "email": "ann@example.com"}),
			want:  identity.Identity{Identifier: "auth0|u-3", Profile: identity.Profile{Email: "via-lookup@example.com"}},
		},
		{
			name:  "custom claims implementing identity.StringClaimSource",
			mw:    withStringLookup.CheckJWT,
			token: sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-3", "email": "ann@example.com", "given_name": "Ann"}),
			want: identity.Identity{Identifier: "auth0|u-3", Profile: identity.Profile{
				Email: "via-lookup@example.com", FirstName: "Via-LookupString",
			}},
		},
		{
			name:  "a named string type is a string; a number is no name",
			mw:    withTyped.CheckJWT,
			token: sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-6", "email": "ann@example.com", "name": 7}),
			want:  identity.Identity{Identifier: "auth0|u-6", Profile: identity.Profile{Email: "ann@example.com"}},
		},
		{
			name:  "custom claims in a map type",
			mw:    withMap.CheckJWT,
			token: sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-4", "given_name": "Ann"}),
			want:  identity.Identity{Identifier: "auth0|u-4", Profile: identity.Profile{FirstName: "Ann"}},
		},
		{
			name:  "ValidateToken returning a map",
			mw:    mapValidator.CheckJWT,
			token: "opaque",
			want:  identity.Identity{Identifier: "u-map", Profile: identity.Profile{Email: "map@example.com"}},
		},
		{
			name: "no token, credentials optional: no user",
			mw:   plain.CheckJWT,
		},
		{
			name:  "middleware not mounted: no user",
			mw:    none,
			token: sign(t, signKey, jwt.MapClaims{"sub": "auth0|u-1"}),
		},
		{
			name:    "ValidateToken returning an unknown type",
			mw:      oddValidator.CheckJWT,
			token:   "opaque",
			wantErr: auth0claims.ErrUnsupportedClaims,
		},
		{
			name:    "verified token without a subject",
			mw:      plain.CheckJWT,
			token:   sign(t, signKey, jwt.MapClaims{"email": "ann@example.com"}),
			wantErr: identity.ErrNoIdentifier,
		},
		{
			name:    "subject with a control character",
			mw:      plain.CheckJWT,
			token:   sign(t, signKey, jwt.MapClaims{"sub": "auth0|\u0085u-1"}),
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "subject too long",
			mw:      plain.CheckJWT,
			token:   sign(t, signKey, jwt.MapClaims{"sub": strings.Repeat("x", 256)}),
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "subject longer than identity.MaxIdentifierLen",
			mw:      plain.CheckJWT,
			token:   sign(t, signKey, jwt.MapClaims{"sub": strings.Repeat("u", identity.MaxIdentifierLen+1)}),
			wantErr: identity.ErrInvalidIdentifier,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ext, err := auth0claims.New(tt.opts...)
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.token != "" {
				r.Header.Set("Authorization", "Bearer "+tt.token)
			}
			got, code := serve(t, ext, tt.mw, r)
			require.Equal(t, http.StatusOK, code)
			require.True(t, got.called)
			if tt.wantErr != nil {
				require.ErrorIs(t, got.err, tt.wantErr)
				assert.False(t, got.ok)
				assert.Zero(t, got.id)
				return
			}
			require.NoError(t, got.err)
			assert.Equal(t, tt.want.Identifier != "", got.ok)
			assert.Equal(t, tt.want, got.id)
		})
	}
}

// TestRejectedTokensNeverReachTheExtractor pins the library behaviour the
// adapter relies on: CheckJWT stores claims only for tokens it accepted.
func TestRejectedTokensNeverReachTheExtractor(t *testing.T) {
	t.Parallel()
	mw := newMiddleware(t, nil, jwtmiddleware.WithCredentialsOptional(true))
	ext, err := auth0claims.New()
	require.NoError(t, err)
	tests := map[string]string{
		"expired":         sign(t, signKey, jwt.MapClaims{"sub": "mallory", "exp": time.Now().Add(-time.Hour).Unix()}),
		"wrong key":       sign(t, otherKey, jwt.MapClaims{"sub": "mallory"}),
		"wrong audience":  sign(t, signKey, jwt.MapClaims{"sub": "mallory", "aud": "https://other.example.com"}),
		"not a token":     "mallory",
		"unsigned (none)": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.",
	}
	for name, token := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", "Bearer "+token)
			got, code := serve(t, ext, mw.CheckJWT, r)
			assert.Equal(t, http.StatusUnauthorized, code)
			assert.False(t, got.called)
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ext, err := auth0claims.New(auth0claims.WithClaimsOptions(identity.WithOnDropped(nil)))
	require.Error(t, err)
	assert.Nil(t, ext)
	var cfgErr *identity.ConfigError
	require.True(t, errors.As(err, &cfgErr), "%v", err)
	assert.Equal(t, "OnDropped", cfgErr.Field)
}
