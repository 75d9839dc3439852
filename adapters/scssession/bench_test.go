package scssession_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/scssession"
	"github.com/autoidentify/autoidentify/identity"
)

// Each scs read costs what scs.Get costs (it boxes its context key), so the
// extractor is compared with the app reading the same session keys.
var (
	// defaultKeys are the keys the default mapping reads.
	defaultKeys = []string{"user_id", "email", "phone_number", "given_name", "family_name", "name", "picture"}
	// narrowKeys are the keys read with narrowMapping.
	narrowKeys    = []string{"user_id", "email"}
	narrowMapping = scssession.WithClaimsOptions(
		identity.WithAttributeClaim("phoneNumber"), identity.WithAttributeClaim("firstName"),
		identity.WithAttributeClaim("lastName"), identity.WithAttributeClaim("name"),
		identity.WithAttributeClaim("avatar"))
)

// loadedRequest returns a request whose context holds a session loaded from
// the store, as LoadAndSave leaves it, with a string user id and an email.
func loadedRequest(tb testing.TB, sm *scs.SessionManager) *http.Request {
	tb.Helper()
	cookie := login(tb, sm, func(ctx context.Context) {
		sm.Put(ctx, "user_id", "u-1")
		sm.Put(ctx, "email", "ann@example.com")
	})
	ctx, err := sm.Load(context.Background(), cookie.Value)
	require.NoError(tb, err)
	return httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
}

// libraryRead is what an app does to read these keys with scs alone.
func libraryRead(sm *scs.SessionManager, r *http.Request, keys []string) bool {
	id := sm.GetString(r.Context(), keys[0])
	for _, k := range keys[1:] {
		_ = sm.GetString(r.Context(), k)
	}
	return id != ""
}

func BenchmarkExtract(b *testing.B) {
	sm := newManager(b)
	r := loadedRequest(b, sm)
	for _, bc := range []struct {
		name string
		keys []string
		opts []scssession.Option
	}{
		{name: "default mapping", keys: defaultKeys},
		{name: "id and email", keys: narrowKeys, opts: []scssession.Option{narrowMapping}},
	} {
		ext, err := scssession.New(sm, bc.opts...)
		require.NoError(b, err)
		b.Run(bc.name+"/library", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !libraryRead(sm, r, bc.keys) {
					b.Fatal("no user")
				}
			}
		})
		b.Run(bc.name+"/extractor", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, _ := ext.Extract(r); !ok {
					b.Fatal("no user")
				}
			}
		})
	}
}
