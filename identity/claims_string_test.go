package identity

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// structClaims keeps claims in struct fields, as token libraries do, and
// records what LookupClaim was asked.
type structClaims struct {
	sub, email, name string
	uid              float64
	picture          int
	asked            []string
}

func (c *structClaims) LookupClaim(name string) (any, bool) {
	c.asked = append(c.asked, name)
	switch name {
	case "sub":
		return c.sub, c.sub != ""
	case "email":
		return c.email, c.email != ""
	case "name":
		return c.name, c.name != ""
	case "uid":
		return c.uid, c.uid != 0
	case "picture":
		return c.picture, c.picture != 0
	}
	return nil, false
}

func (c *structClaims) LookupString(name string) (string, bool) {
	switch name {
	case "sub":
		return c.sub, true
	case "email":
		return c.email, true
	case "name":
		return c.name, true
	case "uid", "picture":
		return "", false // not a string field: LookupClaim answers
	}
	return "", true // no such claim
}

var _ StringClaimSource = (*structClaims)(nil)

func TestMapSourceReadsStringsUnboxed(t *testing.T) {
	t.Parallel()
	var fromFunc string
	tests := []struct {
		name   string
		opts   []ClaimsOption
		claims structClaims
		want   Identity
		asked  []string // of LookupClaim
	}{
		{
			name:   "identifier and profile as strings",
			claims: structClaims{sub: "u1", email: "ada@example.com", name: "Ada"},
			want:   Identity{Identifier: "u1", Profile: Profile{Email: "ada@example.com", Name: "Ada"}},
			asked:  []string{"picture"},
		},
		{
			name:   "a numeric identifier falls back to LookupClaim",
			opts:   []ClaimsOption{WithIdentifierClaim("uid"), WithNumericIdentifiers()},
			claims: structClaims{uid: 42, name: "Ada"},
			want:   Identity{Identifier: "42", Profile: Profile{Name: "Ada"}},
			asked:  []string{"uid", "picture"},
		},
		{
			name:   "a custom attribute is read as it is",
			opts:   []ClaimsOption{WithAttributeClaim("nick", "name")},
			claims: structClaims{sub: "u1", name: "Ada"},
			want:   Identity{Identifier: "u1", Profile: Profile{Name: "Ada", Custom: map[string]any{"nick": "Ada"}}},
			asked:  []string{"picture", "name"},
		},
		{
			name: "Claims.String in a claims func",
			opts: []ClaimsOption{WithClaimsFunc(func(c Claims, id *Identity) error {
				fromFunc, _ = c.String("email")
				return nil
			})},
			claims: structClaims{sub: "u1", email: "ada@example.com"},
			want:   Identity{Identifier: "u1", Profile: Profile{Email: "ada@example.com"}},
			asked:  []string{"picture"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustMapper(t, tt.opts...) // not parallel: fromFunc is shared
			got, err := m.MapSource(&tt.claims)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.asked, tt.claims.asked, "LookupClaim is asked only for what LookupString cannot answer")
		})
	}
	assert.Equal(t, "ada@example.com", fromFunc)
}

func TestMapSourceStringSourceStillDropsNonStrings(t *testing.T) {
	t.Parallel()
	var dropped error
	m := mustMapper(t, WithOnDropped(func(err error) { dropped = err }))
	id, err := m.MapSource(&structClaims{sub: "u1", picture: 7})
	require.NoError(t, err)
	assert.Equal(t, Identity{Identifier: "u1"}, id)
	assert.ErrorIs(t, dropped, ErrInvalidAttribute)
	assert.Contains(t, dropped.Error(), `avatar: claim "picture" is a number`)

	_, err = m.MapSource(&structClaims{email: "ada@example.com"})
	assert.ErrorIs(t, err, ErrNoIdentifier, "absent from both lookups")
}

func TestMapSourceOfStructFieldsAllocatesNothing(t *testing.T) {
	m := mustMapper(t)
	src := &structClaims{sub: "auth0|u1", email: "ada@example.com", name: "Ada Lovelace"}
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, err := m.MapSource(src); err != nil {
			t.Fatal(err)
		}
	}))
}
