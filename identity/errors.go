package identity

import "errors"

// ErrNoIdentifier is returned by the ClaimsMapper when the identifier claim
// is absent or null: the claims name no user. A session without a user is
// simply not signed in; a verified token without one is rejected.
var ErrNoIdentifier = errors.New("identity: no identifier claim")

// ConfigError is the one error type every constructor of autoidentify
// returns for a bad argument or option, in this package and every other:
// errors.As(err, new(*identity.ConfigError)) finds it whichever package
// built it. Field names the argument, or the option without its With
// prefix; Err says what is wrong with it. Each package wraps it with its
// name ("middleware: bad Workers: -1: must be positive").
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return "bad " + e.Field + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *ConfigError) Unwrap() error { return e.Err }
