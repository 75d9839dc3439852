// Package jwtverify finds the user of a request in a JSON Web Token it
// verifies itself: an identity.Extractor for the middleware.
//
// # Verification
//
// New verifies tokens itself with golang-jwt, with safe defaults: the
// algorithms follow from the key (HMACKey, RSAPublicKey, ECDSAPublicKey,
// Ed25519PublicKey, PublicKeyPEM, or identity/jwks's key set fetched from a URL
// and kept fresh) and never include "none" nor mix HMAC with public keys; exp is
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
// (WithVerifiedCache, Cache): the same token again, as every request
// of a session carries it, costs a lookup instead of a signature check. It
// is keyed on the exact token, re-checked against the clock on every hit,
// bounded by entries and bytes, and never serves a token whose key left a
// JWKS key set (RotatingKeySource). ExtractVerified hands out what it keeps
// (an identity.Verified, shared), which the middleware carries in the
// request's context without a copy; Extract and Verify hand out copies.
//
// # Claims
//
// Verified claims map to an identity.Identity with identity.ClaimsMapper:
// WithClaimsOptions takes its options, as every extractor adapter's
// WithClaimsOptions does.
package jwtverify
