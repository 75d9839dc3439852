package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
	"github.com/autoidentify/autoidentify/identity"
)

// sessionHeader carries the session of a request: the stand-in for the
// app's own authentication, which the middleware runs after.
const sessionHeader = "X-Session"

// app is the example app's handler: it greets the signed-in user.
var app = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	id, ok := identity.FromContext(r.Context())
	if !ok {
		http.Error(w, "who are you?", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "hello "+id.Identifier+"\n")
})

// sessions is the upstream authentication of a signed-in user: a session
// store lookup that puts the user in the context (identity.NewContext), as
// an auth middleware does.
func sessions(users map[string]identity.Identity, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := users[r.Header.Get(sessionHeader)]; ok {
			r = r.WithContext(identity.NewContext(r.Context(), id))
		}
		next.ServeHTTP(w, r)
	})
}

// newcomers authenticates every session as a user of that name, for bursts
// of users nobody has seen.
func newcomers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := r.Header.Get(sessionHeader); s != "" {
			r = r.WithContext(identity.NewContext(r.Context(), person(s)))
		}
		next.ServeHTTP(w, r)
	})
}

// naive is the hand-written approach: upsert the user on every request,
// synchronously, before answering.
func naive(dir interface {
	Upsert(context.Context, identity.Identity) error
}, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := identity.FromContext(r.Context()); ok {
			if err := dir.Upsert(r.Context(), id); err != nil {
				http.Error(w, "upsert failed", http.StatusBadGateway)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// person is the identity of a user named identifier, with a profile such as
// the OpenID Connect claims give.
func person(identifier string) identity.Identity {
	return identity.Identity{Identifier: identifier, Profile: identity.Profile{
		Email: identifier + "@example.com", FirstName: "Ann", LastName: "Example",
	}}
}

// population returns n users, by session.
func population(prefix string, n int) (map[string]identity.Identity, []string) {
	users := make(map[string]identity.Identity, n)
	keys := make([]string, n)
	for i := range n {
		keys[i] = fmt.Sprintf("%s-%06d", prefix, i)
		users[keys[i]] = person(keys[i])
	}
	return users, keys
}

// server is an HTTP server on a loopback port.
type server struct {
	URL string
	srv *http.Server
	ln  net.Listener
}

func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{URL: "http://" + ln.Addr().String() + "/", ln: ln,
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = s.srv.Close()
	}
}

// transport keeps up to conns connections to one host open, so that
// clients reuse them rather than run out of loopback ports.
func transport(conns int) *http.Transport {
	return &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}
}

// fakeAPI starts the fake Engagespot API answering after latency, and a
// client of it that keeps conns connections open.
func fakeAPI(latency time.Duration, conns int) (*engagespottest.Server, *engagespot.Client, *http.Transport, error) {
	fake, err := engagespottest.Start()
	if err != nil {
		return nil, nil, nil, err
	}
	fake.SetLatency(latency)
	tr := transport(conns)
	client, err := engagespot.New(fake.APIKey, fake.APISecret,
		engagespot.WithBaseURL(fake.URL()), engagespot.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		fake.Close()
		return nil, nil, nil, err
	}
	return fake, client, tr, nil
}
