// Package engagespottest is a fake Engagespot REST API for tests: an
// httptest server that behaves like the real one for the user endpoints,
// remembers the users it holds and every request it receives, and can be
// told to fail, slow down or hang.
//
// # Use
//
//	srv := engagespottest.NewServer(t) // closed by t.Cleanup
//	client, err := engagespot.New(srv.APIKey, srv.APISecret, engagespot.WithBaseURL(srv.URL()))
//	...
//	u, ok := srv.User("user-1") // u.Email(), u.Attributes, u.Profile()
//	srv.Calls(), srv.Requests(), srv.LastRequest()
//
// # What it answers
//
//	PUT    /v3/users/{identifier}  body: a flat JSON object, or empty    200
//	POST   /v3/users               {"identifier": ..., "profile": {...}} 200
//	DELETE /v3/users/{identifier}                                        202, or 404 if unknown
//
// Requests without the right X-ENGAGESPOT-API-KEY and X-ENGAGESPOT-API-SECRET
// get 401; a profile attribute named "identifier" gets 422, as from
// Engagespot; a non-JSON body gets 400 or 415. An update merges its
// attributes into the user's. The {identifier} path segment is unescaped
// once, as one segment: a path with a raw "/" in it names no user (404).
//
// # Steering it
//
//   - FailNext, FailAlways, FailUser, RateLimit and AddFault inject failures
//     (a status, an optional Retry-After and body), for the next n requests
//     or Always, for everyone or one user. ClearFaults removes them.
//   - SetLatency delays every answer; the client giving up ends the wait.
//   - Hang holds requests unanswered until Release, until the client gives
//     up, or until Close, which never blocks on them. WaitHeld and WaitCalls
//     let a test wait for requests to arrive without sleeping.
//   - AddUser seeds a user without a request.
//
// All methods are safe for concurrent use with requests in flight. A
// *Server is also an http.Handler, to mount the fake in a server of your own.
package engagespottest
