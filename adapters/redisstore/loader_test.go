package redisstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/redisstore/redistest"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// appDatabase is the profiles table a fleet's instances share.
type appDatabase struct {
	mu     sync.Mutex
	emails map[string]string
	loads  int
}

func (db *appDatabase) set(identifier, email string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.emails[identifier] = email
}

func (db *appDatabase) load(_ context.Context, id identity.Identity) (identity.Profile, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.loads++
	return identity.Profile{Email: db.emails[id.Identifier]}, nil
}

// Instance A syncs the profile it loaded and is held at the API; the app
// changes the profile and instance B is told to Reload; A is released. The
// newer profile lands last, and the fleet records it: a third instance finds
// the user synced without a call.
func TestFleetReloadAfterAnOlderLoadLandsLast(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	srv := redistest.Start(t)
	db := &appDatabase{emails: map[string]string{"ann": "ann@old.example"}}
	loader := []middleware.Option{middleware.WithProfileLoader(db.load)}
	a := newInstanceWith(t, api, srv, loader)
	b := newInstanceWith(t, api, srv, loader)

	api.Hang()
	tokenOnly := identity.Identity{Identifier: "ann"}
	go func() { _ = a.m.Ensure(context.Background(), tokenOnly) }()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, api.WaitHeld(ctx, 1)) // A holds the lease, with the old email on its way

	db.set("ann", "ann@new.example")
	reloaded := make(chan error, 1)
	go func() { reloaded <- b.m.Reload(ctx, "ann") }()
	require.Eventually(t, func() bool { return b.m.Stats().Pending == 1 }, 10*time.Second, time.Millisecond)
	api.Release()
	require.NoError(t, <-reloaded)
	a.flush(t)

	u, ok := api.User("ann")
	require.True(t, ok)
	assert.Equal(t, "ann@new.example", u.Profile().Email, "the profile loaded after the change lands last")
	assert.Equal(t, 2, api.Calls())

	c := newInstanceWith(t, api, srv, loader)
	require.NoError(t, c.m.Ensure(ctx, tokenOnly))
	assert.Equal(t, 2, api.Calls(), "the fleet recorded the loaded profile: another instance loads it and finds it synced")
}
