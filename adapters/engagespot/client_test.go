package engagespot_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// What the middleware needs from this package.
var (
	_ middleware.Directory   = (*engagespot.Client)(nil)
	_ middleware.TokenSigner = (*engagespot.TokenSigner)(nil)
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// setup returns a client talking to a fresh fake API.
func setup(t *testing.T, opts ...engagespot.Option) (*engagespot.Client, *engagespottest.Server) {
	t.Helper()
	srv := engagespottest.NewServer(t)
	c, err := engagespot.New(srv.APIKey, srv.APISecret,
		append([]engagespot.Option{engagespot.WithBaseURL(srv.URL()), engagespot.WithHTTPClient(srv.HTTPClient())}, opts...)...)
	require.NoError(t, err)
	return c, srv
}

func TestUpsertCreatesAndUpdates(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	ctx := t.Context()

	require.NoError(t, c.Upsert(ctx, identity.Identity{
		Identifier: "user-1",
		Profile:    identity.Profile{Email: "a@example.com", FirstName: "Ann", Custom: map[string]any{"plan": "free"}},
	}))
	require.NoError(t, c.CreateOrUpdateUser(ctx, "user-1", identity.Profile{Custom: map[string]any{"plan": "pro"}}))

	u, ok := srv.User("user-1")
	require.True(t, ok)
	assert.Equal(t, "a@example.com", u.Email())
	assert.Equal(t, "pro", u.Attributes["plan"])
	assert.Equal(t, 2, u.Writes)

	last, _ := srv.LastRequest()
	assert.Equal(t, http.MethodPut, last.Method)
	assert.Equal(t, "/v3/users/user-1", last.Path)
	assert.Equal(t, `{"plan":"pro"}`, string(last.Body))
	assert.Equal(t, engagespot.UserAgent, last.Header.Get("User-Agent"))
	assert.Equal(t, "application/json", last.Header.Get("Content-Type"))
	assert.Equal(t, srv.APIKey, last.Header.Get("X-ENGAGESPOT-API-KEY"))
	assert.Equal(t, srv.APISecret, last.Header.Get("X-ENGAGESPOT-API-SECRET"))
}

func TestUserAgentNamesVersion(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "autoidentify/"+engagespot.Version+" (+https://github.com/autoidentify/autoidentify)", engagespot.UserAgent)
	assert.Regexp(t, `^\d+\.\d+\.\d+`, engagespot.Version)
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.AddUser("a/b", identity.Profile{Email: "a@example.com"})

	require.NoError(t, c.DeleteUser(t.Context(), "a/b"))
	_, ok := srv.User("a/b")
	assert.False(t, ok)
	last, _ := srv.LastRequest()
	assert.Equal(t, http.MethodDelete, last.Method)
	assert.Equal(t, "/v3/users/a%2Fb", last.Path)
	assert.Empty(t, last.Body)

	err := c.DeleteUser(t.Context(), "a/b")
	require.ErrorIs(t, err, engagespot.ErrNotFound)
	var ae *engagespot.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusNotFound, ae.StatusCode)
	assert.False(t, ae.Retryable())
	assert.Contains(t, ae.Body, "User not found")
}

func TestBadInputIsRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		identifier string
		profile    identity.Profile
		opts       []engagespot.Option
		want       error
		because    string
	}{
		{"empty", "", identity.Profile{}, nil, identity.ErrInvalidIdentifier, "empty"},
		{"blank", "  ", identity.Profile{}, nil, identity.ErrInvalidIdentifier, "blank"},
		{"invalid UTF-8", "a\xffb", identity.Profile{}, nil, identity.ErrInvalidIdentifier, "invalid UTF-8"},
		{"newline", "a\nb", identity.Profile{}, nil, identity.ErrInvalidIdentifier, "control character"},
		{"NUL", "a\x00", identity.Profile{}, nil, identity.ErrInvalidIdentifier, "control character"},
		{"DEL", "a\x7f", identity.Profile{}, nil, identity.ErrInvalidIdentifier, "control character"},
		{"dot dot", "..", identity.Profile{}, nil, identity.ErrInvalidIdentifier, "path step"},
		{"256 bytes", strings.Repeat("x", 256), identity.Profile{}, nil, identity.ErrInvalidIdentifier, "256 bytes, limit 255"},
		{"identifier attribute", "u", identity.Profile{Custom: map[string]any{"identifier": "x"}}, nil, identity.ErrInvalidAttribute, `"identifier" is reserved (Engagespot answers 422)`},
		{"field name as attribute", "u", identity.Profile{Custom: map[string]any{"email": "x"}}, nil, identity.ErrInvalidAttribute, "set the Profile field instead"},
		{"empty attribute name", "u", identity.Profile{Custom: map[string]any{"": "x"}}, nil, identity.ErrInvalidAttribute, "empty name"},
		{"unencodable attribute", "u", identity.Profile{Custom: map[string]any{"f": func() {}}}, nil, identity.ErrInvalidAttribute, "does not encode as JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t, tt.opts...)
			err := c.CreateOrUpdateUser(t.Context(), tt.identifier, tt.profile)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.because)
			var ie *engagespot.InputError
			require.ErrorAs(t, err, &ie)
			assert.False(t, ie.Retryable())
			assert.Zero(t, ie.RetryDelay())
			if len(tt.identifier) > 3 {
				assert.NotContains(t, err.Error(), tt.identifier, "the error does not repeat the identifier")
			}
			if tt.profile.IsZero() {
				assert.ErrorIs(t, c.DeleteUser(t.Context(), tt.identifier), tt.want)
			}
			assert.Zero(t, srv.Calls(), "nothing was sent")
		})
	}
}

func TestUpsertAtTheLengthLimit(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	id := strings.Repeat("é", 127) + "x" // 255 bytes
	require.NoError(t, c.Upsert(t.Context(), identity.Identity{Identifier: id}))
	_, ok := srv.User(id)
	assert.True(t, ok)
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		key    string
		secret string
		opts   []engagespot.Option
		field  string
	}{
		{"no key", "", "s", nil, "apiKey"},
		{"no secret", "k", " ", nil, "apiSecret"},
		// Read from a file with its newline: no header can carry it, so every call would fail.
		{"secret with a newline", "k", "hunter2\n", nil, "apiSecret"},
		{"key with a control character", "k\r\n", "s", nil, "apiKey"},
		{"relative base URL", "k", "s", []engagespot.Option{engagespot.WithBaseURL("/v3")}, "BaseURL"},
		{"ftp base URL", "k", "s", []engagespot.Option{engagespot.WithBaseURL("ftp://example.com/v3")}, "BaseURL"},
		{"no host", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https:///v3")}, "BaseURL"},
		{"query", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https://example.com/v3?x=1")}, "BaseURL"},
		{"fragment", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https://example.com/v3#x")}, "BaseURL"},
		{"not a URL", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https://exa mple.com:x/")}, "BaseURL"},
		{"credentials in URL", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https://u:hunter2@example.com/v3")}, "BaseURL"},
		{"credentials in an ftp URL", "k", "s", []engagespot.Option{engagespot.WithBaseURL("ftp://u:hunter2@example.com/v3")}, "BaseURL"},
		{"token as user name", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https://hunter2@exa mple.com/v3")}, "BaseURL"},
		{"token in the query", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https://example.com/v3?token=hunter2")}, "BaseURL"},
		{"token in the path of a URL without host", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https:///hunter2/v3")}, "BaseURL"},
		{"token in the path of an ftp URL", "k", "s", []engagespot.Option{engagespot.WithBaseURL("ftp://example.com/hunter2")}, "BaseURL"},
		{"no version path", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https://api.engagespot.co")}, "BaseURL"},
		{"no version path, a slash", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https://api.engagespot.co/")}, "BaseURL"},
		{"a path that is no version", "k", "s", []engagespot.Option{engagespot.WithBaseURL("https://proxy.example.com/engagespot/vx")}, "BaseURL"},
		// The secret would travel in the clear.
		{"plain http to another host", "k", "s", []engagespot.Option{engagespot.WithBaseURL("http://api.engagespot.co/v3")}, "BaseURL"},
		{"plain http to a private address", "k", "s", []engagespot.Option{engagespot.WithBaseURL("http://10.0.0.5:8080/v3")}, "BaseURL"},
		{"unknown region", "k", "s", []engagespot.Option{engagespot.WithRegion("mars")}, "Region"},
		{"nil HTTP client", "k", "s", []engagespot.Option{engagespot.WithHTTPClient(nil)}, "HTTPClient"},
		{"zero timeout", "k", "s", []engagespot.Option{engagespot.WithTimeout(0)}, "Timeout"},
		{"nil option", "k", "s", []engagespot.Option{engagespot.WithTimeout(time.Second), nil}, "options"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := engagespot.New(tt.key, tt.secret, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			var ce *identity.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
			assert.Contains(t, err.Error(), "engagespot: bad "+tt.field)
			assert.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestBaseURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts []engagespot.Option
		want string
	}{
		{nil, "https://api.engagespot.co/v3"},
		{[]engagespot.Option{engagespot.WithRegion(engagespot.RegionUS)}, "https://api.engagespot.co/v3"},
		{[]engagespot.Option{engagespot.WithRegion(engagespot.RegionEU)}, "https://api-eu.engagespot.co/v3"},
		{[]engagespot.Option{engagespot.WithRegion(engagespot.RegionUSWest2)}, "https://api-us-west-2.engagespot.co/v3"},
		{[]engagespot.Option{engagespot.WithRegion(engagespot.RegionEUCentral1)}, "https://api-eu-central-1.engagespot.co/v3"},
		{[]engagespot.Option{engagespot.WithBaseURL("http://127.0.0.1:8080/proxy/v3/")}, "http://127.0.0.1:8080/proxy/v3"},
		{[]engagespot.Option{engagespot.WithRegion(engagespot.RegionEU), engagespot.WithBaseURL("https://p.example/v3")}, "https://p.example/v3"},
	}
	for _, tt := range tests {
		c, err := engagespot.New("k", "s", tt.opts...)
		require.NoError(t, err)
		assert.Equal(t, tt.want, c.BaseURL())
	}
}

func TestBaseURLWithPathPrefix(t *testing.T) {
	t.Parallel()
	var got string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
	}))
	t.Cleanup(ts.Close)
	c, err := engagespot.New("k", "s", engagespot.WithBaseURL(ts.URL+"/my%20proxy/v3/"), engagespot.WithHTTPClient(ts.Client()))
	require.NoError(t, err)
	require.NoError(t, c.Upsert(t.Context(), identity.Identity{Identifier: "a b/c"}))
	assert.Equal(t, "/my%20proxy/v3/users/a%20b%2Fc", got)
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	var leaked bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("X-Engagespot-Api-Secret") != ""
	}))
	t.Cleanup(elsewhere.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)

	followAll := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	c, err := engagespot.New("k", "secret", engagespot.WithBaseURL(redirector.URL+"/v3"), engagespot.WithHTTPClient(followAll))
	require.NoError(t, err)
	err = c.Upsert(t.Context(), identity.Identity{Identifier: "u"})
	var ae *engagespot.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusTemporaryRedirect, ae.StatusCode)
	assert.False(t, ae.Retryable())
	assert.False(t, leaked, "the secret did not follow the redirect")
	assert.NotNil(t, followAll.CheckRedirect, "the caller's client is left as it was")
}

func TestTimeoutIsRetryable(t *testing.T) {
	t.Parallel()
	c, srv := setup(t, engagespot.WithTimeout(50*time.Millisecond))
	srv.Hang()
	err := c.Upsert(t.Context(), identity.Identity{Identifier: "u"})
	var ae *engagespot.APIError
	require.ErrorAs(t, err, &ae)
	assert.Zero(t, ae.StatusCode)
	assert.Zero(t, ae.HTTPStatus())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, ae.Retryable(), "a timeout may pass")
	srv.Release()
}

func TestCallerCancelIsNotRetryable(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.Hang()
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- c.Upsert(ctx, identity.Identity{Identifier: "u"}) }()
	require.NoError(t, srv.WaitHeld(t.Context(), 1))
	cancel()
	err := <-errc
	var ae *engagespot.APIError
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, ae.Retryable(), "the caller gave up: do not hammer")
	assert.Zero(t, ae.HTTPStatus())
}

func TestConnectionRefusedIsRetryable(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.NotFoundHandler())
	base := ts.URL
	ts.Close() // nothing listens there now
	c, err := engagespot.New("k", "secret-value", engagespot.WithBaseURL(base+"/v3"))
	require.NoError(t, err)
	err = c.Upsert(t.Context(), identity.Identity{Identifier: "u"})
	var ae *engagespot.APIError
	require.ErrorAs(t, err, &ae)
	assert.Zero(t, ae.StatusCode)
	assert.True(t, ae.Retryable())
	assert.NotNil(t, errors.Unwrap(err))
	assert.NotContains(t, err.Error(), "secret-value")
}

func TestUntrustedCertificateIsNotRetryable(t *testing.T) {
	t.Parallel()
	ts := httptest.NewUnstartedServer(http.NotFoundHandler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	c, err := engagespot.New("k", "s", engagespot.WithBaseURL(ts.URL+"/v3")) // default client: does not trust the test CA
	require.NoError(t, err)
	err = c.Upsert(t.Context(), identity.Identity{Identifier: "u"})
	var ae *engagespot.APIError
	require.ErrorAs(t, err, &ae)
	assert.Zero(t, ae.StatusCode)
	assert.False(t, ae.Retryable(), "retrying will not make the certificate trusted")
}

func TestBaseURLNeedsItsVersionPath(t *testing.T) {
	t.Parallel()
	_, err := engagespot.New("k", "s", engagespot.WithBaseURL("https://api.engagespot.co"))
	require.Error(t, err)
	assert.Equal(t, "engagespot: bad BaseURL: https://api.engagespot.co: the path must end in the API's version, e.g. https://api.engagespot.co/v3", err.Error())
	for _, ok := range []string{"https://api.engagespot.co/v3", "https://api.engagespot.co/v3/", "http://127.0.0.1:8080/proxy/v12"} {
		_, err := engagespot.New("k", "s", engagespot.WithBaseURL(ok))
		assert.NoError(t, err, ok)
	}
}

// Plain http is for this machine only: the fake API, a local proxy.
func TestPlainHTTPOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"http://127.0.0.1:8080/v3", "http://localhost/v3", "http://[::1]:9/v3", "https://api.engagespot.co/v3"} {
		_, err := engagespot.New("k", "s", engagespot.WithBaseURL(base))
		assert.NoError(t, err, base)
	}
	_, err := engagespot.New("k", "s", engagespot.WithBaseURL("http://api.engagespot.co/v3"))
	assert.ErrorContains(t, err, "use https")
}
