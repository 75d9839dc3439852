package memory_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

var _ middleware.Directory = (*memory.Directory)(nil)

func TestUpsertCreatesThenUpdates(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	dir, err := memory.New(memory.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	ctx := t.Context()

	require.NoError(t, dir.Upsert(ctx, identity.Identity{Identifier: "u1", Profile: identity.Profile{Email: "a@example.com"}}))
	require.NoError(t, dir.Upsert(ctx, identity.Identity{Identifier: "u1", Profile: identity.Profile{Email: "b@example.com"}}))
	require.NoError(t, dir.Upsert(ctx, identity.Identity{Identifier: "u0"}))

	p, ok := dir.User("u1")
	require.True(t, ok)
	assert.Equal(t, "b@example.com", p.Email)
	assert.Equal(t, []string{"u0", "u1"}, dir.Identifiers())
	assert.Equal(t, 2, dir.Len())

	out := logs.String()
	assert.Equal(t, 2, strings.Count(out, "user created"), out)
	assert.Equal(t, 1, strings.Count(out, "user updated"), out)
	assert.NotContains(t, out, "example.com", "profiles are not logged")
}

func TestUpsertRefusesWhatEngagespotWould(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		id   identity.Identity
		want error
	}{
		{"empty identifier", context.Background(), identity.Identity{}, identity.ErrInvalidIdentifier},
		{"control character", context.Background(), identity.Identity{Identifier: "a\nb"}, identity.ErrInvalidIdentifier},
		{"too long", context.Background(), identity.Identity{Identifier: strings.Repeat("x", 256)}, identity.ErrInvalidIdentifier},
		{"reserved key", context.Background(), identity.Identity{Identifier: "u", Profile: identity.Profile{Custom: map[string]any{"identifier": "x"}}}, nil},
		{"cancelled", cancelled, identity.Identity{Identifier: "u"}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, err := memory.New()
			require.NoError(t, err)
			err = dir.Upsert(tt.ctx, tt.id)
			require.Error(t, err)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
			assert.Zero(t, dir.Len(), "nothing is stored")
		})
	}
}

func TestUpsertKeepsItsOwnCopy(t *testing.T) {
	t.Parallel()
	dir, err := memory.New()
	require.NoError(t, err)
	custom := map[string]any{"plan": "free"}
	require.NoError(t, dir.Upsert(t.Context(), identity.Identity{Identifier: "u", Profile: identity.Profile{Custom: custom}}))
	custom["plan"] = "pro"
	p, _ := dir.User("u")
	assert.Equal(t, "free", p.Custom["plan"])
}

func TestUpsertConcurrent(t *testing.T) {
	t.Parallel()
	dir, err := memory.New()
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			id := identity.Identity{Identifier: fmt.Sprintf("u%d", i%10)}
			assert.NoError(t, dir.Upsert(t.Context(), id))
		})
	}
	wg.Wait()
	assert.Equal(t, 10, dir.Len())
}
