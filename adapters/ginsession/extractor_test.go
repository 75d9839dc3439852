package ginsession_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-contrib/sessions/memstore"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/ginsession"
	"github.com/autoidentify/autoidentify/identity"
)

const sessionName = "app-session"

var (
	hashKey  = []byte("0123456789abcdef0123456789abcdef")
	otherKey = []byte("fedcba9876543210fedcba9876543210")
)

// login runs a real Gin engine whose login route puts vals in the session
// and saves it, and returns the session cookie.
func login(t testing.TB, mw gin.HandlerFunc, session func(c *gin.Context) sessions.Session, vals map[string]any) *http.Cookie {
	t.Helper()
	engine := gin.New()
	engine.Use(mw)
	engine.POST("/login", func(c *gin.Context) {
		s := session(c)
		for k, v := range vals {
			s.Set(k, v)
		}
		if err := s.Save(); err != nil {
			c.AbortWithStatus(http.StatusInternalServerError)
		}
	})
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/login", nil))
	require.Equal(t, http.StatusOK, w.Code)
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	return cookies[0]
}

func loginDefault(t testing.TB, store sessions.Store, vals map[string]any) *http.Cookie {
	t.Helper()
	return login(t, sessions.Sessions(sessionName, store), sessions.Default, vals)
}

type found struct {
	id  identity.Identity
	ok  bool
	err error
}

// serve runs r through a real Gin engine with the given middlewares; the
// route handler calls both ExtractGin and Extract.
func serve(t testing.TB, ext *ginsession.Extractor, mws []gin.HandlerFunc, r *http.Request) (viaGin, viaHTTP found) {
	t.Helper()
	called := false
	engine := gin.New()
	engine.Use(mws...)
	engine.GET("/", func(c *gin.Context) {
		called = true
		viaGin.id, viaGin.ok, viaGin.err = ext.ExtractGin(c)
		viaHTTP.id, viaHTTP.ok, viaHTTP.err = ext.Extract(c.Request)
	})
	engine.ServeHTTP(httptest.NewRecorder(), r)
	require.True(t, called, "the route handler did not run")
	return viaGin, viaHTTP
}

func TestExtract(t *testing.T) {
	t.Parallel()
	store := cookie.NewStore(hashKey)
	foreign := cookie.NewStore(otherKey)
	mem := memstore.NewStore(hashKey)
	mounted := []gin.HandlerFunc{exposeContext, sessions.Sessions(sessionName, store)}
	many := []gin.HandlerFunc{exposeContext, sessions.SessionsMany([]string{"other", sessionName}, store)}
	fromStore := func(s sessions.Store, vals map[string]any) func(t *testing.T) *http.Cookie {
		return func(t *testing.T) *http.Cookie { return loginDefault(t, s, vals) }
	}

	tests := []struct {
		name    string
		mws     []gin.HandlerFunc
		cookie  func(t *testing.T) *http.Cookie // nil: no cookie
		opts    []ginsession.Option
		want    identity.Identity
		wantErr error
	}{
		{
			name:   "string user id",
			mws:    mounted,
			cookie: fromStore(store, map[string]any{"user_id": "u-1"}),
			want:   identity.Identity{Identifier: "u-1"},
		},
		{
			name:   "integer user id",
			mws:    mounted,
			cookie: fromStore(store, map[string]any{"user_id": int64(9001)}),
			want:   identity.Identity{Identifier: "9001"},
		},
		{
			name: "profile from session values, phone normalised",
			mws:  mounted,
			cookie: fromStore(store, map[string]any{
				"user_id": "u-2", "email": "ann@example.com", "phone_number": "+49 30 901820",
				"name": "Ann Lee", "picture": "https://example.com/a.png",
			}),
			want: identity.Identity{Identifier: "u-2", Profile: identity.Profile{
				Email: "ann@example.com", PhoneNumber: "+4930901820", Name: "Ann Lee", Avatar: "https://example.com/a.png",
			}},
		},
		{
			name:   "custom identifier key",
			mws:    mounted,
			cookie: fromStore(store, map[string]any{"uid": "u-3"}),
			opts:   []ginsession.Option{ginsession.WithClaimsOptions(identity.WithIdentifierClaim("uid"))},
			want:   identity.Identity{Identifier: "u-3"},
		},
		{
			name:   "server-side memstore",
			mws:    []gin.HandlerFunc{exposeContext, sessions.Sessions(sessionName, mem)},
			cookie: fromStore(mem, map[string]any{"user_id": "u-4"}),
			want:   identity.Identity{Identifier: "u-4"},
		},
		{
			name: "named session of SessionsMany",
			mws:  many,
			cookie: func(t *testing.T) *http.Cookie {
				return login(t, sessions.SessionsMany([]string{sessionName}, store),
					func(c *gin.Context) sessions.Session { return sessions.DefaultMany(c, sessionName) },
					map[string]any{"user_id": "u-5"})
			},
			opts: []ginsession.Option{ginsession.WithSessionName(sessionName)},
			want: identity.Identity{Identifier: "u-5"},
		},
		{
			name:   "SessionsMany without a session name: no user, no panic",
			mws:    many,
			cookie: fromStore(store, map[string]any{"user_id": "u-1"}),
		},
		{
			name:   "session name SessionsMany does not set up: no user",
			mws:    many,
			cookie: fromStore(store, map[string]any{"user_id": "u-1"}),
			opts:   []ginsession.Option{ginsession.WithSessionName("missing")},
		},
		{
			name: "no cookie: no user",
			mws:  mounted,
		},
		{
			name:   "middleware not mounted: no user, no panic",
			mws:    []gin.HandlerFunc{exposeContext},
			cookie: fromStore(store, map[string]any{"user_id": "u-1"}),
		},
		{
			name:   "session without a user: no user",
			mws:    mounted,
			cookie: fromStore(store, map[string]any{"theme": "dark"}),
		},
		{
			name:    "cookie signed with another key: rejected",
			mws:     mounted,
			cookie:  fromStore(foreign, map[string]any{"user_id": "mallory"}),
			wantErr: ginsession.ErrSessionRejected,
		},
		{
			name:    "control character in identifier",
			mws:     mounted,
			cookie:  fromStore(store, map[string]any{"user_id": "u\x7f1"}),
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "identifier too long",
			mws:     mounted,
			cookie:  fromStore(store, map[string]any{"user_id": strings.Repeat("x", 300)}),
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "identifier of the wrong type",
			mws:     mounted,
			cookie:  fromStore(store, map[string]any{"user_id": []string{"u-1"}}),
			wantErr: identity.ErrInvalidIdentifier,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ext, err := ginsession.New(tt.opts...)
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.cookie != nil {
				r.AddCookie(tt.cookie(t))
			}
			got, viaHTTP := serve(t, ext, tt.mws, r)
			assert.Equal(t, got, viaHTTP, "Extract and ExtractGin differ")
			if tt.wantErr != nil {
				require.ErrorIs(t, got.err, tt.wantErr)
				assert.False(t, got.ok)
				assert.Zero(t, got.id)
				assert.NotContains(t, got.err.Error(), "mallory", "the error must not repeat the identifier")
				return
			}
			require.NoError(t, got.err)
			assert.Equal(t, tt.want.Identifier != "", got.ok)
			assert.Equal(t, tt.want, got.id)
		})
	}
}

// TestDefaultPanicsWhereExtractDoesNot pins the library behaviour the guard
// exists for.
func TestDefaultPanicsWhereExtractDoesNot(t *testing.T) {
	t.Parallel()
	ext, err := ginsession.New()
	require.NoError(t, err)
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	assert.Panics(t, func() { sessions.Default(c) })
	assert.NotPanics(t, func() {
		_, ok, err := ext.ExtractGin(c)
		assert.False(t, ok)
		assert.NoError(t, err)
	})
}

// TestExtractSharesTheAppsDecode: the extractor reads through gin-contrib's
// session, so the app's later read gets the same decoded values, and the
// app's own writes after extraction are its own business.
func TestExtractSharesTheAppsDecode(t *testing.T) {
	t.Parallel()
	store := cookie.NewStore(hashKey)
	ext, err := ginsession.New()
	require.NoError(t, err)
	engine := gin.New()
	engine.Use(sessions.Sessions(sessionName, store))
	var seen []any
	engine.GET("/", func(c *gin.Context) {
		id, ok, err := ext.ExtractGin(c)
		seen = append(seen, id.Identifier, ok, err, sessions.Default(c).Get("user_id"))
	})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(loginDefault(t, store, map[string]any{"user_id": "u-1"}))
	engine.ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, []any{"u-1", true, nil, "u-1"}, seen)
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opt   ginsession.Option
		field string
	}{
		{name: "empty session name", opt: ginsession.WithSessionName(""), field: "SessionName"},
		{name: "bad claims option", opt: ginsession.WithClaimsOptions(identity.WithClaimsFunc(nil)), field: "ClaimsFunc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ext, err := ginsession.New(tt.opt)
			require.Error(t, err)
			assert.Nil(t, ext)
			var cfgErr *identity.ConfigError
			require.True(t, errors.As(err, &cfgErr), "%v", err)
			assert.Equal(t, tt.field, cfgErr.Field)
		})
	}
}

// exposeContext puts the *gin.Context in the request's context, where
// Extract finds it, as adapters/ginidentify's TokenHandler does.
func exposeContext(c *gin.Context) {
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), gin.ContextKey, c))
}
