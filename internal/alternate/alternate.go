// Package alternate measures a path of code against a peer in alternating
// batches, for benchmarks whose ratios must hold on a busy machine.
package alternate

import (
	"slices"
	"testing"
	"time"
)

// Batches runs path and peer in batches of n calls each, path's batch first
// then peer's, then peer's first, for as long as b loops, so that the load
// of other processes and the garbage collector hit both alike: separate
// runs drift apart on a shared machine. call(i) is a path's i-th call since
// the start. It reports, per call, the mean ns of each, under the units
// pathUnit and peerUnit, and the medians of the per-batch ratios path/peer
// ("median-ratio") and of the per-batch differences ("median-added-ns/op"),
// which bench/ratios reads.
func Batches(b *testing.B, n int, pathUnit string, path func(i int), peerUnit string, peer func(i int)) {
	b.Helper()
	batch := func(call func(int), from int) time.Duration {
		start := time.Now()
		for i := range n {
			call(from + i)
		}
		return time.Since(start)
	}
	var ratios, added []float64
	var pathTotal, peerTotal time.Duration
	for k := 0; b.Loop(); k++ {
		var p, q time.Duration
		if from := k * n; k%2 == 0 {
			p, q = batch(path, from), batch(peer, from)
		} else {
			q, p = batch(peer, from), batch(path, from)
		}
		pathTotal += p
		peerTotal += q
		ratios = append(ratios, float64(p)/float64(q))
		added = append(added, float64(p-q)/float64(n))
	}
	slices.Sort(ratios)
	slices.Sort(added)
	calls := float64(len(ratios) * n)
	b.ReportMetric(float64(pathTotal.Nanoseconds())/calls, pathUnit)
	b.ReportMetric(float64(peerTotal.Nanoseconds())/calls, peerUnit)
	b.ReportMetric(ratios[len(ratios)/2], "median-ratio")
	b.ReportMetric(added[len(added)/2], "median-added-ns/op")
}
