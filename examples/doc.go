// Package examples holds the runnable programs a newcomer starts with, and
// the test that builds them, runs them and drives them over HTTP against a
// fake Engagespot API, so they cannot rot.
//
// # Programs
//
//   - nethttp: autoidentify on a net/http ServeMux.
//   - gin: the same server on Gin.
//
// Both read the same environment and serve the same routes; the shared
// wiring (configuration, directory, JWT, Redis, metrics, shutdown) lives in
// internal/demo, so each main.go shows only how the middleware is mounted.
package examples
