package ginjwtclaims_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jwt "github.com/appleboy/gin-jwt/v2"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/ginjwtclaims"
	"github.com/autoidentify/autoidentify/identity"
)

var (
	signKey  = []byte("test-signing-key-0123456789abcdef")
	otherKey = []byte("someone-elses-key-0123456789abcde")
)

// newAuth returns a real gin-jwt middleware whose tokens carry the claims
// handed to TokenGenerator. now, if set, replaces the clock (for expired
// tokens); disabledAbort lets rejected requests reach the handlers, the
// setting in which an extractor must tell a verified user from none.
func newAuth(t testing.TB, key []byte, now func() time.Time, disabledAbort bool) *jwt.GinJWTMiddleware {
	t.Helper()
	mw, err := jwt.New(&jwt.GinJWTMiddleware{
		Realm:         "test",
		Key:           key,
		TimeFunc:      now,
		DisabledAbort: disabledAbort,
		PayloadFunc:   func(data any) jwt.MapClaims { return data.(jwt.MapClaims) },
		Authenticator: func(*gin.Context) (any, error) { return nil, jwt.ErrFailedAuthentication },
	})
	require.NoError(t, err)
	return mw
}

func token(t testing.TB, mw *jwt.GinJWTMiddleware, claims jwt.MapClaims) string {
	t.Helper()
	s, _, err := mw.TokenGenerator(claims)
	require.NoError(t, err)
	return s
}

type result struct {
	called  bool
	id      identity.Identity
	ok      bool
	err     error
	viaHTTP result2 // what Extract(c.Request) found
}

type result2 struct {
	id  identity.Identity
	ok  bool
	err error
}

// serve runs r through a real Gin engine with the given middlewares; the
// route handler calls both ExtractGin and Extract.
func serve(t testing.TB, ext *ginjwtclaims.Extractor, mws []gin.HandlerFunc, r *http.Request) result {
	t.Helper()
	var got result
	engine := gin.New()
	engine.Use(mws...)
	engine.GET("/", func(c *gin.Context) {
		got.called = true
		got.id, got.ok, got.err = ext.ExtractGin(c)
		got.viaHTTP.id, got.viaHTTP.ok, got.viaHTTP.err = ext.Extract(c.Request)
	})
	engine.ServeHTTP(httptest.NewRecorder(), r)
	return got
}

func TestExtract(t *testing.T) {
	t.Parallel()
	auth := newAuth(t, signKey, nil, true)
	foreign := newAuth(t, otherKey, nil, true)
	past := newAuth(t, signKey, func() time.Time { return time.Now().Add(-2 * time.Hour) }, true)
	mounted := []gin.HandlerFunc{exposeContext, auth.MiddlewareFunc()}
	planted := func(v any) []gin.HandlerFunc {
		return []gin.HandlerFunc{exposeContext, func(c *gin.Context) { c.Set("JWT_PAYLOAD", v) }}
	}

	tests := []struct {
		name    string
		mws     []gin.HandlerFunc
		token   string
		opts    []ginjwtclaims.Option
		want    identity.Identity
		wantErr error
	}{
		{
			name:  "string identity",
			mws:   mounted,
			token: token(t, auth, jwt.MapClaims{"identity": "ann"}),
			want:  identity.Identity{Identifier: "ann"},
		},
		{
			name:  "numeric identity",
			mws:   mounted,
			token: token(t, auth, jwt.MapClaims{"identity": 4217}),
			want:  identity.Identity{Identifier: "4217"},
		},
		{
			name: "profile from the payload, bad email dropped",
			mws:  mounted,
			token: token(t, auth, jwt.MapClaims{
				"identity": "ann", "email": "ann at example.com", "phone_number": "+1 555 123 4567",
				"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee",
			}),
			want: identity.Identity{Identifier: "ann", Profile: identity.Profile{
				PhoneNumber: "+15551234567", FirstName: "Ann", LastName: "Lee", Name: "Ann Lee",
			}},
		},
		{
			name:  "custom identity key",
			mws:   mounted,
			token: token(t, auth, jwt.MapClaims{"id": "u-7", "identity": "ignored"}),
			opts:  []ginjwtclaims.Option{ginjwtclaims.WithClaimsOptions(identity.WithIdentifierClaim("id"))},
			want:  identity.Identity{Identifier: "u-7"},
		},
		{
			name: "no token: no user",
			mws:  mounted,
		},
		{
			name:  "middleware not mounted: no user, no panic",
			mws:   []gin.HandlerFunc{exposeContext},
			token: token(t, auth, jwt.MapClaims{"identity": "ann"}),
		},
		{
			name:  "expired token: no user",
			mws:   mounted,
			token: token(t, past, jwt.MapClaims{"identity": "mallory"}),
		},
		{
			name:  "token signed with another key: no user",
			mws:   mounted,
			token: token(t, foreign, jwt.MapClaims{"identity": "mallory"}),
		},
		{
			name:    "verified token without an identity",
			mws:     mounted,
			token:   token(t, auth, jwt.MapClaims{"email": "ann@example.com"}),
			wantErr: identity.ErrNoIdentifier,
		},
		{
			name:    "identity with a control character",
			mws:     mounted,
			token:   token(t, auth, jwt.MapClaims{"identity": "ann\r\n"}),
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "identity too long",
			mws:     mounted,
			token:   token(t, auth, jwt.MapClaims{"identity": strings.Repeat("é", 128)}),
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "fractional identity",
			mws:     mounted,
			token:   token(t, auth, jwt.MapClaims{"identity": 1.5}),
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "payload of a foreign type",
			mws:     planted("identity=ann"),
			wantErr: ginjwtclaims.ErrUnsupportedClaims,
		},
		{
			name: "payload as a plain map",
			mws:  planted(map[string]any{"identity": "ann"}),
			want: identity.Identity{Identifier: "ann"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ext, err := ginjwtclaims.New(tt.opts...)
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.token != "" {
				r.Header.Set("Authorization", "Bearer "+tt.token)
			}
			got := serve(t, ext, tt.mws, r)
			require.True(t, got.called, "the route handler did not run")
			assert.Equal(t, result2{got.id, got.ok, got.err}, got.viaHTTP, "Extract and ExtractGin differ")
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

// TestExtractWithoutGinContext: a request that does not carry its Gin
// context has no user for Extract, even behind gin-jwt.
func TestExtractWithoutGinContext(t *testing.T) {
	t.Parallel()
	auth := newAuth(t, signKey, nil, false)
	ext, err := ginjwtclaims.New()
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token(t, auth, jwt.MapClaims{"identity": "ann"}))
	got := serve(t, ext, []gin.HandlerFunc{auth.MiddlewareFunc()}, r)
	require.True(t, got.called)
	require.NoError(t, got.err)
	assert.True(t, got.ok, "ExtractGin reads the Gin context directly")
	assert.Equal(t, result2{}, got.viaHTTP)
}

func TestDefaultIdentifierClaimIsGinJWTs(t *testing.T) {
	t.Parallel()
	assert.Equal(t, jwt.IdentityKey, ginjwtclaims.DefaultIdentifierClaim)
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ext, err := ginjwtclaims.New(ginjwtclaims.WithClaimsOptions(identity.WithIdentifierClaim("user", "")))
	require.Error(t, err)
	assert.Nil(t, ext)
	var cfgErr *identity.ConfigError
	require.True(t, errors.As(err, &cfgErr), "%v", err)
	assert.Equal(t, "IdentifierClaim", cfgErr.Field)
}

// exposeContext puts the *gin.Context in the request's context, where
// Extract finds it, as adapters/ginidentify's TokenHandler does.
func exposeContext(c *gin.Context) {
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), gin.ContextKey, c))
}
