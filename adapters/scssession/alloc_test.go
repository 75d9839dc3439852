//go:build !race

package scssession_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/scssession"
)

// TestExtractAllocatesNoMoreThanTheLibrary compares the extractor with the
// app's own read of the same keys of the same loaded session. (The race
// detector changes allocation counts and empties sync.Pools at random, hence
// the build tag.)
func TestExtractAllocatesNoMoreThanTheLibrary(t *testing.T) {
	sm := newManager(t)
	r := loadedRequest(t, sm)
	tests := []struct {
		name string
		keys []string
		opts []scssession.Option
	}{
		{name: "default mapping", keys: defaultKeys},
		{name: "id and email", keys: narrowKeys, opts: []scssession.Option{narrowMapping}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ext, err := scssession.New(sm, tt.opts...)
			require.NoError(t, err)
			library := testing.AllocsPerRun(100, func() { libraryRead(sm, r, tt.keys) })
			ours := testing.AllocsPerRun(100, func() {
				if _, ok, _ := ext.Extract(r); !ok {
					t.Fatal("no user")
				}
			})
			assert.LessOrEqual(t, ours, library)
			t.Logf("allocs per read: library %v, extractor %v", library, ours)
		})
	}
}
