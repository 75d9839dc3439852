package middleware

import (
	"net/http"
	"sync/atomic"
)

// mountWarnAfter is how many requests carrying credentials a route sees
// without ever finding a user before it warns that it is likely mounted in
// the wrong place.
const mountWarnAfter = 20

// watch notices a route that never finds a user although requests carry
// credentials: the middleware mounted before (outside) the auth middleware,
// or an extractor reading the wrong place. Nothing syncs then, and nothing
// else would say so. It costs a request with a user one atomic load, and
// stops counting once it has decided.
type watch struct {
	sawUser  atomic.Bool
	withCred atomic.Int64 // requests with credentials and no user, until decided
	warned   atomic.Bool
}

// user records that the route found a user: it is mounted right.
func (w *watch) user() {
	if !w.sawUser.Load() {
		w.sawUser.Store(true)
	}
}

// anonymous records a request without a user, and reports true once, when
// the route has seen mountWarnAfter such requests that carried credentials
// and never a user.
func (w *watch) anonymous(r *http.Request) bool {
	if w.sawUser.Load() || w.warned.Load() || !hasCredentials(r) {
		return false
	}
	return w.withCred.Add(1) >= mountWarnAfter && w.warned.CompareAndSwap(false, true)
}

// hasCredentials reports whether r carries what a signed-in user's request
// does: an Authorization header or a cookie.
func hasCredentials(r *http.Request) bool {
	return len(r.Header["Authorization"]) > 0 || len(r.Header["Cookie"]) > 0
}

// warnMount logs, once per route, the likely cause of a route that never
// finds a user, and its fix.
func (rt *Route) warnMount(r *http.Request) {
	how := "the auth middleware must run first and put the user in the context (identity.NewContext): " +
		"wrap the app as auth(m.Handler(app)), not m.Handler(auth(app)); with Gin, r.Use(auth, ginidentify.New(m))"
	if !rt.inContext {
		how = "check that the extractor (WithExtractor) reads where your auth library leaves the user, " +
			"and that the middleware runs after that library"
	}
	rt.m.log.WarnContext(r.Context(), "middleware: route never found a user in requests that carry credentials: nothing is synced",
		"requests", mountWarnAfter, "likely_cause", "mounted before the auth middleware", "fix", how)
}
