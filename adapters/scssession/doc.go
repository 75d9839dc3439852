// Package scssession finds the signed-in user in an alexedwards/scs session, so
// autoidentify can sync them to Engagespot.
//
// # Use
//
// Give New the session manager the app already uses, and mount
// autoidentify inside the manager's LoadAndSave, where the session is loaded:
//
//	sm := scs.New()
//	ext, err := scssession.New(sm) // "github.com/autoidentify/autoidentify/adapters/scssession"
//	m, err := middleware.New(client, middleware.WithExtractor(ext))
//	handler := sm.LoadAndSave(m.Handler(app))
//	// login handler: sm.Put(r.Context(), "user_id", user.ID)
//
// The identifier comes from the value under DefaultIdentifierKey ("user_id"),
// a string or an integer; the profile from "email", "phone_number",
// "given_name", "family_name", "name" and "picture" when present. Change the
// mapping with WithClaimsOptions and the options of identity.NewClaimsMapper.
//
// # Trust
//
// scs verifies: LoadAndSave looks the session token up in the server-side
// store and puts the session in the request's context. The extractor only
// reads that loaded session, never the cookie or the store.
//
// A request without a session, or a session without the identifier key, has
// no user: (Identity{}, false, nil). So has a request LoadAndSave did not
// load: where scs's own Get would panic ("scs: no session data in context"),
// the extractor finds no user. An identifier that is not valid is an error
// wrapping identity.ErrInvalidIdentifier, and never yields an identity.
//
// # Cost
//
// The extractor reads the session with scs's Get, once per name the mapping
// uses (seven by default), and allocates nothing of its own with a string
// identifier; an integer id is formatted, which allocates for ids of 100
// and more. scs's Get itself allocates 16 bytes per call (it boxes its
// context key), as it does for the app: drop the attributes the app never
// stores, with identity.WithAttributeClaim("avatar") and the like, to read
// fewer keys.
package scssession
