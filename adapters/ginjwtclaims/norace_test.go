//go:build !race

package ginjwtclaims_test

const raceEnabled = false
