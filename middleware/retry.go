package middleware

import (
	"errors"
	"net/http"
	"time"

	"github.com/autoidentify/autoidentify/identity"
)

// retryable reports whether another attempt might succeed: the error's own
// verdict if it has one, else its status (network, 408, 429, 5xx), else yes
// unless the Directory refused the profile itself, so that an unknown
// failure delays a sync rather than dropping it.
func retryable(err error) bool {
	if retry, said := ownVerdict(err); said {
		return retry
	}
	if status, ok := httpStatus(err); ok {
		return status == 0 || status == http.StatusRequestTimeout ||
			status == http.StatusTooManyRequests || status >= 500
	}
	return !refusedLocally(err)
}

// ownVerdict returns what err (or an error it wraps) says of another try,
// with its Retryable method; said is false when it has none.
func ownVerdict(err error) (retry, said bool) {
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable(), true
	}
	return false, false
}

// refused reports whether err refuses this user's profile: a 4xx answer
// other than those retryable() and misconfigured() take, or a profile the
// client would not send. Sending the same profile again would fail again.
func refused(err error) bool {
	if status, ok := httpStatus(err); ok && status >= 400 && status < 500 {
		return true
	}
	return refusedLocally(err)
}

// refusedLocally reports whether the Directory refused the user before
// calling the API.
func refusedLocally(err error) bool {
	return errors.Is(err, identity.ErrInvalidIdentifier) || errors.Is(err, identity.ErrInvalidAttribute)
}

// retryAfter returns the wait the server asked for, 0 if none.
func retryAfter(err error) time.Duration {
	var r interface{ RetryDelay() time.Duration }
	if errors.As(err, &r) {
		return max(r.RetryDelay(), 0)
	}
	return 0
}

// backoff returns the wait after the n-th failed attempt of a job: a random
// duration up to base·2ⁿ⁻¹ (full jitter spreads the retries of many jobs that
// failed together), capped at limit, and at least what the server asked for,
// also capped at limit so that a wild Retry-After cannot park a job for days.
func backoff(n int, base, limit, asked time.Duration, randN func(int64) int64) time.Duration {
	ceiling := min(base, limit)
	for i := 1; i < n && ceiling < limit; i++ {
		if ceiling > limit/2 {
			ceiling = limit
		} else {
			ceiling *= 2
		}
	}
	return max(time.Duration(randN(int64(ceiling))), min(asked, limit))
}
