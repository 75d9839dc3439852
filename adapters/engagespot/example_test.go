package engagespot_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity"
)

// Create or update a user. In production, pass your API key and secret and,
// for an EU workspace, engagespot.WithRegion(engagespot.RegionEU).
func Example() {
	srv, err := engagespottest.Start() // a fake Engagespot; in tests, engagespottest.NewServer(t)
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	client, err := engagespot.New(srv.APIKey, srv.APISecret, engagespot.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	err = client.Upsert(context.Background(), identity.Identity{
		Identifier: "a/b?c#d é",
		Profile:    identity.Profile{Email: "ann@example.com", FirstName: "Ann"},
	})
	fmt.Println(err)

	u, _ := srv.User("a/b?c#d é")
	last, _ := srv.LastRequest()
	fmt.Println(last.Method, last.Path)
	fmt.Println(string(last.Body))
	fmt.Println(u.Email())
	// Output:
	// <nil>
	// PUT /v3/users/a%2Fb%3Fc%23d%20%C3%A9
	// {"email":"ann@example.com","firstName":"Ann"}
	// ann@example.com
}

// Errors say whether a retry can help, and when.
func ExampleAPIError() {
	srv, err := engagespottest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	client, _ := engagespot.New(srv.APIKey, srv.APISecret, engagespot.WithBaseURL(srv.URL()))

	srv.RateLimit(1, "30")
	err = client.Upsert(context.Background(), identity.Identity{Identifier: "user-1"})
	var apiErr *engagespot.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Retryable(), apiErr.RetryDelay())
	}
	fmt.Println(errors.Is(err, engagespot.ErrRateLimited))

	err = client.DeleteUser(context.Background(), "nobody")
	fmt.Println(errors.Is(err, engagespot.ErrNotFound))
	// Output:
	// 429 true 30s
	// true
	// true
}

// Backfill existing users: one bad user does not stop the others.
func ExampleClient_UpsertMany() {
	srv, err := engagespottest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	client, _ := engagespot.New(srv.APIKey, srv.APISecret, engagespot.WithBaseURL(srv.URL()))

	users := []identity.Identity{
		{Identifier: "user-1", Profile: identity.Profile{FirstName: "Ann"}},
		{Identifier: "bad\nid"},
		{Identifier: "user-3", Profile: identity.Profile{FirstName: "Cy"}},
	}
	err = client.UpsertMany(context.Background(), users, 8)
	var batchErr *engagespot.BatchError
	if errors.As(err, &batchErr) {
		for _, f := range batchErr.Failures {
			fmt.Printf("#%d: %v\n", f.Index, f.Err)
		}
		fmt.Println("worth another try:", len(batchErr.RetryableIdentities()))
	}
	fmt.Println(srv.Identifiers())
	// Output:
	// #1: engagespot: upsert user: identity: invalid identifier: control character U+000A at byte 3
	// worth another try: 0
	// [user-1 user-3]
}

// Mint the user token Engagespot's in-app library needs in secure mode.
func ExampleTokenSigner() {
	// The private signing key from the Engagespot console, as PEM; here a
	// fresh one. NewTokenSignerFromEnv reads ENGAGESPOT_PRIVATE_SIGNING_KEY.
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})

	signer, err := engagespot.NewTokenSigner("my-api-key", pemKey)
	if err != nil {
		panic(err)
	}
	token, err := signer.Token("user-1") // hand it to the front-end
	if err != nil {
		panic(err)
	}

	// What Engagespot checks, with the public key it keeps:
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return signer.PublicKey(), nil },
		jwt.WithValidMethods([]string{"RS256"}))
	fmt.Println(err, claims["sub"], claims["apiKey"])
	fmt.Println(signer) // the key is never printed
	// Output:
	// <nil> user:user-1 my-api-key
	// engagespot.TokenSigner{APIKey: my-api-key, PrivateKey: [REDACTED]}
}
