package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/autoidentify/autoidentify/identity"
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
// A bad option fails with a *ConfigError.
func New(dir Directory, opts ...Option) (*Middleware, error) {
	if dir == nil {
		return nil, &ConfigError{Field: "Directory", Err: errors.New("nil")}
	}
	c := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			return nil, &ConfigError{Field: "Option", Err: errors.New("nil")}
		}
		if err := opt.apply(&c); err != nil {
			return nil, err
		}
	}
	if c.secure && c.signer == nil {
		return nil, &ConfigError{Field: "SecureMode", Err: errors.New("needs WithTokenSigner: the front-end needs user tokens")}
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
// route's values.
func (m *Middleware) With(opts ...RouteOption) *Route { return m.route.With(opts...) }

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

// Forget makes the Middleware forget identifier's user: their next request
// syncs them again, even with a profile Engagespot refused. Call it after
// deleting the user in Engagespot (adapters/engagespot's Client.DeleteUser),
// or on learning that the remote copy is gone. Forgetting a user it does not
// know does nothing.
//
// It does not stop a sync under way: one ending after Forget remembers the
// user again, since its upsert may have landed after the deletion too (call
// Flush first to let it end). It forgets locally only: with WithStore, the
// fleet's record and the other instances' caches are untouched, so the next
// sync may be answered by the Store without an API call until that record
// expires; a fleet that must sync the user again has to drop it in the Store
// (Delete does all of it).
func (m *Middleware) Forget(identifier string) { m.e.cache.forget(m.e.cache.hashOf(identifier)) }

// Delete deletes identifier's user for the whole app: in Engagespot (the
// Directory must be a DirectoryDeleter; a user already gone is no error),
// in this instance's cache, and, with a StoreDeleter (adapters/redis), in
// the fleet's record and every other instance's cache, so that a deleted
// user who comes back is created again at once. It flushes a sync of the
// user under way first, so that it cannot re-create them after the
// deletion. The error joins whatever failed.
func (m *Middleware) Delete(ctx context.Context, identifier string) error {
	if err := identity.ValidateIdentifier(identifier, m.e.maxIDLen); err != nil {
		return fmt.Errorf("middleware: delete: %w", err)
	}
	d, ok := m.e.dir.(DirectoryDeleter)
	if !ok {
		return fmt.Errorf("middleware: delete: the Directory (%T) cannot delete users", m.e.dir)
	}
	m.e.waitFor(ctx, identifier)
	var errs []error
	if err := d.DeleteUser(ctx, identifier); err != nil && !notFound(err) {
		errs = append(errs, err)
	}
	m.Forget(identifier)
	if s, ok := m.e.store.(StoreDeleter); ok {
		if err := s.Forget(ctx, identifier); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
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
