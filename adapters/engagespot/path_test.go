package engagespot_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/identity"
)

// wire records the raw request-target of each request, as it came on the
// wire, before Go's server parses it.
type wire struct {
	mu     sync.Mutex
	target string
}

func newWire(t testing.TB) (*wire, *httptest.Server) {
	w := &wire{}
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.target = r.RequestURI
		w.mu.Unlock()
	}))
	return w, ts
}

func (w *wire) take() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.target
	w.target = ""
	return t
}

// checkSegment asserts that target is /v3/users/ and exactly one segment
// that unescapes to id.
func checkSegment(t testing.TB, target, id string) {
	t.Helper()
	seg, ok := strings.CutPrefix(target, "/v3/users/")
	require.True(t, ok, "target %q", target)
	require.Equal(t, url.PathEscape(id), seg, "escaped as one segment")
	require.NotContains(t, seg, "/")
	require.NotContains(t, seg, "?")
	require.NotContains(t, seg, "#")
	back, err := url.PathUnescape(seg)
	require.NoError(t, err)
	require.Equal(t, id, back, "round trip")
}

func TestIdentifierEscaping(t *testing.T) {
	t.Parallel()
	ids := []string{
		"user-1", "a/b?c#d é", "../x", "x/..", "%2F", "a%2Fb", "%", "%25", "%zz", "a b", " lead", "trail ",
		"ann@example.com", "+15551234567", "a+b", "a;b", "a,b", "a:b", "a&b=c", "a\\b", "~u", ".x", "...",
		"/", "?", "#", "é", "日本語", "🎉 party", "\u00a0x", "'quoted'", `"dq"`, "<tag>", "[v6]", "{}",
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, identity.ValidateIdentifier(id), "the table holds valid identifiers")

			// On the fake: the decoded path lands on the user.
			c, srv := setup(t)
			require.NoError(t, c.Upsert(t.Context(), identity.Identity{Identifier: id, Profile: identity.Profile{FirstName: "X"}}))
			last, _ := srv.LastRequest()
			assert.Equal(t, "/v3/users/"+url.PathEscape(id), last.Path)
			assert.Equal(t, id, last.Identifier)
			u, ok := srv.User(id)
			require.True(t, ok, "user %q exists", id)
			assert.Equal(t, "X", u.Profile().FirstName)
			assert.Equal(t, []string{id}, srv.Identifiers(), "and no other")

			require.NoError(t, c.DeleteUser(t.Context(), id))
			assert.Empty(t, srv.Identifiers(), "delete reaches the same user")

			// On the wire: the raw request line.
			w, ts := newWire(t)
			defer ts.Close()
			c2, err := engagespot.New("k", "s", engagespot.WithBaseURL(ts.URL+"/v3"),
				engagespot.WithHTTPClient(ts.Client())) // its own transport: a parallel test closing its server closes the default transport's idle connections
			require.NoError(t, err)
			require.NoError(t, c2.Upsert(t.Context(), identity.Identity{Identifier: id}))
			checkSegment(t, w.take(), id)
		})
	}
}

func FuzzIdentifierPath(f *testing.F) {
	for _, seed := range []string{
		"user-1", "a/b?c#d é", "../x", "..", ".", "%2F", "a%2Fb", "a b", "", " ", "a\nb", "a\x00", "\xff",
		"ann@example.com", "日本語", "%", "?#", strings.Repeat("é", 128), "a\u2028b",
	} {
		f.Add(seed)
	}
	w, ts := newWire(f)
	f.Cleanup(ts.Close)
	c, err := engagespot.New("k", "s", engagespot.WithBaseURL(ts.URL+"/v3"), engagespot.WithHTTPClient(ts.Client()))
	require.NoError(f, err)

	f.Fuzz(func(t *testing.T, id string) {
		err := c.Upsert(t.Context(), identity.Identity{Identifier: id})
		target := w.take()
		if identity.ValidateIdentifier(id) != nil {
			var ie *engagespot.InputError
			require.ErrorAs(t, err, &ie, "an invalid identifier is refused")
			require.Empty(t, target, "and never sent")
			return
		}
		require.NoError(t, err)
		checkSegment(t, target, id)
	})
}
