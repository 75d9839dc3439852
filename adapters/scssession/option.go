package scssession

import "github.com/autoidentify/autoidentify/identity"

// DefaultIdentifierKey is the session key the identifier comes from.
const DefaultIdentifierKey = "user_id"

// Option configures New.
type Option func(*config) error

type config struct {
	claims []identity.ClaimsOption
}

// WithClaimsOptions changes how session values map to an identity, with the
// options of identity.NewClaimsMapper, applied after the defaults: for
// example identity.WithIdentifierClaim("authenticatedUserID") or
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
