// Package middleware makes sure every signed-in user of a web app exists in
// Engagespot, which discards notifications to users it does not know.
//
// # Overview
//
// New takes the Directory users are created in (adapters/engagespot's Client)
// and returns a Middleware. Its Handler finds the user of each request with an
// identity.Extractor (by default identity.InContext: the user an auth
// middleware put in the context), puts them in the request's context, and
// hands the request on at once. A user not yet synced with this profile is
// synced in the background:
//
//	m, err := middleware.New(client, middleware.WithExtractor(jwtExtractor))
//	defer m.Close(ctx)
//	http.ListenAndServe(addr, m.Handler(mux))
//
// With makes a route that handles some requests differently, sharing the
// same cache, queue and workers: another extractor, identification without
// sync, or a 401 for requests without a user (WithRequired). adapters/ginidentify
// runs the same routes in Gin.
//
// # Delivery
//
// A cache remembers, for up to WithCacheSize users, the fingerprint of the
// profile last synced (identity.Profile.Fingerprint). A request whose user
// was synced with the same profile within WithTTL is a hit: it allocates
// nothing, takes no lock, writes no memory that other cores use (so hits
// scale with cores), and logs nothing. On a route whose extractor keeps what
// it verified (jwtverify's), a hit reads the note the cache left on the
// token's identity.Verified, rather than looking the user up, as long as the
// part of the cache that holds them did not change since; the first hit
// after a change writes the note again. A new user, a changed profile (a new
// email, a new name) or an expired entry is a miss, which
// starts a job, or joins the job already under way for that user: however
// many requests arrive at once, a user is synced by one API call at a time.
// A profile that changes while its sync is under way is synced next, by the
// same job.
//
// Jobs wait in a queue of WithQueueSize users for WithWorkers workers, which
// bound the API calls in flight whatever the load. A request never waits:
// when the queue is full the job is dropped, counted in Stats and reported
// to the outcome hooks, and the user is tried again on their next request.
// A user is remembered only once Engagespot accepted them.
//
// For code about to notify a user who must exist now, Ensure syncs
// synchronously, joining a job under way rather than starting another.
// Delete deletes a user in Engagespot and in what every instance
// remembers, after any sync of theirs under way, so that none brings them
// back; Erase also keeps them deleted for a while. Forget only drops a user
// from this instance's cache (and any refusal remembered for them).
//
// # Profiles the token lacks
//
// Most access tokens name the user (sub) and carry no email or phone
// number, without which Engagespot sends no email or SMS. WithProfileLoader
// completes the profile from the app's own database: the job calls the
// loader before its API call, never the request, once per sync (a user's
// requests during the load join it; hits load nothing), and sends the
// loader's non-empty fields over the token's. A loader error is retried
// like a transient API failure (Reason "profile_loader") and never pauses the API.
// When a profile changes in the database, Reload syncs it now; otherwise
// the TTL brings it within a day.
//
// # Retries
//
// Only failures worth retrying are retried: no answer (network errors,
// timeouts), 408, 429 and 5xx, as the Directory's errors say (see
// Directory). The wait before each retry is random up to an exponential
// ceiling (WithBackoff), at least the Retry-After the server sent, and never
// more than the backoff's maximum; a waiting job holds no worker. A job has
// WithMaxAttempts calls; when they are spent it ends Failed, and the user is
// tried again on their next request: an outage delays a sync, it never loses
// one silently. A profile Engagespot refuses (400, 422) ends Failed at once
// and is not sent again until it changes or the TTL passes.
//
// When the API is clearly down (WithPause: several transient failures in a
// row) or rejects the credentials (401, 403), every call pauses: jobs are
// kept, and after a cool-down one call probes the API. Success resumes the
// calls; failure pauses again. The pause and the resumption are logged once.
//
// # Secure mode
//
// With Engagespot's secure mode on, the front-end library can no longer
// create users, and authenticates with a user token. WithSecureMode(true)
// mirrors it: requests are still identified and carry their user in the
// context, but nobody is created automatically; Ensure creates users
// explicitly, and TokenHandler answers the front-end's {"token": "..."}
// request with the user token a TokenSigner mints.
//
// # Shutdown
//
// Background work never uses a request's context: a job's context derives
// from the Middleware's own (WithJobContext may carry values such as a trace
// link over), and each API call has its own timeout. Workers recover from
// panics. Flush waits for every job started so far. Close stops starting
// jobs, waits for those under way, and stops the workers; if its context ends
// first, it cancels what is under way, reports every unfinished job Dropped
// with ErrClosed, and returns the context's error. Requests are still served
// after Close, without syncs.
//
// # Fleet mode
//
// Several instances behind a load balancer would each sync every user.
// WithStore shares synced users between them (adapters/redisstore): on a local
// miss, a worker asks the Store. A user the fleet already synced with this
// profile costs no API call; another instance syncing them makes this one
// wait and ask again (at once when the holder is done, with a
// StoreNotifier); otherwise this instance takes a lease, syncs, and records
// the sync. A user the fleet synced is remembered locally no longer than
// the fleet's record lasts, so the fleet syncs them once per TTL. However a
// job that holds a lease ends (synced, failed, cancelled by Close, a
// panicking hook), the lease is settled, and a write the Store missed is
// retried for about half a minute. If the Store fails, each instance syncs
// on its own: a second upsert is harmless, a lost user is not. Hits never
// reach the Store.
//
// The fleet converges. Each profile carries when it was observed, and the
// Store keeps one user's newest: an older profile is never sent after a
// newer one (its job ends Superseded, without a call). With a
// StoreDeleter, Delete fences the user's leases on every instance and waits
// for an upsert under way before deleting, so no sync undoes it. With a
// StoreQueue, the syncs an instance accepted and has not finished are
// recorded, and if it dies or closes first another instance makes them.
//
// # Observability
//
// Stats returns counters: hits, misses, jobs queued, synced, dropped,
// failed and superseded, retries, calls in flight, the queue's length. WithOutcomeHook sees
// the end of each job, once, with a Reason (Classify); WithAttemptHook sees
// each API call, and WithAttemptContext derives the context each call gets
// (a span the Directory's own spans nest under). Logs go to WithLogger's
// *slog.Logger, slog.Default() unless told otherwise: pauses (Error, with
// the fix: credentials, a base URL without its version path), failures
// (Warn), the queue filling up, a route that never finds a user (mounted
// before the auth middleware), each sync at Debug; never a secret, and
// nothing on a hit. Stats.NoUser counts requests without a user, and
// Stats.NoUserBy why (ClassifyNoUser: no credentials, expired, a bad
// signature...), each refused credential logged at Debug with its reason,
// never the token. Stats.Synced counts the API calls this instance made that
// succeeded, so that a fleet's sum is what Engagespot accepted;
// Stats.SyncedByFleet counts the users another instance had synced.
//
// # Readiness
//
// Readiness (and ReadinessHandler, for a probe) says whether this instance
// should take traffic: not while the API rejects its configuration, whose
// pause only a fix ends, nor while its queue is full; ready but degraded
// while the API fails or the fleet's Store does not answer, which every
// instance shares and which delay syncs without losing them. A pause is
// logged when it begins, every WithPauseReminder while it lasts, and when
// it ends.
package middleware
