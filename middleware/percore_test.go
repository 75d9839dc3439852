package middleware

import (
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPerCoreCountsExactly: adds from many goroutines, while collections
// empty the Pool again and again, all count, and the cells stay few.
func TestPerCoreCountsExactly(t *testing.T) {
	t.Parallel()
	var c perCore
	const goroutines, adds = 8, 20_000
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for i := range adds {
				c.add()
				if i%5000 == 0 {
					runtime.GC() // the Pool drops its cells
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, uint64(goroutines*adds), c.load())
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.LessOrEqual(t, len(c.cells), 2*runtime.GOMAXPROCS(0))
}

func TestPerCoreAllocatesNothing(t *testing.T) { // not parallel: AllocsPerRun counts the whole process
	var c perCore
	c.add()
	assert.Zero(t, testing.AllocsPerRun(1000, c.add))

	// A collection empties the Pool; cells are handed out again, not made
	// anew. (The Pool itself then makes its array of per-P slots once.)
	cells := func() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.cells) }
	emptied := func() { runtime.GC(); runtime.GC() } // the Pool keeps its content through one
	for range 2 * runtime.GOMAXPROCS(0) {
		emptied()
		c.add()
	}
	assert.Equal(t, 2*runtime.GOMAXPROCS(0), cells())
	for range 10 {
		emptied()
		c.add()
	}
	assert.Equal(t, 2*runtime.GOMAXPROCS(0), cells(), "no cell made after the first 2×GOMAXPROCS")
	assert.Equal(t, uint64(1+1001+2*runtime.GOMAXPROCS(0)+10), c.load())
}
