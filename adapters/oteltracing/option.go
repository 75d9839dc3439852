package oteltracing

import (
	"slices"

	"github.com/autoidentify/autoidentify/internal/options"
	"go.opentelemetry.io/otel/trace"
)

// Option configures New.
type Option func(*config) error

type config struct {
	provider trace.TracerProvider // nil: otel.GetTracerProvider()
	hashKey  []byte
}

// WithTracerProvider sets where spans go. Default: otel.GetTracerProvider(),
// the global provider (set before New, or, if none was set yet, the first one
// set later, which the global stand-in delegates to).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) error {
		if tp == nil {
			return options.Error("TracerProvider", "nil")
		}
		c.provider = tp
		return nil
	}
}

// WithHashKey makes the user hash an HMAC-SHA-256 under key, so that someone
// reading the traces cannot confirm a guessed identifier (an email address)
// by hashing it. Keep the key secret, and the same across instances and
// restarts so that hashes stay comparable. Default: none, a plain SHA-256.
func WithHashKey(key []byte) Option {
	return func(c *config) error {
		if len(key) == 0 {
			return options.Error("HashKey", "empty")
		}
		c.hashKey = slices.Clone(key)
		return nil
	}
}
