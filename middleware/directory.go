package middleware

import (
	"context"

	"github.com/autoidentify/autoidentify/identity"
)

// Directory is where users are created or updated: Engagespot's REST API
// (adapters/engagespot), an in-memory directory for development
// (adapters/memory), or a test fake. Upsert must be safe for concurrent use
// and must honour ctx: Close cancels it to stop at its deadline.
//
// The errors Upsert returns steer retries when they, or an error they wrap
// (found with errors.As), have these methods:
//
//	Retryable() bool            // false: not retried
//	RetryDelay() time.Duration  // the server's Retry-After: wait at least this long
//	HTTPStatus() int            // the API's status code, 0 for a network error;
//	                            // 401 and 403 pause all syncs (bad credentials)
//
// A 4xx answer that is not retried means the profile was refused: it is not
// sent again until it changes or the TTL passes. So is an error wrapping
// identity.ErrInvalidIdentifier or identity.ErrInvalidAttribute (a profile
// the Directory would not send). An error with none of these is treated as
// transient and retried within the job's retry budget: an unknown failure
// delays a sync, it never drops it. adapters/engagespot's *APIError has all
// three methods.
type Directory interface {
	Upsert(ctx context.Context, id identity.Identity) error
}

// DirectoryDeleter is a Directory that can delete a user
// (adapters/engagespot's Client): Middleware.Delete needs one. A user
// already gone answers an error with HTTPStatus 404, which Delete accepts.
type DirectoryDeleter interface {
	Directory
	DeleteUser(ctx context.Context, identifier string) error
}
