package jwtauthclaims

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/jwtauth/v5"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// ErrTokenRejected is wrapped by the error Extract returns when jwtauth
// failed to verify the request's token; jwtauth's reason is wrapped too.
var ErrTokenRejected = errors.New("jwtauthclaims: token rejected")

// Extractor finds the user in the token jwtauth verified. It implements
// identity.Extractor and is safe for concurrent use.
type Extractor struct {
	mapper *identity.ClaimsMapper
}

var _ identity.Extractor = (*Extractor)(nil)

// New returns an Extractor. A bad option fails with an error wrapping
// *identity.ConfigError.
func New(opts ...Option) (*Extractor, error) {
	var cfg config
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("jwtauthclaims: %w", err)
	}
	mapper, err := identity.NewClaimsMapper(cfg.claims...)
	if err != nil {
		return nil, fmt.Errorf("jwtauthclaims: %w", err)
	}
	return &Extractor{mapper: mapper}, nil
}

// Extract returns the user of the token jwtauth verified for r. See the
// package documentation for what counts as no user and what is an error.
func (e *Extractor) Extract(r *http.Request) (identity.Identity, bool, error) {
	ctx := r.Context()
	// The error first: Verifier stores the token even when it failed.
	if err, _ := ctx.Value(jwtauth.ErrorCtxKey).(error); err != nil {
		if errors.Is(err, jwtauth.ErrNoTokenFound) {
			return identity.Identity{}, false, nil
		}
		return identity.Identity{}, false, fmt.Errorf("%w: %w", ErrTokenRejected, err)
	}
	token, _ := ctx.Value(jwtauth.TokenCtxKey).(jwt.Token)
	if token == nil {
		return identity.Identity{}, false, nil
	}
	id, err := e.mapper.MapSource(claims{token})
	if err != nil {
		return identity.Identity{}, false, fmt.Errorf("jwtauthclaims: token: %w", err)
	}
	return id, true, nil
}

// claims reads a verified token's claims by name, without converting the
// whole token to a map as jwtauth.FromContext does.
type claims struct{ token jwt.Token }

func (c claims) LookupClaim(name string) (any, bool) { return c.token.Get(name) }
