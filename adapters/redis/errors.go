package redis

import "errors"

// ErrUnavailable is wrapped by every error a Store returns because Redis
// failed, timed out, or is cooling down after a failure. The caller proceeds
// local-only: it syncs the user as if it had no fleet.
var ErrUnavailable = errors.New("redis: unavailable")

// ConfigError is returned by New given a bad option. Field names the option
// without its With prefix.
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return "redis: bad " + e.Field + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *ConfigError) Unwrap() error { return e.Err }
