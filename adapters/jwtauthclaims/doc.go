// Package jwtauthclaims finds the signed-in user in the token go-chi/jwtauth
// verified, so autoidentify can sync them to Engagespot without verifying
// the token a second time.
//
// # Use
//
// Mount autoidentify after jwtauth.Verifier (with or without
// jwtauth.Authenticator), so the verified token is in the request's context:
//
//	ext, err := jwtauthclaims.New() // "github.com/autoidentify/autoidentify/adapters/jwtauthclaims"
//	m, err := middleware.New(client, middleware.WithExtractor(ext))
//	r.Use(jwtauth.Verifier(jwtauth.New("HS256", signKey, nil)), m.Handler)
//
// The identifier comes from the "sub" claim; the profile from the OpenID
// Connect claims email, phone_number, given_name, family_name, name and
// picture. Change the mapping with WithClaimsOptions and the options of
// identity.NewClaimsMapper.
//
// # Trust
//
// jwtauth.Verifier puts the token in the context even when verification
// failed (an expired token, a bad signature), together with the error; only
// Authenticator turns that error away. Code that reads the claims without
// the error, as jwtauth.FromContext makes easy, trusts a subject anyone can
// write. The extractor reads the error first: a token that failed
// verification never yields an identity.
//
//   - No Verifier mounted, or no token in the request: no user,
//     (Identity{}, false, nil).
//   - Verification failed: (Identity{}, false, err), err wrapping
//     ErrTokenRejected and jwtauth's reason (jwtauth.ErrExpired, ...).
//   - A verified token without a subject, or with one that is not a valid
//     identifier: an error wrapping identity.ErrNoIdentifier or
//     identity.ErrInvalidIdentifier.
//
// What counts as verified is jwtauth's configuration: it checks exp, nbf and
// iat when present but requires none of them unless the JWTAuth was built
// with jwt.WithRequiredClaim.
//
// # Cost
//
// jwtauth.FromContext converts the whole token to a map on every call; the
// extractor does not, and reads only the claims the mapping names. It
// allocates once for the claim source, and jwx allocates once per registered
// claim read (sub, iss, ...), against the dozens of allocations of
// FromContext.
package jwtauthclaims
