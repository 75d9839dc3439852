package redisstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/middleware"
)

// The fleet syncs a user once per TTL, as one instance alone does: an
// instance whose local entry expires while the fleet's record still stands
// remembers the user only for what is left of that record. The real clock
// is the point: Redis expires the record, the middleware its entry.
func TestFleetResyncsEveryTTL(t *testing.T) {
	t.Parallel()
	// The middleware checks TTLs to the second, so a sync follows the last
	// one by a TTL plus up to a second (more on a loaded machine): at 0,
	// 2-3.5, 4-7, 6-10.5 s, 4 to 6 syncs in 11 s. Before the fix, by a TTL
	// more: at 0, 4-5, 8-10 s, 3 syncs.
	const ttl = 2 * time.Second
	const span = 4*ttl + 3*time.Second
	for _, size := range []int{1, 2} {
		t.Run(map[int]string{1: "one instance", 2: "two instances"}[size], func(t *testing.T) {
			t.Parallel()
			api := engagespottest.NewServer(t)
			srv := redistest.Start(t)
			var fleet []*instance
			for range size {
				fleet = append(fleet, newInstanceWith(t, api, srv, []middleware.Option{middleware.WithTTL(ttl)}, redisstore.WithTTL(ttl)))
			}
			for start := time.Now(); time.Since(start) < span; {
				for _, in := range fleet {
					in.serve("ann")
				}
				time.Sleep(5 * time.Millisecond)
			}
			for _, in := range fleet {
				in.flush(t)
			}
			calls := api.CallsFor("ann")
			t.Logf("%d API calls over %v with TTL %v", calls, span, ttl)
			assert.GreaterOrEqual(t, calls, 4, "a sync per TTL (and a second), not per two TTLs")
			assert.LessOrEqual(t, calls, 6, "one sync per TTL for the whole fleet")
		})
	}
}
