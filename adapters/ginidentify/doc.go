// Package ginidentify runs autoidentify's middleware in Gin. Its name says
// what it does and needs no alias beside Gin's own package (otel-contrib's
// otelgin is the model).
//
// # Use
//
// New turns a *middleware.Middleware into a gin.HandlerFunc, for an engine
// or for one group, with that group's route options (see middleware.With);
// every handler shares the Middleware's cache, queue and workers:
//
//	m, err := middleware.New(client, middleware.WithExtractor(jwtExtractor))
//	defer m.Close(ctx)
//	identify, err := ginidentify.New(m) // m's default route
//	required, err := ginidentify.New(m, middleware.WithRequired(true))
//	token, err := ginidentify.TokenHandler(m)
//	r := gin.New()
//	r.Use(identify)
//	api := r.Group("/api", required)
//	r.GET("/engagespot/token", token)
//
// New and TokenHandler take route options only, as middleware.With does; any
// other fails there, at start-up, with its *identity.ConfigError.
//
// FromContext(c) returns the user New found. Nothing keeps the *gin.Context
// beyond the request: background syncs get the identity, never the context.
//
// # Extractors that read the Gin context
//
// Gin-aware auth and session middleware (gin-jwt, gin-contrib/sessions)
// leave what they verified in the *gin.Context, not in the request. Their
// extractors (adapters/ginjwtclaims, adapters/ginsession) are Extractors, passed
// with middleware.WithExtractor like any other; New and TokenHandler notice
// and read the *gin.Context directly:
//
//	ext, err := ginjwtclaims.New()
//	m, err := middleware.New(client, middleware.WithExtractor(ext))
//	identify, err := ginidentify.New(m)
//	r.Use(authMW.MiddlewareFunc(), identify)
//
// # Where the user goes
//
// With any other extractor, New puts the user in the request's context,
// c.Request.Context(), where identity.FromContext reads it too (and
// identity.FromContext(c), with the engine's ContextWithFallback on).
//
// With an Extractor, New copies the user nowhere, since that costs three
// allocations per request: a request whose user is synced already allocates
// nothing beyond the auth library's own read. It only marks, in the
// *gin.Context's keys, which extractor found the user, and FromContext(c)
// asks it again; identity.FromContext does not see that user.
package ginidentify
