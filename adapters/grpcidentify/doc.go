// Package grpcidentify runs autoidentify's middleware in a gRPC server
// (google.golang.org/grpc), as unary and stream server interceptors.
//
// # Use
//
// The interceptors take a *middleware.Middleware and route options, as
// middleware.With does. The route's extractor says where the user comes
// from:
//
//   - an Extractor of this package, such as Bearer: it reads the call's
//     incoming metadata. Bearer verifies the "authorization: Bearer <token>"
//     entry with identity's JWT verifier (jwtverify.Extractor), and the
//     interceptor puts the user in the handler's context;
//   - identity.InContext (the default): an upstream interceptor (the app's
//     own auth) verified the call and put the user in the context with
//     identity.NewContext.
//
// Any other extractor reads HTTP requests, which gRPC calls are not:
// the interceptors refuse it at start-up.
//
//	verifier, err := jwtverify.New(keys, jwtverify.WithIssuer(iss), jwtverify.WithAudience(aud))
//	m, err := middleware.New(client, middleware.WithExtractor(grpcidentify.Bearer(verifier)))
//	defer m.Close(ctx)
//	unary, err := grpcidentify.UnaryServerInterceptor(m, middleware.WithRequired(true))
//	stream, err := grpcidentify.StreamServerInterceptor(m, middleware.WithRequired(true))
//	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(unary), grpc.ChainStreamInterceptor(stream))
//
// Handlers read the user with identity.FromContext(ctx). A user not synced
// yet is synced in the background, as the HTTP middleware does; the call
// never waits for Engagespot. On a route WithRequired, a call without a user
// (no token, or one rejected) fails with codes.Unauthenticated, before its
// handler runs.
//
// # Connect
//
// Connect (connectrpc.com/connect) handlers are http.Handlers: wrap them in
// the middleware's Handler like any other. Bearer is an identity.Extractor
// too, reading the Authorization header; adapters/authnclaims reads what
// connectrpc.com/authn verified.
//
// # Cost
//
// A call whose user is synced already allocates nothing when the user comes
// from the context, and with Bearer, what an auth interceptor of the app's
// own allocates to verify the token and hand the user on (TestHitAllocates,
// BenchmarkUnary).
package grpcidentify
