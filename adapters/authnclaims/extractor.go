package authnclaims

import (
	"fmt"
	"net/http"

	"connectrpc.com/authn"
	"github.com/golang-jwt/jwt/v5"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/jsonclaims"
	"github.com/autoidentify/autoidentify/internal/options"
)

// Extractor finds the user in the info authn's middleware put in the
// request's context. It implements identity.Extractor and is safe for
// concurrent use.
type Extractor struct {
	mapper *identity.ClaimsMapper
}

var _ identity.Extractor = (*Extractor)(nil)

// New returns an Extractor. A bad option fails with an error wrapping
// *identity.ConfigError.
func New(opts ...Option) (*Extractor, error) {
	var c config
	if err := options.Apply(&c, opts); err != nil {
		return nil, fmt.Errorf("authnclaims: %w", err)
	}
	mapper, err := identity.NewClaimsMapper(c.claims...)
	if err != nil {
		return nil, fmt.Errorf("authnclaims: %w", err)
	}
	return &Extractor{mapper: mapper}, nil
}

// Extract returns the user of the info in r's context: none if authn put
// none there, an error if it names no valid user.
func (e *Extractor) Extract(r *http.Request) (identity.Identity, bool, error) {
	id, err := e.identity(authn.GetInfo(r.Context()))
	if err != nil {
		return identity.Identity{}, false, fmt.Errorf("authnclaims: %w", err)
	}
	return id, id.Identifier != "", nil
}

func (e *Extractor) identity(info any) (identity.Identity, error) {
	switch info := info.(type) {
	case nil:
		return identity.Identity{}, nil
	case identity.Identity:
		return info, identity.ValidateIdentifier(info.Identifier)
	case *identity.Identity:
		if info == nil {
			return identity.Identity{}, nil
		}
		return *info, identity.ValidateIdentifier(info.Identifier)
	case map[string]any:
		return e.mapper.Map(info)
	case jwt.MapClaims:
		return e.mapper.Map(info)
	case identity.ClaimSource:
		return e.mapper.MapSource(info)
	}
	// An app's own claims type: through its JSON, as authn's AuthFunc
	// returned it.
	claims, err := jsonclaims.Of(info)
	if err != nil {
		return identity.Identity{}, fmt.Errorf("info: %w", err)
	}
	return e.mapper.Map(claims)
}
