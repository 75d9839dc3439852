package echov5identify

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// Extractor is an extractor that reads the user from the *echo.Context,
// where Echo's auth middleware leaves what it verified (echo-jwt: see
// NewJWTExtractor). Pass it to middleware.WithExtractor like any other: New
// and TokenHandler notice it and call ExtractEcho. Its results mean what
// identity.Extractor's do.
type Extractor interface {
	identity.Extractor
	ExtractEcho(c *echo.Context) (id identity.Identity, ok bool, err error)
}

// extractorKey is where New leaves, in the *echo.Context, the Extractor that
// found the request's user, for FromContext.
const extractorKey = "autoidentify.extractor"

// contextKey is where TokenHandler puts the *echo.Context in the request's
// context, for an Extractor's Extract to find.
type contextKey struct{}

// New returns Echo middleware doing m's work, with opts for the routes it
// wraps (none: m's default route). A route WithRequired refuses a request
// without a user with echo.ErrUnauthorized. An option middleware.With
// refuses fails here, with its *identity.ConfigError.
func New(m *middleware.Middleware, opts ...middleware.Option) (echo.MiddlewareFunc, error) {
	route, err := m.With(opts...)
	if err != nil {
		return nil, fmt.Errorf("echov5identify: %w", err)
	}
	if ext, ok := route.Extractor().(Extractor); ok {
		return func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c *echo.Context) error {
				id, found, err := ext.ExtractEcho(c)
				if !route.Admit(c.Request().Context(), id, found, err) {
					return unauthorized(c, err)
				}
				if found {
					c.Set(extractorKey, ext) // an interface in the map Echo's auth made: no allocation
				}
				return next(c)
			}
		}, nil
	}
	ext := route.Extractor()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			r := c.Request()
			id, found, err := ext.Extract(r)
			if !route.Admit(r.Context(), id, found, err) {
				return unauthorized(c, err)
			}
			if found && !inContext(r.Context(), id.Identifier) {
				c.SetRequest(r.WithContext(identity.NewContext(r.Context(), id)))
			}
			return next(c)
		}
	}, nil
}

// inContext reports whether the request's context holds identifier's user
// already (identity.InContext found them there).
func inContext(ctx context.Context, identifier string) bool {
	in, _, ok := identity.FingerprintFromContext(ctx)
	return ok && in == identifier
}

// unauthorized is the refusal Echo users expect: echo.ErrUnauthorized, for
// the app's HTTPErrorHandler, with the bearer challenge of RFC 6750.
func unauthorized(c *echo.Context, cause error) error {
	value := "Bearer"
	if cause != nil {
		value = `Bearer error="invalid_token"`
	}
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, value)
	return echo.NewHTTPError(http.StatusUnauthorized, http.StatusText(http.StatusUnauthorized)).Wrap(cause)
}

// TokenHandler returns m's TokenHandler, with opts, as an Echo handler: it
// answers {"token": "..."} to a request with a user, 401 to one without. It
// panics if m has no middleware.WithTokenSigner; an option middleware.With
// refuses fails with its *identity.ConfigError.
func TokenHandler(m *middleware.Middleware, opts ...middleware.Option) (echo.HandlerFunc, error) {
	route, err := m.With(opts...)
	if err != nil {
		return nil, fmt.Errorf("echov5identify: %w", err)
	}
	h := route.TokenHandler()
	return func(c *echo.Context) error {
		// The route's extractor, called through identity.Extractor, finds
		// the *echo.Context there; this request is rare enough to pay for it.
		r := c.Request()
		h.ServeHTTP(c.Response(), r.WithContext(context.WithValue(r.Context(), contextKey{}, c)))
		return nil
	}, nil
}

// FromContext returns the user New found for c's request.
func FromContext(c *echo.Context) (identity.Identity, bool) {
	if ext, ok := c.Get(extractorKey).(Extractor); ok {
		id, ok, _ := ext.ExtractEcho(c)
		return id, ok
	}
	return identity.FromContext(c.Request().Context())
}

// echoContext returns the *echo.Context TokenHandler put in r's context.
func echoContext(r *http.Request) (*echo.Context, bool) {
	c, ok := r.Context().Value(contextKey{}).(*echo.Context)
	return c, ok && c != nil
}
