package middleware

import (
	"sync/atomic"
	"unsafe"
)

// perCore is a counter striped over cache lines of their own, each
// goroutine adding to the stripe its stack's address picks. One shared
// atomic counter would make every hit fetch its cache line from the core
// that counted last: with hits of some 40 ns, that transfer alone took more
// time than the hit, and two cores served fewer hits than one.
//
// A goroutine's stack is its own and stays put, and a server's goroutine
// serves a connection's requests one after another, so a core adds to the
// same stripe request after request, a line it holds already, while the
// goroutines running on other cores add to theirs. Two that meet on a
// stripe still count exactly, since adds are atomic; they are only slower.
// (A sync.Pool of per-P cells did the same at about twice the cost: its Get
// and Put pin the goroutine to its P twice.)
type perCore struct {
	stripes [stripes]stripe
}

// stripes is how many lines a counter spreads over: enough that the
// goroutines running at once on 16 cores rarely meet (about one in 16 shares
// its stripe with another at a given moment). It costs 32 KiB a counter.
const stripes = 256

type stripe struct {
	n atomic.Uint64
	_ [120]byte // 128 bytes: a stripe shares no cache line, nor the line fetched with it, with another
}

// add counts one. It allocates nothing and takes no lock.
func (c *perCore) add() {
	c.stripes[stripeOf()].n.Add(1)
}

// stripeOf picks the calling goroutine's stripe from its stack's address,
// by the 2 KiB block (a goroutine's smallest stack) the call runs in.
//
//go:nosplit
func stripeOf() uint64 {
	var here byte
	return uint64(uintptr(unsafe.Pointer(&here))>>11) * 0x9E3779B97F4A7C15 >> (64 - 8) // the top 8 bits: 256 stripes
}

func (c *perCore) load() (n uint64) {
	for i := range c.stripes {
		n += c.stripes[i].n.Load()
	}
	return n
}
