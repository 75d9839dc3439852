package clerkclaims

import (
	"fmt"
	"net/http"

	"github.com/clerk/clerk-sdk-go/v2"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/jsonclaims"
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
	var id identity.Identity
	var err error
	switch claims.Custom.(type) {
	case nil, map[string]any, *map[string]any:
		id, err = e.mapper.MapSource((*sessionClaims)(claims)) // a pointer in an interface: no allocation
	default:
		// An app's own type: through its JSON once, not once per claim
		// the mapper looks up. Custom claims that are no JSON object are
		// no claims.
		custom, _ := jsonclaims.Of(claims.Custom)
		id, err = e.mapper.MapSource(withCustom{(*sessionClaims)(claims), custom})
	}
	if err != nil {
		return identity.Identity{}, false, fmt.Errorf("clerkclaims: claims: %w", err)
	}
	return id, true, nil
}

// sessionClaims reads Clerk's verified claims as an identity.ClaimSource:
// sub and sid from Clerk's own fields, any other claim from the map
// clerkhttp.CustomClaimsConstructor decoded into, if it did.
type sessionClaims clerk.SessionClaims

func (c *sessionClaims) LookupClaim(name string) (any, bool) {
	return lookupClaim(c, customMap(c.Custom), name)
}

// LookupString is LookupClaim for a string claim, without boxing it in an
// interface (identity.StringClaimSource): Clerk's own claims cost nothing.
func (c *sessionClaims) LookupString(name string) (string, bool) {
	return lookupString(c, customMap(c.Custom), name)
}

// withCustom is sessionClaims whose custom claims, of the app's own type,
// were turned into a map once.
type withCustom struct {
	c      *sessionClaims
	custom map[string]any
}

func (w withCustom) LookupClaim(name string) (any, bool) { return lookupClaim(w.c, w.custom, name) }

func (w withCustom) LookupString(name string) (string, bool) {
	return lookupString(w.c, w.custom, name)
}

func lookupClaim(c *sessionClaims, custom map[string]any, name string) (any, bool) {
	if s, ok := lookupString(c, custom, name); ok {
		return s, true
	}
	v, ok := custom[name]
	return v, ok
}

func lookupString(c *sessionClaims, custom map[string]any, name string) (string, bool) {
	switch name {
	case "sub":
		return c.Subject, c.Subject != ""
	case "sid":
		return c.SessionID, c.SessionID != ""
	}
	s, ok := custom[name].(string)
	return s, ok
}

var (
	_ identity.StringClaimSource = (*sessionClaims)(nil)
	_ identity.StringClaimSource = withCustom{}
)

// customMap returns the custom claims clerkhttp.CustomClaimsConstructor
// decoded into a map; nil for none, or for claims of another type (see
// Extract).
func customMap(v any) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return v
	case *map[string]any:
		if v != nil {
			return *v
		}
	}
	return nil
}
