package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
	"github.com/autoidentify/autoidentify/middleware"
)

var (
	_ middleware.Store         = (*Store)(nil)
	_ middleware.StoreNotifier = (*Store)(nil)
)

// Store is the fleet's shared synced-users state on Redis: a
// middleware.Store. It is safe for concurrent use.
//
// # Contract with the middleware
//
//   - Lease answers LeaseSynced (the fleet synced this user with this
//     fingerprint: skip the API, and remember the user no longer than the
//     record's remaining time, which it returns), LeaseSuperseded (a newer
//     profile or a later deletion is recorded: do not send this one),
//     LeaseAcquired (this instance now holds the user's lease: sync, then
//     call Done on success or Release on failure), or LeaseBusy (another
//     instance holds the lease: ask again later; the lease expires by
//     itself if that instance died).
//   - Done records the fingerprint for the TTL, unless superseded, and
//     drops the lease if it is ours. Call it after every successful sync,
//     including one that ran without a lease because Lease failed.
//   - Release drops the lease if it is still ours, so a retry (here or on
//     another instance) need not wait for it to expire.
//
// # Failure
//
// Each call is bounded by the timeout. When Redis errors or times out the
// methods return an error wrapping ErrUnavailable, and the caller proceeds
// local-only: it syncs as if it had no fleet (a rare double sync is harmless,
// a lost user is not). Lease then also returns LeaseAcquired, so even a
// caller that ignored the error would sync. After a failure the Store skips
// Redis for the cooldown, answering ErrUnavailable without any network wait,
// then lets one call probe it. It logs once when it goes local-only and once
// when Redis is back. When the caller's own context ends first, the error
// wraps ctx.Err() instead and says nothing about Redis.
type Store struct {
	client   redis.UniversalClient
	prefix   string
	ttlMS    int64
	leaseMS  int64
	timeout  time.Duration
	logger   *slog.Logger
	token    string // names this Store's leases, so it drops only its own
	bounded  bool   // the client itself stops a command at the context's deadline
	breaker  breaker
	notifier notifier
	forgets  forgets
	leases   leases
	dials    *dialWatch
	randN    func(int64) int64
}

// New returns a Store on client, which the application owns (and closes).
// Create the client with ContextTimeoutEnabled: true, so a command that
// times out also stops using its connection: the Store returns at its
// timeout either way. New adds a hook to the client that only watches its
// connections fail, so that a call that times out while go-redis retries a
// refused connection says so (instead of "context deadline exceeded").
func New(client redis.UniversalClient, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("redisstore: %w", options.Error("Client", "nil"))
	}
	if _, ok := client.(*redis.Ring); ok {
		// A Ring shards keys by itself: a user's record lives on one shard
		// while the pub/sub, the forget stream and the pending syncs live
		// on others, and no script can see them together.
		return nil, fmt.Errorf("redisstore: %w", options.Error("Client", "a *redis.Ring is not supported: it shards keys without Redis knowing, so the fleet's notices miss the shards that need them; use a Redis Cluster (redis.NewClusterClient) or one server with replicas (redis.NewFailoverClient)"))
	}
	cfg := defaultConfig()
	if err := options.Apply(&cfg, opts); err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	routeRedisLog(cfg.logger)
	dials := new(dialWatch)
	client.AddHook(dials) // observes only: carries a failed dial's cause into the Store's errors
	s := &Store{
		dials:   dials,
		client:  client,
		prefix:  cfg.prefix,
		ttlMS:   cfg.ttl.Milliseconds(),
		leaseMS: cfg.leaseTTL.Milliseconds(),
		timeout: cfg.timeout,
		logger:  cfg.logger,
		token:   rand.Text(),
		bounded: honoursContext(client),
		breaker: breaker{cooldown: cfg.cooldown, now: cfg.now},
		notifier: notifier{
			client: client, channel: cfg.prefix + channelKind,
			timeout: cfg.timeout, cooldown: cfg.cooldown, now: cfg.now,
		},
		forgets: forgets{
			client: client, key: cfg.prefix + forgetsKind, fs: make(map[*forgetter]struct{}),
			timeout: cfg.timeout, cooldown: cfg.cooldown, logger: cfg.logger,
		},
		randN: cfg.randN,
	}
	s.leases = leases{every: max(cfg.leaseTTL/3, time.Millisecond), held: make(map[string]time.Time), stop: make(chan struct{})}
	s.leases.renew = s.renewLeases
	return s, nil
}

// Lease tells in one round trip whether the fleet already synced identifier
// with this fingerprint, or recorded a newer profile or a deletion, and if
// neither, tries to take the user's lease, which the Store then renews
// while the sync runs (see leases). With LeaseSynced it also says how long
// the fleet's record lasts, with LeaseSuperseded how long the user stays
// erased. With an error it returns LeaseAcquired: sync local-only.
func (s *Store) Lease(ctx context.Context, identifier string, fingerprint uint64, observed time.Time) (middleware.Lease, time.Duration, error) {
	if identifier == "" {
		return middleware.LeaseAcquired, 0, fmt.Errorf("redisstore: lease: %w: empty", identity.ErrInvalidIdentifier)
	}
	keys := s.keys(identifier)
	reply, err := s.run(ctx, "lease", leaseScript, keys,
		formatFingerprint(fingerprint), observed.UnixMicro(), s.token, s.leaseMS, time.Now().UnixMicro())
	if err != nil {
		return middleware.LeaseAcquired, 0, err
	}
	if len(reply) == 2 {
		ms := time.Duration(max(reply[1], 0)) * time.Millisecond
		switch reply[0] {
		case replyAcquired:
			s.leases.hold(keys[1])
			return middleware.LeaseAcquired, 0, nil
		case replySynced:
			return middleware.LeaseSynced, ms, nil
		case replyBusy:
			return middleware.LeaseBusy, 0, nil
		case replySuperseded:
			return middleware.LeaseSuperseded, ms, nil
		}
	}
	return middleware.LeaseAcquired, 0, fmt.Errorf("redisstore: lease: unexpected reply %v", reply)
}

// Done records that identifier was synced with the profile of this
// fingerprint, observed then, for the TTL (less up to a tenth, at random, so
// that users synced together are not all synced again together), and drops
// the lease if this Store holds it. One round trip. If the record holds a
// deletion that began later, it records nothing and returns an error
// wrapping middleware.ErrSuperseded. If it holds a profile observed later,
// or the lease this sync took was lost meanwhile (Redis restarted), so does
// it, and this upsert may have landed after another's: the record is
// deleted and every instance forgets the user, so that their next request
// syncs the newest profile again. Done goes to Redis even while the
// Store cools down after a failure (see write).
func (s *Store) Done(ctx context.Context, identifier string, fingerprint uint64, observed time.Time) error {
	if identifier == "" {
		return fmt.Errorf("redisstore: done: %w: empty", identity.ErrInvalidIdentifier)
	}
	keys := s.keys(identifier)
	held := 0
	if s.leases.drop(keys[1]) {
		held = 1
	}
	reply, err := s.write(ctx, "done", doneScript, keys,
		formatFingerprint(fingerprint), observed.UnixMicro(), s.token, s.recordTTL(), s.notifier.channel, held)
	switch {
	case err != nil || len(reply) != 1 || reply[0] == 1:
		return err
	case reply[0] == 2:
		_ = s.forgets.publish(ctx, identifier) // at worst an instance syncs the newer profile at its TTL
		return fmt.Errorf("redisstore: done: %w: the fleet recorded a newer profile, or this sync lost its lease", middleware.ErrSuperseded)
	}
	return fmt.Errorf("redisstore: done: %w: the user was deleted after this profile was observed", middleware.ErrSuperseded)
}

// recordTTL is the TTL of a record written now, in ms: the TTL less up to a
// tenth of it, by the rule of the middleware's own cache.
func (s *Store) recordTTL() int64 { return s.ttlMS - s.randN(s.ttlMS/10+1) }

// Release drops identifier's lease if this Store still holds it; a lease
// that expired and was taken by another instance is left alone. Like Done,
// it goes to Redis even while the Store cools down.
func (s *Store) Release(ctx context.Context, identifier string) error {
	if identifier == "" {
		return fmt.Errorf("redisstore: release: %w: empty", identity.ErrInvalidIdentifier)
	}
	keys := s.keys(identifier)
	defer s.leases.drop(keys[1])
	_, err := s.write(ctx, "release", releaseScript, keys, s.token, s.notifier.channel)
	return err
}

// run executes script within the timeout, through the breaker. The reply is
// the script's integers: one, or the items of a table.
func (s *Store) run(ctx context.Context, op string, script *redis.Script, keys []string, args ...any) ([]int64, error) {
	ok, probe := s.breaker.admit()
	if !ok {
		return nil, fmt.Errorf("%w: %s: cooling down after a failure", ErrUnavailable, op)
	}
	return s.call(ctx, op, probe, script, keys, args)
}

// write executes a write that settles a sync (Done, Release) within the
// timeout, even while the breaker is open and cooling down: skipping it would
// strand the lease, and another instance would wait for it to expire. While
// it is open such writes go one at a time (the others fail at once, and the
// middleware retries them), and the first that succeeds closes it.
func (s *Store) write(ctx context.Context, op string, script *redis.Script, keys []string, args ...any) ([]int64, error) {
	ok, open := s.breaker.admitWrite()
	if !ok {
		return nil, fmt.Errorf("%w: %s: another write is testing Redis", ErrUnavailable, op)
	}
	reply, err := s.call(ctx, op, false, script, keys, args)
	if open && s.breaker.wrote(err == nil) {
		s.logBack(ctx)
	}
	return reply, err
}

// call executes script within the timeout and tells the breaker how it went:
// probe says whether its success closes it.
func (s *Store) call(ctx context.Context, op string, probe bool, script *redis.Script, keys []string, args []any) ([]int64, error) {
	start := time.Now()
	callCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	reply, err := s.eval(callCtx, script, keys, args)
	if cause := s.dials.cause(start); err != nil && cause != nil {
		err = fmt.Errorf("%w (connecting: %w)", err, cause)
	}
	switch {
	case err == nil:
		if s.breaker.succeeded(probe) {
			s.logBack(ctx)
		}
		return reply, nil
	case ctx.Err() != nil:
		s.breaker.abandoned(probe)
		return nil, fmt.Errorf("redisstore: %s: %w", op, ctx.Err())
	default:
		if s.breaker.failed(probe) && s.logger != nil {
			s.logger.LogAttrs(ctx, slog.LevelWarn, "redis unavailable, syncing local-only",
				slog.String("error", err.Error()))
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
	}
}

func (s *Store) logBack(ctx context.Context) {
	if s.logger != nil {
		s.logger.LogAttrs(ctx, slog.LevelInfo, "redis back, shared mode resumed")
	}
}

// eval runs script and returns by ctx's deadline. A client that does not
// honour deadlines itself keeps reading in the background until its own
// ReadTimeout, in a goroutine that then ends.
func (s *Store) eval(ctx context.Context, script *redis.Script, keys []string, args []any) ([]int64, error) {
	if s.bounded {
		return integers(script.Run(ctx, s.client, keys, args...))
	}
	type result struct {
		reply []int64
		err   error
	}
	done := make(chan result, 1)
	go func() {
		reply, err := integers(script.Run(ctx, s.client, keys, args...))
		done <- result{reply, err}
	}()
	select {
	case r := <-done:
		return r.reply, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// integers reads a script's reply: an integer, or a table of them.
func integers(cmd *redis.Cmd) ([]int64, error) {
	if n, err := cmd.Int64(); err == nil {
		return []int64{n}, nil
	}
	return cmd.Int64Slice()
}

// honoursContext reports whether client stops a command at its context's
// deadline (ContextTimeoutEnabled), rather than at its own ReadTimeout.
func honoursContext(client redis.UniversalClient) bool {
	switch c := client.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	}
	return false
}

// Record is what the fleet knows of one user (Store.Lookup).
type Record struct {
	Synced      bool          // a sync is recorded
	Fingerprint uint64        // the profile's, when Synced
	Observed    time.Time     // when Synced: when that profile was observed; when Deleted: until when older profiles are refused
	Deleted     bool          // deleted (or being deleted: Fence without Tombstone yet)
	Remaining   time.Duration // until the record expires, when Synced or Deleted
	Leased      bool          // an instance holds the user's lease: a sync is under way
}

// Lookup reads identifier's record and lease, for tools (the autoidentify
// command's status); the middleware never needs it.
func (s *Store) Lookup(ctx context.Context, identifier string) (Record, error) {
	keys := s.keys(identifier)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	pipe := s.client.Pipeline()
	value := pipe.Get(ctx, keys[0])
	ttl := pipe.PTTL(ctx, keys[0])
	lease := pipe.Exists(ctx, keys[1])
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Record{}, fmt.Errorf("%w: lookup: %w", ErrUnavailable, err)
	}
	var r Record
	if v, err := value.Result(); err == nil {
		kind, stamp, _ := strings.Cut(v, ":")
		us, _ := strconv.ParseInt(stamp, 10, 64)
		r.Observed = time.UnixMicro(us)
		r.Remaining = max(ttl.Val(), 0)
		switch kind {
		case "deleting", "deleted":
			r.Deleted = true
		default:
			r.Synced = true
			r.Fingerprint, _ = strconv.ParseUint(kind, 16, 64)
		}
	}
	r.Leased = lease.Val() > 0
	return r, nil
}

// Count counts the users the fleet has a record of, scanning the Store's
// keys (on every primary of a cluster): for tools, not for a request path.
func (s *Store) Count(ctx context.Context) (int, error) {
	match := s.prefix + syncedKind + "*"
	count := func(ctx context.Context, c redis.UniversalClient) (int, error) {
		n := 0
		iter := c.Scan(ctx, 0, match, 1000).Iterator()
		for iter.Next(ctx) {
			n++
		}
		return n, iter.Err()
	}
	if cluster, ok := s.client.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		total := 0
		err := cluster.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			n, err := count(ctx, c)
			mu.Lock()
			total += n
			mu.Unlock()
			return err
		})
		return total, err
	}
	return count(ctx, s.client)
}

// TTL is how long a sync is recorded (WithTTL).
func (s *Store) TTL() time.Duration { return time.Duration(s.ttlMS) * time.Millisecond }
