package engagespottest_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
)

// The fake answers like Engagespot and remembers what it was sent.
func Example() {
	srv, err := engagespottest.Start() // in a test: engagespottest.NewServer(t)
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPut, srv.URL()+"/users/ann%40example.com",
		strings.NewReader(`{"firstName":"Ann"}`))
	req.Header.Set("X-ENGAGESPOT-API-KEY", srv.APIKey)
	req.Header.Set("X-ENGAGESPOT-API-SECRET", srv.APISecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	u, _ := srv.User("ann@example.com")
	last, _ := srv.LastRequest()
	fmt.Println(resp.StatusCode, srv.Calls(), u.Profile().FirstName, last.Path)
	// Output: 200 1 Ann /v3/users/ann%40example.com
}

// Failures are injected for the next n requests, or Always.
func ExampleServer_RateLimit() {
	srv, err := engagespottest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.RateLimit(1, "30")

	for range 2 {
		req, _ := http.NewRequest(http.MethodPut, srv.URL()+"/users/u1", nil)
		req.Header.Set("X-ENGAGESPOT-API-KEY", srv.APIKey)
		req.Header.Set("X-ENGAGESPOT-API-SECRET", srv.APISecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Output:
	// 429 30
	// 200
}
