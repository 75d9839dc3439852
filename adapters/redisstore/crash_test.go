package redisstore_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/redisstore"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/middleware"
)

// The environment of TestInstanceProcess, the child process that
// TestSurvivorSyncsWhatAKilledInstanceQueued runs and kills.
const (
	childEnv      = "AUTOIDENTIFY_TEST_INSTANCE"
	childRedis    = "AUTOIDENTIFY_TEST_REDIS"
	childAPI      = "AUTOIDENTIFY_TEST_API"
	childAPIKey   = "AUTOIDENTIFY_TEST_API_KEY"
	childSecret   = "AUTOIDENTIFY_TEST_API_SECRET"
	childUsers    = "AUTOIDENTIFY_TEST_USERS"
	childReadyMsg = "queued"
)

// An instance with 500 users queued (4 workers, an API answering in 200 ms)
// is killed with SIGKILL. Before, the users it had not synced waited for
// their own next request; now a survivor syncs all of them, with no
// request, and the dead instance's leases hold back none of them for long.
func TestSurvivorSyncsWhatAKilledInstanceQueued(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	api.SetLatency(200 * time.Millisecond)
	srv := redistest.Start(t)
	const n = 500

	child := exec.Command(os.Args[0], "-test.run=^TestInstanceProcess$", "-test.count=1")
	child.Env = append(os.Environ(), childEnv+"=1", childRedis+"="+srv.Addr(), childAPI+"="+api.URL(),
		childAPIKey+"="+api.APIKey, childSecret+"="+api.APISecret, childUsers+"="+strconv.Itoa(n))
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	child.Stderr = os.Stderr
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == childReadyMsg {
				ready <- true
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		require.True(t, ok, "the instance process ended before it queued its users")
	case <-time.After(time.Minute):
		t.Fatal("the instance process never queued its users")
	}
	require.NoError(t, child.Process.Kill()) // SIGKILL: nothing is settled, nothing released
	_ = child.Wait()
	killedAt, before := time.Now(), len(api.Identifiers())
	t.Logf("killed with %d of %d users synced", before, n)
	require.Less(t, before, n/2, "the instance was killed with most of its users queued")

	// A survivor that no user's request reaches.
	newInstance(t, api, srv)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for len(api.Identifiers()) < n {
		select {
		case <-ctx.Done():
			t.Fatalf("after %s, %d of %d users synced", time.Since(killedAt).Round(time.Second), len(api.Identifiers()), n)
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Logf("the survivor synced the other %d users within %s of the kill", n-before, time.Since(killedAt).Round(100*time.Millisecond))
	assert.Len(t, api.Identifiers(), n)
}

// TestInstanceProcess is the instance TestSurvivorSyncsWhatAKilledInstanceQueued
// kills: it queues its users, says so on standard output, and waits.
func TestInstanceProcess(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("run by TestSurvivorSyncsWhatAKilledInstanceQueued")
	}
	client := redis.NewClient(&redis.Options{Addr: os.Getenv(childRedis), ContextTimeoutEnabled: true})
	store, err := redisstore.New(client, redisstore.WithLogger(nil))
	require.NoError(t, err)
	dir, err := engagespot.New(os.Getenv(childAPIKey), os.Getenv(childSecret), engagespot.WithBaseURL(os.Getenv(childAPI)))
	require.NoError(t, err)
	m, err := middleware.New(dir, middleware.WithStore(store), middleware.WithLogger(nil), middleware.WithWorkers(4))
	require.NoError(t, err)
	h := signedInHandler(m)
	n, _ := strconv.Atoi(os.Getenv(childUsers))
	for _, id := range users(0, n) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("X-User", id)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	// What was accepted reaches the Store within a tenth of a second.
	require.Eventually(t, func() bool {
		return pendingIn(client)+m.Stats().Synced >= uint64(n)
	}, 10*time.Second, 10*time.Millisecond)
	fmt.Println(childReadyMsg)
	select {} // until killed
}

// pendingIn counts the pending syncs recorded in Redis, of every instance.
func pendingIn(client *redis.Client) uint64 {
	ctx := context.Background()
	keys, _ := client.Keys(ctx, "autoidentify:pending:*").Result()
	var total uint64
	for _, k := range keys {
		n, _ := client.HLen(ctx, k).Result()
		total += uint64(n)
	}
	return total
}
