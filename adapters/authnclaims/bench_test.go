package authnclaims_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/authn"

	"github.com/autoidentify/autoidentify/identity"
)

// authenticated returns a request whose context holds what authn's AuthFunc
// returned: an identity, or claims.
func authenticated(info any) *http.Request {
	r := httptest.NewRequest(http.MethodPost, meProcedure, nil)
	return r.WithContext(authn.SetInfo(r.Context(), info))
}

var (
	annIdentity = identity.Identity{Identifier: "ann", Profile: identity.Profile{Email: "ann@example.com"}}
	annClaims   = map[string]any{"sub": "ann", "email": "ann@example.com"}
)

// libraryRead is what an app does to read the user with authn alone.
func libraryRead(r *http.Request) (identity.Identity, bool) {
	id, ok := authn.GetInfo(r.Context()).(identity.Identity)
	return id, ok
}

func BenchmarkExtract(b *testing.B) {
	ext := extractor(b)
	withIdentity, withClaims := authenticated(annIdentity), authenticated(annClaims)
	b.Run("library", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := libraryRead(withIdentity); !ok {
				b.Fatal("no user")
			}
		}
	})
	for name, r := range map[string]*http.Request{"identity": withIdentity, "claims": withClaims} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, _ := ext.Extract(r); !ok {
					b.Fatal("no user")
				}
			}
		})
	}
}
