package oteltracing_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test closes the middleware it starts; no goroutine may outlive them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
