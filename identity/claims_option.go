package identity

import (
	"errors"
)

// DefaultIdentifierClaim is the claim the identifier comes from: OpenID
// Connect's subject.
const DefaultIdentifierClaim = "sub"

// ClaimsOption configures NewClaimsMapper.
type ClaimsOption func(*claimsConfig) error

type claimsConfig struct {
	identifier  claimPath
	attributes  map[string]claimPath
	customOrder []string
	numericIDs  bool
	fn          func(Claims, *Identity) error
	onDropped   func(error)
}

// knownAttributes are Profile's fields by their Engagespot names, in order.
var knownAttributes = [...]string{"email", "phoneNumber", "firstName", "lastName", "name", "avatar"}

var knownFields = map[string]profileField{
	"email": fieldEmail, "phoneNumber": fieldPhoneNumber, "firstName": fieldFirstName,
	"lastName": fieldLastName, "name": fieldName, "avatar": fieldAvatar,
}

// standardClaims maps Engagespot attributes to OpenID Connect standard claims.
var standardClaims = map[string]string{
	"email": "email", "phoneNumber": "phone_number", "firstName": "given_name",
	"lastName": "family_name", "name": "name", "avatar": "picture",
}

func defaultClaimsConfig() *claimsConfig {
	cfg := &claimsConfig{
		identifier: claimPath{name: DefaultIdentifierClaim},
		attributes: make(map[string]claimPath, len(standardClaims)),
	}
	for attr, claim := range standardClaims {
		cfg.attributes[attr] = claimPath{name: claim}
	}
	return cfg
}

func newClaimPath(field string, path []string) (claimPath, error) {
	if len(path) == 0 {
		return claimPath{}, &ConfigError{Field: field, Err: errors.New("empty claim path")}
	}
	for _, step := range path {
		if step == "" {
			return claimPath{}, &ConfigError{Field: field, Err: errors.New("empty step in claim path")}
		}
	}
	p := claimPath{name: path[0]}
	if len(path) > 1 {
		p.nested = append([]string(nil), path[1:]...)
	}
	return p, nil
}

// WithIdentifierClaim takes the identifier from the claim at path: a
// top-level claim name, then keys of nested objects, e.g.
// WithIdentifierClaim("email") or WithIdentifierClaim("user", "id"). Names
// are used as they are, so namespaced claims such as
// "https://example.com/uid" need no escaping. An identifier must be one the
// user cannot choose: before using email, make sure the provider verified
// it (a WithClaimsFunc can check email_verified).
// Default: DefaultIdentifierClaim ("sub").
func WithIdentifierClaim(path ...string) ClaimsOption {
	return func(c *claimsConfig) error {
		p, err := newClaimPath("IdentifierClaim", path)
		if err != nil {
			return err
		}
		c.identifier = p
		return nil
	}
}

// WithAttributeClaim maps the Engagespot attribute (email, phoneNumber,
// firstName, lastName, name, avatar, or any other name for a custom
// attribute) from the claim at path, as in WithIdentifierClaim. With no path
// the attribute is not mapped at all. Known attributes must be strings, or
// they are dropped; custom ones are sent as they are, not copied.
// Default: the OpenID Connect standard claims email, phone_number,
// given_name, family_name, name and picture; no custom attributes.
func WithAttributeClaim(attribute string, path ...string) ClaimsOption {
	return func(c *claimsConfig) error {
		switch {
		case attribute == "":
			return &ConfigError{Field: "AttributeClaim", Err: errors.New("empty attribute name")}
		case attribute == "identifier":
			return &ConfigError{Field: "AttributeClaim", Err: errors.New(`"identifier" is not an attribute: use WithIdentifierClaim`)}
		}
		if len(path) == 0 {
			delete(c.attributes, attribute)
			return nil
		}
		p, err := newClaimPath("AttributeClaim", path)
		if err != nil {
			return err
		}
		if _, known := knownFields[attribute]; !known {
			if _, seen := c.attributes[attribute]; !seen {
				c.customOrder = append(c.customOrder, attribute)
			}
		}
		c.attributes[attribute] = p
		return nil
	}
}

// WithNumericIdentifiers accepts an identifier claim that is an integer (as
// session stores often keep user ids) and formats it in decimal. A JWT's sub
// is a string by RFC 7519, so leave this off for tokens.
// Default: off; a non-string identifier is invalid.
func WithNumericIdentifiers() ClaimsOption {
	return func(c *claimsConfig) error {
		c.numericIDs = true
		return nil
	}
}

// WithClaimsFunc runs fn after the claims have been mapped, to change the
// identity in any way the other options cannot: combine claims, pick from a
// list, set custom attributes (allocate id.Profile.Custom if it is nil). The
// identity is validated and sanitized after fn returns. An error from fn
// means no identity, and is wrapped in the one Map returns. fn runs for
// every token verified, on every request: a JWTExtractor whose mapper has
// one caches no verified token (see WithVerifiedCache), so a user fn
// refuses is refused from the next request on.
// Default: none.
func WithClaimsFunc(fn func(c Claims, id *Identity) error) ClaimsOption {
	return func(c *claimsConfig) error {
		if fn == nil {
			return &ConfigError{Field: "ClaimsFunc", Err: errors.New("nil function")}
		}
		c.fn = fn
		return nil
	}
}

// WithOnDropped calls fn with the reasons (an error wrapping
// ErrInvalidAttribute) whenever attributes are dropped from an identity that
// is still valid: a malformed email or phone number, a known attribute that
// is not a string. fn runs on the request path: it must return quickly and
// should count or sample rather than log every call.
// Default: none; dropped attributes go unreported.
func WithOnDropped(fn func(error)) ClaimsOption {
	return func(c *claimsConfig) error {
		if fn == nil {
			return &ConfigError{Field: "OnDropped", Err: errors.New("nil function")}
		}
		c.onDropped = fn
		return nil
	}
}
