//go:build !race

package grpcidentify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHitAllocates: a call whose user is synced already allocates nothing
// when the user is in the context, and with a bearer token what the app's
// own auth interceptor allocates. (The race detector changes allocation
// counts, hence the build tag.)
func TestHitAllocates(t *testing.T) {
	ctxFloor, ctxHit, bearerFloor, bearerHit := paths(t)
	assert.Zero(t, testing.AllocsPerRun(200, ctxFloor.call))
	assert.Zero(t, testing.AllocsPerRun(200, ctxHit.call))
	floor := testing.AllocsPerRun(200, bearerFloor.call)
	hit := testing.AllocsPerRun(200, bearerHit.call)
	assert.Equal(t, floor, hit)
	t.Logf("allocs per call with a bearer token: an auth interceptor %v, grpcidentify %v", floor, hit)
}
