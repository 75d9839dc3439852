package middleware_test

import (
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
	assert.PanicsWithValue(t, msg, func() { m.With(middleware.WithExtractor(identity.InContext)).TokenHandler() })
	assert.PanicsWithValue(t, msg, func() { m.With().TokenHandler() })
}
