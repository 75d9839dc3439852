package middleware

import (
	"context"
	"net/http"

	"github.com/autoidentify/autoidentify/identity"
)

// Extractor returns the extractor rt finds users with: the one
// WithExtractor set, else identity.InContext. Adapters to other frameworks
// use it to call a framework-aware extractor the framework's own way (see
// Observe).
func (rt *Route) Extractor() identity.Extractor { return rt.extractor }

// Observe does Identify's work for a user the caller found itself: for
// adapters to frameworks that keep what the auth middleware verified outside
// the *http.Request (Gin keeps it in its *gin.Context). id, ok and err are
// what an identity.Extractor returned; the route's extractor is not called.
// A user not synced yet is synced in the background. A request without a
// user is handled as Identify handles it: err goes in the returned request's
// context (ErrorFromContext), and on a route WithRequired the request is
// answered 401 and Observe returns false.
//
// Unlike Identify, Observe does not put the user in the request's context,
// which costs three allocations: a request whose user is synced already
// allocates nothing. The adapter gives the user to handlers its own way.
func (rt *Route) Observe(w http.ResponseWriter, r *http.Request, id identity.Identity, ok bool, err error) (*http.Request, bool) {
	if !ok {
		return rt.anonymous(w, r, err)
	}
	rt.found(r.Context(), &id)
	return r, true
}

// Admit does Observe's work for frameworks that answer a refusal their own
// way (Echo's HTTP errors, gRPC's Unauthenticated), or have no
// *http.Request at all (gRPC): a user not synced yet is synced in the
// background, and Admit reports whether the route lets the call go on. It
// is false only on a route WithRequired, for a call without a user: the
// caller refuses it. Admit writes nothing, puts nothing in any context, and
// allocates nothing for a user synced already. Unlike Identify and Observe,
// it cannot warn of a route mounted before the auth middleware: it sees no
// request headers.
func (rt *Route) Admit(ctx context.Context, id identity.Identity, ok bool, err error) bool {
	if !ok {
		rt.countNoUser(ctx, err, nil)
		return !rt.cfg.required
	}
	rt.found(ctx, &id)
	return true
}

// found records that the route found a user, and syncs them if they are not
// synced with this profile: Observe's and Admit's work for a user.
func (rt *Route) found(ctx context.Context, id *identity.Identity) {
	rt.watch.user()
	if rt.sync {
		rt.m.e.observe(ctx, id, id.Profile.Fingerprint(), identity.HashIdentifier(id.Identifier))
	}
}
