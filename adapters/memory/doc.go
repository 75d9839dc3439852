// Package memory is an in-memory user directory: a stand-in for Engagespot
// that lets an app (or the examples) run autoidentify with no account.
//
// # Use
//
// A *Directory satisfies middleware.Directory. It keeps every user it is
// given, replacing the profile on each update, and logs each create or
// update when a logger is set:
//
//	dir := memory.New(memory.WithLogger(slog.Default()))
//	m, err := middleware.New(dir)
//
// Nothing leaves the process and nothing survives a restart: use it for
// development, demos and tests, and adapters/engagespot in production.
package memory
