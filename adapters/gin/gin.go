package gin

import (
	"github.com/gin-gonic/gin"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// New returns Gin middleware doing m's work, with opts for this handler's
// routes (none: m's default route). A route WithRequired aborts a request
// without a user with 401.
func New(m *middleware.Middleware, opts ...middleware.RouteOption) gin.HandlerFunc {
	route := m.With(opts...)
	return func(c *gin.Context) {
		r, ok := route.Identify(c.Writer, c.Request)
		c.Request = r
		if !ok {
			c.Abort()
		}
	}
}

// TokenHandler returns m's TokenHandler, with opts, as a Gin handler: it
// answers {"token": "..."} to a request with a user, 401 to one without. It
// panics if m has no middleware.WithTokenSigner.
func TokenHandler(m *middleware.Middleware, opts ...middleware.RouteOption) gin.HandlerFunc {
	return gin.WrapH(m.With(opts...).TokenHandler())
}

// FromContext returns the user New found for c's request.
func FromContext(c *gin.Context) (identity.Identity, bool) {
	return identity.FromContext(c.Request.Context())
}
