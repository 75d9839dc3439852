package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

var _ middleware.StoreDeleter = (*Store)(nil)

// fenceTTL bounds a deletion's fence: if the deleting instance dies between
// Fence and Tombstone, the user's syncs resume after it. It outlasts a
// lease (DefaultLeaseTTL) and a deletion's API call.
const fenceTTL = 30 * time.Second

// leasePoll is how often Fence looks at a lease it waits for, besides being
// woken when its holder is done.
const leasePoll = 100 * time.Millisecond

// Fence begins deleting identifier's user (middleware.Delete calls it): no
// instance syncs or records a profile observed at or before at from now
// on, the profiles observed later wait for Tombstone, and every instance's
// OnForget functions are called (through the forget stream, so that one
// that cannot hear now hears it later). It then waits until no instance
// holds the user's lease: an upsert under way finishes before the user is
// deleted, and its Done records nothing. A holder that died stops holding
// within the lease TTL. Like Done, it goes to Redis even while the Store
// cools down.
func (s *Store) Fence(ctx context.Context, identifier string, at time.Time) error {
	if identifier == "" {
		return fmt.Errorf("redisstore: fence: %w: empty", identity.ErrInvalidIdentifier)
	}
	keys := s.keys(identifier)
	reply, err := s.write(ctx, "fence", fenceScript, keys, at.UnixMicro(), fenceTTL.Milliseconds())
	if err != nil {
		return err
	}
	if err := s.forgets.publish(ctx, identifier); err != nil {
		return err
	}
	held := len(reply) == 1 && reply[0] == 1
	for held {
		woken := make(chan struct{}, 1)
		stop := s.notifier.add(keys[0], func() { woken <- struct{}{} })
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		n, err := s.client.Exists(cctx, keys[1]).Result()
		cancel()
		if err != nil {
			stop()
			return fmt.Errorf("%w: fence: waiting for the lease: %w", ErrUnavailable, err)
		}
		if held = n > 0; held {
			select {
			case <-woken:
			case <-time.After(leasePoll):
			case <-ctx.Done():
				stop()
				return fmt.Errorf("redisstore: fence: an instance still syncs the user: %w", ctx.Err())
			}
		}
		stop()
	}
	return nil
}

// Tombstone ends the deletion Fence began: profiles observed before until
// are not synced (until is the deletion's start for a plain deletion, later
// for an erasure), for as long as the fleet could still hold such a
// profile (the TTL, after until), and the instances waiting for the
// deletion to end are woken.
func (s *Store) Tombstone(ctx context.Context, identifier string, until time.Time) error {
	if identifier == "" {
		return fmt.Errorf("redisstore: tombstone: %w: empty", identity.ErrInvalidIdentifier)
	}
	ttl := max(time.Until(until), 0).Milliseconds() + s.ttlMS
	_, err := s.write(ctx, "tombstone", tombstoneScript, s.keys(identifier), until.UnixMicro(), ttl, s.notifier.channel)
	return err
}
