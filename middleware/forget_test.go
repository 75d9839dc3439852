package middleware_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/middleware"
)

// A user deleted in Engagespot and forgotten is created again by their next
// request.
func TestForgetSyncsTheUserAgain(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	c := client(t, srv)
	m := newMiddleware(t, c)
	h := m.Handler(echo)
	ann, bob := user("ann", "ann@example.com"), user("bob", "bob@example.com")

	serve(h, &ann)
	serve(h, &bob)
	flush(t, m)
	require.Equal(t, 2, srv.Calls())
	require.NoError(t, c.DeleteUser(t.Context(), "ann"))
	_, ok := srv.User("ann")
	require.False(t, ok)

	m.Forget("ann")
	serve(h, &ann)
	serve(h, &bob)
	flush(t, m)

	_, ok = srv.User("ann")
	assert.True(t, ok, "created again")
	assert.Equal(t, []string{http.MethodPut, http.MethodDelete, http.MethodPut}, methods(srv, "ann"),
		"one more upsert for the forgotten user")
	assert.Equal(t, 1, srv.CallsFor("bob"), "the others stay synced")
	assert.Equal(t, uint64(1), m.Stats().Hits)
}

// A profile Engagespot refused is not sent again, unless the user is
// forgotten.
func TestForgetDropsARefusal(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	h := m.Handler(echo)
	ann := user("ann", "ann@example.com")
	srv.FailUser("ann", 1, http.StatusUnprocessableEntity)

	serve(h, &ann)
	flush(t, m)
	serve(h, &ann)
	flush(t, m)
	require.Equal(t, 1, srv.Calls(), "the refusal is remembered")

	m.Forget("ann")
	serve(h, &ann)
	flush(t, m)

	assert.Equal(t, 2, srv.Calls())
	_, ok := srv.User("ann")
	assert.True(t, ok)
}

func TestForgettingAnUnknownUserDoesNothing(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	h := m.Handler(echo)
	ann := user("ann", "ann@example.com")
	serve(h, &ann)
	flush(t, m)

	for _, identifier := range []string{"bob", "", "Ann", "ann "} {
		m.Forget(identifier)
	}
	serve(h, &ann)
	flush(t, m)

	assert.Equal(t, 1, srv.Calls())
	st := m.Stats()
	assert.Equal(t, uint64(1), st.Hits, "still synced")
	assert.Equal(t, uint64(1), st.Misses)
}

// Hits on a user being forgotten, and on their neighbours, race with Forget
// (under -race); afterwards the cache still tells synced from forgotten. The
// users come from the context, or from tokens the route verifies, whose
// hits read the notes the cache left on the tokens' Verified.
func TestForgetDuringHits(t *testing.T) {
	t.Parallel()
	tokens, err := jwtverify.New(jwtverify.HMACKey(benchSecret))
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		requests func(n int) []*http.Request
		opts     []middleware.Option
	}{
		{"context", signedIn, nil},
		{"token", func(n int) []*http.Request { return withTokens(t, n) }, []middleware.Option{middleware.WithExtractor(tokens)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, srv := setup(t)
			h := with(t, m, tc.opts...).Handler(nop)
			reqs := tc.requests(20) // user-0000000 to user-0000019
			serve := func(r *http.Request) { h.ServeHTTP(&nopWriter{h: http.Header{}}, r) }
			for _, r := range reqs {
				serve(r)
			}
			flush(t, m)
			require.Equal(t, len(reqs), srv.Calls())

			var wg sync.WaitGroup
			stop := make(chan struct{})
			for i := range 4 {
				wg.Go(func() {
					for n := 0; ; n++ {
						select {
						case <-stop:
							return
						default:
						}
						serve(reqs[(i+n)%len(reqs)])
					}
				})
			}
			for range 200 {
				m.Forget("user-0000000")
				m.Forget("user-0000001")
			}
			close(stop)
			wg.Wait()
			flush(t, m)
			for _, r := range reqs { // whoever was forgotten last is synced again
				serve(r)
			}
			flush(t, m)
			for _, r := range reqs { // hits, which note what they found
				serve(r)
			}

			// Whatever the hits resynced meanwhile, one Forget now costs exactly one
			// more call, and the others none.
			before := srv.Calls()
			m.Forget("user-0000000")
			for _, r := range reqs {
				serve(r)
			}
			flush(t, m)
			assert.Equal(t, before+1, srv.Calls())
		})
	}
}

// methods lists the methods of the requests the API received about identifier.
func methods(srv *engagespottest.Server, identifier string) []string {
	var list []string
	for _, r := range srv.Requests() {
		if r.Identifier == identifier {
			list = append(list, r.Method)
		}
	}
	return list
}

// A user whose token the route verifies (the cache notes on the token's
// Verified that they were synced, see identity.Verified.SetNote) is created
// again by their next request once forgotten, as a user from the context is:
// the note of a hit before the change is not read as one after it.
func TestForgetSyncsATokensUserAgain(t *testing.T) {
	t.Parallel()
	srv := engagespottest.NewServer(t)
	c := client(t, srv)
	m := newMiddleware(t, c)
	tokens, err := jwtverify.New(jwtverify.HMACKey(benchSecret))
	require.NoError(t, err)
	h := with(t, m, middleware.WithExtractor(tokens)).Handler(nop)
	r := withTokens(t, 1)[0] // user-0000000
	for range 3 {            // a miss, a hit that notes, a hit on the note
		h.ServeHTTP(&nopWriter{h: http.Header{}}, r)
		flush(t, m)
	}
	require.Equal(t, 1, srv.Calls())
	require.NoError(t, c.DeleteUser(t.Context(), "user-0000000"))

	m.Forget("user-0000000")
	h.ServeHTTP(&nopWriter{h: http.Header{}}, r)
	flush(t, m)
	_, ok := srv.User("user-0000000")
	assert.True(t, ok, "created again")
	assert.Equal(t, uint64(2), m.Stats().Hits, "two hits before the forget, none after")
}
