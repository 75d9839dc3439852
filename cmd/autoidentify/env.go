package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/redisstore"
)

// environment is the configuration every command reads, as the examples do.
type environment struct {
	apiKey, apiSecret, baseURL, redisURL string
}

func readEnvironment(getenv func(string) string) (environment, error) {
	e := environment{
		apiKey:    strings.TrimSpace(getenv("ENGAGESPOT_API_KEY")),
		apiSecret: strings.TrimSpace(getenv("ENGAGESPOT_API_SECRET")),
		baseURL:   strings.TrimSpace(getenv("ENGAGESPOT_BASE_URL")),
		redisURL:  strings.TrimSpace(getenv("REDIS_URL")),
	}
	if e.baseURL == "" {
		e.baseURL = engagespot.DefaultBaseURL
	}
	if e.redisURL != "" {
		// Never the URL itself in a message: it may hold a password.
		if u, err := url.Parse(e.redisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			return e, errors.New("REDIS_URL: want redis://[:password@]host:port/db (or rediss://, unix://)")
		}
	}
	return e, nil
}

// client is the Engagespot client, or why there is none.
func (e environment) client() (*engagespot.Client, error) {
	if e.apiKey == "" || e.apiSecret == "" {
		return nil, errors.New("ENGAGESPOT_API_KEY and ENGAGESPOT_API_SECRET must both be set")
	}
	return engagespot.New(e.apiKey, e.apiSecret, engagespot.WithBaseURL(e.baseURL))
}

// connect opens what a command that writes needs: the client, and the
// fleet's Store with REDIS_URL (nil without). close ends the Store.
func (e environment) connect(ctx context.Context) (client *engagespot.Client, s *redisstore.Store, close func(), err error) {
	if client, err = e.client(); err != nil {
		return nil, nil, nil, err
	}
	if s, close, err = e.store(ctx); err != nil {
		return nil, nil, nil, err
	}
	return client, s, close, nil
}

// store opens the fleet's Store when REDIS_URL is set (nil, nil when not),
// pinging it so that a Redis that does not answer is said now, with its
// cause. close ends it and its client.
func (e environment) store(ctx context.Context, opts ...redisstore.Option) (s *redisstore.Store, close func(), err error) {
	if e.redisURL == "" {
		return nil, func() {}, nil
	}
	ropts, err := redis.ParseURL(e.redisURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	ropts.ContextTimeoutEnabled = true
	client := redis.NewClient(ropts)
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		_ = client.Close()
		return nil, nil, fmt.Errorf("REDIS_URL: Redis does not answer: %w", err)
	}
	s, err = redisstore.New(client, append([]redisstore.Option{redisstore.WithLogger(nil)}, opts...)...)
	if err != nil {
		_ = client.Close()
		return nil, nil, err
	}
	return s, func() { _ = s.Close(); _ = client.Close() }, nil
}
