package echov5identify

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v5"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/jsonclaims"
	"github.com/autoidentify/autoidentify/internal/options"
)

// DefaultContextKey is where echo-jwt leaves the verified token: its
// Config.ContextKey's default.
const DefaultContextKey = "user"

// ErrUnsupportedToken is wrapped by the error of an extraction that found,
// under the context key, something other than a token echo-jwt verified.
var ErrUnsupportedToken = errors.New("echov5identify: unsupported token")

// JWTExtractor finds the user in the claims of the token echo-jwt verified.
// It is an Extractor, safe for concurrent use.
type JWTExtractor struct {
	key    string
	mapper *identity.ClaimsMapper
}

var _ Extractor = (*JWTExtractor)(nil)

// Option configures NewJWTExtractor.
type Option func(*config) error

type config struct {
	key    string
	claims []identity.ClaimsOption
}

// WithContextKey names where echo-jwt leaves the token: its
// Config.ContextKey. Default: DefaultContextKey.
func WithContextKey(key string) Option {
	return func(c *config) error {
		if key == "" {
			return options.Error("ContextKey", "empty")
		}
		c.key = key
		return nil
	}
}

// WithClaimsOptions changes how claims map to an identity, with the options
// of identity.NewClaimsMapper. Default: the identifier from "sub"; the
// profile from the OpenID Connect standard claims (email, phone_number,
// given_name, family_name, name, picture).
func WithClaimsOptions(opts ...identity.ClaimsOption) Option {
	return func(c *config) error {
		c.claims = append(c.claims, opts...)
		return nil
	}
}

// NewJWTExtractor returns a JWTExtractor. A bad option fails with an error
// wrapping *identity.ConfigError.
func NewJWTExtractor(opts ...Option) (*JWTExtractor, error) {
	c := config{key: DefaultContextKey}
	if err := options.Apply(&c, opts); err != nil {
		return nil, fmt.Errorf("echov5identify: %w", err)
	}
	mapper, err := identity.NewClaimsMapper(c.claims...)
	if err != nil {
		return nil, fmt.Errorf("echov5identify: %w", err)
	}
	return &JWTExtractor{key: c.key, mapper: mapper}, nil
}

// Extract returns the user of the *echo.Context TokenHandler put in r's
// context; without one there is no user. New calls ExtractEcho instead.
func (e *JWTExtractor) Extract(r *http.Request) (identity.Identity, bool, error) {
	c, ok := echoContext(r)
	if !ok {
		return identity.Identity{}, false, nil
	}
	return e.ExtractEcho(c)
}

// ExtractEcho returns the user of the token echo-jwt verified for c: none
// if there is no token (echo-jwt did not run, or skipped the request), an
// error if the token is not one echo-jwt verified or its claims name no
// valid user.
func (e *JWTExtractor) ExtractEcho(c *echo.Context) (identity.Identity, bool, error) {
	v := c.Get(e.key)
	if v == nil {
		return identity.Identity{}, false, nil
	}
	token, ok := v.(*jwt.Token)
	if !ok || token == nil || !token.Valid {
		return identity.Identity{}, false, fmt.Errorf("%w: %T under %q", ErrUnsupportedToken, v, e.key)
	}
	id, err := e.mapClaims(token.Claims)
	if err != nil {
		return identity.Identity{}, false, fmt.Errorf("echov5identify: claims: %w", err)
	}
	return id, true, nil
}

// mapClaims maps echo-jwt's default claims (jwt.MapClaims) in place, and
// an app's own claims type through its JSON, as echo-jwt's NewClaimsFunc
// made it.
func (e *JWTExtractor) mapClaims(claims jwt.Claims) (identity.Identity, error) {
	if m, ok := claims.(jwt.MapClaims); ok {
		return e.mapper.Map(m)
	}
	m, err := jsonclaims.Of(claims)
	if err != nil {
		return identity.Identity{}, err
	}
	return e.mapper.Map(m)
}
