package prommetrics_test

import (
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/prommetrics"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

func TestBadOptionsFailAtNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opt   prommetrics.Option
		field string
	}{
		{"nil option", nil, "options"},
		{"empty namespace", prommetrics.WithNamespace(""), "Namespace"},
		{"namespace with a dash", prommetrics.WithNamespace("my-app"), "Namespace"},
		{"namespace with a colon", prommetrics.WithNamespace("app:sync"), "Namespace"},
		{"namespace starting with a digit", prommetrics.WithNamespace("1app"), "Namespace"},
		{"label with a dash", prommetrics.WithConstLabels(prometheus.Labels{"my-label": "x"}), "ConstLabels"},
		{"empty label name", prommetrics.WithConstLabels(prometheus.Labels{"": "x"}), "ConstLabels"},
		{"reserved label", prommetrics.WithConstLabels(prometheus.Labels{"__name__": "x"}), "ConstLabels"},
		{"reason label", prommetrics.WithConstLabels(prometheus.Labels{"reason": "x"}), "ConstLabels"},
		{"result label", prommetrics.WithConstLabels(prometheus.Labels{"result": "x"}), "ConstLabels"},
		{"label value not UTF-8", prommetrics.WithConstLabels(prometheus.Labels{"app": "\xff"}), "ConstLabels"},
		{"no buckets", prommetrics.WithBuckets(), "Buckets"},
		{"buckets not increasing", prommetrics.WithBuckets(0.1, 0.1), "Buckets"},
		{"buckets decreasing", prommetrics.WithBuckets(1, 0.5), "Buckets"},
		{"NaN bucket", prommetrics.WithBuckets(math.NaN()), "Buckets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := prommetrics.New(tt.opt)
			assert.Nil(t, c)
			var cfgErr *identity.ConfigError
			require.ErrorAs(t, err, &cfgErr)
			assert.Equal(t, tt.field, cfgErr.Field)
			assert.True(t, strings.HasPrefix(err.Error(), "prommetrics: bad "+tt.field+": "), err.Error())
		})
	}
}

func TestNamespaceAndBuckets(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	c, err := prommetrics.New(prommetrics.WithNamespace("app_sync"), prommetrics.WithBuckets(0.5, 60))
	require.NoError(t, err)
	m, err := middleware.New(client(t, srv.URL()), c.Options()...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close(t.Context())) })
	c.Observe(m)
	serve(m.Handler(nop), "ann")
	flush(t, m)

	families := gather(t, c)
	for name := range families {
		assert.True(t, strings.HasPrefix(name, "app_sync_"), name)
	}
	require.Contains(t, families, "app_sync_sync_synced_total")
	h := families["app_sync_api_request_duration_seconds"].GetMetric()[0].GetHistogram()
	require.Len(t, h.GetBucket(), 2)
	assert.Equal(t, []float64{0.5, 60}, []float64{h.GetBucket()[0].GetUpperBound(), h.GetBucket()[1].GetUpperBound()})
	assert.Equal(t, uint64(1), h.GetSampleCount())
}

// Two Middlewares of one app, told apart by a constant label, share one
// registry.
func TestConstLabelsTellMiddlewaresApart(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	reg := prometheus.NewPedanticRegistry()
	handlers := map[string]*middleware.Middleware{}
	for _, name := range []string{"api", "admin"} {
		c, err := prommetrics.New(prommetrics.WithConstLabels(prometheus.Labels{"middleware": name}))
		require.NoError(t, err)
		m, err := middleware.New(client(t, srv.URL()), c.Options()...)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, m.Close(t.Context())) })
		c.Observe(m)
		require.NoError(t, reg.Register(c))
		handlers[name] = m
	}
	serve(handlers["api"].Handler(nop), "ann", "bob")
	serve(handlers["admin"].Handler(nop), "cat")
	flush(t, handlers["api"])
	flush(t, handlers["admin"])

	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP autoidentify_sync_synced_total API calls of this instance that created or updated a user: summed over a fleet, the calls the API accepted.
# TYPE autoidentify_sync_synced_total counter
autoidentify_sync_synced_total{middleware="admin"} 1
autoidentify_sync_synced_total{middleware="api"} 2
# HELP autoidentify_sync_failures_total Syncs that failed for good, by reason: the API refused the user, or the retry budget ran out.
# TYPE autoidentify_sync_failures_total counter
autoidentify_sync_failures_total{middleware="admin",reason="client_error"} 0
autoidentify_sync_failures_total{middleware="admin",reason="network"} 0
autoidentify_sync_failures_total{middleware="admin",reason="other"} 0
autoidentify_sync_failures_total{middleware="admin",reason="profile_loader"} 0
autoidentify_sync_failures_total{middleware="admin",reason="rate_limited"} 0
autoidentify_sync_failures_total{middleware="admin",reason="server_error"} 0
autoidentify_sync_failures_total{middleware="admin",reason="unauthorized"} 0
autoidentify_sync_failures_total{middleware="api",reason="client_error"} 0
autoidentify_sync_failures_total{middleware="api",reason="network"} 0
autoidentify_sync_failures_total{middleware="api",reason="other"} 0
autoidentify_sync_failures_total{middleware="api",reason="profile_loader"} 0
autoidentify_sync_failures_total{middleware="api",reason="rate_limited"} 0
autoidentify_sync_failures_total{middleware="api",reason="server_error"} 0
autoidentify_sync_failures_total{middleware="api",reason="unauthorized"} 0
`), "autoidentify_sync_synced_total", "autoidentify_sync_failures_total"))
}

func TestMetricsPassTheLinter(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	srv.FailNext(1, 500)
	m, c := instrumented(t, client(t, srv.URL()))
	serve(m.Handler(nop), "ann")
	flush(t, m)
	require.Len(t, gather(t, c), 19, "every metric is there to lint")

	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	assert.Empty(t, problems)
}

func TestWithoutObserveOnlyTheHookMetrics(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	m, c := instrumented(t, client(t, srv.URL()))
	serve(m.Handler(nop), "ann")
	flush(t, m)
	require.Contains(t, gather(t, c), "autoidentify_sync_synced_total")

	c.Observe(nil)
	families := gather(t, c)
	assert.NotContains(t, families, "autoidentify_sync_synced_total")
	assert.Contains(t, families, "autoidentify_sync_failures_total")
	assert.Equal(t, map[string]uint64{"success": 1}, callsByResult(t, c))
}
