// Package authnclaims finds the user in what connectrpc.com/authn verified,
// for Connect (connectrpc.com/connect) services.
//
// Connect handlers are http.Handlers, so the middleware wraps them as it
// wraps any other; authn's middleware runs first, calls the app's AuthFunc
// (which verifies the credential, and may use identity/jwtverify), and puts
// what it returned in the context, where the Extractor reads it:
//
//	auth := authn.NewMiddleware(func(ctx context.Context, r *http.Request) (any, error) {
//		token, ok := authn.BearerToken(r)
//		if !ok {
//			return nil, authn.Errorf("no token")
//		}
//		return verifier.Verify(token) // an identity.Identity
//	})
//	ext, err := authnclaims.New()
//	m, err := middleware.New(client, middleware.WithExtractor(ext))
//	mux.Handle(greetv1connect.NewGreetServiceHandler(svc))
//	http.ListenAndServe(addr, auth.Wrap(m.Handler(mux)))
//
// The info may be an identity.Identity (or a pointer to one), a claims map
// (map[string]any, jwt.MapClaims), an identity.ClaimSource, or any value
// whose JSON is an object of claims; claims map to an identity as
// WithClaimsOptions says. A request authn did not authenticate (a
// procedure it lets through without credentials) has no user.
package authnclaims
