package middleware

import "time"

// Stats are the middleware's counters since New. Counters only grow; the
// fields from InFlight on are levels at the time of the call.
type Stats struct {
	Hits          uint64                  // requests (and Ensure calls) whose user was synced already: nothing to do
	Misses        uint64                  // requests (and Ensure and Reload calls) that needed a sync, or whose profile was refused
	NoUser        uint64                  // requests without a user: signed out, a rejected credential, or a route mounted before the auth middleware
	NoUserBy      map[NoUserReason]uint64 // NoUser by reason (ClassifyNoUser), every reason present
	Queued        uint64                  // jobs started
	Synced        uint64                  // API calls this instance made that succeeded: summed over a fleet, the calls the API accepted
	SyncedByFleet uint64                  // jobs that ended Synced without a call: the Store said another instance had synced the user
	Dropped       uint64                  // jobs that ended Dropped, mostly for a full queue
	Failed        uint64                  // jobs that ended Failed, and requests with an invalid identifier (never sent)
	Superseded    uint64                  // jobs that ended Superseded: a newer profile, or a deletion, came first
	Retries       uint64                  // API calls after a job's first

	InFlight int  // API calls under way
	QueueLen int  // jobs waiting for a worker
	Pending  int  // jobs not yet ended: queued, running or waiting to retry
	Paused   bool // API calls are paused (see WithPause)

	// What Readiness reads.
	PauseReason    Reason    // why calls are paused: the failure that began the pause (ReasonUnauthorized: rejected credentials); "" if they are not
	PausedSince    time.Time // when the pause began, however many probes failed since
	QueueFull      bool      // Pending has reached WithQueueSize: new users are dropped
	QueueFullSince time.Time // when the queue last refused a job, if it has accepted none since
	StoreDown      bool      // with WithStore: the Store's last call failed (the instance syncs alone)
	StoreDownSince time.Time // when its calls began to fail

	Cached    int // users the cache holds now (synced or refused, some maybe expired)
	CacheSize int // the most it holds: WithCacheSize, exactly, however users spread over its shards
}
