package gorillasession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gorilla/sessions"

	"github.com/autoidentify/autoidentify/adapters/gorillasession"
)

func Example() {
	store := sessions.NewCookieStore([]byte("0123456789abcdef0123456789abcdef"))
	ext, err := gorillasession.New(store, "app-session")
	if err != nil {
		panic(err)
	}

	// The app's login handler puts the user in the session.
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := store.Get(r, "app-session")
		s.Values["user_id"] = 42
		s.Values["email"] = "ann@example.com"
		_ = s.Save(r, w)
	})
	w := httptest.NewRecorder()
	login.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/login", nil))

	// A later request carries the session cookie.
	r := httptest.NewRequest(http.MethodGet, "/inbox", nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	id, ok, err := ext.Extract(r)
	fmt.Println(id.Identifier, id.Profile.Email, ok, err)

	// Without the cookie there is no user, and no error.
	_, ok, err = ext.Extract(httptest.NewRequest(http.MethodGet, "/inbox", nil))
	fmt.Println(ok, err)
	// Output:
	// 42 ann@example.com true <nil>
	// false <nil>
}
