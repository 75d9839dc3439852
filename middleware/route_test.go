package middleware_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

var errBadToken = errors.New("test: bad token")

// fromHeader names the user in X-User; "bad" is a rejected credential.
var fromHeader = identity.ExtractorFunc(func(r *http.Request) (identity.Identity, bool, error) {
	switch v := r.Header.Get("X-User"); v {
	case "":
		return identity.Identity{}, false, nil
	case "bad":
		return identity.Identity{}, false, errBadToken
	default:
		return identity.Identity{Identifier: v, Profile: identity.Profile{FirstName: "From header"}}, true, nil
	}
})

// whoAndWhy answers "<identifier or -> <extractor error or ->".
var whoAndWhy = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	who, why := "-", "-"
	if id, ok := identity.FromContext(r.Context()); ok {
		who = id.Identifier
	}
	if err := middleware.ErrorFromContext(r.Context()); err != nil {
		why = err.Error()
	}
	_, _ = io.WriteString(w, who+" "+why)
})

func TestRoutes(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	mux := http.NewServeMux()
	mux.Handle("/ctx", m.Handler(whoAndWhy))
	mux.Handle("/header", with(t, m, middleware.WithExtractor(fromHeader)).Handler(whoAndWhy))
	mux.Handle("/identify-only", with(t, m, middleware.WithExtractor(fromHeader), middleware.WithSync(false)).Handler(whoAndWhy))
	required := with(t, m, middleware.WithExtractor(fromHeader), middleware.WithRequired(true))
	mux.Handle("/required", required.Handler(whoAndWhy))
	mux.Handle("/required-ctx", with(t, required, middleware.WithExtractor(nil)).Handler(whoAndWhy)) // back to the default extractor
	mux.Handle("/plain", whoAndWhy)

	tests := []struct {
		path, header string
		inCtx        string // an identity an earlier middleware put in the context
		code         int
		body         string
	}{
		{path: "/ctx", inCtx: "c1", code: 200, body: "c1 -"},
		{path: "/ctx", header: "ignored", code: 200, body: "- -"},
		{path: "/header", header: "h1", code: 200, body: "h1 -"},
		{path: "/header", code: 200, body: "- -"},
		{path: "/header", header: "bad", code: 200, body: "- test: bad token"},
		{path: "/identify-only", header: "n1", code: 200, body: "n1 -"},
		{path: "/required", header: "r1", code: 200, body: "r1 -"},
		{path: "/required", code: 401, body: `{"error":"unauthorized"}` + "\n"},
		{path: "/required", header: "bad", code: 401, body: `{"error":"unauthorized"}` + "\n"},
		{path: "/required-ctx", inCtx: "c2", code: 200, body: "c2 -"},
		{path: "/required-ctx", header: "r2", code: 401, body: `{"error":"unauthorized"}` + "\n"},
		{path: "/plain", header: "p1", inCtx: "p2", code: 200, body: "p2 -"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, tt.path, nil)
		if tt.header != "" {
			r.Header.Set("X-User", tt.header)
		}
		if tt.inCtx != "" {
			r = r.WithContext(identity.NewContext(r.Context(), identity.Identity{Identifier: tt.inCtx}))
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		assert.Equal(t, tt.code, w.Code, "%s %q", tt.path, tt.header)
		assert.Equal(t, tt.body, w.Body.String(), "%s %q", tt.path, tt.header)
	}
	flush(t, m)
	assert.ElementsMatch(t, []string{"c1", "h1", "r1", "c2"}, srv.Identifiers(),
		"synced: users of syncing routes only")
	u, _ := srv.User("h1")
	assert.Equal(t, "From header", u.Profile().FirstName, "the route's extractor gives the profile")
}

// signer mints fake tokens; "broken" cannot be signed.
type signer struct{}

func (signer) Token(identifier string) (string, error) {
	if identifier == "broken" {
		return "", errors.New("signer: key material -----BEGIN PRIVATE KEY----- unusable")
	}
	return "token-for-" + identifier, nil
}

var _ middleware.TokenSigner = (*engagespot.TokenSigner)(nil) // the real one fits the port

func TestSecureMode(t *testing.T) {
	t.Parallel()
	var log logs
	m, srv := setup(t, middleware.WithSecureMode(true), middleware.WithTokenSigner(signer{}),
		middleware.WithExtractor(fromHeader), log.option())
	mux := http.NewServeMux()
	mux.Handle("/", m.Handler(whoAndWhy))
	mux.Handle("/token", m.TokenHandler())
	get := func(path, who string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if who != "" {
			r.Header.Set("X-User", who)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}

	assert.Equal(t, "ann -", get("/", "ann").Body.String(), "identified, in the context")
	flush(t, m)
	assert.Zero(t, srv.Calls(), "but created nowhere")

	w := get("/token", "ann")
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	var body struct{ Token string }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
	assert.Equal(t, "token-for-ann", body.Token)

	for _, who := range []string{"", "bad", " "} {
		w := get("/token", who)
		assert.Equal(t, http.StatusUnauthorized, w.Code, "user %q", who)
		assert.JSONEq(t, `{"error":"unauthorized"}`, w.Body.String())
	}

	w = get("/token", "broken")
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.JSONEq(t, `{"error":"internal error"}`, w.Body.String(), "the cause stays on the server")
	assert.Equal(t, 1, log.count("signing a user token"))

	require.NoError(t, m.Ensure(context.Background(), user("ann", "ann@example.com")),
		"explicit creation still works")
	assert.Equal(t, []string{"ann"}, srv.Identifiers())
	assert.NotContains(t, log.String(), "token-for-", "no token in the logs")
}

func TestTokenHandlerNeedsASigner(t *testing.T) {
	t.Parallel()
	m, _ := setup(t)
	assert.PanicsWithValue(t, "middleware: TokenHandler needs WithTokenSigner", func() { m.TokenHandler() })
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	dir := middleware.Directory(noopDirectory{})
	tests := []struct {
		field string
		dir   middleware.Directory
		opts  []middleware.Option
	}{
		{"Directory", nil, nil},
		{"options", dir, []middleware.Option{middleware.WithWorkers(2), nil}},
		{"CacheSize", dir, []middleware.Option{middleware.WithCacheSize(0)}},
		{"TTL", dir, []middleware.Option{middleware.WithTTL(-1)}},
		{"QueueSize", dir, []middleware.Option{middleware.WithQueueSize(-5)}},
		{"Workers", dir, []middleware.Option{middleware.WithWorkers(0)}},
		{"AttemptTimeout", dir, []middleware.Option{middleware.WithAttemptTimeout(0)}},
		{"MaxAttempts", dir, []middleware.Option{middleware.WithMaxAttempts(0)}},
		{"Backoff", dir, []middleware.Option{middleware.WithBackoff(0, 1)}},
		{"Backoff", dir, []middleware.Option{middleware.WithBackoff(2, 1)}},
		{"Pause", dir, []middleware.Option{middleware.WithPause(0, 1)}},
		{"Pause", dir, []middleware.Option{middleware.WithPause(1, 0)}},
		{"SecureMode", dir, []middleware.Option{middleware.WithSecureMode(true)}},
		{"TokenSigner", dir, []middleware.Option{middleware.WithTokenSigner(nil)}},
		{"Store", dir, []middleware.Option{middleware.WithStore(nil)}},
		{"OutcomeHook", dir, []middleware.Option{middleware.WithOutcomeHook(nil)}},
		{"AttemptHook", dir, []middleware.Option{middleware.WithAttemptHook(nil)}},
		{"JobContext", dir, []middleware.Option{middleware.WithJobContext(nil)}},
		{"AttemptContext", dir, []middleware.Option{middleware.WithAttemptContext(nil)}},
	}
	for _, tt := range tests {
		m, err := middleware.New(tt.dir, tt.opts...)
		assert.Nil(t, m)
		var ce *identity.ConfigError
		if assert.ErrorAs(t, err, &ce, tt.field) {
			assert.Equal(t, tt.field, ce.Field)
			assert.True(t, strings.HasPrefix(err.Error(), "middleware: bad "+tt.field+": "), err.Error())
		}
	}
}

// With takes route options only: an option of the whole middleware, or a
// nil one, is refused with the reason, as New refuses a bad one.
func TestWithRefusesWhatIsNoRouteOption(t *testing.T) {
	t.Parallel()
	m, _ := setup(t)
	tests := []struct {
		field  string
		opts   []middleware.Option
		reason string
	}{
		{"Workers", []middleware.Option{middleware.WithRequired(true), middleware.WithWorkers(8)}, "give it to New, not With"},
		{"Logger", []middleware.Option{middleware.WithLogger(nil)}, "give it to New, not With"},
		{"options", []middleware.Option{nil}, "option 0 is nil"},
	}
	for _, tt := range tests {
		rt, err := m.With(tt.opts...)
		assert.Nil(t, rt)
		var ce *identity.ConfigError
		if assert.ErrorAs(t, err, &ce, tt.field) {
			assert.Equal(t, tt.field, ce.Field)
			assert.ErrorContains(t, err, "middleware: bad "+tt.field+": ")
			assert.ErrorContains(t, err, tt.reason)
		}
	}
	rt, err := m.With(middleware.WithRequired(true), middleware.WithSync(false))
	require.NoError(t, err)
	w := httptest.NewRecorder()
	_, ok := rt.Identify(w, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.False(t, ok, "the route options applied: a request without a user is refused")
	assert.Equal(t, http.StatusUnauthorized, w.Code)
}

type noopDirectory struct{}

func (noopDirectory) Upsert(context.Context, identity.Identity) error { return nil }

// A refused request says how to authenticate (RFC 6750), and an app may
// answer it its own way, per route; the token route too.
func TestUnauthorizedAnswers(t *testing.T) {
	t.Parallel()
	m, _ := setup(t, middleware.WithTokenSigner(signer{}))
	custom := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		why := "signed out"
		if err := middleware.ErrorFromContext(r.Context()); err != nil {
			why = err.Error()
		}
		http.Redirect(w, r, "/login?why="+url.QueryEscape(why), http.StatusFound)
	})
	required := with(t, m, middleware.WithExtractor(fromHeader), middleware.WithRequired(true))
	own := with(t, required, middleware.WithUnauthorized(custom))
	mux := http.NewServeMux()
	mux.Handle("/default", required.Handler(whoAndWhy))
	mux.Handle("/own", own.Handler(whoAndWhy))
	mux.Handle("/own/token", own.TokenHandler())
	mux.Handle("/default/token", required.TokenHandler())
	mux.Handle("/restored", with(t, own, middleware.WithUnauthorized(nil)).Handler(whoAndWhy))

	tests := []struct {
		path, user string
		code       int
		challenge  string
		location   string
	}{
		{"/default", "", 401, "Bearer", ""},
		{"/default", "bad", 401, `Bearer error="invalid_token"`, ""},
		{"/default/token", "", 401, "Bearer", ""},
		{"/default/token", "bad", 401, `Bearer error="invalid_token"`, ""},
		{"/own", "", 302, "", "/login?why=signed+out"},
		{"/own", "bad", 302, "", "/login?why=test%3A+bad+token"},
		{"/own/token", "bad", 302, "", "/login?why=test%3A+bad+token"},
		{"/restored", "", 401, "Bearer", ""},
		{"/default", "ann", 200, "", ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodGet, tt.path, nil)
		if tt.user != "" {
			r.Header.Set("X-User", tt.user)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		assert.Equal(t, tt.code, w.Code, "%s %q", tt.path, tt.user)
		assert.Equal(t, tt.challenge, w.Header().Get("WWW-Authenticate"), "%s %q", tt.path, tt.user)
		assert.Equal(t, tt.location, w.Header().Get("Location"), "%s %q", tt.path, tt.user)
	}
}

// An extractor that keeps what it verified (the JWT extractor's
// verified-token cache) hands it out: the request's context carries that
// very Verified, and the middleware uses its fingerprint rather than hashing
// the profile again.
func TestRouteUsesWhatTheExtractorKept(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	kept := func(fp uint64) *identity.Verified {
		return &identity.Verified{
			Identity:    identity.Identity{Identifier: "ann", Profile: identity.Profile{Custom: map[string]any{"plan": "pro"}}},
			Fingerprint: fp, IdentifierHash: identity.HashIdentifier("ann"),
		}
	}
	ext := keeping{kept: new(atomic.Pointer[identity.Verified])}
	ext.kept.Store(kept(1))
	var seen identity.Identity
	h := with(t, m, middleware.WithExtractor(ext)).Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen, _ = identity.FromContext(r.Context())
		_, fp, _ := identity.FingerprintFromContext(r.Context())
		assert.Equal(t, ext.kept.Load().Fingerprint, fp, "the context carries the extractor's Verified")
		seen.Profile.Custom["plan"] = "changed by the handler"
	}))
	get := func() {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		h.ServeHTTP(httptest.NewRecorder(), r)
		flush(t, m)
	}
	get()
	get()
	assert.Equal(t, "ann", seen.Identifier)
	assert.Equal(t, "pro", ext.kept.Load().Identity.Profile.Custom["plan"], "the handler changed a copy")
	assert.Equal(t, 1, srv.Calls(), "the same fingerprint: a hit")
	ext.kept.Store(kept(2)) // the same profile, another fingerprint: only the extractor's can have changed
	get()
	assert.Equal(t, 2, srv.Calls(), "the extractor's fingerprint was the one used")
}

// keeping hands out the Verified it keeps.
type keeping struct {
	kept *atomic.Pointer[identity.Verified]
}

func (k keeping) Extract(r *http.Request) (identity.Identity, bool, error) {
	return k.kept.Load().Identity, true, nil
}

func (k keeping) ExtractVerified(*http.Request) (*identity.Verified, bool, error) {
	return k.kept.Load(), true, nil
}
