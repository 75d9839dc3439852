//go:build !race

package auth0_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/auth0"
)

// TestExtractAllocations compares the extractor with the app's own read of
// the same validated claims. The library hands out a struct, and
// identity.ClaimSource returns any: each non-empty string read from a struct
// field is boxed. Here that is sub and email, and nothing else may allocate.
// (The race detector changes allocation counts, hence the build tag.)
func TestExtractAllocations(t *testing.T) {
	r := verifiedRequest(t)
	ext, err := auth0.New()
	require.NoError(t, err)

	const boxedStrings = 2 // sub, email
	library := testing.AllocsPerRun(100, func() { libraryRead(r) })
	ours := testing.AllocsPerRun(100, func() {
		if _, ok, _ := ext.Extract(r); !ok {
			t.Fatal("no user")
		}
	})
	assert.LessOrEqual(t, ours, library+boxedStrings)
	t.Logf("allocs per read: library %v, extractor %v", library, ours)
}
