package gorillasession_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/gorillasession"
	"github.com/autoidentify/autoidentify/identity"
)

const sessionName = "app-session"

var (
	hashKey  = []byte("0123456789abcdef0123456789abcdef")
	otherKey = []byte("fedcba9876543210fedcba9876543210")
)

// sessionCookie saves vals in a new session of store, as a login handler
// would, and returns the cookie the store set.
func sessionCookie(t testing.TB, store sessions.Store, vals map[any]any) *http.Cookie {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/login", nil)
	w := httptest.NewRecorder()
	s, err := store.Get(r, sessionName)
	require.NoError(t, err)
	for k, v := range vals {
		s.Values[k] = v
	}
	require.NoError(t, s.Save(r, w))
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	return cookies[0]
}

func TestExtract(t *testing.T) {
	t.Parallel()
	store := sessions.NewCookieStore(hashKey)
	foreign := sessions.NewCookieStore(otherKey)

	tests := []struct {
		name    string
		cookie  func(t *testing.T) *http.Cookie // nil: no cookie
		opts    []gorillasession.Option
		want    identity.Identity
		wantOK  bool
		wantErr error
	}{
		{
			name:   "string user id",
			cookie: func(t *testing.T) *http.Cookie { return sessionCookie(t, store, map[any]any{"user_id": "u-1"}) },
			want:   identity.Identity{Identifier: "u-1"}, wantOK: true,
		},
		{
			name:   "integer user id",
			cookie: func(t *testing.T) *http.Cookie { return sessionCookie(t, store, map[any]any{"user_id": 4217}) },
			want:   identity.Identity{Identifier: "4217"}, wantOK: true,
		},
		{
			name: "profile from session values, phone normalised, bad email dropped",
			cookie: func(t *testing.T) *http.Cookie {
				return sessionCookie(t, store, map[any]any{
					"user_id": "u-2", "email": "not-an-email", "phone_number": "+1 (555) 123-4567",
					"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee", "picture": "https://example.com/a.png",
				})
			},
			want: identity.Identity{Identifier: "u-2", Profile: identity.Profile{
				PhoneNumber: "+15551234567", FirstName: "Ann", LastName: "Lee", Name: "Ann Lee",
				Avatar: "https://example.com/a.png",
			}},
			wantOK: true,
		},
		{
			name: "custom identifier key",
			cookie: func(t *testing.T) *http.Cookie {
				return sessionCookie(t, store, map[any]any{"uid": "u-3", "user_id": "ignored"})
			},
			opts: []gorillasession.Option{gorillasession.WithClaimsOptions(identity.WithIdentifierClaim("uid"))},
			want: identity.Identity{Identifier: "u-3"}, wantOK: true,
		},
		{
			name:   "no cookie: no user",
			cookie: nil,
		},
		{
			name:   "session without a user: no user",
			cookie: func(t *testing.T) *http.Cookie { return sessionCookie(t, store, map[any]any{"theme": "dark"}) },
		},
		{
			name:   "nil user id: no user",
			cookie: func(t *testing.T) *http.Cookie { return sessionCookie(t, store, map[any]any{"user_id": nil}) },
		},
		{
			name:    "cookie signed with another key: rejected",
			cookie:  func(t *testing.T) *http.Cookie { return sessionCookie(t, foreign, map[any]any{"user_id": "mallory"}) },
			wantErr: gorillasession.ErrSessionRejected,
		},
		{
			name: "forged cookie value: rejected",
			cookie: func(*testing.T) *http.Cookie {
				return &http.Cookie{Name: sessionName, Value: "dXNlcl9pZD1tYWxsb3J5"}
			},
			wantErr: gorillasession.ErrSessionRejected,
		},
		{
			name:    "control character in identifier",
			cookie:  func(t *testing.T) *http.Cookie { return sessionCookie(t, store, map[any]any{"user_id": "u\x00-1"}) },
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "blank identifier",
			cookie:  func(t *testing.T) *http.Cookie { return sessionCookie(t, store, map[any]any{"user_id": "   "}) },
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name: "identifier too long",
			cookie: func(t *testing.T) *http.Cookie {
				return sessionCookie(t, store, map[any]any{"user_id": strings.Repeat("x", 256)})
			},
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name: "identifier longer than identity.MaxIdentifierLen",
			cookie: func(t *testing.T) *http.Cookie {
				return sessionCookie(t, store, map[any]any{"user_id": strings.Repeat("u", identity.MaxIdentifierLen+1)})
			},
			wantErr: identity.ErrInvalidIdentifier,
		},
		{
			name:    "identifier of the wrong type",
			cookie:  func(t *testing.T) *http.Cookie { return sessionCookie(t, store, map[any]any{"user_id": true}) },
			wantErr: identity.ErrInvalidIdentifier,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ext, err := gorillasession.New(store, sessionName, tt.opts...)
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.cookie != nil {
				r.AddCookie(tt.cookie(t))
			}
			got, ok, err := ext.Extract(r)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.False(t, ok)
				assert.Zero(t, got)
				assert.NotContains(t, err.Error(), "mallory", "the error must not repeat the identifier")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestExtractSharesTheAppsDecode runs a real server: the login handler saves
// the session, and on the next request the extractor and then the app read
// it. Both must see the very same *Session, decoded once.
func TestExtractSharesTheAppsDecode(t *testing.T) {
	t.Parallel()
	store := sessions.NewCookieStore(hashKey)
	store.Options.Secure = false // the test server speaks plain HTTP
	ext, err := gorillasession.New(store, sessionName)
	require.NoError(t, err)

	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s, _ := store.Get(r, sessionName)
		s.Values["user_id"] = "u-9"
		s.Values["email"] = "ann@example.com"
		if err := s.Save(r, w); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		id, ok, err := ext.Extract(r)
		if err != nil || !ok {
			http.Error(w, "no user", http.StatusUnauthorized)
			return
		}
		ours, _ := store.Get(r, sessionName)
		again, _ := store.Get(r, sessionName)
		if ours != again {
			http.Error(w, "decoded twice", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(id.Identifier + " " + id.Profile.Email))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(srv.URL + "/login")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)

	resp, err = client.Get(srv.URL + "/me")
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "u-9 ann@example.com", string(body))
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	store := sessions.NewCookieStore(hashKey)
	tests := []struct {
		name  string
		store sessions.Store
		sess  string
		opts  []gorillasession.Option
		field string
	}{
		{name: "nil store", store: nil, sess: sessionName, field: "Store"},
		{name: "empty name", store: store, sess: "", field: "Name"},
		{
			name: "bad claims option", store: store, sess: sessionName, field: "IdentifierClaim",
			opts: []gorillasession.Option{gorillasession.WithClaimsOptions(identity.WithIdentifierClaim())},
		},
		{
			name: "nil option", store: store, sess: sessionName, field: "options",
			opts: []gorillasession.Option{nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ext, err := gorillasession.New(tt.store, tt.sess, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, ext)
			var cfgErr *identity.ConfigError
			require.True(t, errors.As(err, &cfgErr), "%v", err)
			assert.Equal(t, tt.field, cfgErr.Field)
		})
	}
}
