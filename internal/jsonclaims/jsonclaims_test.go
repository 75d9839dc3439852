package jsonclaims

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOf(t *testing.T) {
	t.Parallel()
	m := map[string]any{"sub": "ann"}
	got, err := Of(m)
	require.NoError(t, err)
	assert.Equal(t, m, got)

	got, err = Of(struct {
		Sub   string `json:"sub"`
		Email string `json:"email,omitempty"`
	}{Sub: "ann"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"sub": "ann"}, got)

	_, err = Of("a string")
	assert.ErrorContains(t, err, "string is no object of claims")
	_, err = Of(func() {})
	assert.Error(t, err)
}
