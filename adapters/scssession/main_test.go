package scssession_test

import (
	"testing"

	"go.uber.org/goleak"
)

// No test may leave a goroutine behind, except the cleanup goroutine of the
// memstore scs.New starts: memstore.StopCleanup races with that goroutine's
// start (it reads the channel the goroutine assigns), so it cannot be
// stopped cleanly. It only ticks once a minute.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/alexedwards/scs/v2/memstore.(*MemStore).startCleanup"))
}
