package middleware_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// A misconfigured app says so at once, in the log it already watches.

// Without WithLogger the middleware logs to slog.Default(): wrong
// credentials are an Error, a failed sync a Warn. WithLogger(nil) is silent.
// Not parallel: it replaces the default logger.
func TestLogsToTheDefaultLogger(t *testing.T) {
	var log logs
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, nil)))

	srv := engagespottest.NewServer(t)
	srv.FailUser("refused", engagespottest.Always, http.StatusUnprocessableEntity)
	m := newMiddleware(t, client(t, srv))
	h := m.Handler(echo)
	refused := user("refused", "")
	serve(h, &refused)
	flush(t, m)
	assert.Contains(t, log.String(), `level=WARN msg="middleware: sync failed" user_hash=`+identity.ShortHash("refused")+` attempts=1 reason=client_error status=422`)

	srv.FailAlways(http.StatusUnauthorized)
	ann := user("ann", "")
	serve(h, &ann)
	waitFor(t, "the pause", func() bool { return m.Stats().Paused })
	assert.Contains(t, log.String(), `level=ERROR msg="middleware: API calls paused: credentials rejected"`)
	assert.Contains(t, log.String(), "ENGAGESPOT_API_SECRET", "the fix is named")
	assert.NotContains(t, log.String(), srv.APISecret)

	before := log.String()
	quiet := newMiddleware(t, client(t, srv), middleware.WithLogger(nil))
	bob := user("bob", "")
	serve(quiet.Handler(echo), &bob)
	waitFor(t, "the pause", func() bool { return quiet.Stats().Paused })
	assert.Equal(t, before, log.String(), "WithLogger(nil) is silent")
	closePaused(t, m, quiet)
}

// closePaused closes middlewares whose syncs wait out a pause, without
// waiting for it.
func closePaused(t *testing.T, ms ...*middleware.Middleware) {
	t.Helper()
	for _, m := range ms {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		assert.ErrorIs(t, m.Close(ctx), context.DeadlineExceeded)
		cancel()
	}
}

// The default extractor mounted before the auth middleware finds no user:
// once requests with credentials keep coming without one, one Warn names
// the likely cause and the fix. Requests without a user are counted.
func TestRouteThatNeverFindsAUserWarnsOnce(t *testing.T) {
	t.Parallel()
	var log logs
	m, srv := setup(t, log.option())
	h := m.Handler(echo) // no auth middleware in front: the context never has a user
	withToken := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer a-valid-token")
		return r
	}
	for range 100 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil)) // signed-out visitors
	}
	assert.Zero(t, log.count("never found a user"), "visitors without credentials are no sign")
	for range 50 {
		h.ServeHTTP(httptest.NewRecorder(), withToken())
	}
	out := log.String()
	assert.Equal(t, 1, log.count("never found a user"), out)
	assert.Contains(t, out, "level=WARN")
	assert.Contains(t, out, "mounted before the auth middleware")
	assert.Contains(t, out, "auth(m.Handler(app))", "the fix is named")
	assert.Equal(t, uint64(150), m.Stats().NoUser)
	assert.Zero(t, srv.Calls())

	t.Run("a route that has found users never warns", func(t *testing.T) {
		t.Parallel()
		var log logs
		m, _ := setup(t, log.option())
		h := m.Handler(echo)
		ann := user("ann", "")
		serve(h, &ann)
		for range 50 {
			h.ServeHTTP(httptest.NewRecorder(), withToken()) // a rejected or expired token, say
		}
		assert.Zero(t, log.count("never found a user"))
		assert.Equal(t, uint64(50), m.Stats().NoUser)
	})
}

// A base URL without its version path answers 404 to every upsert: that is
// the configuration's fault, not the user's. The API pauses, the log says
// how to fix it, and no user is remembered as refused.
func TestNotFoundOnUpsertPausesAsAConfigurationError(t *testing.T) {
	t.Parallel()
	const cooldown = 90 * time.Second // not DefaultPauseReminder: the test tells their timers apart
	ts := &timers{}
	var log logs
	m, srv := setup(t, ts.option(), log.option(), middleware.WithWorkers(1), middleware.WithPause(100, cooldown))
	h := m.Handler(echo)
	srv.FailAlways(http.StatusNotFound)
	ann := user("ann", "")
	serve(h, &ann)
	waitFor(t, "the pause", func() bool { return m.Stats().Paused })
	assert.Equal(t, 1, log.count(`level=ERROR msg="middleware: API calls paused: the API answered 404 to a user upsert, so the base URL is wrong"`), log.String())
	assert.Contains(t, log.String(), "https://api.engagespot.co/v3", "the fix is named")

	bob := user("bob", "")
	serve(h, &bob)    // waits for the pause to end
	srv.ClearFaults() // the base URL was fixed
	require.Equal(t, 1, ts.fire(func(d time.Duration) bool { return d == cooldown }))
	waitFor(t, "the resumption", func() bool { return !m.Stats().Paused })
	ts.fire(func(time.Duration) bool { return true }) // ann's retry
	flush(t, m)
	assert.ElementsMatch(t, []string{"ann", "bob"}, srv.Identifiers(), "ann was kept, not remembered as refused")
	assert.Zero(t, m.Stats().Failed)
}

// Ensure's deadline comes with the reason the sync did not end: here,
// rejected credentials.
func TestEnsureDeadlineSaysWhy(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.FailAlways(http.StatusUnauthorized)
	m := newMiddleware(t, client(t, srv), middleware.WithLogger(nil))
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := m.Ensure(ctx, user("ann", ""))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, engagespot.ErrUnauthorized)
	assert.True(t, strings.Contains(err.Error(), "401"), err.Error())
	assert.False(t, errors.Is(err, context.Canceled))
	closePaused(t, m)
}

func TestSyncsAreLoggedAtDebug(t *testing.T) {
	t.Parallel()
	var log logs // at Debug level
	m, _ := setup(t, log.option())
	ann := user("ann", "")
	serve(m.Handler(echo), &ann)
	flush(t, m)
	assert.Contains(t, log.String(), `level=DEBUG msg="middleware: user synced" user=ann attempts=1`)
}

// No personal data at Info and above by default: a user is their hash, an
// API answer echoing an email and a phone number stays at Debug, and so does
// a URL naming the user. WithLogIdentifiers logs identifiers for apps that
// want them.
func TestNoPersonalDataAtInfo(t *testing.T) {
	t.Parallel()
	const id, email, phone = "ada@example.com", "ada@example.com", "+15551234567"
	body := `{"error":"Unprocessable Entity","message":"invalid user ada@example.com, phone +15551234567"}`
	for _, raw := range []bool{false, true} {
		var log logs
		srv := engagespottest.NewServer(t)
		srv.AddFault(engagespottest.Fault{Status: http.StatusUnprocessableEntity, Body: body, Times: engagespottest.Always})
		m := newMiddleware(t, client(t, srv), middleware.WithLogger(slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelInfo}))),
			middleware.WithLogIdentifiers(raw), middleware.WithPause(1, time.Hour), middleware.WithMaxAttempts(1))
		h := m.Handler(echo)
		ada := identity.Identity{Identifier: id, Profile: identity.Profile{Email: email, PhoneNumber: phone}}
		serve(h, &ada)
		flush(t, m)

		srv.Close() // now the calls get no answer: a network error, whose URL names the user
		bob := user("bob@example.com", "bob@example.com")
		serve(h, &bob)
		waitFor(t, "the pause", func() bool { return strings.Contains(log.String(), "API calls paused") })
		out := log.String()
		assert.Contains(t, out, "reason=network cause=", "the cause, without the URL")
		assert.NotContains(t, out, phone, "raw %v:\n%s", raw, out)
		assert.NotContains(t, out, "invalid user", "the API's answer stays at Debug:\n%s", out)
		if raw {
			assert.Contains(t, out, "user="+id)
		} else {
			assert.NotContains(t, out, "example.com", "no identifier, no email:\n%s", out)
			assert.Contains(t, out, "user_hash="+identity.ShortHash(id))
		}
	}
}

// A pause keeps saying so: the Error when it begins, a Warn every
// WithPauseReminder with how long and how many wait, an Info when it ends.
func TestPauseKeepsSayingSo(t *testing.T) {
	t.Parallel()
	const cooldown, remind = 90 * time.Second, 7 * time.Minute
	ts := &timers{}
	var log logs
	m, srv := setup(t, ts.option(), log.option(), middleware.WithWorkers(1),
		middleware.WithPause(100, cooldown), middleware.WithPauseReminder(remind))
	h := m.Handler(echo)
	srv.FailAlways(http.StatusUnauthorized)
	ann, bob := user("ann", ""), user("bob", "")
	serve(h, &ann)
	waitFor(t, "the pause", func() bool { return m.Stats().Paused })
	serve(h, &bob)
	isReminder := func(d time.Duration) bool { return d == remind }

	require.Equal(t, 1, ts.fire(isReminder))
	reminder := regexp.MustCompile(`level=WARN msg="middleware: API calls still paused" reason=unauthorized paused_for=\S+ waiting=2 fix="check the API key and secret`)
	assert.Len(t, reminder.FindAllString(log.String(), -1), 1, log.String())
	require.Equal(t, 1, ts.fire(isReminder), "and again, while it lasts")
	assert.Len(t, reminder.FindAllString(log.String(), -1), 2)

	srv.ClearFaults()
	require.Equal(t, 1, ts.fire(func(d time.Duration) bool { return d == cooldown }))
	waitFor(t, "the resumption", func() bool { return !m.Stats().Paused })
	assert.Regexp(t, `level=INFO msg="middleware: API calls resumed" paused_for=\S+ waiting=2`, log.String())
	assert.Zero(t, ts.fire(isReminder), "no reminder once it ended")
	ts.fire(func(time.Duration) bool { return true })
	flush(t, m)
	assert.Len(t, srv.Users(), 2)
	assert.Equal(t, 1, log.count("API calls paused"), "the start is logged once")
}
