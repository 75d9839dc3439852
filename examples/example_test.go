package examples_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/adapters/ginidentify"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/middleware"
)

// These examples run the README's quick starts (quoted from
// readme_example_test.go) against a fake Engagespot API.

// The README's quick start for net/http.
func Example_netHTTP() {
	fake, err := engagespottest.Start() // stands in for api.engagespot.co
	if err != nil {
		panic(err)
	}
	defer fake.Close()
	apiKey, apiSecret := fake.APIKey, fake.APISecret

	client, err := engagespot.New(apiKey, apiSecret, engagespot.WithBaseURL(fake.URL()))
	check(err)
	jwtExtractor, err := jwtverify.New(jwtverify.HMACKey(secret)) // or jwks.New(ctx, url) for your identity provider
	check(err)
	m, err := middleware.New(client, middleware.WithExtractor(jwtExtractor))
	check(err)
	defer m.Close(context.Background()) // drains the syncs under way

	mux := http.NewServeMux()
	mux.Handle("/api/", m.Handler(hello)) // every signed-in user of /api/ exists in Engagespot

	fmt.Println(serve(mux, "/api/hello", signIn("user-1", "ada@example.com", "Ada")))
	_ = m.Flush(context.Background()) // for the example only: requests never wait
	u, _ := fake.User("user-1")
	fmt.Println(u.Identifier, u.Email(), u.Profile().FirstName)
	// Output:
	// 200 hello user-1
	// user-1 ada@example.com Ada
}

// The README's quick start for Gin.
func Example_gin() {
	fake, err := engagespottest.Start()
	if err != nil {
		panic(err)
	}
	defer fake.Close()
	client, err := engagespot.New(fake.APIKey, fake.APISecret, engagespot.WithBaseURL(fake.URL()))
	check(err)
	jwtExtractor, err := jwtverify.New(jwtverify.HMACKey(secret))
	check(err)
	m, err := middleware.New(client, middleware.WithExtractor(jwtExtractor))
	check(err)
	defer m.Close(context.Background())

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	identify, err := ginidentify.New(m, middleware.WithRequired(true)) // 401 without a user
	if err != nil {
		panic(err)
	}
	api := r.Group("/api", identify)
	api.GET("/me", func(c *gin.Context) {
		id, _ := ginidentify.FromContext(c)
		c.JSON(http.StatusOK, gin.H{"identifier": id.Identifier})
	})

	fmt.Println(serve(r, "/api/me", signIn("user-2", "grace@example.com", "Grace")))
	fmt.Println(serve(r, "/api/me", ""))
	_ = m.Flush(context.Background())
	fmt.Println(fake.Identifiers())
	// Output:
	// 200 {"identifier":"user-2"}
	// 401 {"error":"unauthorized"}
	// [user-2]
}

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, _ := identity.FromContext(r.Context())
	fmt.Fprint(w, "hello ", id.Identifier)
})

// signIn is the token an identity provider would issue.
func signIn(sub, email, firstName string) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "email": email, "given_name": firstName, "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(secret)
	check(err)
	return tok
}

// serve runs one request through h and returns the status and the body.
func serve(h http.Handler, path, token string) string {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return fmt.Sprintf("%d %s", w.Code, strings.TrimSpace(w.Body.String()))
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
