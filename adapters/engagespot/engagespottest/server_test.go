package engagespottest_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// call sends one request with the fake's credentials (unless header overrides
// them) and returns the status, the body and the Retry-After header.
func call(t *testing.T, srv *engagespottest.Server, method, path, body string, header map[string]string) (int, string, string) {
	t.Helper()
	return callCtx(t, t.Context(), srv, method, path, body, header)
}

func callCtx(t *testing.T, ctx context.Context, srv *engagespottest.Server, method, path, body string, header map[string]string) (int, string, string) {
	t.Helper()
	u, err := url.Parse(srv.URL() + path)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-ENGAGESPOT-API-KEY", srv.APIKey)
	req.Header.Set("X-ENGAGESPOT-API-SECRET", srv.APISecret)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		return 0, err.Error(), ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header.Get("Retry-After")
}

func TestServerAnswersLikeEngagespot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		header     map[string]string
		wantStatus int
		wantUsers  []string
	}{
		{"put creates", http.MethodPut, "/users/u1", `{"email":"a@example.com"}`, nil, 200, []string{"u1"}},
		{"put with empty body", http.MethodPut, "/users/u1", ``, nil, 200, []string{"u1"}},
		{"put escaped identifier", http.MethodPut, "/users/a%2Fb%3Fc", `{}`, nil, 200, []string{"a/b?c"}},
		{"post creates", http.MethodPost, "/users", `{"identifier":"u2","profile":{"firstName":"Bo"}}`, nil, 200, []string{"u2"}},
		{"post without identifier", http.MethodPost, "/users", `{"profile":{}}`, nil, 422, nil},
		{"wrong secret", http.MethodPut, "/users/u1", `{}`, map[string]string{"X-ENGAGESPOT-API-SECRET": "nope"}, 401, nil},
		{"no key", http.MethodPut, "/users/u1", `{}`, map[string]string{"X-ENGAGESPOT-API-KEY": ""}, 401, nil},
		{"identifier attribute", http.MethodPut, "/users/u1", `{"identifier":"x"}`, nil, 422, nil},
		{"post identifier attribute", http.MethodPost, "/users", `{"identifier":"u","profile":{"identifier":"x"}}`, nil, 422, nil},
		{"not json", http.MethodPut, "/users/u1", `{`, nil, 400, nil},
		{"array body", http.MethodPut, "/users/u1", `[1]`, nil, 400, nil},
		{"null body", http.MethodPut, "/users/u1", `null`, nil, 400, nil},
		{"trailing data", http.MethodPut, "/users/u1", `{} {}`, nil, 400, nil},
		{"wrong content type", http.MethodPut, "/users/u1", `{}`, map[string]string{"Content-Type": "text/plain"}, 415, nil},
		{"two segments", http.MethodPut, "/users/a/b", `{}`, nil, 404, nil},
		{"no identifier", http.MethodPut, "/users/", `{}`, nil, 404, nil},
		{"unknown path", http.MethodGet, "/other", ``, nil, 404, nil},
		{"get user", http.MethodGet, "/users/u1", ``, nil, 405, nil},
		{"delete missing", http.MethodDelete, "/users/u1", ``, nil, 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := engagespottest.NewServer(t)
			status, body, _ := call(t, srv, tt.method, tt.path, tt.body, tt.header)
			assert.Equal(t, tt.wantStatus, status, body)
			if tt.wantUsers == nil {
				tt.wantUsers = []string{}
			}
			assert.Equal(t, tt.wantUsers, srv.Identifiers())
			last, ok := srv.LastRequest()
			require.True(t, ok)
			assert.Equal(t, tt.wantStatus, last.Status)
			assert.Equal(t, tt.method, last.Method)
			assert.Equal(t, 1, srv.Calls())
		})
	}
}

func TestServerKeepsUsersAndRequests(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t, engagespottest.WithCredentials("k", "s"))
	assert.Equal(t, "k", srv.APIKey)
	assert.True(t, strings.HasSuffix(srv.URL(), "/v3"), srv.URL())

	status, _, _ := call(t, srv, http.MethodPut, "/users/ann%20lee", `{"email":"a@example.com","plan":"free"}`, nil)
	require.Equal(t, 200, status)
	status, _, _ = call(t, srv, http.MethodPut, "/users/ann%20lee", `{"firstName":"Ann","plan":"pro"}`, nil)
	require.Equal(t, 200, status)

	u, ok := srv.User("ann lee")
	require.True(t, ok)
	assert.Equal(t, "a@example.com", u.Email(), "updates merge")
	assert.Equal(t, 2, u.Writes)
	assert.Equal(t, identity.Profile{Email: "a@example.com", FirstName: "Ann", Custom: map[string]any{"plan": "pro"}}, u.Profile())
	u.Attributes["email"] = "changed@example.com"
	u2, _ := srv.User("ann lee")
	assert.Equal(t, "a@example.com", u2.Email(), "User returns a copy")

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/v3/users/ann%20lee", reqs[0].Path)
	assert.Equal(t, "ann lee", reqs[0].Identifier)
	assert.True(t, reqs[0].HasIdentifier)
	assert.Equal(t, "s", reqs[0].Header.Get("X-ENGAGESPOT-API-SECRET"))
	assert.JSONEq(t, `{"email":"a@example.com","plan":"free"}`, string(reqs[0].Body))
	assert.Equal(t, 2, srv.CallsFor("ann lee"))
	assert.Zero(t, srv.CallsFor("other"))

	status, _, _ = call(t, srv, http.MethodDelete, "/users/ann%20lee", ``, nil)
	assert.Equal(t, 202, status)
	_, ok = srv.User("ann lee")
	assert.False(t, ok)

	status, _, _ = call(t, srv, http.MethodPost, "/users", `{"identifier":"bo","profile":{"firstName":"Bo"}}`, nil)
	assert.Equal(t, 200, status)
	last, _ := srv.LastRequest()
	assert.Equal(t, "bo", last.Identifier, "a POST names its user in the body")
	assert.Equal(t, 1, srv.CallsFor("bo"))
	u, ok = srv.User("bo")
	require.True(t, ok)
	assert.Equal(t, "Bo", u.Profile().FirstName)

	srv.ClearRequests()
	assert.Zero(t, srv.Calls())
	assert.Equal(t, []string{"bo"}, srv.Identifiers(), "users are kept")
}

func TestServerAddUser(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.AddUser("u1", identity.Profile{Email: "a@example.com", Custom: map[string]any{"n": 1}})
	u, ok := srv.User("u1")
	require.True(t, ok)
	assert.Equal(t, map[string]any{"email": "a@example.com", "n": float64(1)}, u.Attributes)
	assert.Zero(t, srv.Calls(), "seeding is not a call")
	status, _, _ := call(t, srv, http.MethodDelete, "/users/u1", ``, nil)
	assert.Equal(t, 202, status)
}

func TestServerFaults(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.FailNext(2, 500)
	srv.FailUser("u9", engagespottest.Always, 503)
	for range 2 {
		status, _, _ := call(t, srv, http.MethodPut, "/users/u1", `{}`, nil)
		assert.Equal(t, 500, status)
	}
	status, _, _ := call(t, srv, http.MethodPut, "/users/u1", `{}`, nil)
	assert.Equal(t, 200, status, "FailNext is used up")
	for range 3 {
		status, _, _ = call(t, srv, http.MethodPut, "/users/u9", `{}`, nil)
		assert.Equal(t, 503, status)
	}
	_, ok := srv.User("u9")
	assert.False(t, ok, "a failed request changes nothing")

	srv.RateLimit(1, "7")
	status, _, retryAfter := call(t, srv, http.MethodPut, "/users/u1", `{}`, nil)
	assert.Equal(t, 429, status)
	assert.Equal(t, "7", retryAfter)

	srv.AddFault(engagespottest.Fault{Status: 418, Body: `{"teapot":true}`})
	status, body, _ := call(t, srv, http.MethodPut, "/users/u1", `{}`, nil)
	assert.Equal(t, 418, status)
	assert.Equal(t, `{"teapot":true}`, body)

	srv.FailAlways(502)
	status, _, _ = call(t, srv, http.MethodPut, "/users/u1", `{}`, nil)
	assert.Equal(t, 502, status)
	srv.ClearFaults()
	status, _, _ = call(t, srv, http.MethodPut, "/users/u9", `{}`, nil)
	assert.Equal(t, 200, status)

	srv.FailNext(0, 500) // no-op
	srv.FailUser("u1", 0, 500)
	srv.RateLimit(0, "")
	status, _, _ = call(t, srv, http.MethodPut, "/users/u1", `{}`, nil)
	assert.Equal(t, 200, status)
}

func TestServerHangRelease(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.Hang()
	var wg sync.WaitGroup
	statuses := make([]int, 3)
	for i := range statuses {
		wg.Go(func() { statuses[i], _, _ = call(t, srv, http.MethodPut, "/users/u1", `{}`, nil) })
	}
	require.NoError(t, srv.WaitHeld(t.Context(), 3))
	assert.Equal(t, 3, srv.Calls(), "held requests are counted")
	_, ok := srv.User("u1")
	assert.False(t, ok)
	srv.Release()
	wg.Wait()
	assert.Equal(t, []int{200, 200, 200}, statuses)
	assert.Zero(t, srv.Held())
	status, _, _ := call(t, srv, http.MethodPut, "/users/u1", `{}`, nil)
	assert.Equal(t, 200, status, "released: no longer hanging")
}

func TestServerHangEndsWithClientContext(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.Hang()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int)
	go func() {
		status, _, _ := callCtx(t, ctx, srv, http.MethodPut, "/users/u1", `{}`, nil)
		done <- status
	}()
	require.NoError(t, srv.WaitHeld(t.Context(), 1))
	cancel()
	assert.Zero(t, <-done, "the client gave up")
	require.NoError(t, waitUntil(t, func() bool { return srv.Held() == 0 }))
}

func TestServerCloseFreesHeldRequests(t *testing.T) {
	t.Parallel()
	srv, err := engagespottest.Start()
	require.NoError(t, err)
	srv.Hang()
	done := make(chan int)
	go func() {
		status, _, _ := call(t, srv, http.MethodPut, "/users/u1", `{}`, nil)
		done <- status
	}()
	require.NoError(t, srv.WaitHeld(t.Context(), 1))
	srv.Close() // must not block on the held request
	srv.Close()
	assert.Equal(t, http.StatusServiceUnavailable, <-done)
}

func TestServerLatency(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int)
	go func() {
		status, _, _ := callCtx(t, ctx, srv, http.MethodPut, "/users/u1", `{}`, nil)
		done <- status
	}()
	require.NoError(t, srv.WaitCalls(t.Context(), 1))
	cancel()
	assert.Zero(t, <-done, "an hour of latency ends when the client gives up")
	srv.SetLatency(time.Millisecond)
	status, _, _ := call(t, srv, http.MethodPut, "/users/u1", `{}`, nil)
	assert.Equal(t, 200, status)
}

func TestServerWaitHonoursContext(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, srv.WaitCalls(ctx, 1), context.Canceled)
	assert.ErrorIs(t, srv.WaitHeld(ctx, 1), context.Canceled)
}

func TestServerConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			id := []string{"a", "b", "c", "d"}[i%4]
			status, _, _ := call(t, srv, http.MethodPut, "/users/"+id, `{"n":1}`, nil)
			assert.Equal(t, 200, status)
		})
		wg.Go(func() { _ = srv.Users(); _ = srv.Requests(); _ = srv.Calls() })
	}
	wg.Wait()
	assert.Equal(t, 40, srv.Calls())
	assert.Equal(t, []string{"a", "b", "c", "d"}, srv.Identifiers())
	for _, u := range srv.Users() {
		assert.Equal(t, 10, u.Writes)
	}
}

// waitUntil polls cond: the server gets to notice a gone client on its own time.
func waitUntil(t *testing.T, cond func() bool) error {
	t.Helper()
	for !cond() {
		select {
		case <-t.Context().Done():
			return t.Context().Err()
		case <-time.After(time.Millisecond):
		}
	}
	return nil
}
