// Package prommetrics exports the autoidentify middleware's metrics to
// Prometheus (github.com/prometheus/client_golang): whether users are being
// synced, how far behind the queue is, and why syncs fail.
//
// # Use
//
// A *Collector is a prometheus.Collector. Its Options install the hooks it
// needs in the Middleware; Observe gives it the Middleware's Stats to read at
// each scrape:
//
//	collector, err := prommetrics.New()
//	m, err := middleware.New(dir, append(collector.Options(), middleware.WithWorkers(8))...)
//	collector.Observe(m)
//	prometheus.MustRegister(collector)
//
//	mux.Handle("GET /metrics", promhttp.Handler()) // not behind the middleware, nor behind auth
//
// One Collector serves one Middleware. To tell two Middlewares of one app
// apart, give each its own Collector WithConstLabels (or WithNamespace).
//
// # Metrics
//
// Counters and gauges are read from middleware.Stats when Prometheus scrapes;
// the failures by reason and the API call latency are counted by hooks that
// run on the background workers. A request whose user is synced already runs
// no hook: the hit path costs what it costs without metrics, and allocates
// nothing.
//
//	autoidentify_cache_hits_total              counter    requests whose user was synced already
//	autoidentify_cache_misses_total            counter    requests (and Ensure calls) whose user needed a sync
//	autoidentify_requests_without_user_total{reason}  counter  requests without a user, by reason (middleware.NoUserReason)
//	autoidentify_sync_queued_total             counter    syncs started
//	autoidentify_sync_synced_total             counter    API calls of this instance that created or updated a user
//	autoidentify_sync_synced_by_fleet_total    counter    syncs ended without a call: another instance had synced the user
//	autoidentify_sync_dropped_total            counter    syncs dropped, mostly for a full queue (retried on the user's next request)
//	autoidentify_sync_superseded_total         counter    syncs not sent: a newer profile was recorded by the fleet, or the user deleted
//	autoidentify_sync_retries_total            counter    API calls after a sync's first
//	autoidentify_sync_failures_total{reason}   counter    syncs that failed for good, by reason
//	autoidentify_sync_queue_length             gauge      syncs waiting for a worker
//	autoidentify_sync_pending                  gauge      syncs not ended: waiting, under way, or waiting to retry
//	autoidentify_api_requests_in_flight        gauge      API calls under way
//	autoidentify_api_paused                    gauge      1 while API calls are paused (repeated failures, rejected credentials)
//	autoidentify_ready                         gauge      1 while the instance is ready (middleware.Readiness), else 0
//	autoidentify_store_unreachable             gauge      1 while the fleet's Store does not answer (the instance syncs alone)
//	autoidentify_cache_users                   gauge      users the cache of synced users holds
//	autoidentify_cache_capacity                gauge      the most it holds (WithCacheSize): past it, the least recently synced go
//	autoidentify_api_request_duration_seconds{result}  histogram  API call latency, by result
//
// The reason of requests_without_user_total is no_credentials (signed out,
// or a route mounted before the auth middleware), or why the credential
// was rejected: expired, not_yet_valid, bad_signature, unknown_key,
// malformed, invalid_identifier, refused (the issuer or audience, a claims
// hook, an untrusted proxy). The reason of sync_failures_total is one of
// rate_limited (429), unauthorized (401, 403: the API key or
// secret), client_error (other 4xx: the API refused this user's profile),
// server_error (5xx), network (no answer: connection error, timeout, 408),
// profile_loader (middleware.WithProfileLoader's loader failed: the API was
// not called) and other; every one is exported from the start, at zero.
// result is success or one of the same reasons, for each API call, retries
// and probes included.
// A sync fails for good when the API refuses the user (client_error: never
// retried) or when its retry budget (middleware.WithMaxAttempts) runs out;
// middleware.Failed says when such a user is tried again.
//
// # A fleet
//
// Every instance exports its own counters; sum them. sync_synced_total counts
// the API calls each instance made that succeeded, so its sum over the fleet
// is what Engagespot accepted: sum(rate(autoidentify_sync_synced_total[5m])).
// A user whose sync another instance made first costs no call, and counts in
// sync_synced_by_fleet_total instead; the two together are the syncs the
// fleet ended synced. ready and store_unreachable are per instance: count
// the instances at 0 (count(autoidentify_ready == 0)) rather than sum them.
//
// # Dashboard and alerts
//
// dashboard.json, in this folder, is a Grafana dashboard of these metrics
// (Dashboards > New > Import; pick the Prometheus data source), with the
// fleet's sums, readiness, failures and requests without a user by reason.
// alerts.yml holds example Prometheus alert rules; tune the thresholds to
// your traffic. A test checks that every metric they query exists.
package prommetrics
