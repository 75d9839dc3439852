package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/autoidentify/autoidentify/adapters/ginidentify"
	"github.com/autoidentify/autoidentify/examples/internal/demo"
	"github.com/autoidentify/autoidentify/middleware"
)

func main() {
	gin.SetMode(gin.ReleaseMode) // no debug banner: the example logs its own startup line
	demo.Main("gin", routes)
}

func routes(app *demo.App) (http.Handler, error) {
	r := gin.New()
	r.Use(gin.Recovery())
	// Outside the middleware: no token needed. /healthz is liveness (the
	// process serves); /readyz is readiness: 503, with the reason as JSON,
	// while the API rejects the configuration or the sync queue is full.
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/readyz", gin.WrapH(app.Middleware.ReadinessHandler()))
	r.GET("/metrics", gin.WrapH(app.Metrics))

	// Verify the bearer token, answer 401 without a user, sync the user in
	// the background.
	auth := []middleware.Option{middleware.WithExtractor(app.JWT), middleware.WithRequired(true)}
	identify, err := ginidentify.New(app.Middleware, auth...)
	if err != nil {
		return nil, err
	}
	api := r.Group("/api", identify)
	api.GET("/me", me)
	if app.Tokens {
		// With a signing key: the user token Engagespot's front-end library needs in secure mode.
		token, err := ginidentify.TokenHandler(app.Middleware, auth...)
		if err != nil {
			return nil, err
		}
		r.GET("/api/engagespot/token", token)
	}
	return r, nil
}

func me(c *gin.Context) {
	id, _ := ginidentify.FromContext(c) // always there behind WithRequired
	c.JSON(http.StatusOK, gin.H{"identifier": id.Identifier})
}
