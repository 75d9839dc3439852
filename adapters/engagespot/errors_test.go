package engagespot_test

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity"
)

// The interfaces middleware.Directory documents, found with errors.As.
type (
	retryable  interface{ Retryable() bool }
	retryDelay interface{ RetryDelay() time.Duration }
	httpStatus interface{ HTTPStatus() int }
)

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status     int
		retryAfter string
		retryable  bool
		wantDelay  time.Duration
		is         error
	}{
		{400, "", false, 0, nil},
		{401, "", false, 0, engagespot.ErrUnauthorized},
		{403, "", false, 0, engagespot.ErrUnauthorized},
		{404, "", false, 0, engagespot.ErrNotFound},
		{408, "", true, 0, nil},
		{409, "", false, 0, nil},
		{422, "", false, 0, nil},
		{429, "", true, 0, engagespot.ErrRateLimited},
		{429, "7", true, 7 * time.Second, engagespot.ErrRateLimited},
		{429, "soon", true, 0, engagespot.ErrRateLimited},
		{500, "7", true, 0, nil}, // Retry-After is read on 429 and 503 only
		{502, "", true, 0, nil},
		{503, "120", true, 2 * time.Minute, nil},
		{504, "", true, 0, nil},
	}
	sentinels := []error{engagespot.ErrNotFound, engagespot.ErrUnauthorized, engagespot.ErrRateLimited}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.retryAfter), func(t *testing.T) {
			t.Parallel()
			c, srv := setup(t)
			srv.AddFault(engagespottest.Fault{Status: tt.status, RetryAfter: tt.retryAfter})
			err := fmt.Errorf("sync: %w", c.Upsert(t.Context(), identity.Identity{Identifier: "u"}))

			var ae *engagespot.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, tt.wantDelay, ae.RetryAfter)
			assert.Equal(t, "upsert user", ae.Op)
			assert.Contains(t, ae.Body, "injected fault")
			assert.Contains(t, err.Error(), fmt.Sprintf("engagespot: upsert user: %d %s", tt.status, http.StatusText(tt.status)))

			// What the middleware sees, through the wrapping.
			var r retryable
			require.ErrorAs(t, err, &r)
			assert.Equal(t, tt.retryable, r.Retryable())
			var d retryDelay
			require.ErrorAs(t, err, &d)
			assert.Equal(t, tt.wantDelay, d.RetryDelay())
			var h httpStatus
			require.ErrorAs(t, err, &h)
			assert.Equal(t, tt.status, h.HTTPStatus())

			for _, s := range sentinels {
				assert.Equal(t, s == tt.is, errors.Is(err, s), "errors.Is(%v)", s)
			}
		})
	}
}

func TestRetryAfterDateUsesTheClock(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	engagespot.SetClock(c, func() time.Time { return now })
	srv.RateLimit(1, now.Add(90*time.Second).Format(http.TimeFormat))
	err := c.Upsert(t.Context(), identity.Identity{Identifier: "u"})
	var ae *engagespot.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 90*time.Second, ae.RetryDelay())
	assert.Contains(t, err.Error(), "(retry after 1m30s)")
}

func TestErrorBodyIsLimitedAndRedacted(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.AddFault(engagespottest.Fault{Status: 400, Body: `{"echo":"` + srv.APISecret + `","pad":"` + strings.Repeat("x", 10_000) + `"}`})
	err := c.Upsert(t.Context(), identity.Identity{Identifier: "u"})
	var ae *engagespot.APIError
	require.ErrorAs(t, err, &ae)
	assert.LessOrEqual(t, len(ae.Body), engagespot.MaxErrorBody+len("[REDACTED]"))
	assert.Contains(t, ae.Body, `{"echo":"[REDACTED]"`)
	assert.NotContains(t, ae.Body, srv.APISecret)
	assert.NotContains(t, err.Error(), srv.APISecret)
	assert.Less(t, len(err.Error()), 300, "the message quotes only the start of the body")
	assert.True(t, strings.HasSuffix(err.Error(), "..."), err.Error())
}

// A secret the API echoes across the body limit keeps none of its bytes:
// redacted whole when it fits in what is read, and its start dropped when
// the limit cuts it.
func TestErrorBodyRedactsASecretAtTheLimit(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	secret := srv.APISecret
	for _, at := range []int{engagespot.MaxErrorBody - len(secret)/2, engagespot.MaxErrorBody - 1, engagespot.MaxErrorBody - len(secret), engagespot.MaxErrorBody} {
		srv.AddFault(engagespottest.Fault{Status: 400, Body: strings.Repeat("x", at) + secret + strings.Repeat("y", 100)})
		err := c.Upsert(t.Context(), identity.Identity{Identifier: "u"})
		var ae *engagespot.APIError
		require.ErrorAs(t, err, &ae)
		assert.LessOrEqual(t, len(ae.Body), engagespot.MaxErrorBody, "at %d", at)
		for n := 4; n <= len(secret); n++ {
			require.NotContains(t, ae.Body, secret[:n], "at %d: the secret's first %d bytes were kept", at, n)
		}
		assert.True(t, strings.HasPrefix(ae.Body, strings.Repeat("x", min(at, 100))), "the body is kept up to the secret")
	}
}

func TestErrorMessageIsOneLine(t *testing.T) {
	t.Parallel()
	c, srv := setup(t)
	srv.AddFault(engagespottest.Fault{Status: 422, Body: "{\n\t\"message\": \"bad\"\n}\n"})
	err := c.Upsert(t.Context(), identity.Identity{Identifier: "u"})
	require.Error(t, err)
	assert.Equal(t, `engagespot: upsert user: 422 Unprocessable Entity: {  "message": "bad" }`, err.Error())
}

func TestAPIErrorWithoutAnswer(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset")
	e := &engagespot.APIError{Op: "upsert user", Err: cause}
	assert.Equal(t, "engagespot: upsert user: connection reset", e.Error())
	assert.ErrorIs(t, e, cause)
	assert.True(t, e.Retryable())
	assert.Equal(t, "engagespot: delete user: no answer", (&engagespot.APIError{Op: "delete user"}).Error())
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"   ", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"007", 7 * time.Second, true},
		{"-1", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"7s", 0, false},
		{"abc", 0, false},
		{"9223372036", 9223372036 * time.Second, true},
		{"9223372037", time.Duration(math.MaxInt64), true},
		{"99999999999999999999999", time.Duration(math.MaxInt64), true},
		{"Sun, 29 Nov 2026 12:01:00 GMT", time.Minute, true},                  // IMF-fixdate
		{"Sunday, 29-Nov-26 12:00:30 GMT", 30 * time.Second, true},            // RFC 850
		{"Sun Nov 29 12:00:10 2026", 10 * time.Second, true},                  // ANSI C asctime
		{"Sat, 28 Nov 2026 12:00:00 GMT", 0, true},                            // in the past
		{"Sun, 29 Nov 2026 12:01:00 +0100", 0, false},                         // not an HTTP date
		{"Mon, 01 Jan 10000 00:00:00 GMT", 0, false},                          // not a date at all
		{"Fri, 31 Dec 2999 23:59:59 GMT", time.Duration(math.MaxInt64), true}, // saturates
	}
	for _, tt := range tests {
		d, ok := engagespot.ParseRetryAfter(tt.in, now)
		assert.Equal(t, tt.wantOK, ok, "%q", tt.in)
		assert.Equal(t, tt.want, d, "%q", tt.in)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-1", "1e3", "99999999999999999999", "Sun, 29 Nov 2026 12:01:00 GMT", "Sunday, 29-Nov-26 12:00:30 GMT"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := engagespot.ParseRetryAfter(s, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", s, d, ok)
		}
	})
}
