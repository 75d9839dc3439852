package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/autoidentify/autoidentify/adapters/memory"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// signedInAs returns a request whose user an auth middleware already put in
// the context.
func signedInAs(id identity.Identity) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	return r.WithContext(identity.NewContext(r.Context(), id))
}

// The middleware syncs each signed-in user in the background, once.
func Example() {
	dir, err := memory.New() // in production: an engagespot.Client
	if err != nil {
		panic(err)
	}
	m, err := middleware.New(dir)
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())

	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := identity.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s", id.Profile.FirstName)
	})
	h := m.Handler(app)

	ann := identity.Identity{Identifier: "ann", Profile: identity.Profile{Email: "ann@example.com", FirstName: "Ann"}}
	h.ServeHTTP(httptest.NewRecorder(), signedInAs(ann)) // ann is synced in the background
	_ = m.Flush(context.Background())                    // for the example only: requests never wait
	for range 2 {
		h.ServeHTTP(httptest.NewRecorder(), signedInAs(ann)) // synced already: nothing to do
	}

	p, ok := dir.User("ann")
	st := m.Stats()
	fmt.Println(ok, p.Email, st.Synced, st.Hits)
	// Output: true ann@example.com 1 2
}

// Routes can find users differently, or leave them unsynced, while sharing
// one cache, queue and worker pool.
func ExampleMiddleware_With() {
	dir, err := memory.New()
	if err != nil {
		panic(err)
	}
	m, err := middleware.New(dir)
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())

	fromHeader := identity.ExtractorFunc(func(r *http.Request) (identity.Identity, bool, error) {
		v := r.Header.Get("X-User")
		return identity.Identity{Identifier: v}, v != "", nil
	})
	api, err := m.With(middleware.WithExtractor(fromHeader), middleware.WithRequired(true))
	if err != nil {
		panic(err) // a nil option, or one of the whole middleware
	}
	mux := http.NewServeMux()
	mux.Handle("/app/", m.Handler(http.NotFoundHandler()))
	mux.Handle("/api/", api.Handler(http.NotFoundHandler()))
	mux.Handle("/health", http.NotFoundHandler()) // left out

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/orders", nil))
	fmt.Println(w.Code, w.Body.String())
	// Output: 401 {"error":"unauthorized"}
}

// Before notifying a user who must exist now, Ensure syncs them, or returns
// at once if they are synced already.
func ExampleMiddleware_Ensure() {
	dir, err := memory.New()
	if err != nil {
		panic(err)
	}
	m, err := middleware.New(dir)
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())

	err = m.Ensure(context.Background(), identity.Identity{Identifier: "bob", Profile: identity.Profile{FirstName: "Bob"}})
	_, ok := dir.User("bob")
	fmt.Println(err, ok)
	// Output: <nil> true
}

type exampleSigner struct{}

func (exampleSigner) Token(identifier string) (string, error) { return "token-of-" + identifier, nil }

// In secure mode, users are identified but not created automatically, and
// the front-end gets its user token from TokenHandler.
func ExampleMiddleware_TokenHandler() {
	dir, err := memory.New()
	if err != nil {
		panic(err)
	}
	m, err := middleware.New(dir, middleware.WithSecureMode(true),
		middleware.WithTokenSigner(exampleSigner{})) // in production: an engagespot.TokenSigner
	if err != nil {
		panic(err)
	}
	defer m.Close(context.Background())

	w := httptest.NewRecorder()
	m.Handler(m.TokenHandler()).ServeHTTP(w, signedInAs(identity.Identity{Identifier: "ann"}))
	_, created := dir.User("ann")
	fmt.Print(w.Code, " ", w.Body.String())
	fmt.Println(created)
	// Output:
	// 200 {"token":"token-of-ann"}
	// false
}
