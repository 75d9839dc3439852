package identity

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixed is an Extractor with a set answer that counts its calls.
type fixed struct {
	id    Identity
	ok    bool
	err   error
	calls *int
}

func (f fixed) Extract(*http.Request) (Identity, bool, error) {
	if f.calls != nil {
		*f.calls++
	}
	return f.id, f.ok, f.err
}

func TestFirstOf(t *testing.T) {
	t.Parallel()
	errA, errB := errors.New("a"), errors.New("b")
	u1, u2 := Identity{Identifier: "u1"}, Identity{Identifier: "u2"}
	none := fixed{}
	tests := []struct {
		name    string
		list    []Extractor
		want    Identity
		ok      bool
		wantErr error
	}{
		{"empty", nil, Identity{}, false, nil},
		{"only nils", []Extractor{nil, nil}, Identity{}, false, nil},
		{"first finds", []Extractor{fixed{id: u1, ok: true}, fixed{id: u2, ok: true}}, u1, true, nil},
		{"second finds", []Extractor{none, fixed{id: u2, ok: true}}, u2, true, nil},
		{"error then user: user wins", []Extractor{fixed{err: errA}, fixed{id: u2, ok: true}}, u2, true, nil},
		{"nobody: first error reported", []Extractor{none, fixed{err: errA}, fixed{err: errB}}, Identity{}, false, errA},
		{"nobody, no error", []Extractor{none, none}, Identity{}, false, nil},
		{"ok with an error is not a user", []Extractor{fixed{id: u1, ok: true, err: errA}, none}, Identity{}, false, errA},
		{"nil skipped", []Extractor{nil, fixed{id: u1, ok: true}}, u1, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, ok, err := FirstOf(tt.list...).Extract(httptest.NewRequest(http.MethodGet, "/", nil))
			assert.Equal(t, tt.want, id)
			assert.Equal(t, tt.ok, ok)
			if tt.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.wantErr)
			}
		})
	}
}

func TestFirstOfStopsAtTheFirstUser(t *testing.T) {
	t.Parallel()
	var first, second int
	e := FirstOf(fixed{id: Identity{Identifier: "u1"}, ok: true, calls: &first}, fixed{calls: &second})
	_, ok, err := e.Extract(httptest.NewRequest(http.MethodGet, "/", nil))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 1, first)
	assert.Zero(t, second)
}

func TestFirstOfAllocatesNothing(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(NewContext(r.Context(), Identity{Identifier: "u1"}))
	e := FirstOf(fixed{}, InContext)
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _, _ = e.Extract(r) }))
}
