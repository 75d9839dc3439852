package middleware

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// perCore is a counter that each core adds to in a cache line of its own.
// One shared atomic counter would make every hit fetch its cache line from
// the core that counted last: with hits of some 40 ns, that transfer alone
// took more time than the hit, and two cores served fewer hits than one.
//
// The cells live in a sync.Pool, whose Get and Put use the current P's own
// slot: a core takes its cell back on every add. The Pool drops its content
// at a garbage collection, so every cell is also kept in cells, where load
// sums them, and cells are handed out again rather than made anew: a cell
// that two cores come to share still counts exactly, since adds are atomic;
// it is only slower until the next collection.
type perCore struct {
	pool  sync.Pool // of *coreCell
	mu    sync.Mutex
	cells []*coreCell
	next  int // the cell handed out next, once there are enough
}

type coreCell struct {
	n atomic.Uint64
	_ [120]byte // 128 bytes: a cell shares no cache line, nor the line fetched with it, with another
}

// add counts one. It allocates nothing once each core has a cell.
func (c *perCore) add() {
	cell, _ := c.pool.Get().(*coreCell)
	if cell == nil {
		cell = c.cell()
	}
	cell.n.Add(1)
	c.pool.Put(cell)
}

func (c *perCore) cell() *coreCell {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cells) < 2*runtime.GOMAXPROCS(0) {
		cell := new(coreCell)
		c.cells = append(c.cells, cell)
		return cell
	}
	cell := c.cells[c.next%len(c.cells)]
	c.next++
	return cell
}

func (c *perCore) load() (n uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cell := range c.cells {
		n += cell.n.Load()
	}
	return n
}
