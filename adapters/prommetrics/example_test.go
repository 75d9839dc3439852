package prommetrics_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/adapters/prommetrics"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// Count a Middleware's syncs and serve them on GET /metrics, outside the
// middleware.
func Example() {
	collector, err := prommetrics.New()
	if err != nil {
		panic(err)
	}
	dir, err := memory.New()
	if err != nil {
		panic(err)
	}
	m, err := middleware.New(dir, collector.Options()...)
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())
	collector.Observe(m)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector)

	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") })
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", signIn(m.Handler(app)))

	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	_ = m.Flush(context.Background()) // a test's shortcut: the sync runs in the background

	scrape := httptest.NewRecorder()
	mux.ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	lines := bufio.NewScanner(scrape.Body)
	for lines.Scan() {
		for _, name := range []string{"autoidentify_cache_misses_total", "autoidentify_sync_synced_total", "autoidentify_api_request_duration_seconds_count"} {
			if strings.HasPrefix(lines.Text(), name) {
				fmt.Println(lines.Text())
			}
		}
	}
	// Output:
	// autoidentify_api_request_duration_seconds_count{result="success"} 1
	// autoidentify_cache_misses_total 1
	// autoidentify_sync_synced_total 1
}

// signIn stands for the app's authentication middleware.
func signIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := identity.NewContext(r.Context(), identity.Identity{Identifier: "user-1"})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
