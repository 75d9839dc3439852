//go:build !race

package authnclaims_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestExtractAllocatesNoMoreThanTheLibrary compares the extractor with the
// app's own read of the same info, an identity or claims. (The race
// detector changes allocation counts, hence the build tag.)
func TestExtractAllocatesNoMoreThanTheLibrary(t *testing.T) {
	ext := extractor(t)
	r := authenticated(annIdentity)
	library := testing.AllocsPerRun(100, func() { libraryRead(r) })
	for name, r := range map[string]any{"identity": annIdentity, "claims": annClaims} {
		req := authenticated(r)
		ours := testing.AllocsPerRun(100, func() {
			if _, ok, _ := ext.Extract(req); !ok {
				t.Fatal("no user")
			}
		})
		assert.LessOrEqual(t, ours, library, name)
		t.Logf("allocs per read of %s: library %v, extractor %v", name, library, ours)
	}
}
