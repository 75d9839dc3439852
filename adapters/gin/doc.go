// Package gin runs autoidentify's middleware in Gin. It is named after the
// framework, like rs/cors/wrapper/gin; import it under another name:
//
//	import autoidentifygin "github.com/autoidentify/autoidentify/adapters/gin"
//
// # Use
//
// New turns a *middleware.Middleware into a gin.HandlerFunc, for an engine
// or for one group, with that group's route options (see middleware.With);
// every handler shares the Middleware's cache, queue and workers:
//
//	m, err := middleware.New(client, middleware.WithExtractor(jwtExtractor))
//	defer m.Close(ctx)
//	r := gin.New()
//	r.Use(autoidentifygin.New(m))
//	api := r.Group("/api", autoidentifygin.New(m, middleware.WithRequired(true)))
//	r.GET("/engagespot/token", autoidentifygin.TokenHandler(m))
//
// The user found is put in the request's context, c.Request.Context(), where
// FromContext reads it (and identity.FromContext(c) too, with the engine's
// ContextWithFallback on). Nothing is stored with c.Set, which would cost an
// allocation per request; nothing keeps the *gin.Context beyond the request:
// background syncs get the identity, never the context.
package gin
