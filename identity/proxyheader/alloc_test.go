//go:build !race

package proxyheader_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity/proxyheader"
)

// (The race detector changes allocation counts, hence the build tag.)
func TestExtractAllocatesNothing(t *testing.T) {
	ext, err := proxyheader.New(proxyheader.WithTrustedProxies("10.0.0.0/8"),
		proxyheader.WithIdentifierHeader("X-Forwarded-Email"), proxyheader.WithEmailHeader("X-Forwarded-Email"))
	require.NoError(t, err)
	r := request("10.0.0.1:1234", http.Header{"X-Forwarded-Email": {"ann@example.com"}})
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, ok, _ := ext.Extract(r); !ok {
			t.Fatal("no user")
		}
	}))
}
