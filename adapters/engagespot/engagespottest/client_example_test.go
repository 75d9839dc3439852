package engagespottest_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity"
)

// Point the client at the fake, then check what Engagespot would hold.
func Example_withClient() {
	srv, err := engagespottest.Start() // in a test: srv := engagespottest.NewServer(t)
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	client, err := engagespot.New(srv.APIKey, srv.APISecret,
		engagespot.WithBaseURL(srv.URL()), engagespot.WithHTTPClient(srv.HTTPClient()))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	srv.FailNext(1, http.StatusBadGateway) // the first call fails
	err = client.Upsert(ctx, identity.Identity{Identifier: "user-1", Profile: identity.Profile{Email: "ann@example.com"}})
	fmt.Println(err)
	err = client.Upsert(ctx, identity.Identity{Identifier: "user-1", Profile: identity.Profile{Email: "ann@example.com"}})
	fmt.Println(err)

	u, ok := srv.User("user-1")
	fmt.Println(ok, u.Email(), srv.Calls(), srv.CallsFor("user-1"))
	// Output:
	// engagespot: upsert user: 502 Bad Gateway: {"error":"Bad Gateway","message":"injected fault","statusCode":502}
	// <nil>
	// true ann@example.com 2 2
}
