package proxyheader_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/proxyheader"
	"github.com/autoidentify/autoidentify/middleware"
)

// An app behind oauth2-proxy (--set-xauthrequest), which reaches the app
// from 10.0.0.0/24: its header names the user; the same header from
// anywhere else names nobody.
func Example() {
	ext, err := proxyheader.New(
		proxyheader.WithTrustedProxies("10.0.0.0/24"),
		proxyheader.WithIdentifierHeader("X-Auth-Request-User"),
		proxyheader.WithEmailHeader("X-Auth-Request-Email"))
	if err != nil {
		panic(err)
	}
	dir, _ := memory.New() // in production: an engagespot.Client
	m, err := middleware.New(dir, middleware.WithExtractor(ext))
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := identity.FromContext(r.Context())
		fmt.Printf("user %q found: %v\n", id.Identifier, ok)
	}))

	for _, from := range []string{"10.0.0.5:41000", "203.0.113.9:52000"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = from
		r.Header.Set("X-Auth-Request-User", "ann")
		r.Header.Set("X-Auth-Request-Email", "ann@example.com")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	_ = m.Flush(context.Background())
	fmt.Println(dir.Identifiers())
	// Output:
	// user "ann" found: true
	// user "" found: false
	// [ann]
}
