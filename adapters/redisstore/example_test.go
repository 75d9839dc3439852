package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/middleware"
)

// Connect to the Redis named by REDIS_URL (redis://host:port/db) and share
// synced users with the rest of the fleet.
func Example() {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		return // no fleet: the middleware's local cache alone is enough
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		slog.Error("REDIS_URL", "error", err)
		return
	}
	opts.ContextTimeoutEnabled = true
	client := redis.NewClient(opts)
	defer client.Close()

	store, err := redisstore.New(client,
		redisstore.WithPrefix("myapp:autoidentify:"),
		redisstore.WithTTL(middleware.DefaultTTL), // as the middleware's cache
		redisstore.WithLogger(slog.Default()),
	)
	if err != nil {
		slog.Error("redis store", "error", err)
		return
	}
	defer store.Close() // after the middleware's Close: deferred calls run last first
	dir, err := memory.New()
	if err != nil {
		panic(err)
	}
	m, err := middleware.New(dir, middleware.WithStore(store)) // engagespot.New(...) in production
	if err != nil {
		slog.Error("middleware", "error", err)
		return
	}
	defer m.Close(context.Background())
	handler := m.Handler(http.NotFoundHandler()) // your app
	_ = handler                                  // http.ListenAndServe(addr, handler)
}

// When Redis cannot be reached, the Store answers ErrUnavailable and
// ClaimAcquired: the caller syncs the user itself. Then it stops trying for
// the cooldown, so the next calls fail at once, without a network wait.
func Example_unavailable() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true}) // nothing listens there
	defer client.Close()
	store, err := redisstore.New(client)
	if err != nil {
		panic(err)
	}
	defer store.Close()

	claim, _, err := store.Lease(context.Background(), "user-42", 0x5eed, time.Now())
	fmt.Println(claim == middleware.LeaseAcquired, errors.Is(err, redisstore.ErrUnavailable))

	_, _, err = store.Lease(context.Background(), "user-43", 0x5eed, time.Now())
	fmt.Println(errors.Is(err, redisstore.ErrUnavailable), strings.Contains(err.Error(), "cooling down"))
	// Output:
	// true true
	// true true
}
