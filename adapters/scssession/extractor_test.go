package scssession_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/scssession"
	"github.com/autoidentify/autoidentify/identity"
)

// newManager returns a real session manager with scs's default store, a
// memstore. Its cleanup goroutine stays: see TestMain.
func newManager(testing.TB) *scs.SessionManager { return scs.New() }

// login runs put inside LoadAndSave, as the app's login handler would, and
// returns the session cookie scs set.
func login(t testing.TB, sm *scs.SessionManager, put func(ctx context.Context)) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	sm.LoadAndSave(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		put(r.Context())
	})).ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/login", nil))
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	return cookies[0]
}

type result struct {
	id  identity.Identity
	ok  bool
	err error
}

// extract serves r through handler chain wrap(extractor) and returns what
// the extractor found.
func extract(t testing.TB, ext *scssession.Extractor, wrap func(http.Handler) http.Handler, r *http.Request) result {
	t.Helper()
	var got result
	called := false
	wrap(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		called = true
		got.id, got.ok, got.err = ext.Extract(r)
	})).ServeHTTP(httptest.NewRecorder(), r)
	require.True(t, called, "the handler did not run")
	return got
}

func TestExtract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		put       func(ctx context.Context, sm *scs.SessionManager) // nil: no session cookie
		unmounted bool                                              // LoadAndSave not in the chain
		destroy   bool                                              // the app destroys the session first
		opts      []scssession.Option
		want      identity.Identity
		wantErr   error
	}{
		{
			name: "string user id",
			put:  func(ctx context.Context, sm *scs.SessionManager) { sm.Put(ctx, "user_id", "u-1") },
			want: identity.Identity{Identifier: "u-1"},
		},
		{
			name: "integer user id",
			put:  func(ctx context.Context, sm *scs.SessionManager) { sm.Put(ctx, "user_id", 4217) },
			want: identity.Identity{Identifier: "4217"},
		},
		{
			name: "profile from session values, phone normalised, bad email dropped",
			put: func(ctx context.Context, sm *scs.SessionManager) {
				sm.Put(ctx, "user_id", "u-2")
				sm.Put(ctx, "email", "ann@")
				sm.Put(ctx, "phone_number", "0044 20 7946 0958")
				sm.Put(ctx, "given_name", "Ann")
				sm.Put(ctx, "family_name", "Lee")
			},
			want: identity.Identity{Identifier: "u-2", Profile: identity.Profile{
				PhoneNumber: "+442079460958", FirstName: "Ann", LastName: "Lee",
			}},
		},
		{
			name: "custom identifier key",
			put: func(ctx context.Context, sm *scs.SessionManager) {
				sm.Put(ctx, "authenticatedUserID", 7)
				sm.Put(ctx, "user_id", "ignored")
			},
			opts: []scssession.Option{scssession.WithClaimsOptions(identity.WithIdentifierClaim("authenticatedUserID"))},
			want: identity.Identity{Identifier: "7"},
		},
		{
			name: "no session cookie: no user",
		},
		{
			name: "session without a user: no user",
			put:  func(ctx context.Context, sm *scs.SessionManager) { sm.Put(ctx, "theme", "dark") },
		},
		{
			name:      "LoadAndSave not mounted: no user, no panic",
			put:       func(ctx context.Context, sm *scs.SessionManager) { sm.Put(ctx, "user_id", "u-1") },
			unmounted: true,
		},
		{
			name:    "session destroyed by the app: no user",
			put:     func(ctx context.Context, sm *scs.SessionManager) { sm.Put(ctx, "user_id", "u-1") },
			destroy: true,
		},
		{
			name:    "control character in identifier",
			put:     func(ctx context.Context, sm *scs.SessionManager) { sm.Put(ctx, "user_id", "u-1\n") },
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "invalid UTF-8 identifier",
			put:     func(ctx context.Context, sm *scs.SessionManager) { sm.Put(ctx, "user_id", "u-\xff") },
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "identifier too long",
			put:     func(ctx context.Context, sm *scs.SessionManager) { sm.Put(ctx, "user_id", strings.Repeat("x", 256)) },
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "empty identifier",
			put:     func(ctx context.Context, sm *scs.SessionManager) { sm.Put(ctx, "user_id", "") },
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "fractional identifier",
			put:     func(ctx context.Context, sm *scs.SessionManager) { sm.Put(ctx, "user_id", 4.5) },
			wantErr: identity.ErrInvalidIdentifier,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm := newManager(t)
			ext, err := scssession.New(sm, tt.opts...)
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.put != nil {
				r.AddCookie(login(t, sm, func(ctx context.Context) { tt.put(ctx, sm) }))
			}
			wrap := func(next http.Handler) http.Handler {
				if tt.destroy {
					next = destroyFirst(sm, next)
				}
				if tt.unmounted {
					return next
				}
				return sm.LoadAndSave(next)
			}
			got := extract(t, ext, wrap, r)
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

func destroyFirst(sm *scs.SessionManager, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := sm.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// TestExtractPassesOtherPanicsOn checks that the guard for an unloaded
// session swallows only scs's own panic: a context that panics for another
// reason is not hidden.
func TestExtractPassesOtherPanicsOn(t *testing.T) {
	t.Parallel()
	ext, err := scssession.New(newManager(t))
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodGet, "/", nil).WithContext(panickyContext{context.Background()})
	assert.PanicsWithValue(t, "boom", func() { _, _, _ = ext.Extract(r) })
}

type panickyContext struct{ context.Context }

func (panickyContext) Value(any) any { panic("boom") }

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		sm    *scs.SessionManager
		opts  []scssession.Option
		field string
	}{
		{name: "nil manager", field: "SessionManager"},
		{
			name: "bad claims option", sm: newManager(t), field: "IdentifierClaim",
			opts: []scssession.Option{scssession.WithClaimsOptions(identity.WithIdentifierClaim())},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ext, err := scssession.New(tt.sm, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, ext)
			var cfgErr *identity.ConfigError
			require.True(t, errors.As(err, &cfgErr), "%v", err)
			assert.Equal(t, tt.field, cfgErr.Field)
		})
	}
}
