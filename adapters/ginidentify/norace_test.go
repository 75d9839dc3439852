//go:build !race

package ginidentify_test

const raceEnabled = false
