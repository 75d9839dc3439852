package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// On a terminal, a message goes above the bar, on a line of its own, and
// the bar is drawn again under it; with no total (standard input) a
// spinner turns where the bar would be an empty frame. Before, the first
// invalid line's message was glued to the bar's line, and standard input
// showed an empty frame.
func TestProgressOnATerminal(t *testing.T) {
	var out bytes.Buffer
	p := &progress{w: &out, bar: true, total: -1, verb: "synced", stop: make(chan struct{})}
	p.update(func(c *counts) { c.synced = 5 })
	p.show()
	p.println("line 3: not valid JSON (at byte 9)")
	p.show()

	got := out.String()
	assert.NotRegexp(t, "\r\\[", got, "no empty frame without a total")
	frames := strings.Split(got, "\r")
	assert.Contains(t, frames[1], "5 lines")
	assert.True(t, strings.HasPrefix(frames[2], "\033[Kline 3: not valid JSON (at byte 9)\n"), "the message clears the bar's line and ends its own: %q", frames[2])
	assert.NotEqual(t, frames[1][:1], frames[3][:1], "the spinner turns")

	out.Reset()
	bar := &progress{w: &out, bar: true, total: 10, verb: "synced", stop: make(chan struct{})}
	bar.update(func(c *counts) { c.synced = 5 })
	bar.show()
	assert.Contains(t, out.String(), "[===============               ] 5/10 (50%)")
}
