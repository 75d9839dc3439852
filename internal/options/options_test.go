package options_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

type config struct{ n int }

type option func(*config) error

func withN(n int) option {
	return func(c *config) error {
		if n < 0 {
			return options.Error("N", "%d: must not be negative", n)
		}
		c.n = n
		return nil
	}
}

func TestApplyRunsOptionsInOrder(t *testing.T) {
	var c config
	require.NoError(t, options.Apply(&c, []option{withN(1), withN(2)}))
	assert.Equal(t, 2, c.n, "the last option wins")
}

func TestApplyStopsAtTheFirstError(t *testing.T) {
	var c config
	err := options.Apply(&c, []option{withN(-1), withN(2)})
	var cfgErr *identity.ConfigError
	require.ErrorAs(t, err, &cfgErr)
	assert.Equal(t, "N", cfgErr.Field)
	assert.EqualError(t, err, "bad N: -1: must not be negative")
	assert.Zero(t, c.n, "no option after the bad one ran")
}

func TestApplyRefusesANilOption(t *testing.T) {
	var c config
	err := options.Apply(&c, []option{withN(1), nil})
	var cfgErr *identity.ConfigError
	require.True(t, errors.As(err, &cfgErr))
	assert.Equal(t, "options", cfgErr.Field)
	assert.EqualError(t, err, "bad options: option 1 is nil")
}
