package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/adapters/prommetrics"
	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/middleware"
)

// App is what an example mounts on its framework.
type App struct {
	Config Config
	Log    *slog.Logger

	// Middleware syncs the users JWT finds to Engagespot (or memory).
	Middleware *middleware.Middleware
	// JWT verifies "Authorization: Bearer" tokens signed with JWT_SECRET and
	// maps their OpenID Connect claims.
	JWT *jwtverify.Extractor
	// Tokens is true when a signing key is set: mount
	// Middleware.TokenHandler (it panics without one).
	Tokens bool
	// Metrics serves the middleware's counters for Prometheus.
	Metrics http.Handler

	redis *redis.Client     // nil without REDIS_URL
	store *redisstore.Store // on redis
}

// New builds the App cfg describes. Errors name the variable at fault.
func New(cfg Config, log *slog.Logger) (*App, error) {
	jwt, err := jwtverify.New(jwtverify.HMACKey(cfg.JWTSecret))
	if err != nil {
		return nil, &EnvError{Var: EnvJWTSecret, Err: err}
	}
	app := &App{Config: cfg, Log: log, JWT: jwt}

	metrics, err := prommetrics.New()
	if err != nil {
		return nil, fmt.Errorf("demo: metrics: %w", err)
	}
	opts := append(metrics.Options(),
		middleware.WithLogger(log), // pauses, failures, a full queue
		middleware.WithOutcomeHook(app.logOutcome),
		middleware.WithSecureMode(cfg.SecureMode),
		middleware.WithPause(middleware.DefaultPauseAfter, cfg.PauseFor),
	)

	var dir middleware.Directory
	if cfg.UsesEngagespot() {
		client, err := engagespot.New(cfg.APIKey, cfg.APISecret, engagespot.WithBaseURL(cfg.BaseURL))
		if err != nil {
			return nil, &EnvError{Var: EnvBaseURL, Err: err}
		}
		dir = client
	} else {
		mem, err := memory.New(memory.WithLogger(log))
		if err != nil {
			return nil, err
		}
		dir = mem
	}

	if len(cfg.SigningKeyPEM) > 0 {
		signer, err := engagespot.NewTokenSigner(cfg.APIKey, cfg.SigningKeyPEM)
		if err != nil {
			return nil, &EnvError{Var: EnvSigningKey, Err: err}
		}
		opts = append(opts, middleware.WithTokenSigner(signer))
		app.Tokens = true
	}

	if cfg.RedisURL != "" {
		ropts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, &EnvError{Var: EnvRedisURL, Err: withoutURL(err)}
		}
		ropts.ContextTimeoutEnabled = true // a command that times out frees its connection
		app.redis = redis.NewClient(ropts)
		// A Redis that is not there is no reason not to start (fleet mode
		// falls back to local-only), but it must be said now, with its cause.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := app.redis.Ping(ctx).Err(); err != nil {
			log.Warn("redis not reachable at start: each instance syncs on its own until it answers",
				"redis", redactURL(cfg.RedisURL), "err", err)
		}
		cancel()
		store, err := redisstore.New(app.redis, redisstore.WithLogger(log))
		if err != nil {
			_ = app.redis.Close()
			return nil, &EnvError{Var: EnvRedisURL, Err: err}
		}
		app.store = store
		opts = append(opts, middleware.WithStore(store))
	}

	app.Middleware, err = middleware.New(dir, opts...)
	if err != nil {
		app.closeRedis()
		return nil, fmt.Errorf("demo: middleware: %w", err)
	}
	metrics.Observe(app.Middleware)
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	app.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return app, nil
}

// logOutcome logs each sync that ended synced or dropped; the middleware
// logs the failures itself (WithLogger), so each outcome is one line. A user
// is named by the hash of their identifier, as the middleware names them:
// no personal data at Info.
func (a *App) logOutcome(ctx context.Context, o middleware.Outcome) {
	switch o.Kind {
	case middleware.Synced:
		a.Log.LogAttrs(ctx, slog.LevelInfo, "user synced",
			slog.String("user_hash", identity.ShortHash(o.Identifier)), slog.Int("attempts", o.Attempts), slog.Duration("took", o.Duration),
			slog.Bool("by_fleet", o.ByFleet))
	case middleware.Dropped:
		a.Log.LogAttrs(ctx, slog.LevelWarn, "sync dropped: the user's next request tries again",
			slog.String("user_hash", identity.ShortHash(o.Identifier)), slog.String("reason", string(o.Reason)))
	}
}

// Close drains the syncs under way until ctx ends, then lets go of Redis.
func (a *App) Close(ctx context.Context) error {
	err := a.Middleware.Close(ctx)
	return errors.Join(err, a.closeRedis())
}

func (a *App) closeRedis() error {
	if a.redis == nil {
		return nil
	}
	var err error
	if a.store != nil {
		err = a.store.Close()
	}
	return errors.Join(err, a.redis.Close())
}
