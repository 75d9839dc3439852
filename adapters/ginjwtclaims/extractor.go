package ginjwtclaims

import (
	"errors"
	"fmt"
	"net/http"

	jwt "github.com/appleboy/gin-jwt/v2"
	"github.com/gin-gonic/gin"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// payloadKey is where gin-jwt leaves the verified claims in the Gin context
// (what jwt.ExtractClaims reads).
const payloadKey = "JWT_PAYLOAD"

// ErrUnsupportedClaims is wrapped by the error Extract returns when the Gin
// context holds claims of a type gin-jwt does not set.
var ErrUnsupportedClaims = errors.New("ginjwtclaims: unsupported claims type")

// Extractor finds the user in the claims gin-jwt verified. It implements
// identity.Extractor and is safe for concurrent use.
type Extractor struct {
	mapper *identity.ClaimsMapper
}

var _ identity.Extractor = (*Extractor)(nil)

// New returns an Extractor. A bad option fails with an error wrapping
// *identity.ConfigError.
func New(opts ...Option) (*Extractor, error) {
	cfg := config{claims: []identity.ClaimsOption{
		identity.WithIdentifierClaim(DefaultIdentifierClaim),
		identity.WithNumericIdentifiers(),
	}}
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("ginjwtclaims: %w", err)
	}
	mapper, err := identity.NewClaimsMapper(cfg.claims...)
	if err != nil {
		return nil, fmt.Errorf("ginjwtclaims: %w", err)
	}
	return &Extractor{mapper: mapper}, nil
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

// refused reports whether gin-jwt refused c after setting its payload: it
// sets the payload before its Authorizator runs, and with DisabledAbort a
// request the Authorizator forbade goes on down the chain. Every refusal
// sets the WWW-Authenticate header (and aborts, unless DisabledAbort); a
// request gin-jwt let through has neither.
func refused(c *gin.Context) bool {
	// The header's canonical key, read from the map: Get would allocate to
	// canonicalize it on every request.
	return c.IsAborted() || len(c.Writer.Header()["Www-Authenticate"]) > 0
}

// ExtractGin returns the user of the claims gin-jwt verified for c. See the
// package documentation for what counts as no user and what is an error.
func (e *Extractor) ExtractGin(c *gin.Context) (identity.Identity, bool, error) {
	v, ok := c.Get(payloadKey)
	if !ok || refused(c) {
		return identity.Identity{}, false, nil
	}
	var claims map[string]any
	switch v := v.(type) {
	case jwt.MapClaims:
		claims = v
	case map[string]any:
		claims = v
	default:
		return identity.Identity{}, false, fmt.Errorf("%w: %T", ErrUnsupportedClaims, v)
	}
	id, err := e.mapper.Map(claims)
	if err != nil {
		return identity.Identity{}, false, fmt.Errorf("ginjwtclaims: claims: %w", err)
	}
	return id, true, nil
}
