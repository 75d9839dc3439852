package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
BenchmarkMiddleware/users=64/baseline         	100000000	         3.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=64/baseline         	100000000	         5.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=64/baseline         	100000000	         4.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=64/baseline-2       	100000000	         4.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=64/floor            	 6000000	        30.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=64/hit              	 6000000	        54.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=64/hit-2            	 6000000	        50.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=64/hit-parallel     	 6000000	        56.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=64/hit-parallel-2   	 6000000	        28.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=64/hit-jwt-2        	   50000	      6000 ns/op	    3300 B/op	      63 allocs/op
BenchmarkMiddleware/users=4096/floor          	 6000000	        50.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=4096/hit            	 6000000	        90.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/users=4096/floor-jwt      	 1000000	       800.0 ns/op	     464 B/op	       2 allocs/op
BenchmarkMiddleware/users=4096/hit-jwt        	 1000000	      1000.0 ns/op	     464 B/op	       2 allocs/op
BenchmarkMiddleware/users=4096/parse-hs256    	  100000	     11000.0 ns/op	    3000 B/op	      50 allocs/op
BenchmarkJWTOverhead/HS256-2         	    8000	    280000 ns/op	      7000 golang-jwt-ns/op	  1.010 median-ratio	 7070 ours-ns/op
BenchmarkCacheMemory-2               	       1	 900000000 ns/op	       147.9 B/user
BenchmarkOverFloor/users=4096/hit-jwt/floor-jwt 	    1000	     60000 ns/op	       600.0 floor-ns/op	         1.100 median-ratio	        60.00 median-added-ns/op	       660.0 path-ns/op
BenchmarkOverFloor/users=64/hit/baseline-2 	    1000	      3000 ns/op	         4.000 floor-ns/op	        13.00 median-ratio	        48.00 median-added-ns/op	        52.0 path-ns/op
BenchmarkJWTCached/sessions=4096/floor      	  200000	       160.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkJWTCached/sessions=4096/verified   	  200000	       200.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkJWTCached/sessions=4096/extract    	  200000	       240.0 ns/op	       0 B/op	       0 allocs/op
PASS
`

func TestRatios(t *testing.T) {
	t.Parallel()
	res, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	v, ok := res.median("BenchmarkMiddleware/users=64/baseline", 1, "ns/op")
	require.True(t, ok)
	assert.InDelta(t, 4.0, v, 1e-9, "the median of three runs")
	v, _ = res.median("BenchmarkMiddleware/users=64/hit-jwt", 2, "ns/op")
	assert.InDelta(t, 6000, v, 1e-9, "a name with a dash keeps it")
	assert.Equal(t, []int{1, 2}, res.procs)

	var out bytes.Buffer
	assert.True(t, res.report(&out), out.String())
	for _, want := range []string{
		"| users=64 | hit | 1 | 54.0 | 0 | 0 | +50.0 | 1 |",
		"| users=64/hit | 56.0 | 28.0 | 2.00× |",
		"| users=64 | 1 | 1.80× | – | – |",
		"| users=4096 | 1 | 1.80× | 1.25× | 0.09× |",
		"| hit / its floor (users=4096, GOMAXPROCS 1) | 1.80×, 0 allocs | <= 2×, 0 allocs | yes |",
		"| hit-jwt / its floor (users=4096, GOMAXPROCS 1, alternating batches) | 1.10× | <= 1.3× | yes |",
		"| users=4096/hit-jwt/floor-jwt | 1 | 660.0 | 600.0 | 1.10× | +60.0 | 1 |",
		"| hit adds to baseline (users=64, GOMAXPROCS 1) | +50.0 ns | <= 60 ns | yes |",
		"| hit adds to baseline (users=64, GOMAXPROCS 2, alternating batches) | +48.0 ns | <= 60 ns | yes |",
		"| hit-jwt / ParseWithClaims HS256 (users=4096, GOMAXPROCS 1) | 0.091× | <= 0.1× | yes |",
		"| HS256 | 2 | 7070 | 7000 | 1.010 | 1 |",
		"| cache memory at 1M users (GOMAXPROCS 2) | 147.9 B/user | <= 200 B/user | yes |",
		"| CacheMemory | 2 | 900000000.0 | – | – | 147.9 B/user | 1 |",
		"| sessions=4096 | 1 | 160.0 | 200.0 | 1.25× | 240.0 | 1.50× |",
	} {
		assert.Contains(t, out.String(), want)
	}
	assert.NotContains(t, out.String(), "| JWTCached/", "in its own table, not among the others")
}

func TestRatiosReportsAGoalNotMet(t *testing.T) {
	t.Parallel()
	res, err := parse(strings.NewReader(strings.ReplaceAll(sample, "54.0 ns/op", "90.0 ns/op")))
	require.NoError(t, err)
	var out bytes.Buffer
	assert.False(t, res.report(&out))
	assert.Contains(t, out.String(), "| hit adds to baseline (users=64, GOMAXPROCS 1) | +86.0 ns | <= 60 ns | **no** |")
	assert.Contains(t, out.String(), "| hit / its floor (users=64, GOMAXPROCS 1) | 3.00×, 0 allocs | <= 2×, 0 allocs | **no** |")
}

func TestRatiosNeedsResults(t *testing.T) {
	t.Parallel()
	_, err := parse(strings.NewReader("PASS\n"))
	assert.Error(t, err)
}
