package engagespot

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/autoidentify/autoidentify/identity"
)

// Batch settings, for backfills.
const (
	// DefaultBatchConcurrency is how many calls a batch runs at once when
	// given a concurrency <= 0.
	DefaultBatchConcurrency = 8
	// BatchAttempts is how many times a batch tries a user whose call
	// failed in a way worth retrying (APIError.Retryable: a network error, a
	// timeout, 408, 429 or 5xx, as the middleware retries).
	BatchAttempts = 3
	// BatchRateLimitAttempts is how many times a batch tries a user the API
	// rate limits (429, 503), pausing the whole batch in between: the API
	// asks the batch to slow down, which is no fault of the user, so these
	// do not count toward BatchAttempts.
	BatchRateLimitAttempts = 10
	// BatchPauseAfter and BatchPauseFor pause a batch as the middleware
	// pauses its calls (its WithPause defaults): after this many failures in
	// a row worth retrying, the API is likely down, and the batch stops
	// starting calls for BatchPauseFor rather than failing every user.
	BatchPauseAfter = 5
	BatchPauseFor   = 30 * time.Second
	// MaxBatchPause is the longest Retry-After a batch waits out; a longer
	// one fails the user (retryable) instead of stalling the batch.
	MaxBatchPause = time.Minute
	// defaultBatchPause is the pause after a 429 or 503 without Retry-After,
	// and a user's first wait after another retryable failure (doubling).
	defaultBatchPause = time.Second
)

// Result is the outcome of one user in a batch.
type Result struct {
	// Index is the user's position in the input, from 0.
	Index    int
	Identity identity.Identity
	// Err is nil on success, else what Upsert returned.
	Err error
}

// UpsertEach creates or updates every user users yields, running at most
// concurrency calls at once (DefaultBatchConcurrency when <= 0), and calls
// report with each outcome, one call at a time, in completion order. It reads
// users lazily, so a database cursor of any size is fine.
//
// One user's failure does not stop the others. A call that failed in a way
// worth retrying (APIError.Retryable, the classification the middleware
// retries by) is tried again: when the API rate limits (429, 503), the
// whole batch stops starting calls for the Retry-After (at most
// MaxBatchPause), BatchRateLimitAttempts times at most; after a network
// error, a timeout, 408 or another 5xx, that user waits, 1 s then 2 s,
// BatchAttempts times in all, and after BatchPauseAfter such failures in a
// row the whole batch pauses for BatchPauseFor, as the middleware does.
// Bad credentials (401, 403) stop the batch: every later call would fail
// the same way.
//
// It returns nil once every user was tried, whatever the outcomes; else why
// it stopped early (ctx's error, or an *APIError matching ErrUnauthorized),
// in which case only the users it started were reported: those of Index
// below the count the error gives. The user read as it stopped was not
// started, so a caller resuming a cursor starts again at that count.
func (c *Client) UpsertEach(ctx context.Context, users iter.Seq[identity.Identity], concurrency int, report func(Result)) error {
	if concurrency <= 0 {
		concurrency = DefaultBatchConcurrency
	}
	var (
		wg       sync.WaitGroup
		slots    = make(chan struct{}, concurrency)
		reportMu sync.Mutex
		p        pacer
		stopOnce sync.Once
		stop     = make(chan struct{})
		stopErr  error
	)
	stopWith := func(err error) {
		stopOnce.Do(func() { stopErr = err; close(stop) })
	}
	index := 0
	for id := range users {
		select {
		case slots <- struct{}{}:
		case <-stop:
		case <-ctx.Done():
		}
		if err := ctx.Err(); err != nil {
			stopWith(err)
		}
		if stopped(stop) {
			break
		}
		i := index
		wg.Go(func() {
			defer func() { <-slots }()
			err := c.upsertPaced(ctx, id, &p)
			if errors.Is(err, ErrUnauthorized) {
				stopWith(err)
			}
			reportMu.Lock()
			defer reportMu.Unlock()
			report(Result{Index: i, Identity: id, Err: err})
		})
		index++
	}
	wg.Wait()
	if stopped(stop) {
		return fmt.Errorf("engagespot: batch stopped after %d users: %w", index, stopErr)
	}
	return nil
}

func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// upsertPaced is Upsert that waits out, and reports, the API's rate limits.
func (c *Client) upsertPaced(ctx context.Context, id identity.Identity, p *pacer) error {
	failures, limited := 0, 0
	for {
		if d := p.wait(c.now()); d > 0 {
			if err := c.sleep(ctx, d); err != nil {
				return &APIError{Op: "upsert user", Err: err}
			}
		}
		err := c.Upsert(ctx, id)
		var ae *APIError
		if err == nil || !errors.As(err, &ae) || !ae.Retryable() {
			if err == nil {
				p.succeeded()
			}
			return err
		}
		if ae.StatusCode != http.StatusTooManyRequests && ae.StatusCode != http.StatusServiceUnavailable {
			// Not the API asking the batch to slow down: this user waits,
			// and the whole batch if the API fails call after call.
			p.failed(c.now())
			if failures++; failures >= BatchAttempts {
				return err
			}
			if err := c.sleep(ctx, defaultBatchPause<<(failures-1)); err != nil {
				return &APIError{Op: "upsert user", Err: err}
			}
			continue
		}
		if limited++; limited >= BatchRateLimitAttempts {
			return err
		}
		pause := ae.RetryAfter
		if pause == 0 {
			pause = defaultBatchPause
		}
		if pause > MaxBatchPause {
			return err
		}
		p.pauseUntil(c.now().Add(pause))
	}
}

// pacer holds a batch's calls back until the API's Retry-After has passed,
// or the pause after BatchPauseAfter failures in a row.
type pacer struct {
	mu       sync.Mutex
	until    time.Time
	failures int // in a row, of any user
}

func (p *pacer) succeeded() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures = 0
}

func (p *pacer) failed(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failures++; p.failures >= BatchPauseAfter {
		p.failures = 0
		if t := now.Add(BatchPauseFor); t.After(p.until) {
			p.until = t
		}
	}
}

func (p *pacer) pauseUntil(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.until) {
		p.until = t
	}
}

// wait returns how long to wait from now before the next call.
func (p *pacer) wait(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.until.Sub(now)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// UpsertMany creates or updates every user in users, like UpsertEach. It
// returns nil when all succeeded, else a *BatchError with one Failure per
// user that failed or was never tried.
func (c *Client) UpsertMany(ctx context.Context, users []identity.Identity, concurrency int) error {
	errs := make([]error, len(users))
	tried := make([]bool, len(users))
	stopErr := c.UpsertEach(ctx, slices.Values(users), concurrency, func(r Result) {
		errs[r.Index], tried[r.Index] = r.Err, true
	})
	be := &BatchError{Total: len(users)}
	for i, id := range users {
		switch {
		case !tried[i]:
			be.Failures = append(be.Failures, Failure{Index: i, Identity: id, Err: &NotTriedError{Cause: stopErr}})
		case errs[i] != nil:
			be.Failures = append(be.Failures, Failure{Index: i, Identity: id, Err: errs[i]})
		}
	}
	if len(be.Failures) == 0 {
		return nil
	}
	return be
}

// Failure is one user a batch could not create or update.
type Failure struct {
	Index    int // position in the input
	Identity identity.Identity
	Err      error // an *InputError, an *APIError or a *NotTriedError
}

// BatchError lists the users UpsertMany could not create or update.
type BatchError struct {
	Total    int       // users in the batch
	Failures []Failure // in input order
}

func (e *BatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "engagespot: upsert many: %d of %d users failed", len(e.Failures), e.Total)
	if len(e.Failures) > 0 {
		fmt.Fprintf(&b, "; first, #%d: %v", e.Failures[0].Index, e.Failures[0].Err)
	}
	return b.String()
}

// Unwrap returns each failure's error, so errors.Is(err, ErrUnauthorized)
// tells whether any user failed for that reason.
func (e *BatchError) Unwrap() []error {
	out := make([]error, len(e.Failures))
	for i, f := range e.Failures {
		out[i] = f.Err
	}
	return out
}

// RetryableIdentities returns the users worth another try (network errors,
// timeouts, 408, 429, 5xx, never tried): pass them to UpsertMany again.
func (e *BatchError) RetryableIdentities() []identity.Identity {
	var out []identity.Identity
	for _, f := range e.Failures {
		var r interface{ Retryable() bool }
		if errors.As(f.Err, &r) && r.Retryable() {
			out = append(out, f.Identity)
		}
	}
	return out
}

// NotTriedError is the failure of a user a batch never got to, because it
// stopped early (its context ended, or the credentials were refused).
type NotTriedError struct {
	Cause error
}

func (e *NotTriedError) Error() string { return "engagespot: not tried: " + e.Cause.Error() }

// Unwrap returns why the batch stopped.
func (e *NotTriedError) Unwrap() error { return e.Cause }

// Retryable is true: the user itself was never refused. Call again once
// the cause (credentials, deadline) is fixed.
func (e *NotTriedError) Retryable() bool { return true }
