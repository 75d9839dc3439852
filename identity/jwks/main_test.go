package jwks

import (
	"testing"

	"go.uber.org/goleak"
)

// JWKS starts refresh goroutines and HTTP connections: none may outlive the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
