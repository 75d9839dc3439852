package redisstore

import "errors"

// ErrUnavailable is wrapped by every error a Store returns because Redis
// failed, timed out, or is cooling down after a failure. The caller proceeds
// local-only: it syncs the user as if it had no fleet.
var ErrUnavailable = errors.New("redisstore: unavailable")
