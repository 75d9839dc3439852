package auth0claims

import "github.com/autoidentify/autoidentify/identity"

// Option configures New.
type Option func(*config) error

type config struct {
	claims []identity.ClaimsOption
}

// WithClaimsOptions changes how claims map to an identity, with the options
// of identity.NewClaimsMapper: for example
// identity.WithAttributeClaim("plan", "https://example.com/plan") for a
// namespaced custom claim.
// Default: the OpenID Connect standard claims (identity.NewClaimsMapper's
// defaults): sub, email, phone_number, given_name, family_name, name, picture.
func WithClaimsOptions(opts ...identity.ClaimsOption) Option {
	return func(c *config) error {
		c.claims = append(c.claims, opts...)
		return nil
	}
}
