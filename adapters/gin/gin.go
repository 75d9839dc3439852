package gin

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// Extractor is an extractor that reads the user from the *gin.Context, where
// Gin-aware auth and session middleware leave what they verified
// (adapters/ginjwt, adapters/ginsessions). Pass it to middleware.WithExtractor
// like any other: New and TokenHandler notice it and call ExtractGin. Its
// results mean what identity.Extractor's do.
type Extractor interface {
	identity.Extractor
	ExtractGin(c *gin.Context) (id identity.Identity, ok bool, err error)
}

// extractorKey is where New leaves, in the *gin.Context, the Extractor that
// found the request's user, for FromContext.
type extractorKey struct{}

// New returns Gin middleware doing m's work, with opts for this handler's
// routes (none: m's default route). A route WithRequired aborts a request
// without a user with 401.
//
// When the route's extractor is an Extractor, New asks it through ExtractGin
// and does not copy the user into the request's context, so a request whose
// user is synced already allocates nothing; FromContext finds the user by
// asking the extractor again.
func New(m *middleware.Middleware, opts ...middleware.RouteOption) gin.HandlerFunc {
	route := m.With(opts...)
	ext, inGin := route.Extractor().(Extractor)
	if !inGin {
		return func(c *gin.Context) {
			r, ok := route.Identify(c.Writer, c.Request)
			c.Request = r
			if !ok {
				c.Abort()
			}
		}
	}
	return func(c *gin.Context) {
		id, found, err := ext.ExtractGin(c)
		r, ok := route.Observe(c.Writer, c.Request, id, found, err)
		c.Request = r
		switch {
		case !ok:
			c.Abort()
		case found:
			// No allocation: the auth middleware has made the keys map
			// already, and an interface value goes into it as it is.
			c.Set(extractorKey{}, ext)
		}
	}
}

// TokenHandler returns m's TokenHandler, with opts, as a Gin handler: it
// answers {"token": "..."} to a request with a user, 401 to one without. It
// panics if m has no middleware.WithTokenSigner.
func TokenHandler(m *middleware.Middleware, opts ...middleware.RouteOption) gin.HandlerFunc {
	route := m.With(opts...)
	h := route.TokenHandler()
	if _, inGin := route.Extractor().(Extractor); !inGin {
		return gin.WrapH(h)
	}
	return func(c *gin.Context) {
		// The route's extractor, called through identity.Extractor, finds
		// the *gin.Context there; this request is rare enough to pay for it.
		h.ServeHTTP(c.Writer, c.Request.WithContext(context.WithValue(c.Request.Context(), gin.ContextKey, c)))
	}
}

// FromContext returns the user New found for c's request.
func FromContext(c *gin.Context) (identity.Identity, bool) {
	if v, ok := c.Get(extractorKey{}); ok {
		id, ok, _ := v.(Extractor).ExtractGin(c)
		return id, ok
	}
	return identity.FromContext(c.Request.Context())
}
