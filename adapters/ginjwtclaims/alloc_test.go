//go:build !race

package ginjwtclaims_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/ginjwtclaims"
)

// TestExtractAllocatesNoMoreThanTheLibrary compares the extractor with the
// app's own read of the same verified claims. (The race detector changes
// allocation counts, hence the build tag.)
func TestExtractAllocatesNoMoreThanTheLibrary(t *testing.T) {
	c := verifiedContext(t)
	ext, err := ginjwtclaims.New()
	require.NoError(t, err)

	library := testing.AllocsPerRun(100, func() { libraryRead(c) })
	ours := testing.AllocsPerRun(100, func() {
		if _, ok, _ := ext.ExtractGin(c); !ok {
			t.Fatal("no user")
		}
	})
	assert.LessOrEqual(t, ours, library)
	t.Logf("allocs per read: library %v, extractor %v", library, ours)
}
