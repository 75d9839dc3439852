package jwtauthclaims_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/jwtauth/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/jwtauthclaims"
	"github.com/autoidentify/autoidentify/identity"
)

var (
	signKey  = []byte("test-signing-key-0123456789abcdef")
	otherKey = []byte("someone-elses-key-0123456789abcde")
)

// sign returns a token for claims, with a valid expiry unless claims has one.
func sign(t testing.TB, ja *jwtauth.JWTAuth, claims map[string]any) string {
	t.Helper()
	if _, ok := claims["exp"]; !ok {
		claims["exp"] = time.Now().Add(time.Hour).Unix()
	}
	_, s, err := ja.Encode(claims)
	require.NoError(t, err)
	return s
}

type result struct {
	id  identity.Identity
	ok  bool
	err error
}

// serve runs r through wrap(handler) where the handler calls the extractor,
// and returns its result and the response status.
func serve(t testing.TB, ext identity.Extractor, wrap func(http.Handler) http.Handler, r *http.Request) (result, int) {
	t.Helper()
	var got result
	w := httptest.NewRecorder()
	wrap(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got.id, got.ok, got.err = ext.Extract(r)
	})).ServeHTTP(w, r)
	return got, w.Code
}

func TestExtract(t *testing.T) {
	t.Parallel()
	ja := jwtauth.New("HS256", signKey, nil)
	foreign := jwtauth.New("HS256", otherKey, nil)
	verifier := jwtauth.Verifier(ja)

	tests := []struct {
		name      string
		token     string // "" for none
		unmounted bool
		opts      []jwtauthclaims.Option
		want      identity.Identity
		wantErr   []error
	}{
		{
			name:  "verified token",
			token: sign(t, ja, map[string]any{"sub": "u-1"}),
			want:  identity.Identity{Identifier: "u-1"},
		},
		{
			name: "profile from standard claims, bad phone dropped",
			token: sign(t, ja, map[string]any{
				"sub": "u-2", "email": "ann@example.com", "phone_number": "555-1234",
				"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee", "picture": "https://example.com/a.png",
			}),
			want: identity.Identity{Identifier: "u-2", Profile: identity.Profile{
				Email: "ann@example.com", FirstName: "Ann", LastName: "Lee", Name: "Ann Lee",
				Avatar: "https://example.com/a.png",
			}},
		},
		{
			name:  "identifier from a nested private claim",
			token: sign(t, ja, map[string]any{"sub": "auth|1", "user": map[string]any{"id": "u-3"}}),
			opts:  []jwtauthclaims.Option{jwtauthclaims.WithClaimsOptions(identity.WithIdentifierClaim("user", "id"))},
			want:  identity.Identity{Identifier: "u-3"},
		},
		{
			name:  "custom attribute from a private claim",
			token: sign(t, ja, map[string]any{"sub": "u-4", "plan": "pro"}),
			opts:  []jwtauthclaims.Option{jwtauthclaims.WithClaimsOptions(identity.WithAttributeClaim("plan", "plan"))},
			want:  identity.Identity{Identifier: "u-4", Profile: identity.Profile{Custom: map[string]any{"plan": "pro"}}},
		},
		{
			name: "no token: no user",
		},
		{
			name:      "Verifier not mounted: no user",
			token:     sign(t, ja, map[string]any{"sub": "u-1"}),
			unmounted: true,
		},
		{
			name:    "expired token: rejected",
			token:   sign(t, ja, map[string]any{"sub": "mallory", "exp": time.Now().Add(-time.Hour).Unix()}),
			wantErr: []error{jwtauthclaims.ErrTokenRejected, jwtauth.ErrExpired},
		},
		{
			name:    "token signed with another key: rejected",
			token:   sign(t, foreign, map[string]any{"sub": "mallory"}),
			wantErr: []error{jwtauthclaims.ErrTokenRejected, jwtauth.ErrUnauthorized},
		},
		{
			name:    "token not valid yet: rejected",
			token:   sign(t, ja, map[string]any{"sub": "mallory", "nbf": time.Now().Add(time.Hour).Unix()}),
			wantErr: []error{jwtauthclaims.ErrTokenRejected, jwtauth.ErrNBFInvalid},
		},
		{
			name:    "unsigned token: rejected",
			token:   "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.",
			wantErr: []error{jwtauthclaims.ErrTokenRejected, jwtauth.ErrUnauthorized},
		},
		{
			name:    "verified token without a subject",
			token:   sign(t, ja, map[string]any{"email": "ann@example.com"}),
			wantErr: []error{identity.ErrNoIdentifier},
		},
		{
			name:    "subject with a control character",
			token:   sign(t, ja, map[string]any{"sub": "u-1\u0007"}),
			wantErr: []error{identity.ErrInvalidIdentifier},
		},
		{
			name:    "subject too long",
			token:   sign(t, ja, map[string]any{"sub": strings.Repeat("x", 256)}),
			wantErr: []error{identity.ErrInvalidIdentifier},
		},
		{
			name:    "blank subject",
			token:   sign(t, ja, map[string]any{"sub": " \t "}),
			wantErr: []error{identity.ErrInvalidIdentifier},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ext, err := jwtauthclaims.New(tt.opts...)
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.token != "" {
				r.Header.Set("Authorization", "Bearer "+tt.token)
			}
			wrap := verifier
			if tt.unmounted {
				wrap = func(next http.Handler) http.Handler { return next }
			}
			got, _ := serve(t, ext, wrap, r)
			if tt.wantErr != nil {
				for _, want := range tt.wantErr {
					require.ErrorIs(t, got.err, want)
				}
				assert.False(t, got.ok)
				assert.Zero(t, got.id)
				assert.NotContains(t, got.err.Error(), "mallory", "the error must not repeat the subject")
				assert.NotContains(t, got.err.Error(), tt.token, "the error must not repeat the token")
				return
			}
			require.NoError(t, got.err)
			assert.Equal(t, tt.want.Identifier != "", got.ok)
			assert.Equal(t, tt.want, got.id)
		})
	}
}

// TestExtractIgnoresFailedTokenLeftInContext is the trap this adapter exists
// to avoid: with Verifier and no Authenticator the handler runs, and an
// expired token's claims are one jwtauth.FromContext away. The extractor
// must not trust them.
func TestExtractIgnoresFailedTokenLeftInContext(t *testing.T) {
	t.Parallel()
	ja := jwtauth.New("HS256", signKey, nil)
	ext, err := jwtauthclaims.New()
	require.NoError(t, err)
	expired := sign(t, ja, map[string]any{"sub": "mallory", "exp": time.Now().Add(-time.Minute).Unix()})

	var naiveSub any
	var got result
	h := jwtauth.Verifier(ja)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, claims, _ := jwtauth.FromContext(r.Context())
		naiveSub = claims["sub"]
		got.id, got.ok, got.err = ext.Extract(r)
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+expired)
	h.ServeHTTP(httptest.NewRecorder(), r)

	require.Equal(t, "mallory", naiveSub, "the expired token's claims are in the context")
	require.ErrorIs(t, got.err, jwtauth.ErrExpired)
	assert.False(t, got.ok)
	assert.Zero(t, got.id)
}

// TestExtractBehindAuthenticator checks the usual chain: Authenticator turns
// bad tokens away before the extractor, and lets good ones through to it.
func TestExtractBehindAuthenticator(t *testing.T) {
	t.Parallel()
	ja := jwtauth.New("HS256", signKey, nil)
	ext, err := jwtauthclaims.New()
	require.NoError(t, err)
	chain := func(next http.Handler) http.Handler { return jwtauth.Verifier(ja)(jwtauth.Authenticator(ja)(next)) }

	good := httptest.NewRequest(http.MethodGet, "/", nil)
	good.Header.Set("Authorization", "Bearer "+sign(t, ja, map[string]any{"sub": "u-1"}))
	got, code := serve(t, ext, chain, good)
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, got.err)
	assert.True(t, got.ok)
	assert.Equal(t, "u-1", got.id.Identifier)

	bad := httptest.NewRequest(http.MethodGet, "/", nil)
	bad.Header.Set("Authorization", "Bearer "+sign(t, jwtauth.New("HS256", otherKey, nil), map[string]any{"sub": "u-1"}))
	got, code = serve(t, ext, chain, bad)
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Zero(t, got)
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ext, err := jwtauthclaims.New(jwtauthclaims.WithClaimsOptions(identity.WithAttributeClaim("identifier", "uid")))
	require.Error(t, err)
	assert.Nil(t, ext)
	var cfgErr *identity.ConfigError
	require.True(t, errors.As(err, &cfgErr), "%v", err)
	assert.Equal(t, "AttributeClaim", cfgErr.Field)
}
