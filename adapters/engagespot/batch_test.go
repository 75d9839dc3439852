package engagespot_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity"
)

func users(ids ...string) []identity.Identity {
	out := make([]identity.Identity, len(ids))
	for i, id := range ids {
		out[i] = identity.Identity{Identifier: id, Profile: identity.Profile{FirstName: "N" + id}}
	}
	return out
}

func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("u%03d", i)
	}
	return out
}

// fakeTime is a clock that only sleeping moves.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return ctx.Err()
}

func (f *fakeTime) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sleeps)
}

func setupBatch(t *testing.T, opts ...engagespot.Option) (*engagespot.Client, *engagespottest.Server, *fakeTime) {
	t.Helper()
	c, srv := setup(t, opts...)
	ft := &fakeTime{now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	engagespot.SetClock(c, ft.Now)
	engagespot.SetSleep(c, ft.Sleep)
	return c, srv, ft
}

func TestUpsertManyAllSucceed(t *testing.T) {
	t.Parallel()
	c, srv, _ := setupBatch(t)
	ids := numbered(50)
	require.NoError(t, c.UpsertMany(t.Context(), users(ids...), 4))
	assert.Equal(t, ids, srv.Identifiers())
	assert.Equal(t, 50, srv.Calls())
	u, _ := srv.User("u007")
	assert.Equal(t, "Nu007", u.Profile().FirstName)
	require.NoError(t, c.UpsertMany(t.Context(), nil, 0), "an empty batch")
}

// inflight counts the requests in flight through a transport.
type inflight struct {
	base     http.RoundTripper
	mu       sync.Mutex
	now, max int
}

func (f *inflight) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.now++
	f.max = max(f.max, f.now)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.now--; f.mu.Unlock() }()
	return f.base.RoundTrip(r)
}

func TestUpsertManyBoundsConcurrency(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	counter := &inflight{base: srv.HTTPClient().Transport}
	c, err := engagespot.New(srv.APIKey, srv.APISecret, engagespot.WithBaseURL(srv.URL()),
		engagespot.WithHTTPClient(&http.Client{Transport: counter}))
	require.NoError(t, err)

	srv.Hang()
	done := make(chan error, 1)
	go func() { done <- c.UpsertMany(t.Context(), users(numbered(20)...), 3) }()
	require.NoError(t, srv.WaitHeld(t.Context(), 3), "three calls start at once")
	srv.Release()
	require.NoError(t, <-done)
	assert.Equal(t, 3, counter.max, "and never more")
	assert.Len(t, srv.Identifiers(), 20)
}

func TestUpsertManyBadInputDoesNotStopTheOthers(t *testing.T) {
	t.Parallel()
	c, srv, _ := setupBatch(t)
	batch := users("ok1", "", "ok2", "bad\nid", "ok3")
	batch = append(batch, identity.Identity{Identifier: "ok4", Profile: identity.Profile{Custom: map[string]any{"identifier": "x"}}})
	srv.FailUser("ok2", engagespottest.Always, http.StatusInternalServerError)

	err := c.UpsertMany(t.Context(), batch, 2)
	var be *engagespot.BatchError
	require.ErrorAs(t, err, &be)
	assert.Equal(t, 6, be.Total)
	require.Len(t, be.Failures, 4)
	assert.Equal(t, []int{1, 2, 3, 5}, []int{be.Failures[0].Index, be.Failures[1].Index, be.Failures[2].Index, be.Failures[3].Index})
	assert.ErrorIs(t, be.Failures[0].Err, identity.ErrInvalidIdentifier)
	assert.ErrorIs(t, be.Failures[2].Err, identity.ErrInvalidIdentifier)
	assert.ErrorIs(t, be.Failures[3].Err, identity.ErrInvalidAttribute)
	var ae *engagespot.APIError
	require.ErrorAs(t, be.Failures[1].Err, &ae)
	assert.Equal(t, 500, ae.StatusCode)
	assert.Equal(t, "ok2", be.Failures[1].Identity.Identifier)

	assert.Equal(t, []identity.Identity{batch[2]}, be.RetryableIdentities(), "only the 500 is worth another try")
	assert.Equal(t, []string{"ok1", "ok3"}, srv.Identifiers())
	assert.Contains(t, err.Error(), "engagespot: upsert many: 4 of 6 users failed; first, #1: ")
	assert.ErrorIs(t, err, identity.ErrInvalidIdentifier, "errors.Is sees every failure")
}

func TestUpsertManyPausesOnRateLimit(t *testing.T) {
	t.Parallel()
	c, srv, ft := setupBatch(t)
	srv.RateLimit(1, "30")
	require.NoError(t, c.UpsertMany(t.Context(), users("a", "b", "c"), 1))
	assert.Equal(t, []time.Duration{30 * time.Second}, ft.Sleeps(), "the batch waited out Retry-After once")
	assert.Equal(t, 4, srv.Calls(), "a was tried again")
	assert.Equal(t, []string{"a", "b", "c"}, srv.Identifiers())
}

func TestUpsertManyRateLimitWithoutRetryAfter(t *testing.T) {
	t.Parallel()
	c, srv, ft := setupBatch(t)
	srv.AddFault(engagespottest.Fault{Status: http.StatusServiceUnavailable})
	require.NoError(t, c.UpsertMany(t.Context(), users("a"), 1))
	assert.Equal(t, []time.Duration{time.Second}, ft.Sleeps())
}

func TestUpsertManyGivesUpAfterAttempts(t *testing.T) {
	t.Parallel()
	c, srv, ft := setupBatch(t)
	srv.RateLimit(engagespottest.Always, "2")
	err := c.UpsertMany(t.Context(), users("a", "b"), 1)
	var be *engagespot.BatchError
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Failures, 2)
	assert.ErrorIs(t, err, engagespot.ErrRateLimited)
	assert.Equal(t, 2*engagespot.BatchRateLimitAttempts, srv.Calls())
	assert.Len(t, be.RetryableIdentities(), 2)
	for _, d := range ft.Sleeps() {
		assert.Equal(t, 2*time.Second, d)
	}
}

func TestUpsertManyDoesNotWaitOutLongPauses(t *testing.T) {
	t.Parallel()
	c, srv, ft := setupBatch(t)
	srv.RateLimit(1, "3600")
	err := c.UpsertMany(t.Context(), users("a", "b"), 1)
	var be *engagespot.BatchError
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Failures, 1)
	var ae *engagespot.APIError
	require.ErrorAs(t, be.Failures[0].Err, &ae)
	assert.Equal(t, time.Hour, ae.RetryAfter, "the caller sees how long to wait")
	assert.Empty(t, ft.Sleeps())
	assert.Equal(t, []string{"b"}, srv.Identifiers())
}

func TestUpsertManyStopsOnBadCredentials(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	c, err := engagespot.New(srv.APIKey, "wrong", engagespot.WithBaseURL(srv.URL()), engagespot.WithHTTPClient(srv.HTTPClient()))
	require.NoError(t, err)
	const concurrency = 2
	err = c.UpsertMany(t.Context(), users(numbered(30)...), concurrency)
	var be *engagespot.BatchError
	require.ErrorAs(t, err, &be)
	assert.Len(t, be.Failures, 30, "every user is accounted for")
	assert.ErrorIs(t, err, engagespot.ErrUnauthorized)
	assert.LessOrEqual(t, srv.Calls(), concurrency, "no call started after the first 401")
	var notTried *engagespot.NotTriedError
	require.ErrorAs(t, be.Failures[29].Err, &notTried)
	assert.ErrorIs(t, notTried, engagespot.ErrUnauthorized)
	assert.Contains(t, notTried.Error(), "engagespot: not tried: engagespot: batch stopped after")
}

func TestUpsertManyHonoursContext(t *testing.T) {
	t.Parallel()
	c, srv, _ := setupBatch(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := c.UpsertMany(ctx, users("a", "b"), 1)
	var be *engagespot.BatchError
	require.ErrorAs(t, err, &be)
	assert.Len(t, be.Failures, 2)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, srv.Calls())
	assert.Len(t, be.RetryableIdentities(), 2, "never tried: worth another go")
}

func TestUpsertManyCancelledMidway(t *testing.T) {
	t.Parallel()
	c, srv, _ := setupBatch(t)
	srv.Hang()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.UpsertMany(ctx, users(numbered(10)...), 2) }()
	require.NoError(t, srv.WaitHeld(t.Context(), 2))
	cancel()
	err := <-done
	var be *engagespot.BatchError
	require.ErrorAs(t, err, &be)
	assert.Len(t, be.Failures, 10)
	assert.Equal(t, 2, srv.Calls())
	srv.Release()
}

func TestUpsertEachReportsAsItGoes(t *testing.T) {
	t.Parallel()
	c, srv, _ := setupBatch(t)
	srv.FailUser("u002", 1, http.StatusUnprocessableEntity) // refused: reported, not retried
	seq := func(yield func(identity.Identity) bool) {
		for _, u := range users(numbered(5)...) {
			if !yield(u) {
				return
			}
		}
	}
	var results []engagespot.Result // report is never called concurrently: no lock needed
	require.NoError(t, c.UpsertEach(t.Context(), seq, 3, func(r engagespot.Result) { results = append(results, r) }))
	require.Len(t, results, 5)
	slices.SortFunc(results, func(a, b engagespot.Result) int { return a.Index - b.Index })
	for i, r := range results {
		assert.Equal(t, i, r.Index)
		assert.Equal(t, fmt.Sprintf("u%03d", i), r.Identity.Identifier)
		if i == 2 {
			assert.Error(t, r.Err)
		} else {
			assert.NoError(t, r.Err)
		}
	}
}

// A batch retries what the middleware retries (APIError.Retryable): any
// 5xx, 408 and network errors too, not only 429 and 503; the others fail at
// once.
func TestUpsertManyRetriesWhatTheMiddlewareRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		calls  int
		sleeps []time.Duration
	}{
		{http.StatusInternalServerError, 2, []time.Duration{time.Second}},
		{http.StatusBadGateway, 2, []time.Duration{time.Second}},
		{http.StatusRequestTimeout, 2, []time.Duration{time.Second}},
		{http.StatusServiceUnavailable, 2, []time.Duration{time.Second}},
		{http.StatusBadRequest, 1, nil},
		{http.StatusUnprocessableEntity, 1, nil},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			t.Parallel()
			c, srv, ft := setupBatch(t)
			srv.AddFault(engagespottest.Fault{Status: tc.status})
			err := c.UpsertMany(t.Context(), users("a"), 1)
			if tc.calls == 1 {
				assert.Error(t, err, "refused: not retried")
			} else {
				assert.NoError(t, err, "retried, then synced")
			}
			assert.Equal(t, tc.calls, srv.Calls())
			assert.Equal(t, tc.sleeps, ft.Sleeps())
		})
	}
	t.Run("a server error every time", func(t *testing.T) {
		t.Parallel()
		c, srv, ft := setupBatch(t)
		srv.FailUser("a", engagespottest.Always, http.StatusInternalServerError)
		err := c.UpsertMany(t.Context(), users("a", "b"), 1)
		var be *engagespot.BatchError
		require.ErrorAs(t, err, &be)
		assert.Len(t, be.Failures, 1)
		assert.Equal(t, engagespot.BatchAttempts+1, srv.Calls())
		assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, ft.Sleeps(), "a backs off alone")
	})
	t.Run("a network error", func(t *testing.T) {
		t.Parallel()
		srv := engagespottest.NewServer(t)
		var calls atomic.Int32
		flaky := roundTrip(func(r *http.Request) (*http.Response, error) {
			if calls.Add(1) == 1 {
				return nil, &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
			}
			return srv.HTTPClient().Transport.RoundTrip(r)
		})
		c, err := engagespot.New(srv.APIKey, srv.APISecret, engagespot.WithBaseURL(srv.URL()),
			engagespot.WithHTTPClient(&http.Client{Transport: flaky}))
		require.NoError(t, err)
		ft := &fakeTime{}
		engagespot.SetSleep(c, ft.Sleep)
		require.NoError(t, c.UpsertMany(t.Context(), users("a"), 1))
		assert.Equal(t, []time.Duration{time.Second}, ft.Sleeps())
		assert.Equal(t, []string{"a"}, srv.Identifiers())
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// An API that fails call after call pauses the whole batch, as it pauses
// the middleware's calls, rather than failing every user in a second.
func TestUpsertManyPausesWhenTheAPIKeepsFailing(t *testing.T) {
	t.Parallel()
	c, srv, ft := setupBatch(t)
	srv.FailNext(engagespot.BatchPauseAfter, http.StatusBadGateway)
	// One call at a time: a fails its three attempts, b its first two: five
	// in a row, and the batch pauses, after b's own 2 s, before b's third.
	err := c.UpsertMany(t.Context(), users("a", "b", "c", "d"), 1)
	var be *engagespot.BatchError
	require.ErrorAs(t, err, &be)
	require.Len(t, be.Failures, 1)
	assert.Equal(t, "a", be.Failures[0].Identity.Identifier)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, time.Second, 2 * time.Second, engagespot.BatchPauseFor - 2*time.Second}, ft.Sleeps(),
		"a's and b's own backoffs, then the rest of the batch's pause")
	assert.Equal(t, []string{"b", "c", "d"}, srv.Identifiers(), "everyone after the pause synced")
}
