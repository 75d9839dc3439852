package middleware

import (
	"context"

	"github.com/autoidentify/autoidentify/identity"
)

// Directory is where users are created or updated: Engagespot's REST API
// (adapters/engagespot), an in-memory directory for development
// (adapters/memory), or a test fake. Upsert must be safe for concurrent use
// and must honour ctx.
//
// The errors Upsert returns steer retries when they, or an error they wrap
// (found with errors.As), have these methods:
//
//	Retryable() bool            // false: failed for good, never retried
//	RetryDelay() time.Duration  // the server's Retry-After: wait at least this long
//	HTTPStatus() int            // the API's status code, 0 for a network error;
//	                            // 401 and 403 pause all syncs (bad credentials)
//
// An error with none of them is treated as transient and retried within the
// job's retry budget: an unknown failure delays a sync, it never drops it.
// adapters/engagespot's *APIError has all three.
type Directory interface {
	Upsert(ctx context.Context, id identity.Identity) error
}
