package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// TestTokenHandlerWithoutSignerPanicsWhenMounted: a missing signer shows
// when the routes are set up, on every route, never on a request.
func TestTokenHandlerWithoutSignerPanicsWhenMounted(t *testing.T) {
	t.Parallel()
	m, _ := setup(t)
	const msg = "middleware: TokenHandler needs WithTokenSigner"
	assert.PanicsWithValue(t, msg, func() { m.TokenHandler() })
	assert.PanicsWithValue(t, msg, func() { with(t, m, middleware.WithExtractor(identity.InContext)).TokenHandler() })
	assert.PanicsWithValue(t, msg, func() { with(t, m).TokenHandler() })
}

// The token route answers GET and HEAD only: a token is read, never sent
// (a cross-site form, a token in a body), and it is never sniffed.
func TestTokenHandlerMethods(t *testing.T) {
	t.Parallel()
	m, _ := setup(t, middleware.WithSecureMode(true), middleware.WithTokenSigner(signer{}),
		middleware.WithExtractor(fromHeader))
	h := m.TokenHandler()
	do := func(method string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/token", strings.NewReader(`{"token":"x"}`))
		r.Header.Set("X-User", "ann")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		w := do(method)
		assert.Equal(t, http.StatusOK, w.Code, method)
		assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"), method)
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"), method)
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch} {
		w := do(method)
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code, method)
		assert.Equal(t, "GET, HEAD", w.Header().Get("Allow"), method)
		assert.NotContains(t, w.Body.String(), "token-for-", method)
	}
}
