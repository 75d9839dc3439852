package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"net/http"
)

// Identity is a signed-in user as Engagespot knows them: an identifier that
// never changes and the profile attributes to keep current.
type Identity struct {
	// Identifier is the Engagespot recipient identifier: a database id, an
	// email or a phone number, unique across the app.
	Identifier string
	Profile    Profile
}

// Profile holds the attributes sent with a user. Empty fields are not sent.
type Profile struct {
	Email       string // "email"; checked for shape
	PhoneNumber string // "phoneNumber"; E.164, e.g. +15551234567
	FirstName   string // "firstName"; templates use {{recipient.firstName}}
	LastName    string // "lastName"
	Name        string // "name"
	Avatar      string // "avatar"

	// Custom holds any other attribute, sent as is. A key that names a field
	// above, or "identifier", is dropped by Sanitize.
	Custom map[string]any
}

// Extractor finds the signed-in user of a request.
//
// ok is false when the request carries no user; that is not an error. err is
// non-nil only when the request carried a credential that was rejected (a bad
// or expired token, an invalid identifier): it says why, and ok is false.
// Extractors must be safe for concurrent use and must not keep the request.
type Extractor interface {
	Extract(r *http.Request) (id Identity, ok bool, err error)
}

// ExtractorFunc adapts a function to an Extractor.
type ExtractorFunc func(r *http.Request) (Identity, bool, error)

// Extract calls f(r).
func (f ExtractorFunc) Extract(r *http.Request) (Identity, bool, error) { return f(r) }

type contextKey struct{}

// NewContext returns a copy of ctx that carries id.
func NewContext(ctx context.Context, id Identity) context.Context {
	return &identityContext{Context: ctx, id: id}
}

// identityContext is context.WithValue for an identity, in one allocation
// where WithValue takes two (its node, and the identity boxed in an any).
type identityContext struct {
	context.Context
	id Identity
}

func (c *identityContext) Value(key any) any {
	if key == (contextKey{}) {
		return &c.id
	}
	return c.Context.Value(key)
}

// String names the context as WithValue's does, without the identity.
func (c *identityContext) String() string {
	return fmt.Sprintf("%v.WithValue(identity.contextKey, identity.Identity)", c.Context)
}

// FromContext returns the identity NewContext or NewContextVerified stored
// in ctx, if any.
func FromContext(ctx context.Context) (Identity, bool) {
	switch v := ctx.Value(contextKey{}).(type) {
	case *Identity:
		return *v, true
	case *Verified:
		return v.Identity.Clone(), true // the caller may change its attributes, never the shared ones
	}
	return Identity{}, false
}

// FingerprintFromContext returns the identifier of the identity NewContext
// or NewContextVerified stored in ctx and its profile's Fingerprint, without
// copying the identity: what a cache of synced users (the middleware) reads
// on every request.
func FingerprintFromContext(ctx context.Context) (identifier string, fingerprint uint64, ok bool) {
	switch v := ctx.Value(contextKey{}).(type) {
	case *Identity:
		return v.Identifier, v.Profile.fingerprint(), true
	case *Verified:
		return v.Identity.Identifier, v.Fingerprint, true
	}
	return "", 0, false
}

// InContext is the Extractor for identities already put in the request's
// context with NewContext, by an upstream middleware or an earlier extractor.
// It allocates nothing.
var InContext Extractor = ExtractorFunc(func(r *http.Request) (Identity, bool, error) {
	id, ok := FromContext(r.Context())
	return id, ok, nil
})

// Clone returns a copy of id that shares nothing its holder could change:
// its profile's Clone (strings cannot be changed in place).
func (id Identity) Clone() Identity {
	id.Profile = id.Profile.Clone()
	return id
}

// Clone returns a copy of p that shares nothing its holder could change:
// the custom attributes are copied to any depth (see CloneValue).
func (p Profile) Clone() Profile {
	if p.Custom != nil {
		p.Custom = CloneValue(p.Custom).(map[string]any)
	}
	return p
}

// CloneValue copies a value as JSON decodes them, to any depth: maps of
// strings to values and slices of values are copied, anything else (strings,
// numbers, bools) is returned as it is, since it cannot be changed in place.
func CloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = CloneValue(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = CloneValue(x)
		}
		return s
	}
	return v // strings, numbers and bools cannot be changed in place
}

// HashIdentifier is a keyed 64-bit hash of an identifier, the same for every
// caller in this process and unknowable outside it (the key is random per
// process): what caches keyed on users (the middleware's) locate them by,
// computed once where an identity is cached (see Verified). It
// is no name for a user across processes or in logs: see ShortHash.
func HashIdentifier(identifier string) uint64 { return maphash.String(identifierSeed, identifier) }

var identifierSeed = maphash.MakeSeed()

// HashLen is the length of a ShortHash.
const HashLen = 16

// ShortHash names a user without their identifier, which is often an email
// address: the first 64 bits of the identifier's SHA-256, in hex, as
// `printf %s "$id" | sha256sum | cut -c1-16` prints it. Logs and traces
// carry it by default, so that one user's lines can be found without
// personal data in them.
func ShortHash(identifier string) string {
	sum := sha256.Sum256([]byte(identifier))
	return hex.EncodeToString(sum[:HashLen/2])
}
