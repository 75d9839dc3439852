// Package clerkclaims finds the user in the session claims Clerk's
// middleware verified (github.com/clerk/clerk-sdk-go/v2), and loads the
// profile Clerk's session tokens lack.
//
// # Use
//
// clerkhttp.WithHeaderAuthorization verifies the session token and puts its
// claims in the request's context; the Extractor reads them there. Clerk's
// default session token carries the user's id (sub) and no email, phone
// number or name, so pair it with ProfileLoader, which reads them from
// Clerk's Backend API in the middleware's background job, once per sync:
//
//	clerk.SetKey(os.Getenv("CLERK_SECRET_KEY"))
//	ext, err := clerkclaims.New()
//	m, err := middleware.New(client,
//		middleware.WithExtractor(ext),
//		middleware.WithProfileLoader(clerkclaims.ProfileLoader(nil))) // user.Get, with the key above
//	http.ListenAndServe(addr, clerkhttp.WithHeaderAuthorization()(m.Handler(mux)))
//
// A session token customized in Clerk's dashboard to carry more (say
// "email": "{{user.primary_email_address}}") is read too: claims beyond
// Clerk's own reach the identity.ClaimsMapper, through
// clerkhttp.CustomClaimsConstructor returning a *map[string]any (see
// WithClaimsOptions). The loader's fields still win.
//
// A request Clerk did not verify has no claims in its context: no user. The
// identifier is the Clerk user id (user_...); WithClaimsOptions can take
// another claim, such as an external id carried in the token.
package clerkclaims
