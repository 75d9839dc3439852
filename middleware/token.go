package middleware

import (
	"net/http"

	"github.com/autoidentify/autoidentify/identity"
)

// TokenSigner mints the user token Engagespot's in-app library needs in
// secure mode (adapters/engagespot's TokenSigner).
type TokenSigner interface {
	Token(identifier string) (string, error)
}

// TokenHandler answers GET (and HEAD) with {"token": "..."}: the
// Engagespot user token of the request's user, found by the route's
// extractor, for the front-end in secure mode. Another method gets 405
// with Allow; a request without a user gets 401 (or WithUnauthorized's
// answer); a token that cannot be signed gets 500, its cause logged, not
// sent. Answers are never cached (no-store) and never sniffed (nosniff). It
// syncs nobody: mount it behind Handler for that.
//
// It panics if New was not given WithTokenSigner, as http.Handle panics
// given a nil handler: the mistake shows when the routes are set up, at
// start-up, not as an error answered in production once the front-end
// first asks for a token.
func (rt *Route) TokenHandler() http.Handler {
	signer := rt.m.signer
	if signer == nil {
		panic("middleware: TokenHandler needs WithTokenSigner")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// A token is read, never sent: a form posting here cross-site
			// (CSRF) or a body carrying a token gets nothing.
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		id, ok, err := rt.extract(r)
		if ok {
			err = identity.ValidateIdentifier(id.Identifier)
			ok = err == nil
		}
		if !ok {
			if err != nil {
				rt.m.log.Debug("middleware: token refused", "err", err)
				r = r.WithContext(contextWithError(r.Context(), err))
			}
			rt.refuse(w, r)
			return
		}
		token, err := signer.Token(id.Identifier)
		if err != nil {
			rt.m.log.Error("middleware: signing a user token", "err", err)
			writeError(w, http.StatusInternalServerError, "internal error")
			return
		}
		writeJSON(w, http.StatusOK, struct {
			Token string `json:"token"`
		}{token})
	})
}
