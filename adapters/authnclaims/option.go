package authnclaims

import "github.com/autoidentify/autoidentify/identity"

// Option configures New.
type Option func(*config) error

type config struct {
	claims []identity.ClaimsOption
}

// WithClaimsOptions changes how claims map to an identity, with the options
// of identity.NewClaimsMapper; it does not apply to an identity.Identity.
// Default: the identifier from "sub"; the profile from the OpenID Connect
// standard claims (email, phone_number, given_name, family_name, name,
// picture).
func WithClaimsOptions(opts ...identity.ClaimsOption) Option {
	return func(c *config) error {
		c.claims = append(c.claims, opts...)
		return nil
	}
}
