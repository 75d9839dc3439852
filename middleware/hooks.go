package middleware

import "time"

// OutcomeKind is how a job ended.
type OutcomeKind int

// Every job ends in exactly one of these.
const (
	// Synced: the Directory accepted the user (or the Store said the fleet
	// already had), and the cache now remembers them.
	Synced OutcomeKind = iota + 1
	// Dropped: the job never got a verdict from the Directory: the queue was
	// full, or Close came first. The user is not remembered, so their next
	// request tries again.
	Dropped
	// Failed: the Directory refused the user, or the retry budget ran out.
	// A user whose profile was refused (a 4xx) is not sent again until the
	// profile changes or the TTL passes; any other failure is tried again on
	// the user's next request. A request whose identifier is invalid is
	// reported Failed too, each time, without a job: it is never sent, and
	// its extractor should have refused it.
	Failed
	// Superseded: the profile was not sent, because a newer one of the
	// user was recorded by the fleet (Store), or the user was deleted
	// (Middleware.Delete, Erase) after it was observed. The user is not
	// remembered as synced with it. Err wraps ErrSuperseded.
	Superseded
)

func (k OutcomeKind) String() string {
	switch k {
	case Synced:
		return "synced"
	case Dropped:
		return "dropped"
	case Failed:
		return "failed"
	case Superseded:
		return "superseded"
	}
	return "unknown"
}

// Outcome is the end of one job, as the hooks WithOutcomeHook adds see it.
type Outcome struct {
	Kind       OutcomeKind
	Identifier string
	Attempts   int           // API calls made
	Duration   time.Duration // from the job's start to its end
	Err        error         // why it did not sync; nil when Synced
	Reason     Reason        // Classify(Err); "" when Synced
	ByFleet    bool          // Synced because the Store said another instance had synced the user: no call of this job's did
}

// Attempt is one API call, as the hooks WithAttemptHook adds see it.
type Attempt struct {
	Identifier string
	Number     int // 1 for a job's first call
	Start      time.Time
	Duration   time.Duration
	Err        error // nil on success
	// Probe is true for the one call that tests whether a paused API is back.
	Probe bool
}
