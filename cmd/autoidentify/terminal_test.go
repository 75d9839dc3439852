package main_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
)

// On a real terminal (script(1) gives the command one), reading standard
// input: a spinner rather than an empty frame, and the invalid line's
// message on a line of its own, never glued to the progress line.
func TestProgressOnARealTerminal(t *testing.T) {
	t.Parallel()
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) not on PATH (util-linux)")
	}
	bin, err := binary()
	require.NoError(t, err)
	api := engagespottest.NewServer(t)
	path := writeUsers(t, 200, func(i int) string {
		if i == 2 {
			return "not json"
		}
		return ""
	})
	c := exec.Command(script, "-qec", bin+" backfill - < "+path, "/dev/null")
	c.Env = []string{"TERM=xterm"}
	for k, v := range apiEnv(api) {
		c.Env = append(c.Env, k+"="+v)
	}
	out, _ := c.CombinedOutput()
	got := string(out)
	require.Contains(t, got, "line 2: not valid JSON", got)
	for _, frame := range strings.Split(got, "\r") {
		if strings.Contains(frame, "line 2:") {
			assert.True(t, strings.HasPrefix(frame, "\033[Kline 2:"), "the message starts its own line: %q", frame)
		}
	}
	assert.NotContains(t, got, "\r[", "no empty frame")
	assert.Regexp(t, `\r[|/\\-] \d+ lines`, got, "a spinner")
}
