package clerkclaims_test

import (
	"context"
	"net/http"
	"os"

	"github.com/clerk/clerk-sdk-go/v2"
	clerkhttp "github.com/clerk/clerk-sdk-go/v2/http"

	"github.com/autoidentify/autoidentify/adapters/clerkclaims"
	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// Clerk's middleware verifies the session token; the Extractor names its
// user; ProfileLoader gives Engagespot the email and phone number Clerk's
// session tokens do not carry, from Clerk's Backend API, in the background.
// (Not run: it needs a Clerk instance. TestClerkSessionWithTheLoadedProfile
// runs the same against a local one.)
func Example() {
	clerk.SetKey(os.Getenv("CLERK_SECRET_KEY"))
	client, err := engagespot.New(os.Getenv("ENGAGESPOT_API_KEY"), os.Getenv("ENGAGESPOT_API_SECRET"))
	if err != nil {
		panic(err)
	}
	ext, err := clerkclaims.New()
	if err != nil {
		panic(err)
	}
	m, err := middleware.New(client,
		middleware.WithExtractor(ext),
		middleware.WithProfileLoader(clerkclaims.ProfileLoader(nil)))
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())

	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := identity.FromContext(r.Context())
		_, _ = w.Write([]byte(id.Identifier))
	})
	_ = http.ListenAndServe(":8080", clerkhttp.WithHeaderAuthorization()(m.Handler(app)))
}
