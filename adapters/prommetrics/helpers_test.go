package prommetrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/prommetrics"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// waitLimit bounds every wait: reaching it means a bug, never a slow machine.
const waitLimit = 10 * time.Second

// fast makes retries and pauses wait microseconds rather than seconds.
var fast = []middleware.Option{
	middleware.WithBackoff(time.Microsecond, time.Millisecond),
	middleware.WithPause(middleware.DefaultPauseAfter, time.Millisecond),
}

// instrumented returns a Middleware syncing through the real Engagespot
// client to base, with a Collector observing it; t.Cleanup closes it.
func instrumented(t testing.TB, dir middleware.Directory, opts ...middleware.Option) (*middleware.Middleware, *prommetrics.Collector) {
	t.Helper()
	c, err := prommetrics.New()
	require.NoError(t, err)
	m, err := middleware.New(dir, append(append(c.Options(), fast...), opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		require.NoError(t, m.Close(ctx))
	})
	c.Observe(m)
	return m, c
}

func client(t testing.TB, baseURL string) *engagespot.Client {
	t.Helper()
	c, err := engagespot.New(engagespottest.DefaultAPIKey, engagespottest.DefaultAPISecret,
		engagespot.WithBaseURL(baseURL))
	require.NoError(t, err)
	return c
}

var nop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// signedIn returns a request whose context carries the user, as an auth
// middleware would leave it.
func signedIn(identifier string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	id := identity.Identity{Identifier: identifier, Profile: identity.Profile{Email: identifier + "@example.com"}}
	return r.WithContext(identity.NewContext(r.Context(), id))
}

func serve(h http.Handler, identifiers ...string) {
	for _, id := range identifiers {
		h.ServeHTTP(httptest.NewRecorder(), signedIn(id))
	}
}

func flush(t testing.TB, m *middleware.Middleware) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	require.NoError(t, m.Flush(ctx))
}

// gather scrapes c through a pedantic registry, which also checks that what
// Collect sends matches what Describe promised.
func gather(t testing.TB, c prometheus.Collector) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	families, err := reg.Gather()
	require.NoError(t, err)
	byName := make(map[string]*dto.MetricFamily, len(families))
	for _, f := range families {
		byName[f.GetName()] = f
	}
	return byName
}

// callsByResult returns the sample count of each series of the API latency
// histogram, by its result label.
func callsByResult(t testing.TB, c prometheus.Collector) map[string]uint64 {
	t.Helper()
	calls := map[string]uint64{}
	f := gather(t, c)["autoidentify_api_request_duration_seconds"]
	if f == nil {
		return calls
	}
	for _, m := range f.GetMetric() {
		require.Len(t, m.GetLabel(), 1)
		calls[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
	}
	return calls
}

// values scrapes c and returns every counter and gauge, keyed by name and
// labels as in the exposition format: autoidentify_sync_failures_total{reason="network"}.
func values(t testing.TB, c prometheus.Collector) map[string]float64 {
	t.Helper()
	v := map[string]float64{}
	for name, f := range gather(t, c) {
		for _, m := range f.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "{" + l.GetName() + "=" + strconv.Quote(l.GetValue()) + "}"
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				v[key] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				v[key] = m.GetGauge().GetValue()
			}
		}
	}
	return v
}

// metrics are the expected counters and gauges of one Middleware; failures
// and noUser list only the reasons that are not zero.
type metrics struct {
	hits, misses, queued, synced, syncedByFleet, dropped, retries float64
	superseded                                                    float64
	inFlight, queueLength, pending, paused                        float64
	notReady, storeDown                                           float64 // autoidentify_ready is 1 - notReady
	cached                                                        float64 // users the cache holds; its capacity is the default
	noUser                                                        map[middleware.NoUserReason]float64
	failures                                                      map[middleware.Reason]float64
}

func (w metrics) values() map[string]float64 {
	v := map[string]float64{
		"autoidentify_cache_hits_total":           w.hits,
		"autoidentify_cache_misses_total":         w.misses,
		"autoidentify_sync_queued_total":          w.queued,
		"autoidentify_sync_synced_total":          w.synced,
		"autoidentify_sync_synced_by_fleet_total": w.syncedByFleet,
		"autoidentify_sync_dropped_total":         w.dropped,
		"autoidentify_sync_superseded_total":      w.superseded,
		"autoidentify_sync_retries_total":         w.retries,
		"autoidentify_api_requests_in_flight":     w.inFlight,
		"autoidentify_sync_queue_length":          w.queueLength,
		"autoidentify_sync_pending":               w.pending,
		"autoidentify_api_paused":                 w.paused,
		"autoidentify_ready":                      1 - w.notReady,
		"autoidentify_store_unreachable":          w.storeDown,
		"autoidentify_cache_users":                w.cached,
		"autoidentify_cache_capacity":             middleware.DefaultCacheSize,
	}
	for _, r := range []middleware.Reason{
		middleware.ReasonRateLimited, middleware.ReasonUnauthorized, middleware.ReasonClientError,
		middleware.ReasonServerError, middleware.ReasonNetwork, middleware.ReasonProfileLoader, middleware.ReasonOther,
	} {
		v[`autoidentify_sync_failures_total{reason="`+string(r)+`"}`] = w.failures[r]
	}
	for _, r := range middleware.NoUserReasons {
		v[`autoidentify_requests_without_user_total{reason="`+string(r)+`"}`] = w.noUser[r]
	}
	return v
}
