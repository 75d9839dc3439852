package identity

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContextRoundTrip(t *testing.T) {
	t.Parallel()
	_, ok := FromContext(t.Context())
	assert.False(t, ok, "an empty context has no identity")

	id := Identity{Identifier: "u1", Profile: Profile{Email: "a@b.co"}}
	ctx := NewContext(t.Context(), id)
	got, ok := FromContext(ctx)
	require.True(t, ok)
	assert.Equal(t, id, got)

	// The stored identity is a copy: changing the original changes nothing.
	id.Identifier = "u2"
	got, _ = FromContext(ctx)
	assert.Equal(t, "u1", got.Identifier)

	// A derived context still carries it; a nested NewContext shadows it.
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	got, ok = FromContext(child)
	assert.True(t, ok)
	assert.Equal(t, "u1", got.Identifier)
	got, _ = FromContext(NewContext(child, Identity{Identifier: "u3"}))
	assert.Equal(t, "u3", got.Identifier)
}

func TestInContext(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	id, ok, err := InContext.Extract(r)
	assert.NoError(t, err)
	assert.False(t, ok)
	assert.Zero(t, id)

	r = r.WithContext(NewContext(r.Context(), Identity{Identifier: "u1"}))
	id, ok, err = InContext.Extract(r)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "u1", id.Identifier)

}

func TestInContextAllocatesNothing(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(NewContext(r.Context(), Identity{Identifier: "u1"}))
	allocs := testing.AllocsPerRun(100, func() { _, _, _ = InContext.Extract(r) })
	assert.Zero(t, allocs)
}

func TestExtractorFunc(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	var e Extractor = ExtractorFunc(func(*http.Request) (Identity, bool, error) { return Identity{}, false, boom })
	_, _, err := e.Extract(httptest.NewRequest("GET", "/", nil))
	assert.ErrorIs(t, err, boom)
}

func TestFingerprintFromContext(t *testing.T) {
	t.Parallel()
	_, _, ok := FingerprintFromContext(t.Context())
	assert.False(t, ok, "an empty context has no identity")

	id := Identity{Identifier: "u1", Profile: Profile{Email: "a@b.co", FirstName: "Ann"}}
	identifier, fp, ok := FingerprintFromContext(NewContext(t.Context(), id))
	require.True(t, ok)
	assert.Equal(t, "u1", identifier)
	assert.Equal(t, id.Profile.Fingerprint(), fp)
}

func TestFingerprintFromContextAllocatesNothing(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(NewContext(r.Context(), Identity{Identifier: "u1", Profile: Profile{Email: "a@b.co"}}))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _, _ = FingerprintFromContext(r.Context()) }))
}

// A clone shares nothing its holder could change with the original, custom
// attributes nested to any depth included; without custom attributes it is
// the identity as it is (TestContextVerifiedAllocatesNothingToRead: without
// an allocation).
func TestIdentityClone(t *testing.T) {
	t.Parallel()
	id := Identity{Identifier: "u1", Profile: Profile{Email: "a@b.co", Custom: map[string]any{
		"org": map[string]any{"id": "o1"}, "roles": []any{"admin"},
	}}}
	c := id.Clone()
	assert.Equal(t, id, c)
	c.Profile.Custom["org"].(map[string]any)["id"] = "changed"
	c.Profile.Custom["roles"].([]any)[0] = "changed"
	c.Profile.Custom["plan"] = "changed"
	assert.Equal(t, map[string]any{"org": map[string]any{"id": "o1"}, "roles": []any{"admin"}}, id.Profile.Custom)

	plain := Identity{Identifier: "u2", Profile: Profile{Email: "a@b.co"}}
	assert.Equal(t, plain, plain.Clone())
}
