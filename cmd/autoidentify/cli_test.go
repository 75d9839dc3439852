package main_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
)

// Flags go anywhere, help goes to standard output, help COMMAND works, and
// --version says what was built. Before, a flag after the file was "one
// input at most" (exit 2), a command's --help went to standard error, and
// help backfill printed the top-level usage.
func TestCommandLineAsGoUsersKnowIt(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	path := writeUsers(t, 3, func(int) string { return "" })
	c := command(t, apiEnv(api), "backfill", path, "--dry-run")
	assert.Equal(t, 0, c.exit(t), c.stderr.String())
	assert.Equal(t, 3, strings.Count(c.stdout.String(), `"identifier"`), "three users printed, none sent")
	assert.Zero(t, api.Calls())

	for _, args := range [][]string{{"backfill", "--help"}, {"help", "backfill"}, {"backfill", path, "-h"}} {
		c := command(t, nil, args...)
		assert.Equal(t, 0, c.exit(t), "%v", args)
		assert.Contains(t, c.stdout.String(), "Usage: autoidentify backfill", "%v: usage on standard output", args)
		assert.Contains(t, c.stdout.String(), "-dry-run", "%v: with the flags", args)
		assert.Empty(t, c.stderr.String(), "%v", args)
	}
	c = command(t, nil, "help", "delete")
	assert.Equal(t, 0, c.exit(t))
	assert.Contains(t, c.stdout.String(), "Usage: autoidentify delete")

	c = command(t, nil, "--version")
	assert.Equal(t, 0, c.exit(t))
	assert.Regexp(t, `^autoidentify \S+.* go1\.`, c.stdout.String())

	c = command(t, apiEnv(api), "backfill", path, "other.jsonl")
	assert.Equal(t, 2, c.exit(t))
	assert.Contains(t, c.stderr.String(), "one input at most")
}
