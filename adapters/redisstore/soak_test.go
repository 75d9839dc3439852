package redisstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/middleware"
)

// soakEnv runs TestSoak for the duration it holds (e.g. 3m); the default
// suite skips it.
const soakEnv = "AUTOIDENTIFY_SOAK"

// TestSoak runs a fleet of three instances against churn (profiles that
// change, users deleted who come back), API faults (5xx, 429 with
// Retry-After, slow answers) and Redis restarts, then checks that nothing
// was lost and nothing is stale: every user is in Engagespot with the
// profile they last showed, or deleted if a deletion was the last word,
// and every job ended exactly once.
//
//	AUTOIDENTIFY_SOAK=3m go test -run TestSoak -v ./adapters/redisstore
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv(soakEnv))
	if err != nil {
		t.Skipf("set %s to a duration (at most 5m) to run the soak", soakEnv)
	}
	d = min(d, 5*time.Minute)
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)

	const nUsers, nInstances = 300, 3
	var outcomes [nInstances]map[middleware.OutcomeKind]*atomic.Int64
	var fleet []*instance
	for i := range nInstances {
		outcomes[i] = map[middleware.OutcomeKind]*atomic.Int64{}
		for _, k := range []middleware.OutcomeKind{middleware.Synced, middleware.Dropped, middleware.Failed, middleware.Superseded} {
			outcomes[i][k] = new(atomic.Int64)
		}
		count := middleware.WithOutcomeHook(func(_ context.Context, o middleware.Outcome) { outcomes[i][o.Kind].Add(1) })
		fleet = append(fleet, newInstanceWith(t, api, srv, []middleware.Option{
			count, middleware.WithBackoff(50*time.Millisecond, time.Second), middleware.WithPause(20, 500*time.Millisecond),
		}, redisstore.WithCooldown(200*time.Millisecond)))
	}

	// What each user last showed: their email's version, or deleted.
	type user struct {
		mu      sync.Mutex
		version int
		deleted bool
	}
	ids := users(0, nUsers)
	state := make([]*user, nUsers)
	for i := range state {
		state[i] = &user{}
	}
	email := func(i, v int) string { return fmt.Sprintf("%s.v%d@example.com", ids[i], v) }

	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	var wg sync.WaitGroup
	var requests, changes, deletes, restarts atomic.Int64
	for w := range 8 {
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		wg.Go(func() {
			for ctx.Err() == nil {
				i := rng.IntN(nUsers)
				u := state[i]
				in := fleet[rng.IntN(nInstances)]
				// Each user's actions happen in order: requests show the
				// profile the user has now.
				u.mu.Lock()
				switch p := rng.IntN(100); {
				case p < 3:
					dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
					if err := in.m.Delete(dctx, ids[i]); err == nil {
						u.deleted = true
						deletes.Add(1)
					}
					dcancel()
				case p < 10:
					u.version++
					u.deleted = false
					changes.Add(1)
					in.serveAs(ids[i], email(i, u.version))
				default:
					u.deleted = false
					in.serveAs(ids[i], email(i, u.version))
				}
				u.mu.Unlock()
				requests.Add(1)
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Go(func() { // the API misbehaves now and then
		rng := rand.New(rand.NewPCG(99, 1))
		for ctx.Err() == nil {
			switch rng.IntN(4) {
			case 0:
				api.FailNext(1+rng.IntN(20), http.StatusServiceUnavailable)
			case 1:
				api.RateLimit(1+rng.IntN(10), "1")
			case 2:
				api.SetLatency(time.Duration(rng.IntN(300)) * time.Millisecond)
			default:
				api.SetLatency(0)
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
		api.ClearFaults()
		api.SetLatency(0)
	})
	wg.Go(func() { // and Redis restarts, losing everything
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(15 * time.Second):
			}
			srv.Restart()
			restarts.Add(1)
		}
	})
	wg.Wait()
	reconnected(t, fleet...)

	// The last word: every user not deleted shows their profile once more,
	// as a user would on their next request, and the fleet settles.
	for i, u := range state {
		if !u.deleted {
			fleet[i%nInstances].serveAs(ids[i], email(i, u.version))
		}
	}
	// A user a failed job left behind needs one more request, as in
	// production; a stale cache or record would keep them wrong however
	// many.
	rounds, firstWrong := 0, -1
	for ; rounds < 20; rounds++ {
		for _, in := range fleet {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			assert.NoError(t, in.m.Flush(ctx), "the fleet settles")
			cancel()
		}
		wrong := 0
		for i, u := range state {
			got, ok := api.User(ids[i])
			if u.deleted == ok || (ok && got.Email() != email(i, u.version)) {
				wrong++
				if !u.deleted {
					fleet[i%nInstances].serveAs(ids[i], email(i, u.version))
				}
			}
		}
		if firstWrong < 0 {
			firstWrong = wrong
		}
		if wrong == 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	lost, stale := 0, 0
	for i, u := range state {
		got, ok := api.User(ids[i])
		var wrong string
		switch {
		case u.deleted && ok:
			stale++
			wrong = "deleted, yet in Engagespot with " + got.Email()
		case !u.deleted && !ok:
			lost++
			wrong = "not in Engagespot"
		case ok && got.Email() != email(i, u.version):
			stale++
			wrong = "in Engagespot with " + got.Email()
		}
		if wrong != "" {
			rec, err := fleet[0].store.Lookup(t.Context(), ids[i])
			t.Logf("%s (v%d, deleted %v): %s; the Store: %+v %v", ids[i], u.version, u.deleted, wrong, rec, err)
		}
	}
	var ended, queued int64
	for i, in := range fleet {
		s := in.m.Stats()
		assert.Zero(t, s.Pending, "instance %d settled", i)
		var n int64
		for _, c := range outcomes[i] {
			n += c.Load()
		}
		assert.EqualValues(t, s.Queued, n, "instance %d: every job ended exactly once", i)
		ended += n
		queued += int64(s.Queued)
	}
	t.Logf("%s: %d requests, %d profile changes, %d deletions, %d Redis restarts, %d API calls, %d jobs, %d outcomes; %d users behind after the first flush, settled after %d more requests each; lost %d, stale %d",
		d, requests.Load(), changes.Load(), deletes.Load(), restarts.Load(), api.Calls(), queued, ended, firstWrong, rounds, lost, stale)
	assert.Zero(t, lost, "users lost")
	assert.Zero(t, stale, "stale profiles")
}
