// Package engagespot is a client for Engagespot's REST API: it creates,
// updates and deletes users (recipients), in one call or in bulk, and mints
// the user tokens Engagespot's in-app library needs in secure mode.
//
// A *Client satisfies middleware.Directory, so it is what the autoidentify
// middleware syncs users to:
//
//	client, err := engagespot.New(apiKey, apiSecret, engagespot.WithRegion(engagespot.RegionEU))
//	m, err := middleware.New(client, ...)
//
// # Requests
//
// Upsert (or CreateOrUpdateUser) sends PUT {base}/users/{identifier} with the
// profile as a flat JSON object, exactly as the official Node SDK does, with
// one difference: the identifier is escaped as a single path segment, so
// "a/b?c#d é" or "a%2Fb" reach their own user instead of another one.
// DeleteUser sends DELETE {base}/users/{identifier}. Invalid identifiers
// (empty, too long, invalid UTF-8, control characters) and reserved profile
// keys ("identifier", which Engagespot refuses with 422) are refused before
// any request, with an *InputError.
//
// Every call honours its context and is bounded by the client's timeout
// (DefaultTimeout, WithTimeout). Redirects are never followed, so the API
// secret never goes to another host.
//
// # Errors
//
// A failed call returns an *APIError: StatusCode (0 when no answer came, the
// cause in Err), the start of the body, and RetryAfter for 429 and 503. Its
// Retryable, RetryDelay and HTTPStatus methods steer the middleware's
// retries: network errors, timeouts, 408, 429 and 5xx are retryable; other
// answers and a context the caller cancelled are not. errors.Is matches
// ErrNotFound (404), ErrUnauthorized (401, 403) and ErrRateLimited (429).
//
// # Backfills
//
// UpsertMany and UpsertEach create or update many users with bounded
// concurrency. One user's failure does not stop the others; what is
// retryable (as the middleware retries it) is tried again, a rate limit
// pausing the whole batch; bad credentials stop it. UpsertMany's
// *BatchError lists each failure and which users are worth another try.
//
// # Secure mode
//
// TokenSigner mints the RS256 user token ({"sub": "user:<identifier>",
// "apiKey": ..., "iat": ...}) from the private signing key in PEM (PKCS#1 or
// PKCS#8); NewTokenSignerFromEnv reads ENGAGESPOT_PRIVATE_SIGNING_KEY like
// the Node SDK. Backend calls keep using the API key and secret.
//
// # Secrets
//
// The API secret and the signing key never appear in an error, and printing
// or logging a Client or TokenSigner (fmt with any verb, slog) redacts them.
//
// # Testing
//
// Package engagespottest is a fake of the API for tests, yours included.
package engagespot
