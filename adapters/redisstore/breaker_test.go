package redisstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBreaker(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	b := &breaker{cooldown: time.Second, now: func() time.Time { return now }}
	admit := func(wantOK, wantProbe bool, msg string) {
		t.Helper()
		ok, probe := b.admit()
		require.Equal(t, wantOK, ok, msg)
		require.Equal(t, wantProbe, probe, msg)
	}

	admit(true, false, "closed: every call goes through")
	assert.False(t, b.succeeded(false))
	assert.True(t, b.failed(false), "the first failure opens it")
	assert.False(t, b.failed(false), "a second in-flight failure is not a new outage")
	assert.False(t, b.succeeded(false), "an older call that succeeds proves nothing")
	admit(false, false, "open: refused during the cooldown")

	now = now.Add(time.Second)
	admit(true, true, "cooldown over: one probe")
	admit(false, false, "only one probe at a time")
	b.abandoned(true)
	admit(true, true, "an abandoned probe lets the next call probe")
	assert.False(t, b.failed(true), "a failed probe is not a new outage")
	admit(false, false, "a failed probe starts a new cooldown")

	now = now.Add(time.Second)
	admit(true, true, "probe again")
	assert.True(t, b.succeeded(true), "a successful probe closes it")
	admit(true, false, "closed again")
}
