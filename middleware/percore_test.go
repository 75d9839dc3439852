package middleware

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPerCoreCountsExactly: adds from many goroutines at once all count.
func TestPerCoreCountsExactly(t *testing.T) {
	t.Parallel()
	var c perCore
	const goroutines, adds = 32, 20_000
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range adds {
				c.add()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, uint64(goroutines*adds), c.load())
}

// TestPerCoreSpreadsGoroutines: goroutines of their own stacks add to
// stripes of their own, mostly.
func TestPerCoreSpreadsGoroutines(t *testing.T) {
	t.Parallel()
	const goroutines = 16
	seen := make(chan uint64, goroutines)
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range goroutines {
		wg.Go(func() {
			seen <- stripeOf()
			<-release // all alive at once: distinct stacks
		})
	}
	distinct := map[uint64]bool{}
	for range goroutines {
		distinct[<-seen] = true
	}
	close(release)
	wg.Wait()
	assert.GreaterOrEqual(t, len(distinct), goroutines/2, "16 goroutines over %d stripes", stripes)
}

func TestPerCoreAllocatesNothing(t *testing.T) { // not parallel: AllocsPerRun counts the whole process
	var c perCore
	assert.Zero(t, testing.AllocsPerRun(1000, c.add))
	assert.Equal(t, uint64(1001), c.load())
}
