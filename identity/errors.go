package identity

import "errors"

// ErrNoIdentifier is returned by the ClaimsMapper when the identifier claim
// is absent or null: the claims name no user. A session without a user is
// simply not signed in; a verified token without one is rejected.
var ErrNoIdentifier = errors.New("identity: no identifier claim")

// ConfigError is returned by a constructor given a bad option. Field names
// the option without its With prefix.
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return "identity: bad " + e.Field + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *ConfigError) Unwrap() error { return e.Err }
