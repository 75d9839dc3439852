package middleware

import (
	"context"
	"time"
)

// Claim is a Store's answer to "may this instance sync this user now?".
type Claim int

const (
	// ClaimAcquired: this instance holds the lease and should sync the user,
	// then call Store.Done on success or Store.Release on failure.
	ClaimAcquired Claim = iota
	// ClaimSynced: the fleet already synced the user with this fingerprint.
	ClaimSynced
	// ClaimBusy: another instance holds the lease; ask again later.
	ClaimBusy
)

// Store is synced-users state shared by a fleet of instances (adapters/redis).
// The local LRU stays in front of it: a Store is consulted only on a local
// miss, and only from background workers, never on the request path.
// Leases expire by themselves, so an instance that dies holding one does not
// block the user forever. Methods must be safe for concurrent use and honour
// ctx.
//
// An error means the Store is unavailable: the instance syncs the user on
// its own, as it would without a Store.
//
// The Store logs its own outages; the middleware logs nothing about Store
// errors, since only the Store can tell an outage from a stray error, and
// when it is over (an old call that succeeds after the outage began proves
// nothing). It should say so once: one warning when it becomes unavailable
// and one line when it is back, never one per call (adapters/redis does so,
// with a breaker that skips the network while it is down).
type Store interface {
	// Claim tells in one round trip whether the user is already synced with
	// this fingerprint, and if not, tries to take the lease to sync them.
	// With ClaimSynced, remaining is how long the fleet's record still lasts
	// (0 if the Store cannot tell): the instance remembers the user no
	// longer, so the fleet syncs them once per TTL, not once per TTL of
	// each cache in turn.
	Claim(ctx context.Context, identifier string, fingerprint uint64) (claim Claim, remaining time.Duration, err error)
	// Done records a successful sync with this fingerprint and drops the
	// lease if this instance holds it. It follows every successful sync,
	// also one made without the lease (Claim failed, or another instance
	// held the lease too long), so the fleet learns the user either way.
	Done(ctx context.Context, identifier string, fingerprint uint64) error
	// Release drops this instance's lease after a failed sync, so another
	// attempt (here or elsewhere) can start without waiting for it to expire.
	Release(ctx context.Context, identifier string) error
}

// StoreNotifier is a Store that can tell when a user's lease holder has
// recorded its outcome (Done or Release, on any instance). A job told
// ClaimBusy then asks again as soon as that happens, rather than at its next
// poll, so waiting for another instance costs about that instance's API
// call. adapters/redis implements it with Redis pub/sub.
type StoreNotifier interface {
	// NotifyDone calls f once, from any goroutine, when identifier's lease
	// holder calls Done or Release after NotifyDone returned; stop cancels
	// the call, which may still come if it was under way. f returns
	// quickly. A Store that cannot tell now returns a stop that does
	// nothing and never calls f: the middleware polls.
	NotifyDone(identifier string, f func()) (stop func())
}

// StoreDeleter is a Store that can drop a user fleet-wide (Middleware.Delete
// uses it) and tells every instance when one is dropped: the middleware
// registers with OnForget at New and drops such users from its cache.
// adapters/redis implements it with a delete and a pub/sub message.
type StoreDeleter interface {
	// Forget drops identifier's record, so the next Claim syncs them again,
	// and has every instance's OnForget functions called with identifier.
	Forget(ctx context.Context, identifier string) error
	// OnForget calls f with each identifier any instance forgets, until
	// stop; f returns quickly.
	OnForget(f func(identifier string)) (stop func())
}
