// Package demo is the wiring the examples share, so that each example's
// main.go shows only how autoidentify is mounted on its framework.
//
// # Configuration
//
// FromEnv reads the examples' environment into a Config and reports every
// bad variable at once, as *EnvError values naming the variable and never
// repeating a secret. A Config prints and logs with its secrets redacted.
// Without JWT_SECRET a random secret is made for the run: never a well-known
// default, which would let anyone mint tokens.
//
// # Wiring
//
// New builds an App from a Config: the directory (the Engagespot client when
// both API credentials are set, else an in-memory one that logs each write),
// the JWT extractor, the Redis store (REDIS_URL), the user-token signer
// (ENGAGESPOT_PRIVATE_SIGNING_KEY), the Prometheus collector, and the
// Middleware over them. Each sync outcome is logged once: synced and dropped
// by an outcome hook, failures by the Middleware's own logger.
//
// # Running
//
// Main and Run serve the handler an example builds from the App, log the
// effective configuration at startup, print a demo token and a curl line when
// the JWT secret was generated, and on SIGINT or SIGTERM stop accepting,
// drain the syncs under way for up to DRAIN_TIMEOUT and return.
package demo
