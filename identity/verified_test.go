package identity

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewVerified(t *testing.T) {
	t.Parallel()
	id := Identity{Identifier: "u1", Profile: Profile{Email: "a@b.co", Custom: map[string]any{"plan": "pro"}}}
	v := NewVerified(id)
	assert.Equal(t, id, v.Identity)
	assert.Equal(t, id.Profile.Fingerprint(), v.Fingerprint)
	assert.Equal(t, HashIdentifier("u1"), v.IdentifierHash)
	id.Profile.Custom["plan"] = "changed"
	assert.Equal(t, "pro", v.Identity.Profile.Custom["plan"], "its profile is its own")
}

// A context made with NewContextVerified carries the Verified itself: its
// fingerprint is read, not computed, and FromContext hands out copies that
// share nothing a caller could change with it.
func TestContextVerified(t *testing.T) {
	t.Parallel()
	v := NewVerified(Identity{Identifier: "u1", Profile: Profile{Email: "a@b.co", Custom: map[string]any{"org": map[string]any{"id": "o1"}}}})
	ctx := NewContextVerified(t.Context(), v)

	got, ok := FromContext(ctx)
	require.True(t, ok)
	assert.Equal(t, v.Identity, got)
	got.Profile.Custom["org"].(map[string]any)["id"] = "changed"
	got.Profile.Custom["plan"] = "changed"
	assert.Equal(t, map[string]any{"org": map[string]any{"id": "o1"}}, v.Identity.Profile.Custom, "the copy's attributes are its own")

	v.Fingerprint = 42 // not the profile's: what the context gives is v's, not computed again
	identifier, fp, ok := FingerprintFromContext(ctx)
	require.True(t, ok)
	assert.Equal(t, "u1", identifier)
	assert.Equal(t, uint64(42), fp)

	assert.NotContains(t, fmt.Sprint(ctx), "a@b.co")
	got, _ = FromContext(NewContext(ctx, Identity{Identifier: "u3"}))
	assert.Equal(t, "u3", got.Identifier, "a nested NewContext shadows it")
}

func TestContextVerifiedAllocatesNothingToRead(t *testing.T) {
	ctx := NewContextVerified(t.Context(), NewVerified(Identity{Identifier: "u1", Profile: Profile{Email: "a@b.co"}}))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _, _ = FingerprintFromContext(ctx) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = FromContext(ctx) }), "no Custom attributes: nothing to copy")
}

// Note reads the two words one SetNote wrote, never one of each of two,
// while writers race (run with -race).
func TestNote(t *testing.T) {
	t.Parallel()
	v := NewVerified(Identity{Identifier: "u1"})
	a, b := v.Note()
	assert.Zero(t, a+b, "no note yet")
	v.SetNote(1, 2)
	a, b = v.Note()
	assert.Equal(t, [2]uint64{1, 2}, [2]uint64{a, b})

	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range uint64(10_000) {
				n := i*4 + uint64(w) + 1
				v.SetNote(n, n*7)
				if a, b := v.Note(); b != a*7 {
					t.Errorf("note (%d, %d): two writes mixed", a, b)
					return
				}
			}
		})
	}
	wg.Wait()
	a, b = v.Note()
	assert.Equal(t, a*7, b)
	assert.NotZero(t, a, "the last note stays")
}
