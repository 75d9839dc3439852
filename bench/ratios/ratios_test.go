package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
BenchmarkMiddleware/baseline         	100000000	         3.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/baseline         	100000000	         5.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/baseline         	100000000	         4.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/baseline-2       	100000000	         4.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/hit              	 6000000	        54.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/hit-2            	 6000000	        50.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/hit-parallel     	 6000000	        56.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/hit-parallel-2   	 6000000	        28.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/hit-jwt-2        	   50000	      6000 ns/op	    3300 B/op	      63 allocs/op
BenchmarkJWTOverhead/HS256-2         	    8000	    280000 ns/op	      7000 golang-jwt-ns/op	  1.010 median-ratio	 7070 ours-ns/op
BenchmarkCacheMemory-2               	       1	 900000000 ns/op	       147.9 B/user
PASS
`

func TestRatios(t *testing.T) {
	t.Parallel()
	res, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	v, ok := res.median("BenchmarkMiddleware/baseline", 1, "ns/op")
	require.True(t, ok)
	assert.InDelta(t, 4.0, v, 1e-9, "the median of three runs")
	v, _ = res.median("BenchmarkMiddleware/hit-jwt", 2, "ns/op")
	assert.InDelta(t, 6000, v, 1e-9, "a name with a dash keeps it")
	assert.Equal(t, []int{1, 2}, res.procs)

	var out bytes.Buffer
	assert.True(t, res.report(&out), out.String())
	for _, want := range []string{
		"| hit | 1 | 54.0 | 0 | 0 | +50.0 | 1 |",
		"| hit | 56.0 | 28.0 | 2.00× |",
		"| HS256 | 2 | 7070 | 7000 | 1.010 | 1 |",
		"| cache memory at 1M users (GOMAXPROCS 2) | 147.9 B/user | <= 200 B/user | yes |",
		"| CacheMemory | 2 | 900000000.0 | – | – | 147.9 B/user | 1 |",
	} {
		assert.Contains(t, out.String(), want)
	}
}

func TestRatiosReportsAGoalNotMet(t *testing.T) {
	t.Parallel()
	res, err := parse(strings.NewReader(strings.ReplaceAll(sample, "54.0 ns/op", "90.0 ns/op")))
	require.NoError(t, err)
	var out bytes.Buffer
	assert.False(t, res.report(&out))
	assert.Contains(t, out.String(), "| /hit adds (GOMAXPROCS 1) | +86.0 ns, 0 allocs | <= 60 ns, 0 allocs | **no** |")
}

func TestRatiosNeedsResults(t *testing.T) {
	t.Parallel()
	_, err := parse(strings.NewReader("PASS\n"))
	assert.Error(t, err)
}
