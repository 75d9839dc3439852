package prommetrics

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/autoidentify/autoidentify/internal/options"
	"github.com/autoidentify/autoidentify/middleware"
)

// Label names.
const (
	labelReason = "reason" // why a sync failed for good: a middleware.Reason
	labelResult = "result" // how an API call ended: ResultSuccess or a middleware.Reason
)

// ResultSuccess is the result label of an API call that succeeded; a failed
// one is labelled with its middleware.Reason.
const ResultSuccess = "success"

// failureReasons are the reasons a job can fail for good with, exported at
// zero from the start so that rate() and alerts see every series.
var failureReasons = []middleware.Reason{
	middleware.ReasonRateLimited,
	middleware.ReasonUnauthorized,
	middleware.ReasonClientError,
	middleware.ReasonServerError,
	middleware.ReasonNetwork,
	middleware.ReasonProfileLoader,
	middleware.ReasonOther,
}

// Source is what the Collector reads at each scrape: a
// *middleware.Middleware.
type Source interface {
	Stats() middleware.Stats
}

// Collector is a prometheus.Collector of one Middleware's metrics. The
// counters and gauges are read from Stats at scrape time; the failures by
// reason and the API call latency come from the hooks Options installs. None
// of it costs the request path anything: a request whose user is synced runs
// no hook.
type Collector struct {
	source atomic.Pointer[Source]

	hits, misses, queued, synced, syncedByFleet, dropped, superseded, retries *prometheus.Desc
	noUser                                                                    *prometheus.Desc // by reason
	inFlight, queueLength, pending, paused, ready, storeDown                  *prometheus.Desc
	cacheUsers, cacheCapacity                                                 *prometheus.Desc

	failures *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// New returns a Collector; give its Options to middleware.New, then the
// Middleware to Observe. A bad option fails with a *identity.ConfigError.
func New(opts ...Option) (*Collector, error) {
	c := defaultConfig()
	if err := options.Apply(&c, opts); err != nil {
		return nil, fmt.Errorf("prommetrics: %w", err)
	}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(c.namespace, "", name), help, labels, c.constLabels)
	}
	col := &Collector{
		hits:   desc("cache_hits_total", "Requests whose user was synced already: nothing to do."),
		misses: desc("cache_misses_total", "Requests and Ensure calls whose user needed a sync."),
		noUser: desc("requests_without_user_total", "Requests without a user, by reason: no_credentials (signed out, or a route mounted before the auth middleware), "+
			"or why the credential was rejected (expired, not_yet_valid, bad_signature, unknown_key, malformed, invalid_identifier, refused).", labelReason),
		queued:        desc("sync_queued_total", "Syncs started."),
		synced:        desc("sync_synced_total", "API calls of this instance that created or updated a user: summed over a fleet, the calls the API accepted."),
		syncedByFleet: desc("sync_synced_by_fleet_total", "Syncs that ended without a call, another instance having synced the user (the fleet's Store said so)."),
		dropped:       desc("sync_dropped_total", "Syncs dropped before a verdict, mostly for a full queue; the user's next request tries again."),
		superseded:    desc("sync_superseded_total", "Syncs not sent: the fleet recorded a newer profile of the user, or the user was deleted after it was observed."),
		retries:       desc("sync_retries_total", "API calls made after a sync's first one."),
		inFlight:      desc("api_requests_in_flight", "API calls under way."),
		queueLength:   desc("sync_queue_length", "Syncs waiting for a worker."),
		pending:       desc("sync_pending", "Syncs not ended yet: waiting for a worker, under way, or waiting to retry."),
		paused:        desc("api_paused", "1 while API calls are paused after repeated failures or rejected credentials, else 0."),
		ready:         desc("ready", "1 while the instance is ready (middleware.Readiness): the API accepts its configuration and its queue has room; else 0."),
		storeDown:     desc("store_unreachable", "1 while the fleet's Store does not answer (the instance syncs alone), else 0."),
		cacheUsers:    desc("cache_users", "Users the cache of synced users holds now."),
		cacheCapacity: desc("cache_capacity", "The most users the cache holds (WithCacheSize); past it the least recently synced are forgotten."),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace:   c.namespace,
			Name:        "sync_failures_total",
			Help:        "Syncs that failed for good, by reason: the API refused the user, or the retry budget ran out.",
			ConstLabels: c.constLabels,
		}, []string{labelReason}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace:   c.namespace,
			Name:        "api_request_duration_seconds",
			Help:        "Duration of API calls, by result: success or the reason of the failure.",
			ConstLabels: c.constLabels,
			Buckets:     c.buckets,
		}, []string{labelResult}),
	}
	for _, r := range failureReasons {
		col.failures.WithLabelValues(string(r))
	}
	return col, nil
}

// Options returns the hooks that feed the metrics Stats lacks, for
// middleware.New. Give them to one Middleware only: the one given to Observe.
func (c *Collector) Options() []middleware.Option {
	return []middleware.Option{
		middleware.WithOutcomeHook(c.outcome),
		middleware.WithAttemptHook(c.attempt),
	}
}

// Observe sets the Middleware whose Stats each scrape reads; until it is
// called, or after Observe(nil), only the metrics fed by the hooks are
// collected.
func (c *Collector) Observe(src Source) {
	if src == nil {
		c.source.Store(nil)
		return
	}
	c.source.Store(&src)
}

func (c *Collector) outcome(_ context.Context, o middleware.Outcome) {
	if o.Kind != middleware.Failed {
		return // synced, dropped and superseded are counted by Stats
	}
	reason := o.Reason
	if reason == "" {
		reason = middleware.ReasonOther
	}
	c.failures.WithLabelValues(string(reason)).Inc()
}

func (c *Collector) attempt(_ context.Context, a middleware.Attempt) {
	result := ResultSuccess
	if a.Err != nil {
		result = string(middleware.Classify(a.Err))
	}
	c.latency.WithLabelValues(result).Observe(a.Duration.Seconds())
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.hits, c.misses, c.noUser, c.queued, c.synced, c.syncedByFleet, c.dropped, c.superseded, c.retries,
		c.inFlight, c.queueLength, c.pending, c.paused, c.ready, c.storeDown, c.cacheUsers, c.cacheCapacity,
	} {
		ch <- d
	}
	c.failures.Describe(ch)
	c.latency.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if src := c.source.Load(); src != nil {
		s := (*src).Stats()
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
		}
		gauge := func(d *prometheus.Desc, v int) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v))
		}
		counter(c.hits, s.Hits)
		counter(c.misses, s.Misses)
		for _, r := range middleware.NoUserReasons {
			ch <- prometheus.MustNewConstMetric(c.noUser, prometheus.CounterValue, float64(s.NoUserBy[r]), string(r))
		}
		counter(c.queued, s.Queued)
		counter(c.synced, s.Synced)
		counter(c.syncedByFleet, s.SyncedByFleet)
		counter(c.dropped, s.Dropped)
		counter(c.superseded, s.Superseded)
		counter(c.retries, s.Retries)
		gauge(c.inFlight, s.InFlight)
		gauge(c.queueLength, s.QueueLen)
		gauge(c.pending, s.Pending)
		gauge(c.paused, boolValue(s.Paused))
		gauge(c.ready, boolValue(s.Readiness().Ready))
		gauge(c.storeDown, boolValue(s.StoreDown))
		gauge(c.cacheUsers, s.Cached)
		gauge(c.cacheCapacity, s.CacheSize)
	}
	c.failures.Collect(ch)
	c.latency.Collect(ch)
}

// boolValue is a gauge's value for a condition: 1 while it holds.
func boolValue(b bool) int {
	if b {
		return 1
	}
	return 0
}
