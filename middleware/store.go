package middleware

import (
	"context"
	"time"

	"github.com/autoidentify/autoidentify/identity"
)

// Lease is a Store's answer to "may this instance sync this profile of the
// user now?".
type Lease int

const (
	// LeaseAcquired: this instance holds the user's lease and should sync
	// them, then call Store.Done on success or Store.Release on failure.
	LeaseAcquired Lease = iota
	// LeaseSynced: the fleet already synced the user with this fingerprint.
	LeaseSynced
	// LeaseBusy: another instance holds the lease, or the user is being
	// deleted; ask again later.
	LeaseBusy
	// LeaseSuperseded: the fleet recorded a profile observed later, or a
	// deletion that began later, than this one: it must not be sent. With
	// a remaining time, the user is erased (Middleware.Erase) for that long.
	LeaseSuperseded
)

// Store is synced-users state shared by a fleet of instances (adapters/redisstore).
// The local LRU stays in front of it: a Store is consulted only on a local
// miss, and only from background workers, never on the request path.
// Leases expire by themselves, so an instance that dies holding one does not
// block the user for long. Methods must be safe for concurrent use and
// honour ctx.
//
// # Order
//
// Every profile is stamped with when an instance observed it (a request,
// Ensure). A Store orders one user's profiles by that stamp: it never lets
// an older one replace a newer one it recorded, nor a profile observed
// before a deletion bring the user back (see StoreDeleter). The stamps of a
// fleet's instances are wall clock times: keep their clocks in sync (NTP),
// so that skew stays below the time between two changes of one profile.
//
// # Failure
//
// An error means the Store is unavailable: the instance syncs the user on
// its own, as it would without a Store.
//
// The Store logs its own outages; the middleware logs nothing about Store
// errors, since only the Store can tell an outage from a stray error, and
// when it is over (an old call that succeeds after the outage began proves
// nothing). It should say so once: one warning when it becomes unavailable
// and one line when it is back, never one per call (adapters/redisstore does so,
// with a breaker that skips the network while it is down).
type Store interface {
	// Lease tells in one round trip whether the user is already synced
	// with this fingerprint, or superseded, and if neither, tries to take
	// the lease to sync them. observed is when the profile was seen. With
	// LeaseSynced, remaining is how long the fleet's record still lasts (0
	// if the Store cannot tell): the instance remembers the user no longer,
	// so the fleet syncs them once per TTL, not once per TTL of each cache
	// in turn. With LeaseSuperseded, remaining is how long the user stays
	// erased, 0 if they are not.
	Lease(ctx context.Context, identifier string, fingerprint uint64, observed time.Time) (lease Lease, remaining time.Duration, err error)
	// Done records a successful sync of the profile observed then, unless
	// the Store holds a newer profile or a later deletion: then it records
	// nothing and returns an error wrapping ErrSuperseded. Either way it
	// drops the lease if this instance holds it. It follows every
	// successful sync, also one made without the lease (Lease failed), so
	// the fleet learns the user either way.
	Done(ctx context.Context, identifier string, fingerprint uint64, observed time.Time) error
	// Release drops this instance's lease after a failed sync, so another
	// attempt (here or elsewhere) can start without waiting for it to expire.
	Release(ctx context.Context, identifier string) error
}

// StoreNotifier is a Store that can tell when a user's lease holder has
// recorded its outcome (Done or Release, on any instance). A job told
// LeaseBusy then asks again as soon as that happens, rather than at its next
// poll, so waiting for another instance costs about that instance's API
// call. adapters/redisstore implements it with Redis pub/sub.
type StoreNotifier interface {
	// NotifyDone calls f once, from any goroutine, when identifier's lease
	// holder calls Done or Release after NotifyDone returned; stop cancels
	// the call, which may still come if it was under way. f returns
	// quickly. A Store that cannot tell now returns a stop that does
	// nothing and never calls f: the middleware polls.
	NotifyDone(identifier string, f func()) (stop func())
}

// StoreDeleter is a Store that takes part in deleting a user from the whole
// fleet (Middleware.Delete and Erase need one to do so): it fences the
// user's leases, so no sync under way anywhere brings them back, and tells
// every instance to forget them. The middleware registers with OnForget at
// New. adapters/redisstore implements it.
type StoreDeleter interface {
	// Fence begins a deletion: no profile observed at or before at is
	// synced or recorded from now on, the leases of profiles observed later
	// wait for Tombstone (LeaseBusy), and every instance's OnForget
	// functions are called with identifier. It returns once no instance
	// holds the user's lease, so that no upsert under way can land after
	// the deletion, or with ctx's error while one still does. The fence
	// lifts by itself after a while if Tombstone never comes.
	Fence(ctx context.Context, identifier string, at time.Time) error
	// Tombstone ends a deletion that Fence began: the user stays deleted
	// for every profile observed before until (the deletion's start for a
	// plain deletion, a later time to erase them), and the profiles
	// observed after it are synced as a new user's.
	Tombstone(ctx context.Context, identifier string, until time.Time) error
	// OnForget calls forget with each identifier that any instance
	// deletes, until stop. An instance that could not hear for a while
	// hears what it missed when it can again, or, if the Store no longer
	// knows what that was, forgetAll. Both return quickly.
	OnForget(forget func(identifier string), forgetAll func()) (stop func())
}

// StoreQueue is a Store that keeps the syncs each instance accepted and has
// not finished, so that when an instance dies (or closes before it is
// done), another one syncs them, with no request. The middleware records
// its pending syncs in batches, never on the request path, and asks for the
// ones dead instances left. adapters/redisstore implements it.
type StoreQueue interface {
	// Track records syncs this instance accepted and forgets the ones it
	// finished, and tells the fleet it is alive: the middleware calls it
	// about ten times a second, with whatever changed since, nothing if nothing
	// did.
	Track(ctx context.Context, accepted []PendingSync, finished []string) error
	// Adopt hands this instance up to max of the syncs of instances that
	// stopped telling the fleet they are alive (or left), and records them
	// as this instance's own; each is handed to one instance only.
	Adopt(ctx context.Context, max int) ([]PendingSync, error)
	// Leave tells the fleet this instance is gone: what it still tracks is
	// for another instance to adopt at once.
	Leave(ctx context.Context) error
}

// PendingSync is one user's sync that an instance accepted (StoreQueue).
type PendingSync struct {
	User     identity.Identity
	Observed time.Time // when the profile was seen
}
