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
// An extractor that keeps what it verified (jwtverify's verified-token cache)
// can hand out the Verified it keeps, shared by every request with the same
// credential (VerifiedExtractor): the identity with its Fingerprint and
// HashIdentifier computed once, and a note a cache of synced users leaves on
// it (SetNote). NewContextVerified carries it without a copy.
//
// # Verifying tokens
//
// Verifying JSON Web Tokens is identity/jwtverify's job, and fetching the
// keys of an identity provider identity/jwks's: this package holds the domain
// only and imports the standard library alone.
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
