package clerkclaims

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/clerk/clerk-sdk-go/v2"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// Extractor finds the user in the session claims Clerk's middleware
// verified. It implements identity.Extractor and is safe for concurrent use.
type Extractor struct {
	mapper *identity.ClaimsMapper
}

var _ identity.Extractor = (*Extractor)(nil)

// New returns an Extractor. A bad option fails with an error wrapping
// *identity.ConfigError.
func New(opts ...Option) (*Extractor, error) {
	var c config
	if err := options.Apply(&c, opts); err != nil {
		return nil, fmt.Errorf("clerkclaims: %w", err)
	}
	mapper, err := identity.NewClaimsMapper(c.claims...)
	if err != nil {
		return nil, fmt.Errorf("clerkclaims: %w", err)
	}
	return &Extractor{mapper: mapper}, nil
}

// Extract returns the user of the session claims in r's context: none if
// Clerk's middleware did not verify a session token for r, an error if the
// claims name no valid user.
func (e *Extractor) Extract(r *http.Request) (identity.Identity, bool, error) {
	claims, ok := clerk.SessionClaimsFromContext(r.Context())
	if !ok || claims == nil {
		return identity.Identity{}, false, nil
	}
	id, err := e.mapper.MapSource((*sessionClaims)(claims)) // a pointer in an interface: no allocation
	if err != nil {
		return identity.Identity{}, false, fmt.Errorf("clerkclaims: claims: %w", err)
	}
	return id, true, nil
}

// sessionClaims reads Clerk's verified claims as an identity.ClaimSource:
// sub and sid from Clerk's own fields, any other claim from those
// clerkhttp.CustomClaimsConstructor decoded.
type sessionClaims clerk.SessionClaims

func (c *sessionClaims) LookupClaim(name string) (any, bool) {
	if s, ok := c.LookupString(name); ok {
		return s, true
	}
	v, ok := customClaims(c.Custom)[name]
	return v, ok
}

// LookupString is LookupClaim for a string claim, without boxing it in an
// interface (identity.StringClaimSource): Clerk's own claims cost nothing.
func (c *sessionClaims) LookupString(name string) (string, bool) {
	switch name {
	case "sub":
		return c.Subject, c.Subject != ""
	case "sid":
		return c.SessionID, c.SessionID != ""
	}
	s, ok := customClaims(c.Custom)[name].(string)
	return s, ok
}

var _ identity.StringClaimSource = (*sessionClaims)(nil)

// customClaims returns the claims clerkhttp.CustomClaimsConstructor
// decoded: a map as is, any other type through its JSON (nil if it has
// none).
func customClaims(v any) map[string]any {
	switch v := v.(type) {
	case nil:
		return nil
	case map[string]any:
		return v
	case *map[string]any:
		if v == nil {
			return nil
		}
		return *v
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m) // not an object: no claims
	return m
}
