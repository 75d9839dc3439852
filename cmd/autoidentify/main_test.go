package main_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// These tests run the built command, as a user does, against the fake
// Engagespot API and a real redis-server.

var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "autoidentify-cmd-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "autoidentify")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := binary(); err == nil {
		_ = os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

// cmd is one run of the command.
type cmd struct {
	*exec.Cmd
	stdout, stderr bytes.Buffer
}

func command(t *testing.T, env map[string]string, args ...string) *cmd {
	t.Helper()
	bin, err := binary()
	require.NoError(t, err)
	c := &cmd{Cmd: exec.Command(bin, args...)}
	c.Env = []string{} // nothing inherited: a developer's credentials cannot leak in
	for k, v := range env {
		c.Env = append(c.Env, k+"="+v)
	}
	c.Stdout, c.Stderr = &c.stdout, &c.stderr
	return c
}

// exit runs c to its end and returns its exit code.
func (c *cmd) exit(t *testing.T) int {
	t.Helper()
	err := c.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

func apiEnv(api *engagespottest.Server) map[string]string {
	return map[string]string{
		"ENGAGESPOT_API_KEY": api.APIKey, "ENGAGESPOT_API_SECRET": api.APISecret, "ENGAGESPOT_BASE_URL": api.URL(),
	}
}

func with(env map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// writeUsers writes n users as JSON Lines, line i for user-i; bad(i)
// returns a broken line for the lines that must be invalid.
func writeUsers(t *testing.T, n int, bad func(i int) string) string {
	t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if line := bad(i); line != "" {
			b.WriteString(line + "\n")
			continue
		}
		fmt.Fprintf(&b, `{"sub":"user-%d","email":"user-%d@example.com","given_name":"U%d"}`+"\n", i, i, i)
	}
	path := filepath.Join(t.TempDir(), "users.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

// puts counts the successful PUTs per user.
func puts(api *engagespottest.Server) map[string]int {
	out := map[string]int{}
	for _, r := range api.Requests() {
		if r.Method == http.MethodPut && r.Status == http.StatusOK {
			out[r.Identifier]++
		}
	}
	return out
}

func everyoneOnce(t *testing.T, api *engagespottest.Server, n int) {
	t.Helper()
	got := puts(api)
	assert.Len(t, got, n, "users synced")
	for id, k := range got {
		if k != 1 {
			t.Errorf("%s sent %d times", id, k)
		}
	}
}

// 10 000 lines, 50 of them invalid: each reported with its number and
// reason, the 9 950 others synced, exit 1; fixed and resumed, only the 50
// are sent, exit 0.
func TestBackfillReportsInvalidLinesThenResumes(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	invalid := func(i int) string {
		switch {
		case i%200 != 0:
			return ""
		case i%600 == 0:
			return `{"sub": broken json`
		case i%400 == 0:
			return `{"email":"nobody@example.com"}`
		default:
			return fmt.Sprintf(`{"sub":"user-%d\u0000"}`, i)
		}
	}
	path := writeUsers(t, 10_000, invalid)
	report := filepath.Join(t.TempDir(), "report.txt")
	c := command(t, apiEnv(api), "backfill", "--report", report, path)
	assert.Equal(t, 1, c.exit(t), c.stderr.String())
	assert.Contains(t, c.stderr.String(), "done: 9950 synced, 0 failed, 50 invalid")
	assert.Contains(t, c.stderr.String(), "autoidentify backfill --report "+report+" "+path+" --resume\n",
		"the hint repeats the run's flags (--report)")
	everyoneOnce(t, api, 9950)

	lines, err := os.ReadFile(report)
	require.NoError(t, err)
	reported := regexp.MustCompile(`(?m)^line (\d+): (.+)$`).FindAllStringSubmatch(string(lines), -1)
	require.Len(t, reported, 50)
	for _, r := range reported {
		var n int
		fmt.Sscan(r[1], &n)
		assert.Zero(t, n%200, "line %d reported", n)
	}
	assert.Contains(t, string(lines), "not valid JSON (at byte 9)")
	assert.Contains(t, string(lines), `no identifier (a column or key "identifier" or "sub", or --map identifier=COLUMN)`)
	assert.Contains(t, string(lines), "control character")

	fixed := writeUsers(t, 10_000, func(int) string { return "" })
	require.NoError(t, os.Rename(fixed, path)) // the same file, the 50 lines fixed in place
	again := command(t, apiEnv(api), "backfill", "--resume", path)
	assert.Equal(t, 0, again.exit(t), again.stderr.String())
	assert.Contains(t, again.stderr.String(), "done: 50 synced, 0 failed, 0 invalid, 9950 already synced")
	everyoneOnce(t, api, 10_000)
}

// Interrupted at about half (SIGINT), the run finishes what it started,
// records it and exits 130; --resume sends the rest, and nobody twice.
func TestBackfillInterruptedThenResumed(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	api.SetLatency(time.Millisecond)
	var b strings.Builder
	b.WriteString("sub,email\n")
	for i := 1; i <= 10_000; i++ {
		fmt.Fprintf(&b, "user-%d,user-%d@example.com\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "users.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))

	c := command(t, apiEnv(api), "backfill", "--progress-interval", "100ms", path)
	require.NoError(t, c.Start())
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, api.WaitCalls(ctx, 5000))
	require.NoError(t, c.Process.Signal(syscall.SIGINT))
	err := c.Wait()
	ee, ok := err.(*exec.ExitError)
	require.True(t, ok, "%v\n%s", err, c.stderr.String())
	assert.Equal(t, 130, ee.ExitCode(), c.stderr.String())
	assert.Contains(t, c.stderr.String(), "interrupted: ")
	assert.Contains(t, c.stderr.String(), "progress: ", "plain progress lines when stderr is no terminal")
	first := len(puts(api))
	assert.Less(t, first, 10_000)

	again := command(t, apiEnv(api), "backfill", "--resume", path)
	assert.Equal(t, 0, again.exit(t), again.stderr.String())
	everyoneOnce(t, api, 10_000)
	t.Logf("interrupted after %d users; resumed with the other %d", first, 10_000-first)
}

// A storm of 429s pauses the batch for Retry-After, and every user is
// synced once.
func TestBackfillHonoursRateLimits(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	api.RateLimit(30, "1")
	path := writeUsers(t, 200, func(int) string { return "" })
	start := time.Now()
	c := command(t, apiEnv(api), "backfill", "--concurrency", "4", path)
	assert.Equal(t, 0, c.exit(t), c.stderr.String())
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "Retry-After was waited out")
	everyoneOnce(t, api, 200)
}

// --dry-run validates and prints what would be sent, and calls nothing.
func TestBackfillDryRun(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	path := writeUsers(t, 100, func(i int) string {
		if i == 7 {
			return `{"email":"nobody@example.com"}`
		}
		return ""
	})
	c := command(t, apiEnv(api), "backfill", "--dry-run", "--map", "plan=given_name", path)
	assert.Equal(t, 1, c.exit(t), "an invalid line fails the dry run too")
	assert.Zero(t, api.Calls())
	out := strings.Split(strings.TrimSpace(c.stdout.String()), "\n")
	require.Len(t, out, 99)
	assert.JSONEq(t, `{"line":1,"identifier":"user-1","profile":{"email":"user-1@example.com","firstName":"U1","plan":"U1"}}`, out[0])
	assert.Contains(t, c.stderr.String(), `line 7: no identifier (a column or key "identifier" or "sub"`)
	assert.Contains(t, c.stderr.String(), "dry run: 99 valid (not sent), 0 failed, 1 invalid")
}

// A user backfilled with REDIS_URL is recorded as the middleware records a
// sync: their first request through the middleware makes no API call.
func TestBackfilledUserCostsNoCallOnTheirFirstRequest(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	path := writeUsers(t, 10, func(int) string { return "" })
	c := command(t, with(apiEnv(api), "REDIS_URL", srv.URL()), "backfill", path)
	require.Equal(t, 0, c.exit(t), c.stderr.String())
	require.Equal(t, 10, api.Calls())

	m := newInstance(t, api, srv)
	id := identity.Identity{Identifier: "user-3", Profile: identity.Profile{Email: "user-3@example.com", FirstName: "U3"}}
	serve(m, id)
	require.NoError(t, m.Flush(t.Context()))
	assert.Equal(t, 10, api.Calls(), "no call: the fleet knew user-3")
	assert.EqualValues(t, 1, m.Stats().SyncedByFleet)
	assert.Zero(t, m.Stats().Synced, "no call of this instance's")

	status := command(t, map[string]string{"REDIS_URL": srv.URL()}, "status", "user-3", "user-99")
	require.Equal(t, 0, status.exit(t), status.stderr.String())
	assert.Contains(t, status.stdout.String(), "the fleet has a record of 10 users")
	assert.Regexp(t, `user-3: synced about \d+s ago \(profile fingerprint [0-9a-f]{16}\)`, status.stdout.String(), "all 16 digits, leading zeros too")
	assert.Contains(t, status.stdout.String(), "user-99: not synced within the TTL; no sync under way")
}

// A user deleted with the command is created again by the next request on
// any instance, at once.
func TestDeletedUserIsCreatedAgainOnTheirNextRequest(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	m := newInstance(t, api, srv)
	ann := identity.Identity{Identifier: "ann", Profile: identity.Profile{Email: "ann@example.com"}}
	serve(m, ann)
	require.NoError(t, m.Flush(t.Context()))
	require.Equal(t, 1, api.CallsFor("ann"))

	c := command(t, with(apiEnv(api), "REDIS_URL", srv.URL()), "delete", "ann", "nobody")
	require.Equal(t, 0, c.exit(t), c.stderr.String())
	assert.Contains(t, c.stdout.String(), "ann: deleted")
	assert.Contains(t, c.stdout.String(), "nobody: deleted", "a user Engagespot does not know is no error")
	_, ok := api.User("ann")
	require.False(t, ok)

	start := time.Now()
	require.Eventually(t, func() bool {
		serve(m, ann)
		_ = m.Flush(t.Context())
		_, ok := api.User("ann")
		return ok
	}, 5*time.Second, 10*time.Millisecond)
	t.Logf("ann created again %v after the delete", time.Since(start).Round(time.Millisecond))
	assert.Less(t, time.Since(start), time.Second)
}

func TestUsageAndEnvironment(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"backfill", "--help"}, {"delete", "--help"}, {"status", "--help"}} {
		c := command(t, nil, args...)
		assert.Equal(t, 0, c.exit(t), "%v", args)
		assert.Contains(t, c.stdout.String()+c.stderr.String(), "Usage", "%v", args)
	}
	c := command(t, nil, "nope")
	assert.Equal(t, 2, c.exit(t))
	c = command(t, map[string]string{"ENGAGESPOT_API_KEY": "k"}, "backfill", writeUsers(t, 1, func(int) string { return "" }))
	assert.Equal(t, 2, c.exit(t))
	assert.Contains(t, c.stderr.String(), "must both be set")
	c = command(t, map[string]string{"REDIS_URL": "http://:hunter2hunter2@localhost"}, "status")
	assert.Equal(t, 2, c.exit(t))
	assert.NotContains(t, c.stderr.String(), "hunter2hunter2")
	c = command(t, nil, "status")
	assert.Equal(t, 2, c.exit(t))
	assert.Contains(t, c.stderr.String(), "REDIS_URL is unset")
	api := engagespottest.NewServer(t)
	c = command(t, map[string]string{"ENGAGESPOT_API_KEY": api.APIKey, "ENGAGESPOT_API_SECRET": "wrong-secret-value", "ENGAGESPOT_BASE_URL": api.URL()},
		"backfill", writeUsers(t, 20, func(int) string { return "" }))
	assert.Equal(t, 1, c.exit(t))
	assert.Contains(t, c.stderr.String(), "check ENGAGESPOT_API_KEY and ENGAGESPOT_API_SECRET")
	assert.NotContains(t, c.stderr.String(), "wrong-secret-value")
}

// newInstance is an app server with the middleware, in fleet mode on srv.
func newInstance(t *testing.T, api *engagespottest.Server, srv *redistest.Server) *middleware.Middleware {
	t.Helper()
	dir, err := engagespot.New(api.APIKey, api.APISecret, engagespot.WithBaseURL(api.URL()), engagespot.WithHTTPClient(api.HTTPClient()))
	require.NoError(t, err)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = client.Close() })
	store, err := redisstore.New(client, redisstore.WithLogger(nil))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	m, err := middleware.New(dir, middleware.WithStore(store), middleware.WithLogger(nil))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m
}

func serve(m *middleware.Middleware, id identity.Identity) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	m.Handler(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), r.WithContext(identity.NewContext(r.Context(), id)))
}

// BenchmarkBackfill runs the command on 10 000 users against the fake API
// (answering at once) and reports users synced per second, at each
// --concurrency: go test -run '^$' -bench Backfill ./cmd/autoidentify
func BenchmarkBackfill(b *testing.B) {
	for _, concurrency := range []string{"1", "8", "32"} {
		b.Run("concurrency="+concurrency, func(b *testing.B) {
			api := engagespottest.NewServer(b)
			var sb strings.Builder
			for i := 1; i <= 10_000; i++ {
				fmt.Fprintf(&sb, `{"sub":"user-%d","email":"user-%d@example.com"}`+"\n", i, i)
			}
			path := filepath.Join(b.TempDir(), "users.jsonl")
			require.NoError(b, os.WriteFile(path, []byte(sb.String()), 0o600))
			bin, err := binary()
			require.NoError(b, err)
			var took time.Duration
			for b.Loop() {
				c := exec.Command(bin, "backfill", "--concurrency", concurrency, "--progress-interval", "0", path)
				c.Env = []string{"ENGAGESPOT_API_KEY=" + api.APIKey, "ENGAGESPOT_API_SECRET=" + api.APISecret, "ENGAGESPOT_BASE_URL=" + api.URL()}
				start := time.Now()
				out, err := c.CombinedOutput()
				took += time.Since(start)
				require.NoError(b, err, "%s", out)
				_ = os.Remove(path + ".autoidentify-state")
			}
			b.ReportMetric(float64(10_000*b.N)/took.Seconds(), "users/s")
		})
	}
}
