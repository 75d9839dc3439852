package middleware

import (
	"context"
	"time"

	"github.com/autoidentify/autoidentify/identity"
)

// With a StoreQueue, the syncs this instance accepted outlive it: the
// engine tells the Store which jobs started and which ended, in batches from
// one goroutine (the request path only writes a map entry under the lock it
// takes anyway to start a job), and now and then adopts the syncs of
// instances that stopped telling the fleet they are alive. A job that Close
// ends unfinished stays recorded, for another instance to adopt at once.
const (
	trackInterval = 100 * time.Millisecond // how often what changed goes to the Store
	aliveInterval = time.Second            // the longest between two Track calls: how the fleet knows this instance lives
	adoptInterval = 2 * time.Second        // how often this instance looks for syncs left by dead ones
)

// trackLocked records that j's sync, with its current profile, is pending.
func (e *engine) trackLocked(j *job) {
	if e.queueStore != nil {
		e.tracked[j.id.Identifier] = &PendingSync{User: j.id, Observed: j.observed}
	}
}

// finishedLocked records that identifier's sync is no longer pending here.
// While the Store cannot take the news (an outage), past a bound of four
// queues' worth, a finished sync is left unsaid: the Store then keeps it as
// pending, and at worst an instance that adopts it asks the Store, which
// answers synced, without an API call. The news kept stays bounded.
func (e *engine) finishedLocked(identifier string) {
	if e.queueStore == nil {
		return
	}
	if _, ok := e.tracked[identifier]; ok || len(e.tracked) < 4*e.queueSize {
		e.tracked[identifier] = nil
	}
}

// track runs until Close: it sends what changed, says this instance lives,
// and adopts what dead instances left.
func (e *engine) track() {
	t := time.NewTicker(trackInterval)
	defer t.Stop()
	var alive, adopted time.Time
	for {
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			if e.sendTracked(now.Sub(alive) >= aliveInterval) {
				alive = now
			}
			if now.Sub(adopted) >= adoptInterval {
				adopted = now
				e.adopt()
			}
		}
	}
}

// sendTracked sends what changed since the last call, if anything did or
// force is set, and reports whether the Store took it. What it could not
// take is sent again with the next batch, unless newer news replaced it.
func (e *engine) sendTracked(force bool) bool {
	e.trackMu.Lock()
	defer e.trackMu.Unlock()
	e.mu.Lock()
	if e.left || (len(e.tracked) == 0 && !force) {
		e.mu.Unlock()
		return false
	}
	batch := e.tracked
	e.tracked = make(map[string]*PendingSync, len(batch))
	e.mu.Unlock()

	var accepted []PendingSync
	var finished []string
	for id, p := range batch {
		if p == nil {
			finished = append(finished, id)
		} else {
			accepted = append(accepted, *p)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.attemptTimeout)
	defer cancel()
	err := e.queueStore.Track(ctx, accepted, finished)
	e.storeAnswered(err == nil)
	if err != nil {
		e.mu.Lock()
		for id, p := range batch {
			if _, newer := e.tracked[id]; !newer {
				e.tracked[id] = p
			}
		}
		e.mu.Unlock()
		return false // the Store logs its outages
	}
	return true
}

// adopt starts the syncs dead instances left, as many as the queue has room
// for; the rest wait for the next round.
func (e *engine) adopt() {
	e.mu.Lock()
	room := e.queueSize - len(e.pending)
	e.mu.Unlock()
	if room <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(e.ctx, e.attemptTimeout)
	defer cancel()
	syncs, err := e.queueStore.Adopt(ctx, room)
	if err != nil || len(syncs) == 0 {
		return
	}
	e.log.Info("middleware: syncing what a stopped instance left", "users", len(syncs))
	for _, p := range syncs {
		if identity.ValidateIdentifier(p.User.Identifier) != nil {
			e.mu.Lock()
			e.finishedLocked(p.User.Identifier)
			e.mu.Unlock()
			continue // not one of ours: nothing acts on it
		}
		fp := p.User.Profile.Fingerprint()
		j, err := e.submit(e.ctx, p.User, fp, e.cache.key(p.User.Identifier, fp), p.Observed, requested)
		if j == nil && err == nil {
			// Nothing to do (synced already, or erased): no longer ours.
			e.mu.Lock()
			e.finishedLocked(p.User.Identifier)
			e.mu.Unlock()
		}
	}
}

// leave sends what changed one last time and tells the fleet this instance
// is gone, so that another one adopts at once what Close left unfinished.
func (e *engine) leave() {
	if e.queueStore == nil {
		return
	}
	e.sendTracked(true)
	e.trackMu.Lock()
	defer e.trackMu.Unlock()
	e.mu.Lock()
	e.left = true
	e.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), e.attemptTimeout)
	defer cancel()
	_ = e.queueStore.Leave(ctx)
}
