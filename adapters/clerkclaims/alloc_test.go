//go:build !race

package clerkclaims_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestExtractAllocatesNoMoreThanTheLibrary compares the extractor with the
// app's own read of the same verified claims. (The race detector changes
// allocation counts, hence the build tag.)
func TestExtractAllocatesNoMoreThanTheLibrary(t *testing.T) {
	r := verifiedRequest(t)
	ext := extractor(t)
	library := testing.AllocsPerRun(100, func() { libraryRead(r) })
	ours := testing.AllocsPerRun(100, func() {
		if _, ok, _ := ext.Extract(r); !ok {
			t.Fatal("no user")
		}
	})
	assert.LessOrEqual(t, ours, library)
	t.Logf("allocs per read: library %v, extractor %v", library, ours)
}
