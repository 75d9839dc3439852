package middleware

import "errors"

var (
	// ErrQueueFull: the queue held QueueSize users already, so this one was
	// dropped; their next request tries again.
	ErrQueueFull = errors.New("middleware: sync queue full")
	// ErrClosed: Close was called, so nothing new is synced.
	ErrClosed = errors.New("middleware: closed")
	// ErrSuperseded: the fleet recorded a newer profile of the user, or
	// deleted them after this profile was observed, so it was not synced
	// (see Store).
	ErrSuperseded = errors.New("middleware: superseded")
	// ErrProfileLoader wraps an error of the ProfileLoader: the sync was
	// not sent, and is retried as a transient failure of the API would be.
	ErrProfileLoader = errors.New("middleware: profile loader")
	// ErrPanic wraps a panic recovered from a Directory, a Store or a hook.
	ErrPanic = errors.New("middleware: panic")
)
