package authheader

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBearer(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		"Bearer abc":    "abc",
		"bearer  abc  ": "abc",
		"BEARER abc":    "abc",
		"Basic abc":     "",
		"Bearer ":       "",
		"Bearer":        "",
		"":              "",
	} {
		got, ok := Bearer(value)
		assert.Equal(t, want, got, value)
		assert.Equal(t, want != "", ok, value)
	}
}
