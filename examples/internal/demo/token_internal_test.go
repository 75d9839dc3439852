package demo

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The curl line must name an address a client can dial.
func TestDialable(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "127.0.0.1:8080",
		"0.0.0.0:8080":   "localhost:8080",
		"[::]:8080":      "localhost:8080",
		"[::1]:9000":     "[::1]:9000",
		":8080":          "localhost:8080",
	} {
		tcp, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		assert.Equal(t, want, dialable(tcp), addr)
	}
}
