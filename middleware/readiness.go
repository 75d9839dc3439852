package middleware

import (
	"net/http"
	"time"
)

// The conditions Readiness reports. Two fail readiness, because taking this
// instance out of rotation helps: a configuration the API rejects (a
// rollout with a wrong secret should stop there, while the instances that
// work keep serving), and a full queue (this instance drops new users; its
// peers may have room). Two only degrade it, because every instance shares
// them and removing them all would take the app down for a dependency it
// can do without for a while: an API that fails (syncs wait and are not
// lost) and, in fleet mode, a Store that does not answer (each instance
// syncs alone).
const (
	NotReadyRejectedConfig = "api_rejected_config" // the API rejects the credentials (401, 403) or the base URL (404)
	NotReadyQueueFull      = "queue_full"          // WithQueueSize users wait: new ones are dropped
	DegradedAPIUnavailable = "api_unavailable"     // calls are paused: the API fails (5xx, timeouts, 429)
	DegradedStoreDown      = "store_unreachable"   // the fleet's Store does not answer: this instance syncs alone
)

// Readiness says whether this instance should take traffic, and what holds
// it back or degrades it.
type Readiness struct {
	Ready    bool        `json:"ready"`
	NotReady []Condition `json:"not_ready,omitempty"` // why it is not: each fails readiness
	Degraded []Condition `json:"degraded,omitempty"`  // what holds without failing it
}

// Condition is one of the conditions above, as it holds now.
type Condition struct {
	Reason string    `json:"reason"`
	Since  time.Time `json:"since,omitzero"`
	Detail string    `json:"detail"` // for an operator: what it means and what to do
}

// Readiness reports whether this instance should take traffic: not while
// the API rejects its configuration or its queue is full; degraded, but
// ready, while the API fails or the Store does not answer. It is
// m.Stats().Readiness().
func (m *Middleware) Readiness() Readiness { return m.Stats().Readiness() }

// Readiness is what these Stats say of readiness (see Middleware.Readiness).
func (s Stats) Readiness() Readiness {
	var r Readiness
	switch {
	case s.Paused && rejectsConfig(s.PauseReason):
		r.NotReady = append(r.NotReady, Condition{NotReadyRejectedConfig, s.PausedSince,
			"the API rejects the credentials or the base URL: no user can be synced until the configuration is fixed"})
	case s.Paused:
		r.Degraded = append(r.Degraded, Condition{DegradedAPIUnavailable, s.PausedSince,
			"API calls are paused (" + string(s.PauseReason) + "): syncs wait and resume when a probe succeeds"})
	}
	if s.QueueFull {
		r.NotReady = append(r.NotReady, Condition{NotReadyQueueFull, s.QueueFullSince,
			"the sync queue is full: new users are dropped until it drains (WithQueueSize, WithWorkers)"})
	}
	if s.StoreDown {
		r.Degraded = append(r.Degraded, Condition{DegradedStoreDown, s.StoreDownSince,
			"the fleet's Store does not answer: this instance syncs on its own"})
	}
	r.Ready = len(r.NotReady) == 0
	return r
}

// rejectsConfig reports a pause no retry ends: the API rejected the
// credentials (unauthorized), or answered 404 to an upsert (client_error:
// the wrong base URL).
func rejectsConfig(r Reason) bool { return r == ReasonUnauthorized || r == ReasonClientError }

// ReadinessHandler answers a readiness probe: 200 when Readiness is ready,
// 503 when not, with Readiness as JSON either way. Mount it outside the
// middleware and the auth, beside a liveness probe that answers 200 while
// the process serves: a paused API is no reason to restart.
func (m *Middleware) ReadinessHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r := m.Readiness()
		status := http.StatusOK
		if !r.Ready {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, r)
	})
}
