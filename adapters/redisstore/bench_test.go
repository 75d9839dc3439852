package redisstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
	"github.com/stretchr/testify/require"
)

var benchRun atomic.Int64 // every run uses new users, never synced before

// benchTimeout keeps a slow round trip on a busy machine from tripping the
// breaker mid-benchmark, which would time local-only mode instead.
var benchTimeout = redisstore.WithTimeout(10 * time.Second)

// BenchmarkLocalMiss is what a user the instance has not seen costs the
// background: Ensure waits for the whole sync of one new user, through the
// queue and a worker to the Directory. The Directory is in memory, so the
// difference between the two is the Store alone: Claim's round trip before
// the call and Done's after it. The request path is the same in both: it
// never touches the Store.
func BenchmarkLocalMiss(b *testing.B) {
	srv := redistest.Start(b)
	for _, mode := range []string{"local-only", "redis"} {
		b.Run(mode, func(b *testing.B) {
			var opts []middleware.Option
			if mode == "redis" {
				opts = append(opts, middleware.WithStore(newStore(b, srv, benchTimeout)))
			}
			dir, err := memory.New()
			require.NoError(b, err)
			m, err := middleware.New(dir, opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close(context.Background())
			prefix := "bench-" + strconv.FormatInt(benchRun.Add(1), 10) + "-"
			ctx := b.Context()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := m.Ensure(ctx, identity.Identity{Identifier: prefix + strconv.Itoa(i)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStore is one call of each kind on a loopback Redis: the round
// trip and the script, without the middleware.
func BenchmarkStore(b *testing.B) {
	srv := redistest.Start(b)
	s := newStore(b, srv, benchTimeout)
	ctx := b.Context()
	b.Run("Claim/new", func(b *testing.B) {
		b.ReportAllocs()
		prefix := "claim-" + strconv.FormatInt(benchRun.Add(1), 10) + "-"
		i := 0
		for b.Loop() {
			i++
			if _, _, err := s.Lease(ctx, prefix+strconv.Itoa(i), 1, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Claim/synced", func(b *testing.B) {
		if err := s.Done(ctx, "synced", 1, time.Now()); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if c, _, err := s.Lease(ctx, "synced", 1, time.Now()); err != nil || c != middleware.LeaseSynced {
				b.Fatal(c, err)
			}
		}
	})
	b.Run("Done", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Done(ctx, "done", 1, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
