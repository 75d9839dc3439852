package engagespot_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/identity"
)

// BenchmarkUpsert measures the client's own cost per call, against a
// loopback server that answers 200 at once.
func BenchmarkUpsert(b *testing.B) {
	ts := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	b.Cleanup(ts.Close)
	c, err := engagespot.New("k", "s", engagespot.WithBaseURL(ts.URL+"/v3"), engagespot.WithHTTPClient(ts.Client()))
	require.NoError(b, err)
	id := identity.Identity{Identifier: "ann@example.com", Profile: identity.Profile{
		Email: "ann@example.com", PhoneNumber: "+15551234567", FirstName: "Ann", Custom: map[string]any{"plan": "pro"},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Upsert(b.Context(), id); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToken(b *testing.B) {
	s, err := engagespot.NewTokenSigner("k", pkcs1PEM(testKey(b)))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Token("ann@example.com"); err != nil {
			b.Fatal(err)
		}
	}
}
