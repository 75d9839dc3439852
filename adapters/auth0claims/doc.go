// Package auth0claims finds the signed-in user in the claims auth0/go-jwt-middleware
// (v2) verified, so autoidentify can sync them to Engagespot without
// verifying the token a second time.
//
// # Use
//
// Mount autoidentify inside the JWT middleware's CheckJWT, so the validated
// claims are in the request's context:
//
//	ext, err := auth0claims.New()
//	m, err := middleware.New(client, middleware.WithExtractor(ext))
//	handler := jwtmiddleware.New(jwtValidator.ValidateToken).CheckJWT(m.Handler(app))
//
// The identifier comes from the "sub" claim; the profile from the OpenID
// Connect claims email, phone_number, given_name, family_name, name and
// picture. Change the mapping with WithClaimsOptions and the options of
// identity.NewClaimsMapper.
//
// # Verifying each token once
//
// CheckJWT verifies the token of every request. Cached wraps its
// ValidateToken with a verified-token cache (jwtverify.Cache), so the
// same token again costs a lookup (17.6 µs -> 83 ns measured):
//
//	validate, err := auth0claims.Cached(jwtValidator.ValidateToken)
//	handler := jwtmiddleware.New(validate).CheckJWT(m.Handler(app))
//
// # Claims
//
// The middleware stores what its ValidateToken returned. For the
// validator package's *validator.ValidatedClaims, registered claims are
// read by their JWT names (iss, sub, aud, exp, nbf, iat, jti) and every
// other name from CustomClaims:
//
//   - if the custom claims type implements identity.ClaimSource, by its
//     LookupClaim method (and LookupString, if it is an
//     identity.StringClaimSource);
//   - if it is a struct (or a pointer to one), by the fields' json tag
//     names, or field names when untagged; a zero field counts as absent;
//   - if it is a map with string keys, by key.
//
// A ValidateToken that returns a map[string]any is read as that map. Any
// other type is an error wrapping ErrUnsupportedClaims.
//
// # Trust
//
// CheckJWT stores claims only after ValidateToken accepted the token; a
// rejected token never reaches the handlers. So: no claims in the context
// (CheckJWT not mounted, or no token with WithCredentialsOptional) means no
// user, (Identity{}, false, nil). Verified claims without a subject, or with
// one that is not a valid identifier, are an error wrapping
// identity.ErrNoIdentifier or identity.ErrInvalidIdentifier, and never yield
// an identity.
//
// # Cost
//
// Reading the claims allocates nothing beyond the app's own read: the
// validator keeps them in struct fields, and string fields (sub, and the
// profile fields of a custom claims struct) reach the mapper as strings,
// through identity.StringClaimSource, never boxed in an any. Custom
// attributes allocate their map, as everywhere.
package auth0claims
