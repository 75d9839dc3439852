// Command nethttp is autoidentify on a net/http server: every request to
// /api/ with a valid bearer token makes sure its user exists in Engagespot.
//
//	go run ./examples/nethttp
//
// It needs no account: without ENGAGESPOT_API_KEY and ENGAGESPOT_API_SECRET,
// users go to an in-memory directory that logs each create and update, and
// without JWT_SECRET it prints a token to try. The variables it reads are
// listed in the README.
package main
