package middleware

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// route is what route options set.
type route struct {
	extractor    identity.Extractor // nil: identity.InContext
	sync         bool
	required     bool
	unauthorized http.Handler // nil: challenge
}

// Route is one way of handling requests, made by Middleware.With; every
// route of a Middleware shares its cache, queue and workers.
type Route struct {
	m   *Middleware
	cfg route

	// Resolved once, so the request path only reads.
	extractor identity.Extractor
	inContext bool                       // the extractor reads the identity from the context: no need to put it there
	verified  identity.VerifiedExtractor // extractor, if it hands out what it keeps
	sync      bool
	cache     *cache
	watch     watch // for a route that never finds a user
}

func newRoute(m *Middleware, cfg route) *Route {
	rt := &Route{m: m, cfg: cfg, extractor: cfg.extractor, sync: cfg.sync && !m.secure, cache: m.e.cache}
	if rt.extractor == nil {
		rt.extractor, rt.inContext = identity.InContext, true
	}
	rt.verified, _ = rt.extractor.(identity.VerifiedExtractor)
	return rt
}

// With returns a route like rt but for opts, which must be route options
// (see Middleware.With).
func (rt *Route) With(opts ...Option) (*Route, error) {
	if len(opts) == 0 {
		return rt, nil
	}
	c := config{route: rt.cfg, routesOnly: true}
	if err := options.Apply(&c, opts); err != nil {
		return nil, fmt.Errorf("middleware: %w", err)
	}
	return newRoute(rt.m, c.route), nil
}

// Handler returns next wrapped in rt: see Identify.
func (rt *Route) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r, ok := rt.Identify(w, r); ok {
			next.ServeHTTP(w, r)
		}
	})
}

// Identify does the route's work on one request, for adapters to other
// frameworks: it finds the user with the route's extractor, puts them in
// the request's context (identity.FromContext), and syncs them in the
// background if they are not synced yet. It returns the request to pass on,
// and false if it answered the request itself: 401, on a route WithRequired,
// to a request without a user. It never waits for the Directory.
//
// A request whose user is synced already allocates nothing when the
// identity comes from the context (identity.InContext, the default).
func (rt *Route) Identify(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	switch {
	case rt.inContext:
		return rt.identifyInContext(w, r)
	case rt.verified != nil:
		return rt.identifyVerified(w, r)
	}
	id, ok, err := rt.extractor.Extract(r)
	if !ok {
		return rt.anonymous(w, r, err)
	}
	rt.watch.user()
	r = r.WithContext(identity.NewContext(r.Context(), id))
	if rt.sync {
		rt.m.e.observe(r.Context(), &id, id.Profile.Fingerprint(), identity.HashIdentifier(id.Identifier))
	}
	return r, true
}

// identifyVerified is Identify for an extractor that keeps what it verified
// (jwtverify's): the request carries the kept identity without a copy, and
// the cache reads its hashes, computed when it was verified.
func (rt *Route) identifyVerified(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	v, ok, err := rt.verified.ExtractVerified(r)
	if !ok {
		return rt.anonymous(w, r, err)
	}
	rt.watch.user()
	r = r.WithContext(identity.NewContextVerified(r.Context(), v))
	if rt.sync {
		rt.m.e.observeVerified(r.Context(), v)
	}
	return r, true
}

// identifyInContext is Identify for an identity already in the context: the
// hit path. It reads the identifier and fingerprint in place, where copying
// the identity out (identity.FromContext) would cost as much again; only a
// miss copies it, to start a sync.
func (rt *Route) identifyInContext(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	ctx := r.Context()
	identifier, fp, ok := identity.FingerprintFromContext(ctx)
	if !ok {
		return rt.anonymous(w, r, nil)
	}
	rt.watch.user()
	if rt.sync {
		if k := rt.cache.key(identifier, fp); !rt.cache.hit(k) {
			id, _ := identity.FromContext(ctx)
			rt.m.e.miss(ctx, &id, fp, k)
		}
	}
	return r, true
}

// anonymous handles a request without a user.
func (rt *Route) anonymous(w http.ResponseWriter, r *http.Request, err error) (*http.Request, bool) {
	rt.countNoUser(r.Context(), err, r)
	if rt.watch.anonymous(r) {
		rt.warnMount(r)
	}
	if err != nil {
		r = r.WithContext(contextWithError(r.Context(), err))
	}
	if rt.cfg.required {
		rt.refuse(w, r)
		return r, false
	}
	return r, true
}

// countNoUser counts a request (or call) without a user under its reason,
// and logs why its credential was rejected, if it was; r, nil where there
// is none, is the request whose credentials the log line leaves out.
func (rt *Route) countNoUser(ctx context.Context, err error, r *http.Request) {
	if reason := rt.m.e.noUser.add(err); err != nil {
		rt.m.e.logRejection(ctx, reason, err, r)
	}
}

// refuse answers a request the route refuses for want of a user, r's
// context holding the rejected credential's error, if any.
func (rt *Route) refuse(w http.ResponseWriter, r *http.Request) {
	if h := rt.cfg.unauthorized; h != nil {
		h.ServeHTTP(w, r)
		return
	}
	challenge(w, r)
}

// challenge is the default answer to a request without a user: 401, with
// the challenge RFC 6750 asks of a bearer-token resource.
func challenge(w http.ResponseWriter, r *http.Request) {
	value := "Bearer"
	if ErrorFromContext(r.Context()) != nil {
		value = `Bearer error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", value)
	writeError(w, http.StatusUnauthorized, "unauthorized")
}

// extract finds the request's user with the route's extractor.
func (rt *Route) extract(r *http.Request) (identity.Identity, bool, error) {
	if rt.inContext {
		id, ok := identity.FromContext(r.Context())
		return id, ok, nil
	}
	return rt.extractor.Extract(r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client left: nothing to do
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}
