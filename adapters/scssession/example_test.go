package scssession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/alexedwards/scs/v2"

	"github.com/autoidentify/autoidentify/adapters/scssession"
)

func Example() {
	sm := scs.New()
	ext, err := scssession.New(sm)
	if err != nil {
		panic(err)
	}

	// The app's login handler puts the user in the session.
	login := sm.LoadAndSave(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "user_id", 42)
		sm.Put(r.Context(), "given_name", "Ann")
	}))
	w := httptest.NewRecorder()
	login.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/login", nil))

	// Later requests are served inside LoadAndSave, where the extractor runs.
	inbox := sm.LoadAndSave(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		id, ok, err := ext.Extract(r)
		fmt.Println(id.Identifier, id.Profile.FirstName, ok, err)
	}))
	r := httptest.NewRequest(http.MethodGet, "/inbox", nil)
	r.AddCookie(w.Result().Cookies()[0])
	inbox.ServeHTTP(httptest.NewRecorder(), r)

	// Outside LoadAndSave there is no session: no user, and no panic.
	_, ok, err := ext.Extract(r)
	fmt.Println(ok, err)
	// Output:
	// 42 Ann true <nil>
	// false <nil>
}
