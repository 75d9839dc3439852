//go:build !race

package auth0claims_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/auth0claims"
)

// TestExtractAllocations compares the extractor with the app's own read of
// the same validated claims. The library hands out structs; their string
// fields (sub, email) reach the mapper as strings, never boxed in an any.
// (The race detector changes allocation counts, hence the build tag.)
func TestExtractAllocations(t *testing.T) {
	r := verifiedRequest(t)
	ext, err := auth0claims.New()
	require.NoError(t, err)

	library := testing.AllocsPerRun(100, func() { libraryRead(r) })
	ours := testing.AllocsPerRun(100, func() {
		if _, ok, _ := ext.Extract(r); !ok {
			t.Fatal("no user")
		}
	})
	assert.LessOrEqual(t, ours, library)
	t.Logf("allocs per read: library %v, extractor %v", library, ours)
}
