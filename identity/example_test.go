package identity_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/autoidentify/autoidentify/identity"
)

func ExampleNewClaimsMapper() {
	mapper, err := identity.NewClaimsMapper(
		identity.WithIdentifierClaim("email"),                           // the app's users are known by email
		identity.WithAttributeClaim("firstName", "profile", "first"),    // a nested claim
		identity.WithAttributeClaim("plan", "https://example.com/plan"), // a namespaced custom claim
		identity.WithOnDropped(func(err error) { fmt.Println("dropped:", err) }),
	)
	if err != nil {
		panic(err)
	}
	id, err := mapper.Map(map[string]any{
		"sub":                      "auth0|abc",
		"email":                    "ada@example.com",
		"phone_number":             "not a number",
		"profile":                  map[string]any{"first": "Ada"},
		"https://example.com/plan": "pro",
	})
	fmt.Println(err)
	fmt.Println(id.Identifier, id.Profile.FirstName, id.Profile.PhoneNumber == "", id.Profile.Custom["plan"])
	// Output:
	// dropped: identity: invalid attribute: phoneNumber: no country code (want E.164, e.g. +15551234567)
	// <nil>
	// ada@example.com Ada true pro
}

func ExampleClaimsMapper_MapLookup() {
	// Session stores hand out values one key at a time.
	session := map[any]any{"user_id": 42, "name": "Ada Lovelace"}
	mapper, err := identity.NewClaimsMapper(identity.WithIdentifierClaim("user_id"), identity.WithNumericIdentifiers())
	if err != nil {
		panic(err)
	}
	id, err := mapper.MapLookup(func(key string) (any, bool) {
		v, ok := session[key]
		return v, ok
	})
	fmt.Println(id.Identifier, id.Profile.Name, err)
	// Output: 42 Ada Lovelace <nil>
}

func ExampleFromContext() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := identity.FromContext(r.Context()); ok {
			fmt.Fprintf(w, "hello %s", id.Profile.FirstName)
			return
		}
		fmt.Fprint(w, "hello stranger")
	})

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(identity.NewContext(r.Context(), identity.Identity{
		Identifier: "user-42", Profile: identity.Profile{FirstName: "Ada"},
	}))
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	fmt.Println(w.Body.String())
	// Output: hello Ada
}

// An extractor that keeps what it verified (jwtverify's) hands out a
// Verified shared by every request with the same token; the request's
// context carries it without a copy, and FromContext hands out a copy that
// is the handler's own.
func ExampleNewContextVerified() {
	kept := identity.NewVerified(identity.Identity{
		Identifier: "user-1",
		Profile:    identity.Profile{Email: "ann@example.com", Custom: map[string]any{"plan": "pro"}},
	})
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(identity.NewContextVerified(r.Context(), kept))

	id, _ := identity.FromContext(r.Context())
	id.Profile.Custom["plan"] = "free" // the handler's copy
	fmt.Println(id.Identifier, id.Profile.Custom["plan"], kept.Identity.Profile.Custom["plan"])
	// Output: user-1 free pro
}

func ExampleValidateIdentifier() {
	for _, s := range []string{"user-42", "", "a\x00b", "   "} {
		fmt.Println(identity.ValidateIdentifier(s))
	}
	// Output:
	// <nil>
	// identity: invalid identifier: empty
	// identity: invalid identifier: control character U+0000 at byte 1
	// identity: invalid identifier: blank
}

func ExampleProfile_Fingerprint() {
	a := identity.Profile{Email: "ada@example.com", Custom: map[string]any{"plan": "pro", "seats": 3}}
	b := identity.Profile{Email: "ada@example.com", Custom: map[string]any{"seats": 3.0, "plan": "pro"}}
	fmt.Println(a.Fingerprint() == b.Fingerprint())
	b.Custom["plan"] = "team"
	fmt.Println(a.Fingerprint() == b.Fingerprint())
	// Output:
	// true
	// false
}
