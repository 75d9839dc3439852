// Package gorillasession finds the signed-in user in a gorilla/sessions
// session, so autoidentify can sync them to Engagespot.
//
// # Use
//
// Give New the store and session name the app already uses; the extractor
// reads the user id the app's login handler put in the session:
//
//	store := sessions.NewCookieStore(hashKey)
//	ext, err := gorillasession.New(store, "app-session")
//	m, err := middleware.New(client, middleware.WithExtractor(ext))
//	handler := m.Handler(app)
//	// login handler: session.Values["user_id"] = user.ID
//
// The identifier comes from the value under DefaultIdentifierKey ("user_id"),
// a string or an integer; the profile from "email", "phone_number",
// "given_name", "family_name", "name" and "picture" when present. Change the
// mapping with WithClaimsOptions and the options of identity.NewClaimsMapper.
//
// # Trust
//
// The session store is what verifies: a cookie store checks the cookie's
// signature (and decrypts it), a server-side store looks the session up by
// its signed id. The extractor calls store.Get, which gorilla caches in the
// request's context, so a session the app reads again in the same request
// is decoded once, whoever reads it first.
//
// A request with no session cookie, or a session without the identifier key,
// has no user: (Identity{}, false, nil). A cookie the store rejects (bad
// signature, expired, unreadable) is reported as an error wrapping
// ErrSessionRejected, and so is an identifier that is not valid (wrapping
// identity.ErrInvalidIdentifier). Neither ever yields an identity.
//
// # Cost
//
// Reading a session already decoded in this request allocates nothing
// beyond store.Get itself when the identifier is a string; an integer id is
// formatted, which allocates for ids of 100 and more.
package gorillasession
