package ginsession

import (
	"errors"

	"github.com/autoidentify/autoidentify/identity"
)

// DefaultIdentifierKey is the session key the identifier comes from.
const DefaultIdentifierKey = "user_id"

// Option configures New.
type Option func(*config) error

type config struct {
	sessionName string
	claims      []identity.ClaimsOption
}

// WithSessionName reads the session of that name that sessions.SessionsMany
// set up (what sessions.DefaultMany(c, name) returns).
// Default: the single session of sessions.Sessions (sessions.Default(c)).
func WithSessionName(name string) Option {
	return func(c *config) error {
		if name == "" {
			return &identity.ConfigError{Field: "SessionName", Err: errors.New("empty")}
		}
		c.sessionName = name
		return nil
	}
}

// WithClaimsOptions changes how session values map to an identity, with the
// options of identity.NewClaimsMapper, applied after the defaults: for
// example identity.WithIdentifierClaim("uid") or
// identity.WithAttributeClaim("firstName", "first_name").
// Default: the identifier from DefaultIdentifierKey, a string or an integer;
// the profile from the OpenID Connect names (email, phone_number,
// given_name, family_name, name, picture).
func WithClaimsOptions(opts ...identity.ClaimsOption) Option {
	return func(c *config) error {
		c.claims = append(c.claims, opts...)
		return nil
	}
}
