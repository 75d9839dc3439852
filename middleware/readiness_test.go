package middleware_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/middleware"
)

// probe asks m's ReadinessHandler, and decodes its answer.
func probe(t *testing.T, m *middleware.Middleware) (int, middleware.Readiness) {
	t.Helper()
	w := httptest.NewRecorder()
	m.ReadinessHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	var r middleware.Readiness
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &r), w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	return w.Code, r
}

func reasons(cs []middleware.Condition) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Reason)
	}
	return out
}

func TestRejectedCredentialsFailReadinessUntilFixed(t *testing.T) {
	t.Parallel()
	const cooldown = 90 * time.Second
	ts := &timers{}
	m, srv := setup(t, ts.option(), middleware.WithPause(100, cooldown))
	status, r := probe(t, m)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, middleware.Readiness{Ready: true}, r)

	srv.FailAlways(http.StatusUnauthorized)
	before := time.Now()
	ann := user("ann", "")
	serve(m.Handler(echo), &ann)
	waitFor(t, "the pause", func() bool { return m.Stats().Paused })
	status, r = probe(t, m)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.False(t, r.Ready)
	require.Equal(t, []string{middleware.NotReadyRejectedConfig}, reasons(r.NotReady))
	assert.WithinRange(t, r.NotReady[0].Since, before.Add(-time.Second), time.Now().Add(time.Second))
	assert.Contains(t, r.NotReady[0].Detail, "credentials")
	assert.Equal(t, middleware.ReasonUnauthorized, m.Stats().PauseReason)

	srv.ClearFaults()                                 // the secret was fixed
	ts.fire(func(time.Duration) bool { return true }) // the cool-down, and ann's retry: the probe
	waitFor(t, "the resumption", func() bool { return !m.Stats().Paused })
	status, r = probe(t, m)
	assert.Equal(t, http.StatusOK, status)
	assert.True(t, r.Ready)
	assert.Empty(t, m.Stats().PauseReason)
	assert.True(t, m.Stats().PausedSince.IsZero())
}

func TestAnOutageDegradesButKeepsReadiness(t *testing.T) {
	t.Parallel()
	ts := &timers{}
	m, srv := setup(t, ts.option(), middleware.WithPause(1, time.Hour))
	srv.FailAlways(http.StatusServiceUnavailable)
	ann := user("ann", "")
	serve(m.Handler(echo), &ann)
	waitFor(t, "the pause", func() bool { return m.Stats().Paused })
	status, r := probe(t, m)
	assert.Equal(t, http.StatusOK, status, "every instance shares an outage: none leaves the rotation for it")
	assert.True(t, r.Ready)
	assert.Empty(t, r.NotReady)
	assert.Equal(t, []string{middleware.DegradedAPIUnavailable}, reasons(r.Degraded))
	assert.Contains(t, r.Degraded[0].Detail, "server_error")

	srv.ClearFaults() // the API is back: the next probe resumes the calls
	ts.fire(func(time.Duration) bool { return true })
	flush(t, m)
	_, r = probe(t, m)
	assert.Equal(t, middleware.Readiness{Ready: true}, r)
}

func TestAFullQueueFailsReadiness(t *testing.T) {
	t.Parallel()
	m, srv := setup(t, middleware.WithQueueSize(2), middleware.WithWorkers(1))
	srv.Hang()
	h := m.Handler(echo)
	for _, id := range []string{"a", "b", "c"} {
		u := user(id, "")
		serve(h, &u)
	}
	status, r := probe(t, m)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	require.Equal(t, []string{middleware.NotReadyQueueFull}, reasons(r.NotReady))
	assert.False(t, r.NotReady[0].Since.IsZero(), "since the first drop")
	assert.True(t, m.Stats().QueueFull)

	srv.Release()
	flush(t, m)
	status, r = probe(t, m)
	assert.Equal(t, http.StatusOK, status)
	assert.True(t, r.Ready)
}

func TestAnUnreachableStoreDegradesUntilItAnswers(t *testing.T) {
	t.Parallel()
	store := &fakeStore{script: []leaseAnswer{{err: errRedisDown}}, failWrites: 1000} // Redis is down
	m, _ := setup(t, middleware.WithStore(store))
	ann := user("ann", "")
	serve(m.Handler(echo), &ann)
	flush(t, m)
	status, r := probe(t, m)
	assert.Equal(t, http.StatusOK, status, "each instance syncs alone meanwhile")
	assert.Equal(t, []string{middleware.DegradedStoreDown}, reasons(r.Degraded))
	assert.True(t, m.Stats().StoreDown)

	store.mu.Lock()
	store.script, store.failWrites = []leaseAnswer{{lease: middleware.LeaseAcquired}}, 0
	store.mu.Unlock()
	bob := user("bob", "")
	serve(m.Handler(echo), &bob)
	flush(t, m)
	_, r = probe(t, m)
	assert.Empty(t, r.Degraded, "the Store answered again")
	assert.False(t, m.Stats().StoreDown)
}
