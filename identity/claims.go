package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// ClaimsMapper turns the claims of a verified token, or the values of a
// session, into an Identity. Build one with NewClaimsMapper at start-up and
// share it: it is immutable and safe for concurrent use.
//
// Mapping a profile of strings allocates nothing: the identity's strings are
// the claim values themselves. Custom attributes allocate their map.
type ClaimsMapper struct {
	identifier claimPath
	attributes []attributeClaim // known fields first, then custom ones
	numCustom  int
	numericIDs bool
	fn         func(Claims, *Identity) error
	onDropped  func(error)
}

// claimPath is where a value sits: a top-level claim, then keys of the nested
// objects below it.
type claimPath struct {
	name   string
	nested []string
}

// profileField says which Profile field an attributeClaim fills; fieldCustom
// means Profile.Custom[attribute].
type profileField uint8

const (
	fieldCustom profileField = iota
	fieldEmail
	fieldPhoneNumber
	fieldFirstName
	fieldLastName
	fieldName
	fieldAvatar
)

type attributeClaim struct {
	attribute string // the Engagespot attribute name
	field     profileField
	path      claimPath
}

// Claims is read-only access to the claims being mapped, handed to the
// function WithClaimsFunc installs. It is only valid during that call.
type Claims struct {
	m   map[string]any
	src ClaimSource
	str StringClaimSource // src, if it is one
}

// ClaimSource gives claims by top-level name, for sources that are not a
// map[string]any: a session store, a struct. LookupClaim reports false (or a
// nil value) for a name that is not there.
//
// The source is handed to the WithClaimsFunc function, so it escapes: a map
// type or a pointer implementing ClaimSource costs no allocation, a closure
// that captures variables costs one.
type ClaimSource interface {
	LookupClaim(name string) (any, bool)
}

// StringClaimSource is a ClaimSource that can also give a claim as a string
// without boxing it in an any, which costs an allocation when the string
// sits in a struct field (a token library's claims struct). For the
// identifier and the profile's fields, at a top-level claim name, the mapper
// asks LookupString first, and LookupClaim only when it reports false.
//
// ok reports whether LookupString has the answer: s is the claim, a string,
// or "" when there is no such claim (an empty string counts as absent). ok
// is false when the claim is there but is not a string, or when the source
// cannot tell cheaply: LookupClaim then answers. Reporting a missing claim
// with ok true saves that second lookup.
type StringClaimSource interface {
	ClaimSource
	LookupString(name string) (s string, ok bool)
}

// ClaimSourceFunc adapts a function to a ClaimSource.
type ClaimSourceFunc func(name string) (any, bool)

// LookupClaim calls f(name).
func (f ClaimSourceFunc) LookupClaim(name string) (any, bool) { return f(name) }

// Get returns the value at path: a top-level claim, then keys of the nested
// objects (map[string]any or map[any]any) below it. ok is false when a step
// is missing, is not an object, or the value is nil.
func (c Claims) Get(path ...string) (v any, ok bool) {
	if len(path) == 0 {
		return nil, false
	}
	return c.lookup(path[0], path[1:])
}

// String returns the value at path if it is a non-empty string.
func (c Claims) String(path ...string) (string, bool) {
	if len(path) == 1 {
		if s, ok := c.lookupString(claimPath{name: path[0]}); ok {
			return s, s != ""
		}
	}
	v, ok := c.Get(path...)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok && s != ""
}

// lookupString returns the string at p, "" if absent, when the source can
// tell without boxing it (see StringClaimSource); ok false means: ask lookup.
func (c Claims) lookupString(p claimPath) (s string, ok bool) {
	if c.str == nil || len(p.nested) > 0 {
		return "", false
	}
	return c.str.LookupString(p.name)
}

func (c Claims) lookup(name string, nested []string) (any, bool) {
	var v any
	var ok bool
	switch {
	case c.m != nil:
		v, ok = c.m[name]
	case c.src != nil:
		v, ok = c.src.LookupClaim(name)
	}
	for _, key := range nested {
		if !ok {
			break
		}
		switch obj := v.(type) {
		case map[string]any:
			v, ok = obj[key]
		case map[any]any:
			v, ok = obj[key]
		default:
			ok = false
		}
	}
	if !ok || v == nil {
		return nil, false
	}
	return v, true
}

// NewClaimsMapper returns a mapper of the OpenID Connect standard claims
// (sub, email, phone_number, given_name, family_name, name, picture) unless
// options say otherwise. A bad option fails here, with a *ConfigError.
func NewClaimsMapper(opts ...ClaimsOption) (*ClaimsMapper, error) {
	cfg := defaultClaimsConfig()
	for i, opt := range opts {
		if opt == nil { // the rule of every constructor (internal/options.Apply, which imports this package)
			return nil, fmt.Errorf("identity: %w", &ConfigError{Field: "options", Err: fmt.Errorf("option %d is nil", i)})
		}
		if err := opt(cfg); err != nil {
			return nil, fmt.Errorf("identity: %w", err)
		}
	}
	m := &ClaimsMapper{
		identifier: cfg.identifier,
		numericIDs: cfg.numericIDs,
		fn:         cfg.fn,
		onDropped:  cfg.onDropped,
	}
	// Known fields first, in Profile's order, so Map fills the struct before
	// it decides whether Custom needs a map at all.
	for _, name := range knownAttributes {
		if p, ok := cfg.attributes[name]; ok {
			m.attributes = append(m.attributes, attributeClaim{attribute: name, field: knownFields[name], path: p})
		}
	}
	for _, name := range cfg.customOrder {
		if p, ok := cfg.attributes[name]; ok {
			m.attributes = append(m.attributes, attributeClaim{attribute: name, field: fieldCustom, path: p})
			m.numCustom++
		}
	}
	return m, nil
}

// Map maps claims such as a jwt.MapClaims. The error is ErrNoIdentifier when
// the identifier claim is absent, wraps ErrInvalidIdentifier when it is not
// a valid identifier, and wraps the error of the WithClaimsFunc function if
// that fails. Attributes that cannot be sent are dropped and reported to the
// WithOnDropped hook; they do not fail the mapping.
func (m *ClaimsMapper) Map(claims map[string]any) (Identity, error) {
	if claims == nil {
		return Identity{}, ErrNoIdentifier
	}
	return m.mapClaims(Claims{m: claims})
}

// MapLookup maps the claims get returns by top-level name, as MapSource does.
// get escapes (see ClaimSource): a closure that captures variables costs one
// allocation, which MapSource with a map or pointer type avoids.
func (m *ClaimsMapper) MapLookup(get func(name string) (any, bool)) (Identity, error) {
	if get == nil {
		return Identity{}, ErrNoIdentifier
	}
	return m.mapClaims(Claims{src: ClaimSourceFunc(get)})
}

// MapSource maps the claims src gives by top-level name; nested paths then
// traverse map[string]any and map[any]any values. A src that is a
// StringClaimSource gives the identifier and the profile's fields as
// strings, without boxing them. Errors are as for Map.
func (m *ClaimsMapper) MapSource(src ClaimSource) (Identity, error) {
	if src == nil {
		return Identity{}, ErrNoIdentifier
	}
	str, _ := src.(StringClaimSource)
	return m.mapClaims(Claims{src: src, str: str})
}

// Cacheable reports whether the same claims always map to the same identity,
// so that a verified token's identity may be kept and served again: false
// when a WithClaimsFunc function decides, which may read state that changes
// between requests (a user banned, an email no longer verified).
func (m *ClaimsMapper) Cacheable() bool { return m.fn == nil }

func (m *ClaimsMapper) mapClaims(c Claims) (Identity, error) {
	var id Identity
	found := false
	if s, ok := c.lookupString(m.identifier); ok {
		id.Identifier, found = s, s != ""
	} else if raw, ok := c.lookup(m.identifier.name, m.identifier.nested); ok {
		s, err := m.identifierString(raw)
		if err != nil {
			return Identity{}, err
		}
		id.Identifier, found = s, true
	}
	var dropped []error
	for i := range m.attributes {
		a := &m.attributes[i]
		if a.field != fieldCustom {
			if s, ok := c.lookupString(a.path); ok {
				*id.Profile.field(a.field) = s
				continue
			}
		}
		v, ok := c.lookup(a.path.name, a.path.nested)
		if !ok {
			continue
		}
		if a.field == fieldCustom {
			if id.Profile.Custom == nil {
				id.Profile.Custom = make(map[string]any, m.numCustom)
			}
			id.Profile.Custom[a.attribute] = v
			continue
		}
		s, isString := v.(string)
		if !isString {
			dropped = append(dropped, fmt.Errorf("%w: %s: claim %q is %s, want a string",
				ErrInvalidAttribute, a.attribute, a.path.name, kindOf(v)))
			continue
		}
		*id.Profile.field(a.field) = s
	}
	if m.fn != nil {
		// A heap copy for fn only, so id itself stays on the stack.
		p := new(Identity)
		*p = id
		if err := m.fn(c, p); err != nil {
			return Identity{}, fmt.Errorf("identity: claims func: %w", err)
		}
		id = *p
	}
	if id.Identifier == "" && !found {
		return Identity{}, ErrNoIdentifier
	}
	if err := ValidateIdentifier(id.Identifier); err != nil {
		return Identity{}, err
	}
	profile, err := id.Profile.Sanitize()
	id.Profile = profile
	if err != nil {
		dropped = append(dropped, err)
	}
	if len(dropped) > 0 && m.onDropped != nil {
		m.onDropped(errors.Join(dropped...))
	}
	return id, nil
}

func (m *ClaimsMapper) identifierString(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	if m.numericIDs {
		switch n := v.(type) {
		case int:
			return strconv.Itoa(n), nil
		case int64:
			return strconv.FormatInt(n, 10), nil
		case int32:
			return strconv.FormatInt(int64(n), 10), nil
		case uint:
			return strconv.FormatUint(uint64(n), 10), nil
		case uint64:
			return strconv.FormatUint(n, 10), nil
		case uint32:
			return strconv.FormatUint(uint64(n), 10), nil
		case float64:
			// JSON numbers decode to float64; only exact integers are ids.
			if n == float64(int64(n)) && n >= -(1<<53) && n <= 1<<53 {
				return strconv.FormatInt(int64(n), 10), nil
			}
		case json.Number:
			// A decoder told to UseNumber; only integers are ids.
			if _, err := n.Int64(); err == nil {
				return string(n), nil
			}
		}
	}
	return "", fmt.Errorf("%w: claim %q is %s, want a string", ErrInvalidIdentifier, m.identifier.name, kindOf(v))
}

func (p *Profile) field(f profileField) *string {
	switch f {
	case fieldEmail:
		return &p.Email
	case fieldPhoneNumber:
		return &p.PhoneNumber
	case fieldFirstName:
		return &p.FirstName
	case fieldLastName:
		return &p.LastName
	case fieldName:
		return &p.Name
	default:
		return &p.Avatar
	}
}

// kindOf names a JSON-ish type for an error message without repeating the
// value, which may be personal data.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case float64, float32, int, int64, int32, int16, int8, uint, uint64, uint32, uint16, uint8, json.Number:
		return "a number"
	case map[string]any, map[any]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}
