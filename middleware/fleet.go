package middleware

import (
	"context"
	"errors"
	"time"
)

// What the engine owes a Store. A job that took a user's lease settles it on
// every way out: Done after a sync, Release after a failure, or Release when
// the job ends otherwise (Close cancelled it, a hook panicked). A write the
// Store could not take is retried on a timer, for about as long as a lease
// lasts, and Close makes a last try of whatever is left, so that no instance
// waits for a lease to expire while its holder is gone or done.

// writeRetryBase, writeRetryMax and maxWriteTries pace the retries of a
// failed write: 100 ms, doubling to at most 2 s, about 30 s in all.
const (
	writeRetryBase = 100 * time.Millisecond
	writeRetryMax  = 2 * time.Second
	maxWriteTries  = 20
)

// writeRetryDelay is the wait before the next try of a write that failed
// tries times.
func writeRetryDelay(tries int) time.Duration {
	return min(writeRetryBase<<min(tries-1, 10), writeRetryMax)
}

// storeWrite is a Done (done, with fp and observed) or a Release owed for
// one user.
type storeWrite struct {
	done     bool
	fp       uint64
	observed time.Time
	tries    int
	stop     func() bool // the retry timer; guarded by engine.mu
}

// lease asks the Store about the user's profile. It registers for a wake-up
// first, so that a holder finishing just after the answer still wakes the
// job, and keeps the registration only if the answer is LeaseBusy (see wake).
func (e *engine) lease(j *job, identifier string, fp uint64, observed time.Time) (Lease, time.Duration, error) {
	stop := e.notifyBusy(j, identifier)
	ctx, cancel := context.WithTimeout(j.ctx, e.attemptTimeout)
	defer cancel()
	lease, remaining, err := e.store.Lease(ctx, identifier, fp, observed)
	e.mu.Lock()
	if err == nil && lease == LeaseBusy && !j.ended {
		j.stopNotify, stop = stop, nil
	} else {
		j.wait++ // a wake-up of this registration comes too late: ignored
		j.woken = false
	}
	e.mu.Unlock()
	if stop != nil {
		stop()
	}
	return lease, remaining, err
}

// syncedAlone notes a user synced while the Store could not be asked. Other
// instances may have synced another profile of theirs meanwhile, in an
// order no lease decided, so once the Store answers again this instance
// forgets them (storeAnswered): their next request asks the Store, which
// costs no API call if the fleet agrees.
// Past the cache's size, it forgets everyone then instead.
func (e *engine) syncedAlone(identifier string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.alone) < int(e.cache.size) {
		e.alone[identifier] = struct{}{}
	} else {
		e.aloneOverflow = true
	}
}

// storeAnswered is told whether a Store call just worked, for readiness
// (Stats.StoreDown); the first that does after an outage forgets the users
// synced alone meanwhile.
func (e *engine) storeAnswered(ok bool) {
	e.mu.Lock()
	if !ok {
		if e.storeDownSince.IsZero() {
			e.storeDownSince = time.Now()
		}
		e.mu.Unlock()
		return
	}
	e.storeDownSince = time.Time{}
	if len(e.alone) == 0 {
		e.mu.Unlock()
		return
	}
	alone, overflow := e.alone, e.aloneOverflow
	e.alone, e.aloneOverflow = make(map[string]struct{}), false
	e.mu.Unlock()
	if overflow {
		e.cache.forgetAll()
		return
	}
	for id := range alone {
		e.cache.forget(e.cache.hashOf(id))
	}
}

// notifyBusy asks a StoreNotifier to wake j when identifier's lease holder
// is done, and returns the stop of that registration.
func (e *engine) notifyBusy(j *job, identifier string) (stop func()) {
	if e.notifier == nil {
		return func() {}
	}
	e.mu.Lock()
	j.wait++
	wait := j.wait
	j.woken = false
	previous := j.stopNotify
	j.stopNotify = nil
	e.mu.Unlock()
	if previous != nil {
		previous()
	}
	return e.notifier.NotifyDone(identifier, func() { e.wake(j, wait) })
}

// wake ends j's wait for a busy user at once: its holder recorded Done or
// Release. A wake-up for an earlier wait is ignored; one that comes before
// the wait began makes retryLater requeue the job at once.
func (e *engine) wake(j *job, wait uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case j.ended || wait != j.wait:
	case j.stopTimer == nil:
		j.woken = true
	case j.stopTimer():
		j.stopTimer = nil
		select {
		case e.queue <- j:
		default: // unreachable: see engine
		}
	}
}

// owe records that this instance holds identifier's lease: until the job
// settles it, Close releases it.
func (e *engine) owe(identifier string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if w := e.owed[identifier]; w != nil && w.stop != nil {
		w.stop()
	}
	e.owed[identifier] = &storeWrite{}
}

// record tells the Store how the sync went: Done after every success, even
// one that ran without the lease because Lease failed (the fleet then learns
// the user if the Store answers); Release after a failure, if this instance
// holds the lease, so another attempt need not wait for it to expire. Only
// what settles a lease is owed, and retried: a Done without one is tried
// once, since no instance waits on it. The error is the first try's: one
// wrapping ErrSuperseded says the fleet holds a newer profile or a deletion.
func (e *engine) record(identifier string, fp uint64, observed time.Time, lease bool, callErr error) error {
	switch {
	case callErr == nil && lease:
		return e.write(identifier, &storeWrite{done: true, fp: fp, observed: observed})
	case callErr == nil:
		return e.send(identifier, &storeWrite{done: true, fp: fp, observed: observed})
	case lease:
		return e.write(identifier, &storeWrite{})
	}
	return nil
}

// write makes w the user's debt and pays it, retrying later if the Store
// fails. It returns the first try's error.
func (e *engine) write(identifier string, w *storeWrite) error {
	e.mu.Lock()
	if old := e.owed[identifier]; old != nil && old.stop != nil {
		old.stop()
	}
	e.owed[identifier] = w
	e.mu.Unlock()
	err := e.send(identifier, w)
	e.paid(identifier, w, err)
	return err
}

// send makes one write, with a context of its own: a write must outlive the
// job's (Close cancels it), and the Store bounds each call itself.
func (e *engine) send(identifier string, w *storeWrite) error {
	ctx, cancel := context.WithTimeout(context.Background(), e.attemptTimeout)
	defer cancel()
	var err error
	if w.done {
		err = e.store.Done(ctx, identifier, w.fp, w.observed) // the Store logs its outages
	} else {
		err = e.store.Release(ctx, identifier)
	}
	e.storeAnswered(err == nil || errors.Is(err, ErrSuperseded))
	return err
}

// paid settles w after a write that ended with err: done, or retried after
// a backoff, unless a newer write replaced it, its tries are spent, or the
// engine is closing (Close makes the last try). A Done the Store refused
// (ErrSuperseded) is settled too, and the user forgotten: a retry that comes
// after the job cached them must not leave them cached.
func (e *engine) paid(identifier string, w *storeWrite, err error) {
	superseded := errors.Is(err, ErrSuperseded)
	if superseded {
		e.cache.forget(e.cache.hashOf(identifier))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.owed[identifier] != w:
	case err == nil || superseded || w.tries >= maxWriteTries:
		delete(e.owed, identifier)
	case !e.closing:
		w.tries++
		w.stop = e.afterFunc(writeRetryDelay(w.tries), func() { e.retryWrite(identifier, w) })
	}
}

func (e *engine) retryWrite(identifier string, w *storeWrite) {
	e.mu.Lock()
	if e.owed[identifier] != w || e.closing {
		e.mu.Unlock()
		return
	}
	w.stop = nil
	e.writing.Add(1)
	e.mu.Unlock()
	defer e.writing.Done()
	e.paid(identifier, w, e.send(identifier, w))
}

// settleOwed makes a last try of every write owed, leases held by jobs that
// Close cancelled among them, all at once: it takes at most the Store's
// timeout.
func (e *engine) settleOwed() {
	e.writing.Wait() // retries under way; closing keeps new ones from starting
	e.mu.Lock()
	owed := make(map[string]*storeWrite, len(e.owed))
	for id, w := range e.owed {
		if w.stop != nil {
			w.stop()
			w.stop = nil
		}
		owed[id] = w
	}
	e.mu.Unlock()
	done := make(chan struct{}, len(owed))
	for id, w := range owed {
		go func() {
			e.paid(id, w, e.send(id, w))
			done <- struct{}{}
		}()
	}
	for range owed {
		<-done
	}
}
