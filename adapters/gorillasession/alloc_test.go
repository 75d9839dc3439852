//go:build !race

package gorillasession_test

import (
	"testing"

	"github.com/gorilla/sessions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/gorillasession"
)

// TestExtractAllocatesNoMoreThanTheLibrary compares the extractor with the
// app's own read of the same, already decoded, session. (The race detector
// changes allocation counts, hence the build tag.)
func TestExtractAllocatesNoMoreThanTheLibrary(t *testing.T) {
	store := sessions.NewCookieStore(hashKey)
	r := warmRequest(t, store)
	ext, err := gorillasession.New(store, sessionName)
	require.NoError(t, err)

	library := testing.AllocsPerRun(100, func() { libraryRead(store, r) })
	ours := testing.AllocsPerRun(100, func() {
		if _, ok, _ := ext.Extract(r); !ok {
			t.Fatal("no user")
		}
	})
	assert.LessOrEqual(t, ours, library)
	t.Logf("allocs per read: library %v, extractor %v", library, ours)
}
