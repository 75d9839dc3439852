package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autoidentify/autoidentify/identity"
)

// When the Store says another instance is syncing a user, the job asks again
// every busyPoll, or at once when a StoreNotifier says the holder is done
// (then busyPoll is only the fallback for a missed notice, so it is longer:
// notifiedBusyPoll). After maxBusyWait of this, it syncs the user itself,
// since a second upsert is harmless and a lost user is not.
const (
	busyPoll         = 500 * time.Millisecond
	notifiedBusyPoll = 2 * time.Second
	maxBusyWait      = time.Minute
)

// engine syncs users in the background. A request that misses the cache
// starts a job, or joins the one already under way for its user (single
// flight); a fixed pool of workers runs the jobs; a job that must wait
// before its next attempt waits on a timer, not on a worker. Every job ends
// in exactly one Outcome.
//
// The queue channel never blocks a sender: it holds queueSize jobs, each
// pending job is in it at most once, and there are at most queueSize
// pending jobs.
type engine struct {
	dir            Directory
	loader         ProfileLoader // nil: the credential's profile is sent as is
	store          Store
	notifier       StoreNotifier // store, if it is one
	queueStore     StoreQueue    // store, if it is one
	stopForgets    func()        // ends the StoreDeleter's OnForget
	cache          *cache
	breaker        *breaker
	log            *slog.Logger
	logIdentifiers bool // see userAttr
	clock          *clock
	queueSize      int
	attemptTimeout time.Duration
	maxAttempts    int
	retryBase      time.Duration
	retryMax       time.Duration
	onOutcome      []func(context.Context, Outcome)
	onAttempt      []func(context.Context, Attempt)
	jobContext     func(req, job context.Context) context.Context
	attemptContext []func(ctx context.Context, identifier string, attempt int) context.Context
	afterFunc      func(time.Duration, func()) func() bool
	randN          func(int64) int64

	queue  chan *job
	ctx    context.Context // every job's context derives from it
	cancel context.CancelFunc
	stop   chan struct{} // closed by Close: workers and the clock return
	closed chan struct{} // closed when the first Close returns
	wg     sync.WaitGroup

	misses, queued, dropped, failed, superseded, retries atomic.Uint64
	synced                                               atomic.Uint64 // API calls of this instance's that succeeded: summed over a fleet, the calls the API accepted
	syncedByFleet                                        atomic.Uint64 // jobs that ended Synced because another instance had synced the user
	noUser                                               noUsers       // requests without a user
	inFlight                                             atomic.Int64

	mu             sync.Mutex
	pending        map[string]*job         // by identifier: the jobs not yet ended
	erased         map[string]time.Time    // by identifier: erased until then (Erase)
	alone          map[string]struct{}     // by identifier: synced while the Store was down (see syncedAlone)
	tracked        map[string]*PendingSync // by identifier: what a StoreQueue has yet to hear; nil for a job ended (see queue.go)
	owed           map[string]*storeWrite  // by identifier: what the Store has yet to hear (see fleet.go)
	writing        sync.WaitGroup          // owed writes being retried
	closing        bool
	fullSince      time.Time // the queue refused a job then, and has accepted none since: logged once
	storeDownSince time.Time // the Store's calls have failed since then; zero while it answers
	aloneOverflow  bool      // more users were synced alone than alone holds
	left           bool      // told the StoreQueue this instance is gone

	trackMu sync.Mutex // one batch at a time goes to the StoreQueue
}

// job is the sync of one user.
type job struct {
	ctx      context.Context
	start    time.Time
	done     chan struct{} // closed once the outcome is reported
	attempts atomic.Int32

	// Owned by the worker running the job.
	failures      int           // attempts failed in a row: the retry budget
	waited        time.Duration // polls for a busy user, in all (see maxBusyWait)
	loaded        bool          // loadedProfile is the ProfileLoader's answer for the job's loadedVersion
	loadedVersion uint64
	loadedProfile identity.Profile

	// Guarded by engine.mu.
	id         identity.Identity // with the newest profile asked for
	fp         uint64            // id.Profile.Fingerprint()
	observed   time.Time         // when that profile was seen: orders it in the fleet (see Store)
	version    uint64            // counts the changes of id, fp and observed: a step's verdict is for one version (see settle)
	fence      time.Time         // a deletion began then: a profile observed by then is not sent (see fence)
	calling    bool              // the Directory call is under way: a deletion waits for it
	ended      bool
	byFleet    bool          // ends Synced on the Store's word that another instance synced the user
	maxTTL     time.Duration // if positive, the user is remembered no longer (see settle)
	err        error         // the outcome's; read it once done is closed
	lastErr    error         // the last attempt's, if it failed
	stopTimer  func() bool   // cancels a pending retry
	wait       uint64        // numbers the waits for a busy user (see wake)
	woken      bool          // the holder finished before the wait began
	stopNotify func()        // cancels the wake-up of the current wait
}

func newEngine(dir Directory, c *config) *engine {
	log := c.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &engine{
		dir:            dir,
		loader:         c.loader,
		store:          c.store,
		log:            log,
		logIdentifiers: c.logIdentifiers,
		clock:          c.clock,
		queueSize:      c.queueSize,
		attemptTimeout: c.attemptTimeout,
		maxAttempts:    c.maxAttempts,
		retryBase:      c.retryBase,
		retryMax:       c.retryMax,
		onOutcome:      c.onOutcome,
		onAttempt:      c.onAttempt,
		jobContext:     c.jobContext,
		attemptContext: c.attemptContext,
		afterFunc:      c.afterFunc,
		randN:          c.randN,
		queue:          make(chan *job, c.queueSize),
		stop:           make(chan struct{}),
		closed:         make(chan struct{}),
		pending:        make(map[string]*job),
		erased:         make(map[string]time.Time),
		alone:          make(map[string]struct{}),
		owed:           make(map[string]*storeWrite),
	}
	e.notifier, _ = c.store.(StoreNotifier)
	if q, ok := c.store.(StoreQueue); ok {
		e.queueStore = q
		e.tracked = make(map[string]*PendingSync)
	}
	e.stopForgets = func() {}
	if d, ok := c.store.(StoreDeleter); ok {
		// Another instance deleted the user: their next request here syncs
		// them, and no sync of a profile seen before now ends here cached.
		e.stopForgets = d.OnForget(func(identifier string) {
			if identity.ValidateIdentifier(identifier) != nil {
				return // not one of ours: nothing acts on it
			}
			e.fence(identifier, time.Now())
			e.cache.forget(e.cache.hashOf(identifier))
		}, e.forgetAll)
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	if e.clock == nil {
		e.clock = new(clock)
		e.wg.Go(func() { e.clock.run(e.stop) })
	}
	e.cache = newCache(c.cacheSize, c.ttl, e.clock, e.randN)
	e.breaker = newBreaker(c, e.pendingLen, log)
	for range c.workers {
		e.wg.Go(e.work)
	}
	if e.queueStore != nil {
		e.wg.Go(e.track)
	}
	return e
}

// forgetAll forgets every user: the Store lost track of which users were
// deleted while this instance could not hear. The next request of each user
// asks the Store again, which costs no API call for a user the fleet has
// synced; the syncs pending ask it anyway.
func (e *engine) forgetAll() {
	e.cache.forgetAll()
	e.log.Info("middleware: forgot every user: the fleet's deletions may have been missed while its Store could not be heard")
}

// observe is the request path for an identity an extractor found (routes
// reading it from the context take Route.identifyInContext), with its
// profile's fingerprint and identifier's hash: a user synced with this
// profile costs a cache hit, which takes no lock.
func (e *engine) observe(ctx context.Context, id *identity.Identity, fp, hash uint64) {
	k := e.cache.keyOf(hash, fp)
	if e.cache.hit(k) {
		return
	}
	e.miss(ctx, id, fp, k)
}

// observeVerified is observe for the Verified an extractor keeps, on which
// the cache notes what it found (see cache.hitNoted).
func (e *engine) observeVerified(ctx context.Context, v *identity.Verified) {
	k := e.cache.keyOf(v.IdentifierHash, v.Fingerprint)
	if e.cache.hitNoted(k, v) {
		return
	}
	e.miss(ctx, &v.Identity, v.Fingerprint, k)
}

func (e *engine) miss(ctx context.Context, id *identity.Identity, fp uint64, k key) {
	e.misses.Add(1)
	if e.cache.lookup(k) == rejected {
		return // refused with this profile: not sent again until it changes
	}
	if err := identity.ValidateIdentifier(id.Identifier); err != nil {
		// The extractor should have refused it; never send it.
		e.failed.Add(1)
		e.log.Debug("middleware: not syncing an invalid identifier", "err", err)
		e.emit(e.ctx, Outcome{Kind: Failed, Identifier: id.Identifier, Err: err, Reason: Classify(err)})
		return
	}
	_, _ = e.submit(ctx, *id, fp, k, time.Now(), requested) // a drop is counted and reported; the request goes on
}

// ensure syncs id now, joining the job under way for them if there is one.
func (e *engine) ensure(ctx context.Context, id identity.Identity) error {
	if err := identity.ValidateIdentifier(id.Identifier); err != nil {
		return fmt.Errorf("middleware: ensure: %w", err)
	}
	fp := id.Profile.Fingerprint()
	k := e.cache.key(id.Identifier, fp)
	if e.cache.hit(k) {
		return nil
	}
	e.misses.Add(1)
	j, err := e.submit(ctx, id, fp, k, time.Now(), ensured)
	if err != nil || j == nil {
		return err
	}
	return e.wait(ctx, j)
}

// wait waits for j to end, for Ensure and Reload, and returns its error.
func (e *engine) wait(ctx context.Context, j *job) error {
	select {
	case <-j.done:
		return j.err
	case <-ctx.Done():
		// The deadline alone hides why: a wrong secret would read as a
		// slow API. Say what the last attempt came to.
		e.mu.Lock()
		last := j.lastErr
		e.mu.Unlock()
		if last != nil {
			return fmt.Errorf("middleware: ensure: %w; last attempt: %w", ctx.Err(), last)
		}
		return ctx.Err()
	}
}

// intent says who asks for a sync, which decides what submit skips.
type intent int

const (
	requested intent = iota // a request or an adopted sync: nothing to do for a user synced or refused with this profile
	ensured                 // Ensure: a refused profile is asked again, and an erased user is an error
	reloaded                // Reload: the user is synced again, synced or not, their profile loaded anew
)

// submit returns the job syncing id, whose profile was observed then,
// starting one if none is under way; nil if there is nothing to do: id is
// synced with this profile, or was refused with it, or is erased (see
// intent). A job that cannot start is reported Dropped, with ErrQueueFull
// or ErrClosed.
func (e *engine) submit(req context.Context, id identity.Identity, fp uint64, k key, observed time.Time, why intent) (*job, error) {
	ctx := e.ctx
	if e.jobContext != nil {
		ctx = e.jobContext(req, ctx)
	}
	explicit := why != requested
	e.mu.Lock()
	if j := e.pending[id.Identifier]; j != nil {
		switch {
		case j.fp != fp && why != reloaded:
			// The job syncs this profile once done with the one under way.
			j.id, j.fp, j.observed = id.Clone(), fp, observed
			j.version++
			e.trackLocked(j)
		case why == reloaded:
			// The profile it loaded may be older than the app's change:
			// it loads again, and its sync counts as observed now.
			j.observed = observed
			j.version++
			e.trackLocked(j)
		}
		e.mu.Unlock()
		return j, nil
	}
	if until, ok := e.erased[id.Identifier]; ok {
		if observed.Before(until) {
			e.mu.Unlock()
			if explicit {
				return nil, fmt.Errorf("%w: the user is erased until %s", ErrSuperseded, until.UTC().Format(time.RFC3339))
			}
			return nil, nil
		}
		delete(e.erased, id.Identifier)
	}
	// Checked again under the lock: a worker marks a user synced and ends
	// their job under it, so a job cannot end between this and the check above.
	switch st := e.cache.lookup(k); {
	case why == reloaded:
	case st == synced, st == rejected && !explicit:
		e.mu.Unlock()
		return nil, nil
	}
	var j *job
	err := ErrClosed
	if !e.closing {
		err = ErrQueueFull
		if len(e.pending) < e.queueSize {
			j = &job{ctx: ctx, start: time.Now(), done: make(chan struct{}), id: id.Clone(), fp: fp, observed: observed}
			select {
			case e.queue <- j:
				err = nil
			default: // unreachable: see engine
			}
		}
	}
	if err != nil {
		startDropping := err == ErrQueueFull && e.fullSince.IsZero()
		if startDropping {
			e.fullSince = time.Now()
		}
		e.mu.Unlock()
		if startDropping {
			e.log.Warn("middleware: sync queue full: new users are dropped and tried again on their next request",
				"queue_size", e.queueSize)
		}
		e.report(ctx, nil, Outcome{Kind: Dropped, Identifier: id.Identifier, Err: err, Reason: Classify(err)})
		return nil, err
	}
	e.pending[id.Identifier] = j
	e.trackLocked(j)
	stopDropping := !e.fullSince.IsZero()
	e.fullSince = time.Time{}
	e.mu.Unlock()
	e.queued.Add(1)
	if stopDropping {
		e.log.Info("middleware: sync queue accepting again", "dropped_total", e.dropped.Load())
	}
	return j, nil
}

func (e *engine) work() {
	for {
		select {
		case j := <-e.queue:
			e.run(j)
		case <-e.stop:
			return
		}
	}
}

// run takes j as far as it can go now: to its outcome, or to a timer before
// its next attempt. A panic ends the job, never the worker.
func (e *engine) run(j *job) {
	defer func() {
		if p := recover(); p != nil {
			e.log.Error("middleware: panic in a sync", "panic", p, "stack", string(debug.Stack()))
			e.end(j, Failed, fmt.Errorf("%w: %v", ErrPanic, p), absent)
		}
	}()
	for e.step(j) {
	}
}

// step makes one attempt at j. It reports whether to make another at once:
// a newer profile arrived while this one was being sent.
func (e *engine) step(j *job) (again bool) {
	probe, err := e.breaker.wait(e.ctx)
	if err != nil {
		return false // Close gave up waiting: it ends the job
	}
	p := pass{b: e.breaker, probe: probe}
	defer p.end(noCall, nil) // no call was made after all, or one panicked

	e.mu.Lock()
	id, version, observed, ended, fenced := j.id, j.version, j.observed, j.ended, j.fencedLocked()
	j.byFleet = false
	e.mu.Unlock()
	switch {
	case ended:
		return false
	case fenced:
		return e.settle(j, version, Superseded, errDeleted, absent, 0)
	}
	// What is sent, and what the fleet records: the profile as the
	// credential carried it, or as the app's loader completed it.
	if id.Profile, err = e.load(j, id, version); err != nil {
		return e.fail(j, version, err)
	}
	fp := id.Profile.Fingerprint()

	lease, alone := false, false
	if e.store != nil {
		answer, remaining, err := e.lease(j, id.Identifier, fp, observed)
		e.storeAnswered(err == nil)
		switch {
		case err != nil: // the Store is down (and says so): go on alone
			alone = true
		case answer == LeaseSynced:
			e.mu.Lock()
			j.byFleet = true
			e.mu.Unlock()
			return e.settle(j, version, Synced, nil, synced, remaining)
		case answer == LeaseSuperseded && remaining > 0:
			// Erased: not asked again with this profile while it lasts.
			return e.settle(j, version, Superseded, errErased, rejected, remaining)
		case answer == LeaseSuperseded:
			return e.settle(j, version, Superseded, errNewer, absent, 0)
		case answer == LeaseBusy && j.waited < maxBusyWait:
			poll := busyPoll
			if e.notifier != nil {
				poll = notifiedBusyPoll
			}
			j.waited += poll
			e.retryLater(j, poll) // or sooner, woken when the holder is done
			return false
		case answer == LeaseAcquired:
			lease = true
			// However this attempt ends, the lease is settled: by Done or
			// Release below, or by Release if Close cancels it or a hook
			// panics, so that no instance waits for it to expire.
			e.owe(id.Identifier)
			defer func() {
				if lease {
					_ = e.write(id.Identifier, &storeWrite{})
				}
			}()
		}
	}

	// A deletion that began meanwhile stops the call; one that begins
	// from now on waits for it (see delete).
	e.mu.Lock()
	if j.fencedLocked() {
		e.mu.Unlock()
		return e.settle(j, version, Superseded, errDeleted, absent, 0)
	}
	j.calling = true
	e.mu.Unlock()
	callErr := e.attempt(j, id, &p)
	e.mu.Lock()
	j.calling = false
	e.mu.Unlock()
	if e.ctx.Err() != nil {
		return false // Close gave up: this failure says nothing about the API
	}
	var recordErr error
	if e.store != nil {
		recordErr = e.record(id.Identifier, fp, observed, lease, callErr)
		lease = false
	}
	if callErr == nil {
		if errors.Is(recordErr, ErrSuperseded) {
			return e.settle(j, version, Superseded, recordErr, absent, 0)
		}
		if alone {
			e.syncedAlone(id.Identifier)
		}
		return e.succeed(j, version)
	}
	return e.fail(j, version, callErr)
}

// Why a job ends Superseded.
var (
	errDeleted = fmt.Errorf("%w: the user was deleted after this profile was observed", ErrSuperseded)
	errErased  = fmt.Errorf("%w: the user is erased", ErrSuperseded)
	errNewer   = fmt.Errorf("%w: the fleet recorded a newer profile", ErrSuperseded)
)

// fencedLocked reports whether a deletion began after j's profile was
// observed: it must not be sent, nor remembered as synced.
func (j *job) fencedLocked() bool {
	return !j.fence.IsZero() && !j.observed.After(j.fence)
}

// attempt makes one API call, and tells the breaker what it came to before
// the attempt hooks and the job's outcome hear of it, so that what they read
// in Stats (Paused) already agrees with this call.
func (e *engine) attempt(j *job, id identity.Identity, p *pass) (err error) {
	n := int(j.attempts.Add(1))
	// Never send an attribute malformed: an extractor's identities are
	// sanitized already, but one put in the context by hand may not be.
	var dropped error
	if id.Profile, dropped = id.Profile.Sanitize(); dropped != nil && n == 1 {
		e.log.Info("middleware: attributes left out of a sync", e.userAttr(id.Identifier), "err", dropped)
	}
	e.inFlight.Add(1)
	// The attempt's context: the job's, as WithAttemptContext derived it for
	// this call (a span its Directory's spans become children of). The hooks
	// get it too, without the call's timeout, to find what it added. A
	// function panicking leaves it as the one before made it.
	actx, start := j.ctx, time.Now()
	func() {
		where := "WithAttemptContext"
		defer func() {
			if p := recover(); p != nil {
				e.log.Error("middleware: panic in "+where, "panic", p, "stack", string(debug.Stack()))
				err = fmt.Errorf("%w in %s: %v", ErrPanic, where, p)
			}
		}()
		for _, f := range e.attemptContext {
			actx = f(actx, id.Identifier, n)
		}
		where, start = "Directory.Upsert", time.Now()
		ctx, cancel := context.WithTimeout(actx, e.attemptTimeout)
		defer cancel()
		err = e.dir.Upsert(ctx, id)
	}()
	elapsed := time.Since(start)
	e.inFlight.Add(-1)
	e.mu.Lock()
	j.lastErr = err
	e.mu.Unlock()
	if n > 1 {
		e.retries.Add(1)
	}
	if err == nil {
		e.synced.Add(1)
	}
	if e.ctx.Err() == nil { // else Close gave up: this failure says nothing about the API
		p.end(resultOf(err), err)
	}
	for _, h := range e.onAttempt {
		h(actx, Attempt{Identifier: id.Identifier, Number: n, Start: start, Duration: elapsed, Err: err, Probe: p.probe})
	}
	return err
}

// succeed marks the user synced with the job's version of their profile and
// ends the job, unless a newer one arrived meanwhile (see settle).
func (e *engine) succeed(j *job, version uint64) (again bool) {
	return e.settle(j, version, Synced, nil, synced, 0)
}

// settle ends j with a verdict on the version of its profile that was sent,
// remembered as st for the TTL, or for maxTTL if that is shorter (a fleet's
// record that expires sooner); but if a newer profile arrived while that
// one was being sent (or Reload asked to load it again), the verdict is
// stale: it asks for another attempt at once, for the newer one, with a
// fresh budget.
func (e *engine) settle(j *job, version uint64, kind OutcomeKind, err error, st state, maxTTL time.Duration) (again bool) {
	e.mu.Lock()
	if !j.ended && j.version != version {
		e.mu.Unlock()
		j.failures, j.waited = 0, 0
		return true
	}
	if kind == Synced && j.fencedLocked() {
		// Deleted while it was being sent: the deletion waited for the
		// call, and came after it.
		kind, err, st = Superseded, errDeleted, absent
	}
	j.maxTTL = maxTTL
	o, ok := e.endLocked(j, kind, err, st)
	e.mu.Unlock()
	if ok {
		e.report(j.ctx, j, o)
	}
	return false
}

// fail decides what follows a failed attempt: a retry after a backoff, or
// the end of the job.
func (e *engine) fail(j *job, version uint64, err error) (again bool) {
	j.failures++
	switch {
	case loaderFailed(err) && !loaderRetryable(err):
		e.end(j, Failed, fmt.Errorf("middleware: sync failed: %w", err), absent)
		return false
	case loaderFailed(err) || retryable(err) || misconfigured(err):
		if j.failures < e.maxAttempts {
			e.retryLater(j, backoff(j.failures, e.retryBase, e.retryMax, retryAfter(err), e.randN))
			return false
		}
		// An outage delays a sync, it never loses it: the user is not
		// marked, so their next request starts a new job.
		e.end(j, Failed, fmt.Errorf("middleware: sync gave up after %d attempts: %w", j.failures, err), absent)
		return false
	case refused(err):
		// This profile is not sent again until it changes or the TTL
		// passes, but a newer one, arrived meanwhile, may fare better.
		return e.settle(j, version, Failed, fmt.Errorf("middleware: sync refused: %w", err), rejected, 0)
	default:
		// Not worth retrying now (a bad certificate, say), but no verdict on
		// the user either: their next request tries again.
		e.end(j, Failed, fmt.Errorf("middleware: sync failed: %w", err), absent)
		return false
	}
}

// retryLater puts j back in the queue after d, without holding a worker;
// at once if the busy user's holder finished already (see wake).
func (e *engine) retryLater(j *job, d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if j.woken {
		d, j.woken = 0, false
	}
	if !j.ended {
		j.stopTimer = e.afterFunc(d, func() { e.requeue(j) })
	}
}

func (e *engine) requeue(j *job) {
	e.mu.Lock()
	j.stopTimer = nil
	if j.ended {
		e.mu.Unlock()
		return
	}
	select {
	case e.queue <- j:
		e.mu.Unlock()
		return
	default: // unreachable: see engine
	}
	o, ok := e.endLocked(j, Dropped, ErrQueueFull, absent)
	e.mu.Unlock()
	if ok {
		e.report(j.ctx, j, o)
	}
}

// end settles j as kind, remembering the user as st (synced, rejected) or
// not at all (absent), and reports the outcome.
func (e *engine) end(j *job, kind OutcomeKind, err error, st state) {
	e.mu.Lock()
	o, ok := e.endLocked(j, kind, err, st)
	e.mu.Unlock()
	if ok {
		e.report(j.ctx, j, o)
	}
}

// endLocked settles j, once: ok is false if it had ended already. The cache
// is updated and the job leaves pending in one step under e.mu, so a request
// finds either the job or the cache entry, never neither.
func (e *engine) endLocked(j *job, kind OutcomeKind, err error, st state) (o Outcome, ok bool) {
	if j.ended {
		return Outcome{}, false
	}
	j.ended, j.err = true, err
	if j.stopTimer != nil {
		j.stopTimer()
		j.stopTimer = nil
	}
	if j.stopNotify != nil {
		j.stopNotify()
		j.stopNotify = nil
	}
	if st != absent {
		e.cache.add(e.cache.key(j.id.Identifier, j.fp), st, j.maxTTL)
	}
	delete(e.pending, j.id.Identifier)
	if !errors.Is(err, ErrClosed) {
		e.finishedLocked(j.id.Identifier) // a sync Close left is for the fleet to adopt
	}
	return Outcome{
		Kind:       kind,
		Identifier: j.id.Identifier,
		Attempts:   int(j.attempts.Load()),
		Duration:   time.Since(j.start),
		Err:        err,
		Reason:     Classify(err),
		ByFleet:    kind == Synced && j.byFleet,
	}, true
}

// report counts an ended job, logs a failure, calls the hooks, and then
// releases whoever waits for the job (Ensure, Flush, Close). j is nil for a
// job dropped before it started.
func (e *engine) report(ctx context.Context, j *job, o Outcome) {
	if j != nil {
		defer close(j.done)
	}
	switch o.Kind {
	case Synced:
		if o.ByFleet {
			e.syncedByFleet.Add(1)
		}
		if e.log.Enabled(ctx, slog.LevelDebug) {
			e.log.DebugContext(ctx, "middleware: user synced", "user", o.Identifier, "attempts", o.Attempts, "took", o.Duration, "by_fleet", o.ByFleet)
		}
	case Dropped:
		e.dropped.Add(1)
	case Superseded:
		e.superseded.Add(1)
		e.log.Debug("middleware: sync superseded", "user", o.Identifier, "err", o.Err)
	case Failed:
		e.failed.Add(1)
		// The error may quote the API's answer or a URL, with personal
		// data: it goes to Debug, the reason and status to Warn.
		e.log.Warn("middleware: sync failed", append([]any{e.userAttr(o.Identifier), "attempts", o.Attempts}, causeAttrs(o.Err)...)...)
		e.log.Debug("middleware: the error of a failed sync", "user", o.Identifier, "err", o.Err)
	}
	e.emit(ctx, o)
}

// userAttr names a user in a line logged at Info or above: by the hash of
// their identifier, unless WithLogIdentifiers.
func (e *engine) userAttr(identifier string) slog.Attr {
	if e.logIdentifiers {
		return slog.String("user", identifier)
	}
	return slog.String("user_hash", identity.ShortHash(identifier))
}

func (e *engine) emit(ctx context.Context, o Outcome) {
	for _, h := range e.onOutcome {
		h(ctx, o)
	}
}

// flush waits until every job pending now has ended.
func (e *engine) flush(ctx context.Context) error {
	e.mu.Lock()
	dones := make([]chan struct{}, 0, len(e.pending))
	for _, j := range e.pending {
		dones = append(dones, j.done)
	}
	e.mu.Unlock()
	for _, done := range dones {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// close stops intake, waits for the pending jobs to end, and stops the
// workers. If ctx ends first, it cancels what is under way, reports every
// unfinished job Dropped with ErrClosed, and returns ctx's error without
// waiting for a Directory call that ignores its context.
func (e *engine) close(ctx context.Context) error {
	e.mu.Lock()
	if e.closing {
		e.mu.Unlock()
		select {
		case <-e.closed:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e.closing = true
	e.mu.Unlock()

	err := e.flush(ctx)
	e.cancel()
	close(e.stop)
	e.breaker.close()

	e.mu.Lock()
	type ended struct {
		j *job
		o Outcome
	}
	left := make([]ended, 0, len(e.pending))
	for _, j := range e.pending {
		if o, ok := e.endLocked(j, Dropped, ErrClosed, absent); ok {
			left = append(left, ended{j, o})
		}
	}
	e.mu.Unlock()
	for _, l := range left {
		e.report(l.j.ctx, l.j, l.o)
	}
	if len(left) > 0 {
		e.log.Warn("middleware: closed before every sync ended", "dropped", len(left), "err", err)
	}
	e.settleOwed()
	e.leave()
	e.stopForgets()
	if err == nil {
		e.wg.Wait()
	}
	close(e.closed)
	return err
}

// pendingLen is how many jobs have not ended.
func (e *engine) pendingLen() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.pending)
}

func (e *engine) stats() Stats {
	e.mu.Lock()
	pending := len(e.pending)
	fullSince, storeDownSince := e.fullSince, e.storeDownSince
	e.mu.Unlock()
	paused, pauseReason, pausedSince := e.breaker.state()
	noUser, noUserBy := e.noUser.load()
	return Stats{
		Hits:          e.cache.hits(),
		NoUser:        noUser,
		NoUserBy:      noUserBy,
		Misses:        e.misses.Load(),
		Queued:        e.queued.Load(),
		Synced:        e.synced.Load(),
		SyncedByFleet: e.syncedByFleet.Load(),
		Dropped:       e.dropped.Load(),
		Failed:        e.failed.Load(),
		Superseded:    e.superseded.Load(),
		Retries:       e.retries.Load(),
		InFlight:      int(e.inFlight.Load()),
		QueueLen:      len(e.queue),
		Pending:       pending,
		Paused:        paused,

		PauseReason:    pauseReason,
		PausedSince:    pausedSince,
		QueueFull:      pending >= e.queueSize,
		QueueFullSince: fullSince,
		StoreDown:      !storeDownSince.IsZero(),
		StoreDownSince: storeDownSince,

		Cached:    e.cache.len(),
		CacheSize: int(e.cache.size),
	}
}
