package main

import (
	"encoding/json"
	"net/http"

	"github.com/autoidentify/autoidentify/examples/internal/demo"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

func main() { demo.Main("nethttp", routes) }

func routes(app *demo.App) (http.Handler, error) {
	mux := http.NewServeMux()
	// Outside the middleware: no token needed. /healthz is liveness (the
	// process serves); /readyz is readiness: 503, with the reason as JSON,
	// while the API rejects the configuration or the sync queue is full.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.Handle("GET /readyz", app.Middleware.ReadinessHandler())
	mux.Handle("GET /metrics", app.Metrics)

	// Verify the bearer token, answer 401 without a user, sync the user in
	// the background.
	api, err := app.Middleware.With(middleware.WithExtractor(app.JWT), middleware.WithRequired(true))
	if err != nil {
		return nil, err
	}
	mux.Handle("GET /api/me", api.Handler(http.HandlerFunc(me)))
	if app.Tokens {
		// With a signing key: the user token Engagespot's front-end library needs in secure mode.
		mux.Handle("GET /api/engagespot/token", api.TokenHandler())
	}
	return mux, nil
}

func me(w http.ResponseWriter, r *http.Request) {
	id, _ := identity.FromContext(r.Context()) // always there behind WithRequired
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"identifier": id.Identifier})
}
