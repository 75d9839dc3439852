package otelautoidentify

import (
	"errors"
	"slices"

	"go.opentelemetry.io/otel/trace"
)

// ConfigError is returned by New given a bad option. Field names the option
// without its With prefix.
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string {
	return "otelautoidentify: bad " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns the reason.
func (e *ConfigError) Unwrap() error { return e.Err }

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
			return &ConfigError{Field: "TracerProvider", Err: errors.New("nil")}
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
			return &ConfigError{Field: "HashKey", Err: errors.New("empty")}
		}
		c.hashKey = slices.Clone(key)
		return nil
	}
}
