// Package identity is how autoidentify learns who the signed-in user of a
// request is, and what their profile is. Only a verified identity may create
// an Engagespot recipient: an unverified subject would let anyone create users.
//
// # Identities and extractors
//
// An Identity is an identifier plus a Profile (email, phoneNumber, firstName,
// lastName, name, avatar and custom attributes). An Extractor finds the
// identity of a request: it returns ok=false with a nil error when the request
// carries no user, and an error only when it carried a credential that was
// rejected. FirstOf combines extractors, the first user found winning.
// NewContext, FromContext and InContext carry an identity in the request
// context for handlers and later middleware.
//
// # JWT
//
// NewJWT verifies tokens itself with golang-jwt, with safe defaults: the
// algorithms follow from the key (HMACKey, RSAPublicKey, ECDSAPublicKey,
// Ed25519PublicKey, PublicKeyPEM, or JWKS for a key set fetched from a URL and
// kept fresh) and never include "none" nor mix HMAC with public keys; exp is
// required; nbf and iat are honoured with a small leeway; issuer and audience
// are checked when configured; tokens over DefaultMaxTokenSize are refused
// before decoding. A "crit" header is refused (RFC 7515 section 4.1.11: this
// verifier implements no extension), and so are time claims that are not
// numbers from 0 to 253402300799 (year 9999). When a claim name appears
// twice, the last one wins (RFC 7519 section 4 allows it; the signature
// covers both, so only the issuer can send them). The token comes from the Authorization header (FromBearer),
// a cookie (FromCookie), another header (FromHeader) or any TokenSource.
//
// Errors wrap ErrInvalidToken and golang-jwt's own error, and never repeat
// the token.
//
// A token verified once is kept, by default, in a verified-token cache
// (WithVerifiedCache, TokenCache): the same token again, as every request
// of a session carries it, costs a lookup instead of a signature check. It
// is keyed on the exact token, re-checked against the clock on every hit,
// bounded by entries and bytes, and never serves a token whose key left a
// JWKS key set (RotatingKeySource).
//
// # Claims
//
// A ClaimsMapper turns claims into an Identity: the OpenID Connect standard
// claims by default (sub, email, phone_number, given_name, family_name, name,
// picture), or any claim, nested ones included, by option, plus a function
// for anything else. It reads a map (Map, for jwt.MapClaims) or any lookup
// (MapLookup, MapSource, for session stores), and maps a profile of strings
// without allocating.
//
// # Validation
//
// The same rules apply everywhere: ValidateIdentifier (1 to 255 bytes by
// default, valid UTF-8, not blank, no control, invisible format, separator
// or replacement characters: see its doc for why), NormalizePhone
// (E.164), ValidateEmail (shape). An invalid identifier means no identity. An
// attribute that cannot be sent (a malformed email or phone number) is
// dropped while the identity stays valid; the reasons go to the hook
// WithOnDropped installs, so they can be counted without logging every
// request.
//
// # Fingerprints
//
// Profile.Fingerprint is a stable 64-bit hash that tells whether a profile
// changed since it was last sent. It is pinned by a golden test: a fleet
// shares fingerprints, so changing it would resend every user.
package identity
