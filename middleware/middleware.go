package middleware

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// Middleware makes sure the signed-in users of an app exist in a Directory
// (Engagespot). Its handlers find the user of each request, and sync the
// ones not synced yet in the background. It is safe for concurrent use; call
// Close when done with it.
type Middleware struct {
	e      *engine
	route  *Route // the default, from the route options given to New
	signer TokenSigner
	secure bool
	log    *slog.Logger
}

// New returns a Middleware syncing users to dir, and starts its workers.
// A nil dir or a bad option fails with an *identity.ConfigError.
func New(dir Directory, opts ...Option) (*Middleware, error) {
	if dir == nil {
		return nil, fmt.Errorf("middleware: %w", options.Error("Directory", "nil"))
	}
	c := defaultConfig()
	if err := options.Apply(&c, opts); err != nil {
		return nil, fmt.Errorf("middleware: %w", err)
	}
	if c.secure && c.signer == nil {
		return nil, fmt.Errorf("middleware: %w", options.Error("SecureMode", "needs WithTokenSigner: the front-end needs user tokens"))
	}
	e := newEngine(dir, &c)
	m := &Middleware{e: e, signer: c.signer, secure: c.secure, log: e.log}
	m.route = newRoute(m, c.route)
	return m, nil
}

// Handler returns next wrapped in the default route (see With).
func (m *Middleware) Handler(next http.Handler) http.Handler { return m.route.Handler(next) }

// With returns a route that handles requests differently, sharing the
// Middleware's cache, queue and workers: another extractor
// (WithExtractor), identification without sync (WithSync), or a 401 for
// requests without a user (WithRequired). Unset options keep the default
// route's values. An option of the whole middleware (WithWorkers, say) or
// a nil one fails with an *identity.ConfigError.
func (m *Middleware) With(opts ...Option) (*Route, error) { return m.route.With(opts...) }

// TokenHandler is the default route's TokenHandler.
func (m *Middleware) TokenHandler() http.Handler { return m.route.TokenHandler() }

// Ensure syncs id now, for code about to notify a user who must exist
// first. It returns nil at once if id is synced with this profile; else it
// joins the sync under way for the user, or starts one, and waits for it,
// or for ctx. It works in secure mode too. The error is the sync's (see
// Outcome), ErrQueueFull, ErrClosed, or ctx's joined with the last
// attempt's, if one failed: errors.Is(err, context.DeadlineExceeded) and
// errors.Is(err, engagespot.ErrUnauthorized) both hold after a deadline
// spent on rejected credentials.
func (m *Middleware) Ensure(ctx context.Context, id identity.Identity) error {
	return m.e.ensure(ctx, id)
}

// Reload syncs identifier's user again now, with their profile loaded
// anew by the ProfileLoader (WithProfileLoader, which it needs): for the app
// to call when the user's profile changed in its database, after the change
// is committed. It waits as Ensure does, and returns the sync's error; the
// sync goes on if ctx ends first. A sync of the user under way loads again
// once its call is done, so the older profile it may have loaded never
// lands last; in a fleet, the Store orders this sync after every one
// observed before the call. The user's requests, hits until then, stay hits:
// their credential did not change.
func (m *Middleware) Reload(ctx context.Context, identifier string) error {
	return m.e.reload(ctx, identifier)
}

// Forget makes this instance forget identifier's user: their next request
// here syncs them again, even with a profile Engagespot refused. Forgetting
// a user it does not know does nothing. It does not stop a sync under way,
// and it does not reach the fleet: with WithStore, the fleet's record still
// answers for the user until it expires. To remove a user, call Delete,
// which does all of it; Forget is for learning that the remote copy is gone.
func (m *Middleware) Forget(identifier string) { m.e.cache.forget(m.e.cache.hashOf(identifier)) }

// Delete deletes identifier's user for the whole app: in Engagespot (the
// Directory must be a DirectoryDeleter; a user already gone is no error),
// and in what every instance remembers. No sync that began before it can
// bring the user back: one waiting for its next attempt is ended at once
// (Superseded), one whose API call is under way is waited for, and with a
// StoreDeleter (adapters/redisstore) the same holds for every instance of the
// fleet. A user who comes back after it (a request, Ensure) is created
// again at once. The error joins whatever failed; the user is deleted in
// Engagespot even if the fleet could not be told.
func (m *Middleware) Delete(ctx context.Context, identifier string) error {
	return m.e.delete(ctx, identifier, 0)
}

// Erase is Delete, and for hold afterwards no sync creates the user again,
// however valid their tokens or sessions still are: for a user who asked to
// be forgotten (GDPR) and whose credentials outlive the request. With a
// StoreDeleter the whole fleet holds to it, else this instance; Ensure
// meanwhile returns an error wrapping ErrSuperseded. hold must be positive.
func (m *Middleware) Erase(ctx context.Context, identifier string, hold time.Duration) error {
	if hold <= 0 {
		return fmt.Errorf("middleware: erase: hold %s: must be positive", hold)
	}
	return m.e.delete(ctx, identifier, hold)
}

// Flush waits until every sync started before the call has ended, or until
// ctx ends.
func (m *Middleware) Flush(ctx context.Context) error { return m.e.flush(ctx) }

// Close stops starting syncs, waits for those under way to end, and stops
// the workers. Requests are still served afterwards, without syncs. If ctx
// ends first, Close cancels what is under way, reports each unfinished sync
// Dropped with ErrClosed, and returns ctx's error: give it a deadline, since
// syncs wait out a pause of the API. Either way, with WithStore, it then
// settles the leases this instance holds and the Store writes it still owes
// (one more try each, bounded by the Store's own timeout), so no other
// instance waits for them to expire. Calling it again waits for the first
// call and returns nil.
func (m *Middleware) Close(ctx context.Context) error { return m.e.close(ctx) }

// Stats returns the counters since New.
func (m *Middleware) Stats() Stats { return m.e.stats() }
