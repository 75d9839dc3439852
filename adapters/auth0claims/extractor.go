package auth0claims

import (
	"errors"
	"fmt"
	"net/http"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// ErrUnsupportedClaims is wrapped by the error Extract returns when the
// middleware's ValidateToken stored claims of a type this package cannot
// read (neither *validator.ValidatedClaims nor map[string]any).
var ErrUnsupportedClaims = errors.New("auth0claims: unsupported claims type")

// Extractor finds the user in the claims go-jwt-middleware validated. It
// implements identity.Extractor and is safe for concurrent use.
type Extractor struct {
	mapper *identity.ClaimsMapper
}

var _ identity.Extractor = (*Extractor)(nil)

// New returns an Extractor. A bad option fails with an error wrapping
// *identity.ConfigError.
func New(opts ...Option) (*Extractor, error) {
	var cfg config
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("auth0claims: %w", err)
	}
	mapper, err := identity.NewClaimsMapper(cfg.claims...)
	if err != nil {
		return nil, fmt.Errorf("auth0claims: %w", err)
	}
	return &Extractor{mapper: mapper}, nil
}

// Extract returns the user of the claims CheckJWT validated for r. See the
// package documentation for what counts as no user and what is an error.
func (e *Extractor) Extract(r *http.Request) (identity.Identity, bool, error) {
	var (
		id  identity.Identity
		err error
	)
	switch c := r.Context().Value(jwtmiddleware.ContextKey{}).(type) {
	case nil:
		return identity.Identity{}, false, nil
	case *validator.ValidatedClaims:
		if c == nil {
			return identity.Identity{}, false, nil
		}
		id, err = e.mapper.MapSource((*validatedClaims)(c))
	case map[string]any:
		id, err = e.mapper.Map(c)
	default:
		return identity.Identity{}, false, fmt.Errorf("%w: %T", ErrUnsupportedClaims, c)
	}
	if err != nil {
		return identity.Identity{}, false, fmt.Errorf("auth0claims: claims: %w", err)
	}
	return id, true, nil
}
