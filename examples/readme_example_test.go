package examples_test

import (
	"context"
	"database/sql"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/ginidentify"
	"github.com/autoidentify/autoidentify/adapters/prommetrics"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwks"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/middleware"
)

// The README's Go snippets are quoted from these functions, verbatim:
// TestREADMESnippets fails when one drifts, and compiling this file is what
// proves they compile. They are not run (no Output): they would call the
// real API. Example_netHTTP and Example_gin run the same code against a fake.

func Example_readmeQuickStart() {
	apiKey, apiSecret, secret := "key", "secret", []byte("a-secret-of-at-least-thirty-two-bytes")
	mux, api := http.NewServeMux(), http.NotFoundHandler()

	client, err := engagespot.New(apiKey, apiSecret) // engagespot.WithRegion(engagespot.RegionEU) for EU workspaces
	if err != nil {
		log.Fatal(err)
	}
	jwtExtractor, err := jwtverify.New(jwtverify.HMACKey(secret)) // or keys from jwks.New(ctx, url)
	if err != nil {
		log.Fatal(err)
	}
	m, err := middleware.New(client, middleware.WithExtractor(jwtExtractor))
	if err != nil {
		log.Fatal(err)
	}
	defer func() { // at shutdown: drain the syncs under way, for 10 s at most
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = m.Close(ctx)
	}()

	mux.Handle("/api/", m.Handler(api)) // every signed-in user of /api/ exists in Engagespot
}

func Example_readmeJWKS() {
	ctx, url := context.Background(), "https://your-tenant.example.com/.well-known/jwks.json"

	keys, err := jwks.New(ctx, url) // fetched now, refreshed hourly and on an unknown key id
	if err != nil {
		log.Fatal(err)
	}
	defer keys.Close()
	jwtExtractor, err := jwtverify.New(keys, jwtverify.WithIssuer("https://your-tenant.example.com/"))
	if err != nil {
		log.Fatal(err)
	}
	_ = jwtExtractor
}

func Example_readmeGin() {
	var m *middleware.Middleware
	r := gin.New()

	identify, err := ginidentify.New(m, middleware.WithRequired(true)) // 401 without a user
	if err != nil {
		panic(err) // an option With refuses: a bug, found at start-up
	}
	api := r.Group("/api", identify)
	api.GET("/me", func(c *gin.Context) {
		id, _ := ginidentify.FromContext(c)
		c.JSON(http.StatusOK, gin.H{"identifier": id.Identifier})
	})
}

func Example_readmeMetrics() {
	var client *engagespot.Client
	var jwtExtractor identity.Extractor
	mux := http.NewServeMux()

	collector, err := prommetrics.New()
	if err != nil {
		log.Fatal(err)
	}
	m, err := middleware.New(client, append(collector.Options(), middleware.WithExtractor(jwtExtractor))...)
	if err != nil {
		log.Fatal(err)
	}
	collector.Observe(m)
	prometheus.MustRegister(collector)
	mux.Handle("GET /metrics", promhttp.Handler()) // outside the middleware and auth
}

func Example_readmeBackfill() {
	ctx := context.Background()
	var client *engagespot.Client
	var m *middleware.Middleware

	users := []identity.Identity{{Identifier: "user-1", Profile: identity.Profile{Email: "ada@example.com"}}}
	if err := client.UpsertMany(ctx, users, 8); err != nil { // 8 calls at once at most
		var batch *engagespot.BatchError
		if errors.As(err, &batch) {
			log.Printf("%d users failed; %d are worth another try", len(batch.Failures), len(batch.RetryableIdentities()))
		}
	}

	// In Engagespot and, with a fleet Store, on every instance, after any sync of theirs under way:
	// if they come back, their next request creates them again.
	if err := m.Delete(ctx, "user-1"); err != nil {
		log.Fatal(err)
	}
}

func Example_readmeIAP() {
	ctx := context.Background()

	keys, err := jwks.New(ctx, "https://www.gstatic.com/iap/verify/public_key-jwk")
	ext, err := jwtverify.New(keys,
		jwtverify.WithTokenSource(jwtverify.FromHeader("X-Goog-Iap-Jwt-Assertion")),
		jwtverify.WithIssuer("https://cloud.google.com/iap"),
		jwtverify.WithAudience("/projects/123456789/global/backendServices/987654321"))
	_, _ = ext, err
}

// appUsers stands for the app's own table of users.
type appUsers struct{}

type appUser struct{ Email, Phone, FirstName string }

func (appUsers) ByID(context.Context, string) (appUser, error) { return appUser{}, sql.ErrNoRows }

func Example_readmeProfileLoader() {
	var client middleware.Directory
	var ext identity.Extractor
	var users appUsers

	m, err := middleware.New(client, middleware.WithExtractor(ext),
		middleware.WithProfileLoader(func(ctx context.Context, id identity.Identity) (identity.Profile, error) {
			u, err := users.ByID(ctx, id.Identifier) // your database
			if errors.Is(err, sql.ErrNoRows) {
				return identity.Profile{}, nil // not ours: synced with what the token carried
			}
			return identity.Profile{Email: u.Email, PhoneNumber: u.Phone, FirstName: u.FirstName}, err
		}))
	_, _ = m, err
}
