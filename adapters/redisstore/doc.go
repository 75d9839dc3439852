// Package redisstore shares synced-users state across a fleet of instances on
// Redis (github.com/redis/go-redis/v9): a middleware.Store.
//
// Behind a load balancer every instance sees every user. With only its local
// cache, each instance would sync each user once more: N instances, N API
// calls per user, N first syncs racing. With a Store, the fleet syncs each
// user (and each change of their profile) once.
//
// # How it is used
//
// The middleware's local cache stays in front: a cache hit never touches
// Redis, and the request path never does. On a local miss a background worker
// asks Lease, in one round trip, whether the fleet already synced this user
// with this profile fingerprint. If not, Lease tries to take a short lease
// (SET NX with an expiry, renewed while the sync runs) so that exactly one
// instance syncs the user; that instance calls Done on success, which
// records the fingerprint for the TTL, or Release on failure. The others
// are told LeaseBusy and ask again later; if the syncing instance dies, its
// lease expires within DefaultLeaseTTL and frees the user.
//
//	client := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
//	store, err := redisstore.New(client, redisstore.WithPrefix("myapp:autoidentify:"))
//	m, err := middleware.New(dir, middleware.WithStore(store))
//
// The Store takes a client the application already has: a *redis.Client
// (one server, or Sentinel's NewFailoverClient) or a *redis.ClusterClient,
// as redis.NewUniversalClient returns them. The application closes it. A
// *redis.Ring is refused: it shards keys without Redis knowing, so the
// notices of one user would go to shards that never hear them.
//
// # Key layout
//
// Two keys per user, under a configurable prefix (DefaultPrefix):
//
//	autoidentify:u:{<identifier>}  the record: what the fleet last did (below); expires after the TTL
//	autoidentify:l:{<identifier>}  lease: a random token naming the syncing instance; expires after the lease TTL
//
// A record is FP:OBSERVED (synced with the profile whose fingerprint is FP,
// in hex, seen then, in microseconds since the epoch), deleting:AT (a
// deletion waits for the leases) or deleted:UNTIL (profiles seen before
// UNTIL are not synced). It holds no profile data, only the identifier in
// the key (if identifiers are email addresses, key names show them) and a
// 64-bit fingerprint (identity.Profile.Fingerprint) or a random token in the
// value. Besides, the Store keeps the forget stream (the prefix plus
// "forgets") and each instance's pending syncs, which do hold profiles
// (see Track). The braces are a Redis Cluster hash tag, so both keys of a
// user live in one slot and one script can use both; '%', '{' and '}' in
// the identifier are percent-escaped inside them, so any identifier
// (colons, braces, spaces, any UTF-8) gives its own pair of keys.
//
// Every operation is one Lua script (one round trip; the first call after a
// server restart adds one to reload the script), so a check and the write
// that depends on it are atomic across the fleet.
//
// # When Redis is down or slow
//
// Requests are never affected: the Store is called only from background
// workers. Each call is bounded by a timeout (DefaultTimeout). When Redis
// errors or times out, the call returns an error wrapping ErrUnavailable and
// the middleware proceeds local-only: it syncs the user as if it had no fleet.
// A user is never lost; at worst two instances sync the same user during an
// outage, which the API's upsert makes harmless.
//
// After a failure the Store stops trying for a cooldown (DefaultCooldown):
// Claims fail at once, without any network wait, so a dead Redis costs no
// timeout per job. Then one call probes Redis; when it answers, shared mode
// resumes. Done and Release are the exception: they settle a lease another
// instance may be waiting for, so they go to Redis even while it cools down,
// one at a time (the others fail at once and the middleware retries them),
// and the first that succeeds ends the cooldown. The Store logs one warning
// when it goes local-only and one line when Redis is back, never one per
// call.
//
// # Waiting for another instance
//
// Done and Release publish the user's key on one channel (the prefix plus
// "done"). NotifyDone subscribes to it, once per Store, so that an instance
// told LeaseBusy is woken as soon as the holder is done: the wait costs the
// holder's API call, not a poll. Close the Store after the middleware to end
// the subscription. Without it (Redis down, the subscription lost) the
// middleware polls.
//
// # Order and deletion
//
// Lease and Done take when the profile was observed. The record keeps the
// newest: an older profile is never leased (LeaseSuperseded) nor recorded
// over it, so a retry of an old email after a new one was synced ends
// without a call. Middleware.Delete calls Fence, which writes deleting:AT,
// adds the identifier to the forget stream (every instance's OnForget drops
// the user and ends their syncs seen before), and waits until no instance
// holds the user's lease; then it deletes the user in Engagespot and calls
// Tombstone. A profile seen before the deletion never brings the user back;
// one seen after it is a returning user's. The forget stream is read from
// the last entry each instance saw, so one that could not reach Redis for a
// while hears what it missed.
//
// # Pending syncs
//
// Each instance records the syncs it accepted and has not finished (Track,
// about ten times a second, off the request path) and says it lives. When
// an instance stops saying so (it died) or leaves (Close), another adopts
// its syncs within seconds and makes them, with their original observation
// time, so that a crash or a deploy loses no user.
package redisstore
