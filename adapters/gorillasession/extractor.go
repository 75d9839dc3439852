package gorillasession

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gorilla/sessions"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// ErrSessionRejected is wrapped by the error Extract returns when the store
// refuses the request's session (a bad signature, an expired or unreadable
// cookie). The store's own error is wrapped too.
var ErrSessionRejected = errors.New("gorillasession: session rejected")

// Extractor finds the user in a gorilla/sessions session. It implements
// identity.Extractor and is safe for concurrent use.
type Extractor struct {
	store  sessions.Store
	name   string
	mapper *identity.ClaimsMapper
}

var _ identity.Extractor = (*Extractor)(nil)

// New returns an Extractor reading the session called name from store. A
// nil store, an empty name or a bad option fails with an error wrapping
// *identity.ConfigError.
func New(store sessions.Store, name string, opts ...Option) (*Extractor, error) {
	if store == nil {
		return nil, fmt.Errorf("gorillasession: %w", &identity.ConfigError{Field: "Store", Err: errors.New("nil")})
	}
	if name == "" {
		return nil, fmt.Errorf("gorillasession: %w", &identity.ConfigError{Field: "Name", Err: errors.New("empty session name")})
	}
	cfg := config{claims: []identity.ClaimsOption{
		identity.WithIdentifierClaim(DefaultIdentifierKey),
		identity.WithNumericIdentifiers(),
	}}
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("gorillasession: %w", err)
	}
	mapper, err := identity.NewClaimsMapper(cfg.claims...)
	if err != nil {
		return nil, fmt.Errorf("gorillasession: %w", err)
	}
	return &Extractor{store: store, name: name, mapper: mapper}, nil
}

// Extract returns the user of r's session. See the package documentation for
// what counts as no user and what is an error.
//
// Like any call to store.Get, it records the session in r's context (gorilla
// replaces *r with a copy carrying its registry), so later reads in the same
// request do not decode the cookie again.
func (e *Extractor) Extract(r *http.Request) (identity.Identity, bool, error) {
	s, err := e.store.Get(r, e.name)
	if err != nil {
		return identity.Identity{}, false, fmt.Errorf("%w: %q: %w", ErrSessionRejected, e.name, err)
	}
	if s == nil || len(s.Values) == 0 {
		return identity.Identity{}, false, nil
	}
	id, err := e.mapper.MapSource(values(s.Values))
	switch {
	case errors.Is(err, identity.ErrNoIdentifier):
		return identity.Identity{}, false, nil
	case err != nil:
		return identity.Identity{}, false, fmt.Errorf("gorillasession: session %q: %w", e.name, err)
	}
	return id, true, nil
}

// values reads session values by name. A map is pointer-shaped, so handing
// it to the mapper as a ClaimSource allocates nothing.
type values map[any]any

func (v values) LookupClaim(name string) (any, bool) {
	x, ok := v[name]
	return x, ok && x != nil
}
