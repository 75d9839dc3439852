package middleware_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test closes what it starts; no goroutine may outlive the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
