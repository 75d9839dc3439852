package ginsession

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	gsessions "github.com/gorilla/sessions"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// ErrSessionRejected is wrapped by the error Extract returns when the store
// refuses the request's session cookie (a bad signature, an expired or
// unreadable cookie). The store's own error is wrapped too.
var ErrSessionRejected = errors.New("ginsession: session rejected")

// Extractor finds the user in a gin-contrib/sessions session. It implements
// identity.Extractor and is safe for concurrent use.
type Extractor struct {
	sessionName string // "" for sessions.Default
	mapper      *identity.ClaimsMapper
}

var _ identity.Extractor = (*Extractor)(nil)

// New returns an Extractor. A bad option fails with an error wrapping
// *identity.ConfigError.
func New(opts ...Option) (*Extractor, error) {
	cfg := config{claims: []identity.ClaimsOption{
		identity.WithIdentifierClaim(DefaultIdentifierKey),
		identity.WithNumericIdentifiers(),
	}}
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("ginsession: %w", err)
	}
	mapper, err := identity.NewClaimsMapper(cfg.claims...)
	if err != nil {
		return nil, fmt.Errorf("ginsession: %w", err)
	}
	return &Extractor{sessionName: cfg.sessionName, mapper: mapper}, nil
}

// Extract returns the user of the Gin request r belongs to, if r's context
// carries its *gin.Context under gin.ContextKey (adapters/ginidentify's TokenHandler
// puts it there); without it there is no user. adapters/ginidentify's New calls
// ExtractGin instead.
func (e *Extractor) Extract(r *http.Request) (identity.Identity, bool, error) {
	c, ok := r.Context().Value(gin.ContextKey).(*gin.Context)
	if !ok || c == nil {
		return identity.Identity{}, false, nil
	}
	return e.ExtractGin(c)
}

// ExtractGin returns the user of c's session. See the package documentation
// for what counts as no user and what is an error.
func (e *Extractor) ExtractGin(c *gin.Context) (identity.Identity, bool, error) {
	s := e.session(c)
	if s == nil {
		return identity.Identity{}, false, nil
	}
	var (
		id  identity.Identity
		err error
		gs  *gsessions.Session
	)
	// gin-contrib's session type exposes the gorilla session it wraps: its
	// values map is a ClaimSource that costs nothing to pass on.
	if g, ok := s.(interface{ Session() *gsessions.Session }); ok {
		if gs = g.Session(); gs == nil {
			return identity.Identity{}, false, nil
		}
		id, err = e.mapper.MapSource(values(gs.Values))
	} else {
		id, err = e.mapper.MapSource(sessionValues{s})
	}
	switch {
	case errors.Is(err, identity.ErrNoIdentifier):
		if gs != nil && gs.IsNew {
			return identity.Identity{}, false, rejected(c, gs)
		}
		return identity.Identity{}, false, nil
	case err != nil:
		return identity.Identity{}, false, fmt.Errorf("ginsession: session: %w", err)
	}
	return id, true, nil
}

// session returns the session the middleware set up, or nil where
// sessions.Default or DefaultMany would panic.
func (e *Extractor) session(c *gin.Context) sessions.Session {
	v, ok := c.Get(sessions.DefaultKey)
	if !ok {
		return nil
	}
	if e.sessionName == "" {
		s, _ := v.(sessions.Session)
		return s
	}
	many, _ := v.(map[string]sessions.Session)
	return many[e.sessionName]
}

// rejected explains a new session without a user: if the request carried a
// cookie for it, the store refused that cookie, and gorilla kept the reason
// for this request. Without a cookie it is just no user. This path never
// runs for a signed-in user.
func rejected(c *gin.Context, gs *gsessions.Session) error {
	if _, err := c.Request.Cookie(gs.Name()); err != nil {
		return nil
	}
	store := gs.Store()
	if store == nil {
		return nil
	}
	if _, err := store.Get(c.Request, gs.Name()); err != nil {
		return fmt.Errorf("%w: %q: %w", ErrSessionRejected, gs.Name(), err)
	}
	return nil
}

// values reads session values by name. A map is pointer-shaped, so handing
// it to the mapper as a ClaimSource allocates nothing.
type values map[any]any

func (v values) LookupClaim(name string) (any, bool) {
	x, ok := v[name]
	return x, ok && x != nil
}

// sessionValues reads any other sessions.Session implementation.
type sessionValues struct{ s sessions.Session }

func (v sessionValues) LookupClaim(name string) (any, bool) {
	x := v.s.Get(name)
	return x, x != nil
}
