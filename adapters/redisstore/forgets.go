package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autoidentify/autoidentify/identity"
)

// The forget stream tells every instance which users were deleted. It is a
// Redis Stream, not a pub/sub channel, because a stream remembers: an
// instance whose connection was down reads on from the last entry it saw,
// and misses nothing. It keeps about forgetsKept entries; an instance that
// was away for longer than those took is told to forget everyone
// (forgetAll), since it cannot know whom it missed.
const (
	forgetsKind = "forgets"
	forgetsKept = 10_000
	forgetField = "id"
	forgetBlock = time.Second // how long one read waits for an entry
	forgetBatch = 100         // entries one read takes at most
)

// forgets reads the forget stream for the OnForget functions, from one
// goroutine per Store, started by the first OnForget.
type forgets struct {
	client   redis.UniversalClient
	key      string
	timeout  time.Duration
	cooldown time.Duration
	logger   *slog.Logger

	mu      sync.Mutex
	fs      map[*forgetter]struct{}
	started bool
	closed  bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type forgetter struct {
	forget    func(identifier string)
	forgetAll func()
}

// OnForget calls forget, from the Store's reading goroutine, with each
// identifier that any instance sharing the Store deletes (Fence), until
// stop or Close. An instance whose connection to Redis was down reads what
// it missed when it is back; if the stream no longer holds all of that
// (more than about 10 000 deletions meanwhile), it calls forgetAll instead.
// Both return quickly. It implements middleware.StoreDeleter.
func (s *Store) OnForget(forget func(identifier string), forgetAll func()) (stop func()) {
	r := &s.forgets
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return func() {}
	}
	f := &forgetter{forget: forget, forgetAll: forgetAll}
	r.fs[f] = struct{}{}
	if !r.started {
		r.started = true
		ctx, cancel := context.WithCancel(context.Background())
		r.cancel = cancel
		// Where to read from is settled now: nothing added after OnForget
		// returns is missed. If Redis does not answer, run asks again.
		last, _ := r.lastID(ctx)
		r.wg.Go(func() { r.run(ctx, last) })
	}
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.fs, f)
	}
}

// publish adds identifier to the stream, trimming it to about forgetsKept
// entries.
func (r *forgets) publish(ctx context.Context, identifier string) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	err := r.client.XAdd(ctx, &redis.XAddArgs{
		Stream: r.key, MaxLen: forgetsKept, Approx: true,
		Values: []string{forgetField, identifier},
	}).Err()
	if err != nil {
		return errors.Join(ErrUnavailable, err)
	}
	return nil
}

// run reads the stream until ctx ends: after last, the stream's end when
// it started (an instance starting has nothing to forget; "" if that could
// not be read), then after the last entry read.
func (r *forgets) run(ctx context.Context, last string) {
	missed := false // reads failed since the last one that worked
	for ctx.Err() == nil {
		if last == "" {
			id, err := r.lastID(ctx)
			if err != nil {
				r.pause(ctx)
				continue
			}
			last = id
		}
		streams, err := r.client.XRead(ctx, &redis.XReadArgs{
			Streams: []string{r.key, last}, Count: forgetBatch, Block: forgetBlock,
		}).Result()
		if err != nil && !errors.Is(err, redis.Nil) { // Nil: nothing new
			missed = true
			r.pause(ctx)
			continue
		}
		if missed {
			missed = false
			if r.trimmedPast(ctx, last) {
				if r.logger != nil {
					r.logger.LogAttrs(ctx, slog.LevelWarn, "redisstore: deletions were missed while Redis could not be read; forgetting every user")
				}
				r.each(func(f *forgetter) { f.forgetAll() })
			}
		}
		for _, st := range streams {
			for _, msg := range st.Messages {
				last = msg.ID
				// Anyone with access to Redis can add to the stream: what is
				// not an identifier never reaches the middleware.
				if id, ok := msg.Values[forgetField].(string); ok && identity.ValidateIdentifier(id) == nil {
					r.each(func(f *forgetter) { f.forget(id) })
				}
			}
		}
	}
}

// lastID is the ID of the stream's last entry, "0-0" if it has none.
func (r *forgets) lastID(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	msgs, err := r.client.XRevRangeN(ctx, r.key, "+", "-", 1).Result()
	if err != nil {
		return "", err
	}
	if len(msgs) == 0 {
		return "0-0", nil
	}
	return msgs[0].ID, nil
}

// trimmedPast reports whether entries after last were trimmed before this
// instance read them: the stream's largest deleted ID (Redis 7) comes after
// last. Where that cannot be read, it assumes so if the first entry comes
// after last.
func (r *forgets) trimmedPast(ctx context.Context, last string) bool {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	info, err := r.client.XInfoStream(ctx, r.key).Result()
	switch {
	case err == nil && info.MaxDeletedEntryID != "":
		return compareIDs(info.MaxDeletedEntryID, last) > 0
	case err == nil:
		return compareIDs(info.FirstEntry.ID, last) > 0 && last != "0-0"
	case strings.Contains(err.Error(), "no such key"):
		return false // nothing was ever added, or Redis lost it all
	}
	return true
}

// compareIDs orders two stream IDs (MS-SEQ).
func compareIDs(a, b string) int {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	an, _ := strconv.ParseUint(am, 10, 64)
	bn, _ := strconv.ParseUint(bm, 10, 64)
	if an != bn {
		if an < bn {
			return -1
		}
		return 1
	}
	asn, _ := strconv.ParseUint(as, 10, 64)
	bsn, _ := strconv.ParseUint(bs, 10, 64)
	switch {
	case asn < bsn:
		return -1
	case asn > bsn:
		return 1
	}
	return 0
}

// pause waits before reading again after a failure: the Store's cooldown,
// at least a tenth of a second.
func (r *forgets) pause(ctx context.Context) {
	t := time.NewTimer(max(r.cooldown, 100*time.Millisecond))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// each calls f for every registered forgetter, outside the lock.
func (r *forgets) each(f func(*forgetter)) {
	r.mu.Lock()
	fs := make([]*forgetter, 0, len(r.fs))
	for x := range r.fs {
		fs = append(fs, x)
	}
	r.mu.Unlock()
	for _, x := range fs {
		f(x)
	}
}

func (r *forgets) close() {
	r.mu.Lock()
	r.closed = true
	cancel := r.cancel
	r.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	r.wg.Wait()
}
