package ginidentify

import (
	"context"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// Extractor is an extractor that reads the user from the *gin.Context, where
// Gin-aware auth and session middleware leave what they verified
// (adapters/ginjwtclaims, adapters/ginsession). Pass it to middleware.WithExtractor
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
// without a user with 401. An option middleware.With refuses fails here,
// with its *identity.ConfigError.
//
// When the route's extractor is an Extractor, New asks it through ExtractGin
// and does not copy the user into the request's context, so a request whose
// user is synced already allocates nothing; FromContext finds the user by
// asking the extractor again.
func New(m *middleware.Middleware, opts ...middleware.Option) (gin.HandlerFunc, error) {
	route, err := m.With(opts...)
	if err != nil {
		return nil, fmt.Errorf("ginidentify: %w", err)
	}
	ext, inGin := route.Extractor().(Extractor)
	if !inGin {
		return func(c *gin.Context) {
			r, ok := route.Identify(c.Writer, c.Request)
			c.Request = r
			if !ok {
				c.Abort()
			}
		}, nil
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
	}, nil
}

// TokenHandler returns m's TokenHandler, with opts, as a Gin handler: it
// answers {"token": "..."} to a request with a user, 401 to one without. It
// panics if m has no middleware.WithTokenSigner; an option middleware.With
// refuses fails with its *identity.ConfigError.
func TokenHandler(m *middleware.Middleware, opts ...middleware.Option) (gin.HandlerFunc, error) {
	route, err := m.With(opts...)
	if err != nil {
		return nil, fmt.Errorf("ginidentify: %w", err)
	}
	h := route.TokenHandler()
	if _, inGin := route.Extractor().(Extractor); !inGin {
		return gin.WrapH(h), nil
	}
	return func(c *gin.Context) {
		// The route's extractor, called through identity.Extractor, finds
		// the *gin.Context there; this request is rare enough to pay for it.
		h.ServeHTTP(c.Writer, c.Request.WithContext(context.WithValue(c.Request.Context(), gin.ContextKey, c)))
	}, nil
}

// FromContext returns the user New found for c's request.
func FromContext(c *gin.Context) (identity.Identity, bool) {
	if v, ok := c.Get(extractorKey{}); ok {
		id, ok, _ := v.(Extractor).ExtractGin(c)
		return id, ok
	}
	return identity.FromContext(c.Request.Context())
}
