package prommetrics

import (
	"maps"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/autoidentify/autoidentify/internal/options"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultNamespace starts every metric name: autoidentify_cache_hits_total.
const DefaultNamespace = "autoidentify"

// Option configures New.
type Option func(*config) error

type config struct {
	namespace   string
	constLabels prometheus.Labels
	buckets     []float64
}

func defaultConfig() config {
	return config{namespace: DefaultNamespace, buckets: prometheus.DefBuckets}
}

// WithNamespace sets the prefix of every metric name, for an app that runs
// two Middlewares and wants them apart by name rather than by label.
// Default: DefaultNamespace.
func WithNamespace(ns string) Option {
	return func(c *config) error {
		if !validName(ns) {
			return options.Error("Namespace", "%q: want [a-zA-Z_][a-zA-Z0-9_]*", ns)
		}
		c.namespace = ns
		return nil
	}
}

// WithConstLabels adds labels with fixed values to every metric, such as
// {"middleware": "api"} to tell two Middlewares of one app apart. The names
// "reason" and "result" are taken. Default: none.
func WithConstLabels(labels prometheus.Labels) Option {
	return func(c *config) error {
		for _, name := range slices.Sorted(maps.Keys(labels)) {
			switch {
			case !validName(name) || len(name) >= 2 && name[:2] == "__":
				return options.Error("ConstLabels", "label name %q: want [a-zA-Z_][a-zA-Z0-9_]*, not starting with __", name)
			case name == labelReason || name == labelResult:
				return options.Error("ConstLabels", "label name %q: taken by a metric's own label", name)
			case !utf8.ValidString(labels[name]):
				return options.Error("ConstLabels", "label %q: value is not valid UTF-8", name)
			}
		}
		c.constLabels = maps.Clone(labels)
		return nil
	}
}

// WithBuckets sets the upper bounds, in seconds, of the API call latency
// histogram's buckets; they must increase. Default: prometheus.DefBuckets,
// 5ms to 10s, which spans middleware.DefaultAttemptTimeout.
func WithBuckets(upperBounds ...float64) Option {
	return func(c *config) error {
		if len(upperBounds) == 0 {
			return options.Error("Buckets", "none")
		}
		for i, b := range upperBounds {
			if math.IsNaN(b) || i > 0 && !(b > upperBounds[i-1]) {
				return options.Error("Buckets", "%v: must increase", upperBounds)
			}
		}
		c.buckets = slices.Clone(upperBounds)
		return nil
	}
}

// validName reports whether s is a metric or label name in the classic
// character set, the one every Prometheus version and exposition format
// accepts.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9'
		if !ok {
			return false
		}
	}
	return true
}
