//go:build race

package ginjwtclaims_test

// raceEnabled: the race detector makes sync.Pool (which Gin uses for its
// contexts) drop items at random, so allocation counts mean nothing.
const raceEnabled = true
