//go:build !race

package echov4identify_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHitAllocatesNothing: a request whose user is synced already allocates
// what Echo, echo-jwt and a middleware that does nothing allocate, nothing
// more. (The race detector
// changes allocation counts, hence the build tag.)
func TestHitAllocatesNothing(t *testing.T) {
	bare, identified, req := servers(t)
	w := httptest.NewRecorder()
	floor := testing.AllocsPerRun(200, func() { bare.ServeHTTP(w, req) })
	hit := testing.AllocsPerRun(200, func() { identified.ServeHTTP(w, req) })
	assert.Equal(t, floor, hit)
	t.Logf("allocs per request: echo-jwt and a middleware doing nothing %v, with the hit %v", floor, hit)
}
