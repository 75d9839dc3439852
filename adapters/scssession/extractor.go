package scssession

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/alexedwards/scs/v2"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// Extractor finds the user in the scs session LoadAndSave loaded. It
// implements identity.Extractor and is safe for concurrent use.
type Extractor struct {
	sm     *scs.SessionManager
	mapper *identity.ClaimsMapper

	// sources recycles the per-request ClaimSource: it must carry both the
	// manager and the request's context, so it cannot be pointer-shaped and
	// would otherwise cost an allocation per request.
	sources sync.Pool
}

var _ identity.Extractor = (*Extractor)(nil)

// New returns an Extractor reading sessions of sm. A nil manager or a bad
// option fails with an error wrapping *identity.ConfigError.
func New(sm *scs.SessionManager, opts ...Option) (*Extractor, error) {
	if sm == nil {
		return nil, fmt.Errorf("scssession: %w", &identity.ConfigError{Field: "SessionManager", Err: errors.New("nil")})
	}
	cfg := config{claims: []identity.ClaimsOption{
		identity.WithIdentifierClaim(DefaultIdentifierKey),
		identity.WithNumericIdentifiers(),
	}}
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("scssession: %w", err)
	}
	mapper, err := identity.NewClaimsMapper(cfg.claims...)
	if err != nil {
		return nil, fmt.Errorf("scssession: %w", err)
	}
	e := &Extractor{sm: sm, mapper: mapper}
	e.sources.New = func() any { return &source{sm: sm} }
	return e, nil
}

// Extract returns the user of the session in r's context. See the package
// documentation for what counts as no user and what is an error.
func (e *Extractor) Extract(r *http.Request) (id identity.Identity, ok bool, err error) {
	src := e.sources.Get().(*source)
	src.ctx = r.Context()
	defer func() {
		src.ctx = nil // keep no request alive from the pool
		e.sources.Put(src)
		// scs offers no way to ask whether LoadAndSave ran without panicking,
		// so the first read asks, and only that one panic is recovered.
		if v := recover(); v != nil {
			if v != noSessionData {
				panic(v)
			}
			id, ok, err = identity.Identity{}, false, nil
		}
	}()
	id, err = e.mapper.MapSource(src)
	switch {
	case errors.Is(err, identity.ErrNoIdentifier):
		return identity.Identity{}, false, nil
	case err != nil:
		return identity.Identity{}, false, fmt.Errorf("scssession: session: %w", err)
	}
	return id, true, nil
}

// noSessionData is what scs panics with when LoadAndSave did not run.
const noSessionData = "scs: no session data in context"

// source reads one request's session values by name.
type source struct {
	sm  *scs.SessionManager
	ctx context.Context
}

func (s *source) LookupClaim(name string) (any, bool) {
	v := s.sm.Get(s.ctx, name)
	return v, v != nil
}
