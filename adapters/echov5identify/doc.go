// Package echov5identify runs autoidentify's middleware in Echo v5
// (github.com/labstack/echo/v5); adapters/echov4identify is the same for
// Echo v4.
//
// # Use
//
// New turns a *middleware.Middleware into an echo.MiddlewareFunc, for the
// server or for one group, with that group's route options (see
// middleware.With); every route shares the Middleware's cache, queue and
// workers:
//
//	m, err := middleware.New(client, middleware.WithExtractor(jwtExtractor))
//	defer m.Close(ctx)
//	identify, err := echov5identify.New(m)
//	required, err := echov5identify.New(m, middleware.WithRequired(true))
//	e := echo.New()
//	e.Use(identify)
//	api := e.Group("/api", required)
//
// A route WithRequired refuses a request without a user with Echo's own
// echo.ErrUnauthorized (the rejected credential's error as its internal
// error), so the app's HTTPErrorHandler answers it as it answers every
// other error. FromContext(c) returns the user New found.
//
// # echo-jwt
//
// echo-jwt (github.com/labstack/echo-jwt/v5) verifies the token and leaves
// the *jwt.Token in the *echo.Context. NewJWTExtractor reads its claims:
//
//	ext, err := echov5identify.NewJWTExtractor()
//	m, err := middleware.New(client, middleware.WithExtractor(ext))
//	identify, err := echov5identify.New(m)
//	e.Use(echojwt.WithConfig(echojwt.Config{SigningKey: key}), identify)
//
// Any Extractor (an extractor with ExtractEcho) is read the same way. Other
// extractors (identity.InContext, adapters' jwtverify.Extractor) read the
// *http.Request, and New puts the user they find in its context.
//
// # Cost
//
// A request whose user is synced already allocates nothing beyond what Echo
// and its auth middleware allocate, when the user comes from the
// *echo.Context or is in the request's context already
// (BenchmarkEcho, TestHitAllocatesNothing).
package echov5identify
