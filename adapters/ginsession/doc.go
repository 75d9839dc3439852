// Package ginsession finds the signed-in user in a gin-contrib/sessions
// session, so autoidentify can sync them to Engagespot.
//
// # Use
//
// Mount autoidentify's Gin adapter (adapters/ginidentify) after sessions.Sessions
// (or sessions.SessionsMany), so the session is in the Gin context:
//
//	ext, err := ginsession.New()
//	m, err := middleware.New(client, middleware.WithExtractor(ext))
//	r.Use(sessions.Sessions("app-session", cookie.NewStore(hashKey)), ginidentify.New(m))
//	// login handler: s := sessions.Default(c); s.Set("user_id", user.ID); s.Save()
//
// The identifier comes from the value under DefaultIdentifierKey ("user_id"),
// a string or an integer; the profile from "email", "phone_number",
// "given_name", "family_name", "name" and "picture" when present. Change the
// mapping with WithClaimsOptions and the options of identity.NewClaimsMapper.
// With SessionsMany, name the session with WithSessionName.
//
// # Gin
//
// The session lives in the *gin.Context, not in the request: ExtractGin
// reads it from there, which makes the Extractor an adapters/ginidentify Extractor.
// adapters/ginidentify's New calls ExtractGin, and a request whose user is synced
// already then allocates nothing beyond gin-contrib's own read. Extract, for
// identity.Extractor, finds the *gin.Context only where adapters/ginidentify's
// TokenHandler put it in the request's context, and no user elsewhere.
//
// # Trust
//
// The session store is what verifies: a cookie store checks the cookie's
// signature, a server-side store looks the session up by its signed id.
// Reading the session goes through gin-contrib's own Session, which gorilla
// caches for the request: the cookie is decoded once, whoever reads first.
//
// Where sessions.Default would panic (the middleware not mounted) the
// extractor finds no user, and so it does for a request without a session
// or a session without the identifier key: (Identity{}, false, nil). A
// session cookie the store rejects (bad signature, expired) is an error
// wrapping ErrSessionRejected, and an identifier that is not valid one
// wrapping identity.ErrInvalidIdentifier; neither yields an identity.
//
// # Cost
//
// Reading a session allocates nothing beyond gin-contrib's own read
// (sessions.Default(c).Get) when the identifier is a string; an integer id
// is formatted, which allocates for ids of 100 and more.
package ginsession
