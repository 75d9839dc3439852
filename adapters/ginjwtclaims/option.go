package ginjwtclaims

import "github.com/autoidentify/autoidentify/identity"

// DefaultIdentifierClaim is the claim the identifier comes from: gin-jwt's
// default IdentityKey (jwt.IdentityKey, a variable there).
const DefaultIdentifierClaim = "identity"

// Option configures New.
type Option func(*config) error

type config struct {
	claims []identity.ClaimsOption
}

// WithClaimsOptions changes how claims map to an identity, with the options
// of identity.NewClaimsMapper, applied after the defaults: for example
// identity.WithIdentifierClaim("id") when the app set IdentityKey to "id".
// Default: the identifier from DefaultIdentifierClaim, a string or an
// integer; the profile from the OpenID Connect standard claims (email,
// phone_number, given_name, family_name, name, picture).
func WithClaimsOptions(opts ...identity.ClaimsOption) Option {
	return func(c *config) error {
		c.claims = append(c.claims, opts...)
		return nil
	}
}
