package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	autoidentifygin "github.com/autoidentify/autoidentify/adapters/gin"
	"github.com/autoidentify/autoidentify/examples/internal/demo"
	"github.com/autoidentify/autoidentify/middleware"
)

func main() {
	gin.SetMode(gin.ReleaseMode) // no debug banner: the example logs its own startup line
	demo.Main("gin", routes)
}

func routes(app *demo.App) http.Handler {
	r := gin.New()
	r.Use(gin.Recovery())
	// Outside the middleware: no token needed.
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/metrics", gin.WrapH(app.Metrics))

	// Verify the bearer token, answer 401 without a user, sync the user in
	// the background.
	auth := []middleware.RouteOption{middleware.WithExtractor(app.JWT), middleware.WithRequired(true)}
	api := r.Group("/api", autoidentifygin.New(app.Middleware, auth...))
	api.GET("/me", me)
	if app.Tokens {
		// With a signing key: the user token Engagespot's front-end library needs in secure mode.
		r.GET("/api/engagespot/token", autoidentifygin.TokenHandler(app.Middleware, auth...))
	}
	return r
}

func me(c *gin.Context) {
	id, _ := autoidentifygin.FromContext(c) // always there behind WithRequired
	c.JSON(http.StatusOK, gin.H{"identifier": id.Identifier})
}
