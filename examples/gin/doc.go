// Command gin is autoidentify on a Gin engine: every request to /api/ with a
// valid bearer token makes sure its user exists in Engagespot.
//
//	go run ./examples/gin
//
// It needs no account: without ENGAGESPOT_API_KEY and ENGAGESPOT_API_SECRET,
// users go to an in-memory directory that logs each create and update, and
// without JWT_SECRET it prints a token to try. It reads the same variables
// and serves the same routes as examples/nethttp; see the README.
package main
