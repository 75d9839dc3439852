package middleware

import "errors"

var (
	// ErrQueueFull: the queue held QueueSize users already, so this one was
	// dropped; their next request tries again.
	ErrQueueFull = errors.New("middleware: sync queue full")
	// ErrClosed: Close was called, so nothing new is synced.
	ErrClosed = errors.New("middleware: closed")
	// ErrPanic wraps a panic recovered from a Directory, a Store or a hook.
	ErrPanic = errors.New("middleware: panic")
)
