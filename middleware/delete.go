package middleware

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/autoidentify/autoidentify/identity"
)

// A deletion holds against every sync of the user that could undo it: one
// waiting for its next attempt ends at once (Superseded, no call), one whose
// API call is under way is waited for and ends without being remembered,
// and in a fleet the StoreDeleter does the same for every instance's, before
// the user is deleted in Engagespot. A profile observed after the deletion
// began is a returning user's: synced again, unless erased.

// fence makes the pending sync of identifier, if any, end without sending or
// remembering a profile observed at or before at. A job waiting for its next
// attempt ends now; one queued or in a worker ends at its next step, or
// after its call if one is under way. It returns the job's done channel if a
// call is under way, for the caller to wait on.
func (e *engine) fence(identifier string, at time.Time) (calling <-chan struct{}) {
	e.mu.Lock()
	j := e.pending[identifier]
	if j == nil {
		e.mu.Unlock()
		return nil
	}
	if j.fence.Before(at) {
		j.fence = at
	}
	if !j.fencedLocked() {
		e.mu.Unlock()
		return nil // a newer profile: a returning user's
	}
	if j.calling {
		e.mu.Unlock()
		return j.done
	}
	if j.stopTimer != nil && j.stopTimer() {
		j.stopTimer = nil
		o, ok := e.endLocked(j, Superseded, errDeleted, absent)
		e.mu.Unlock()
		if ok {
			e.report(j.ctx, j, o)
		}
		return nil
	}
	e.mu.Unlock()
	return nil
}

// delete deletes identifier's user everywhere, and keeps a profile
// observed before until from bringing them back (until is the deletion's
// start for a plain Delete).
func (e *engine) delete(ctx context.Context, identifier string, hold time.Duration) error {
	if err := identity.ValidateIdentifier(identifier); err != nil {
		return fmt.Errorf("middleware: delete: %w", err)
	}
	d, ok := e.dir.(DirectoryDeleter)
	if !ok {
		return fmt.Errorf("middleware: delete: the Directory (%T) cannot delete users", e.dir)
	}
	at := time.Now()
	until := at.Add(hold)
	var errs []error
	fleet, _ := e.store.(StoreDeleter)
	if fleet != nil {
		// Every lease is fenced and its holder done before the user is
		// deleted: no upsert under way anywhere can land after it.
		if err := fleet.Fence(ctx, identifier, at); err != nil {
			errs = append(errs, fmt.Errorf("middleware: delete: fencing the fleet's syncs: %w", err))
		}
	}
	if hold > 0 {
		e.mu.Lock()
		e.erased[identifier] = until
		e.mu.Unlock()
	}
	if calling := e.fence(identifier, at); calling != nil {
		select {
		case <-calling:
		case <-ctx.Done():
			return errors.Join(append(errs, fmt.Errorf("middleware: delete: waiting for the sync under way: %w", ctx.Err()))...)
		}
	}
	if err := d.DeleteUser(ctx, identifier); err != nil && !notFound(err) {
		errs = append(errs, err)
	}
	e.cache.forget(e.cache.hashOf(identifier))
	if fleet != nil {
		if err := e.tombstone(ctx, fleet, identifier, until); err != nil {
			errs = append(errs, fmt.Errorf("middleware: delete: %w", err))
		}
	}
	return errors.Join(errs...)
}

// tombstone ends the fleet's deletion, retrying as a lease's settling write
// is retried, within ctx: until it is written, the fence holds back the
// user's returning syncs.
func (e *engine) tombstone(ctx context.Context, fleet StoreDeleter, identifier string, until time.Time) error {
	for tries := 1; ; tries++ {
		err := fleet.Tombstone(ctx, identifier, until)
		if err == nil || tries >= maxWriteTries || ctx.Err() != nil {
			return err
		}
		t := time.NewTimer(writeRetryDelay(tries))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}
