// Package ginjwtclaims finds the signed-in user in the claims appleboy/gin-jwt
// verified, so autoidentify can sync them to Engagespot without verifying
// the token a second time.
//
// # Use
//
// Mount autoidentify's Gin adapter (adapters/ginidentify) after the gin-jwt
// middleware, so the verified claims are in the Gin context:
//
//	authMW, _ := jwt.New(&jwt.GinJWTMiddleware{Key: key, IdentityKey: "id", ...})
//	ext, err := ginjwtclaims.New(ginjwtclaims.WithClaimsOptions(identity.WithIdentifierClaim("id")))
//	m, err := middleware.New(client, middleware.WithExtractor(ext))
//	r.Use(authMW.MiddlewareFunc(), ginidentify.New(m))
//
// The identifier comes from the claim gin-jwt keeps the identity under,
// DefaultIdentifierClaim ("identity", gin-jwt's default IdentityKey): name
// yours with identity.WithIdentifierClaim if you changed IdentityKey. It may
// be a string or an integer (JSON numbers decode as float64; only whole
// numbers are ids). The profile comes from the OpenID Connect claims email,
// phone_number, given_name, family_name, name and picture, which the app's
// PayloadFunc may add.
//
// # Gin
//
// The claims live in the *gin.Context, not in the request: ExtractGin reads
// them from there, which makes the Extractor an adapters/ginidentify Extractor.
// adapters/ginidentify's New calls ExtractGin, and a request whose user is synced
// already then allocates nothing beyond gin's c.Get. Extract, for
// identity.Extractor, finds the *gin.Context only where adapters/ginidentify's
// TokenHandler put it in the request's context, and no user elsewhere.
//
// # Trust
//
// gin-jwt sets the claims ("JWT_PAYLOAD") only once it has checked the
// token's signature and expiry; a rejected token leaves none, even with
// DisabledAbort. But it sets them before its Authorizator runs, and with
// DisabledAbort a request the Authorizator forbade goes on, claims and all:
// the Extractor reads claims only from a request gin-jwt let through (not
// aborted, and without the WWW-Authenticate header every gin-jwt refusal
// sets). So: no claims (middleware not mounted, no token, a token gin-jwt
// refused), or claims of a user it forbade, mean no user,
// (Identity{}, false, nil). Verified claims
// without an identity, or with one that is not a valid identifier, are an
// error wrapping identity.ErrNoIdentifier or identity.ErrInvalidIdentifier,
// and never yield an identity.
//
// # Cost
//
// Reading the claims allocates nothing beyond gin's c.Get with a string
// identifier; an integer id is formatted, which allocates for ids of 100 and
// more.
package ginjwtclaims
