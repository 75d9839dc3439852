package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestLoadSmall runs every scenario on a small load, so the program cannot
// rot: it asserts the invariants the program checks, never a timing.
func TestLoadSmall(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := config{
		Scenarios: "throughput,naive,burst",
		Clients:   4, Requests: 300, Rounds: 2, Users: 20,
		NaiveUsers: 10, NaiveRequests: 5, NaiveClients: 10, NaiveRate: 2_000, APILatency: 5 * time.Millisecond,
		Burst: 500, QueueSize: 20, Workers: 2,
		Timeout: time.Minute,
	}
	var log bytes.Buffer
	rep, err := run(t.Context(), cfg, &log)
	require.NoError(t, err)
	require.NotEmpty(t, rep.checks)
	for _, c := range rep.checks {
		assert.Equal(t, c.want, c.got, c.name)
	}
	assert.True(t, rep.ok())
	assert.Len(t, rep.rows, 6)
	assert.Len(t, rep.ratios, 5)

	var out bytes.Buffer
	rep.print(&out)
	for _, want := range []string{"with middleware (hits)", "naive upsert per request", "dropped = misses - queued", "invariant"} {
		assert.Contains(t, out.String(), want)
	}
}

func TestBadConfig(t *testing.T) {
	t.Parallel()
	for want, change := range map[string]func(*config){
		`no scenario "nope"`:                 func(c *config) { c.Scenarios = "nope" },
		"-clients must be positive, not 0":   func(c *config) { c.Clients = 0 },
		"-burst must be positive, not -1":    func(c *config) { c.Burst = -1 },
		"-naive-rate and -api-latency must ": func(c *config) { c.NaiveRate = -1 },
	} {
		cfg := defaultConfig()
		change(&cfg)
		_, err := run(t.Context(), cfg, new(bytes.Buffer))
		assert.ErrorContains(t, err, want)
	}
}
