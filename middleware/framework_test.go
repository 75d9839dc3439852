package middleware_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// named is a comparable extractor.
type named string

func (named) Extract(*http.Request) (identity.Identity, bool, error) {
	return identity.Identity{}, false, nil
}

func TestRouteExtractor(t *testing.T) {
	t.Parallel()
	m, _ := setup(t, middleware.WithExtractor(named("default")))
	assert.Equal(t, named("default"), with(t, m).Extractor())
	assert.Equal(t, named("other"), with(t, m, middleware.WithExtractor(named("other"))).Extractor())

	ann := user("ann", "")
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(identity.NewContext(r.Context(), ann))
	id, ok, err := with(t, m, middleware.WithExtractor(nil)).Extractor().Extract(r)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, ann, id, "without one, identity.InContext")
}

func TestObserve(t *testing.T) {
	t.Parallel()
	ann := user("ann", "ann@example.com")
	tests := []struct {
		name   string
		opts   []middleware.Option
		id     identity.Identity
		ok     bool
		err    error
		pass   bool
		code   int
		why    error
		synced []string
	}{
		{name: "a user is synced", id: ann, ok: true, pass: true, code: http.StatusOK, synced: []string{"ann"}},
		{name: "without sync", opts: []middleware.Option{middleware.WithSync(false)},
			id: ann, ok: true, pass: true, code: http.StatusOK},
		{name: "no user", pass: true, code: http.StatusOK},
		{name: "a rejected credential", err: errBadToken, pass: true, code: http.StatusOK, why: errBadToken},
		{name: "required, no user", opts: []middleware.Option{middleware.WithRequired(true)},
			err: errBadToken, code: http.StatusUnauthorized, why: errBadToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, srv := setup(t)
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			got, pass := with(t, m, tt.opts...).Observe(w, r, tt.id, tt.ok, tt.err)
			flush(t, m)

			assert.Equal(t, tt.pass, pass)
			assert.Equal(t, tt.code, w.Code)
			assert.Equal(t, tt.why, middleware.ErrorFromContext(got.Context()))
			_, inContext := identity.FromContext(got.Context())
			assert.False(t, inContext, "Observe leaves the user where the caller found them")
			if tt.synced == nil {
				assert.Zero(t, srv.Calls())
			} else {
				assert.Equal(t, tt.synced, srv.Identifiers())
			}
		})
	}
}

func TestObserveHitAllocatesNothing(t *testing.T) { // not parallel: AllocsPerRun counts the whole process
	m := newMiddleware(t, noopDirectory{})
	route := with(t, m)
	ann := user("ann", "ann@example.com")
	require.NoError(t, m.Ensure(t.Context(), ann))
	r, w := httptest.NewRequest(http.MethodGet, "/", nil), &nopWriter{h: http.Header{}}
	before := m.Stats().Hits

	allocs := testing.AllocsPerRun(100, func() { route.Observe(w, r, ann, true, nil) })
	assert.Zero(t, allocs)
	assert.Equal(t, before+101, m.Stats().Hits, "every run was a hit")
}

func TestAdmit(t *testing.T) {
	t.Parallel()
	m, srv := setup(t)
	open, required := with(t, m), with(t, m, middleware.WithRequired(true))
	ctx := t.Context()
	ann := user("ann", "ann@example.com")

	assert.True(t, open.Admit(ctx, ann, true, nil))
	flush(t, m)
	assert.Equal(t, []string{"ann"}, srv.Identifiers(), "a user not synced yet is synced")
	assert.True(t, required.Admit(ctx, ann, true, nil))
	assert.Equal(t, 1, srv.Calls())
	assert.Equal(t, uint64(1), m.Stats().Hits)

	assert.True(t, open.Admit(ctx, identity.Identity{}, false, nil), "no user: on an open route the call goes on")
	assert.False(t, required.Admit(ctx, identity.Identity{}, false, nil), "no user: a required route refuses")
	assert.False(t, required.Admit(ctx, identity.Identity{}, false, errors.New("bad token")))
	assert.Equal(t, uint64(3), m.Stats().NoUser)

	noSync := with(t, m, middleware.WithSync(false))
	assert.True(t, noSync.Admit(ctx, user("bob", ""), true, nil))
	flush(t, m)
	assert.Equal(t, 1, srv.Calls(), "WithSync(false) identifies without syncing")
}
