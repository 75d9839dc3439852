package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oidcClaims are the claims of a typical OpenID Connect ID token.
func oidcClaims() map[string]any {
	return map[string]any{
		"iss": "https://idp.example.com/", "sub": "auth0|u1", "aud": "app", "exp": 2e9,
		"email": "ada@example.com", "phone_number": "+1 555 123 4567", "given_name": "Ada",
		"family_name": "Lovelace", "name": "Ada Lovelace", "picture": "https://example.com/ada.png",
	}
}

func mustMapper(t testing.TB, opts ...ClaimsOption) *ClaimsMapper {
	t.Helper()
	m, err := NewClaimsMapper(opts...)
	require.NoError(t, err)
	return m
}

func TestClaimsMapperMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []ClaimsOption
		claims map[string]any
		want   Identity
	}{
		{
			name:   "OIDC standard claims",
			claims: oidcClaims(),
			want: Identity{Identifier: "auth0|u1", Profile: Profile{
				Email: "ada@example.com", PhoneNumber: "+15551234567", FirstName: "Ada",
				LastName: "Lovelace", Name: "Ada Lovelace", Avatar: "https://example.com/ada.png",
			}},
		},
		{
			name:   "only sub",
			claims: map[string]any{"sub": "u1"},
			want:   Identity{Identifier: "u1"},
		},
		{
			name:   "email as identifier",
			opts:   []ClaimsOption{WithIdentifierClaim("email")},
			claims: map[string]any{"sub": "u1", "email": "ada@example.com"},
			want:   Identity{Identifier: "ada@example.com", Profile: Profile{Email: "ada@example.com"}},
		},
		{
			name:   "nested identifier",
			opts:   []ClaimsOption{WithIdentifierClaim("user", "id")},
			claims: map[string]any{"sub": "ignored", "user": map[string]any{"id": "u7"}},
			want:   Identity{Identifier: "u7"},
		},
		{
			name:   "namespaced claim names are not split on dots or slashes",
			opts:   []ClaimsOption{WithIdentifierClaim("https://example.com/uid"), WithAttributeClaim("plan", "https://example.com/plan")},
			claims: map[string]any{"https://example.com/uid": "u8", "https://example.com/plan": "pro"},
			want:   Identity{Identifier: "u8", Profile: Profile{Custom: map[string]any{"plan": "pro"}}},
		},
		{
			name: "nested attributes, deep",
			opts: []ClaimsOption{
				WithAttributeClaim("email", "profile", "contact", "email"),
				WithAttributeClaim("firstName", "profile", "first"),
			},
			claims: map[string]any{"sub": "u1", "email": "top@example.com", "profile": map[string]any{
				"first": "Ada", "contact": map[string]any{"email": "deep@example.com"},
			}},
			want: Identity{Identifier: "u1", Profile: Profile{Email: "deep@example.com", FirstName: "Ada"}},
		},
		{
			name:   "nested map[any]any as session stores keep it",
			opts:   []ClaimsOption{WithAttributeClaim("name", "user", "name")},
			claims: map[string]any{"sub": "u1", "user": map[any]any{"name": "Ada"}},
			want:   Identity{Identifier: "u1", Profile: Profile{Name: "Ada"}},
		},
		{
			name:   "nested path through a non-object is absent",
			opts:   []ClaimsOption{WithAttributeClaim("name", "user", "name")},
			claims: map[string]any{"sub": "u1", "user": "Ada"},
			want:   Identity{Identifier: "u1"},
		},
		{
			name:   "attribute unmapped",
			opts:   []ClaimsOption{WithAttributeClaim("avatar")},
			claims: map[string]any{"sub": "u1", "picture": "https://example.com/a.png", "name": "Ada"},
			want:   Identity{Identifier: "u1", Profile: Profile{Name: "Ada"}},
		},
		{
			name:   "known attribute remapped",
			opts:   []ClaimsOption{WithAttributeClaim("name", "nickname")},
			claims: map[string]any{"sub": "u1", "name": "Ada Lovelace", "nickname": "ada"},
			want:   Identity{Identifier: "u1", Profile: Profile{Name: "ada"}},
		},
		{
			name: "custom attributes of any JSON type",
			opts: []ClaimsOption{
				WithAttributeClaim("plan", "plan"), WithAttributeClaim("roles", "app", "roles"),
				WithAttributeClaim("seats", "seats"), WithAttributeClaim("missing", "nope"),
			},
			claims: map[string]any{"sub": "u1", "plan": "pro", "seats": 3.0, "app": map[string]any{"roles": []any{"admin"}}},
			want: Identity{Identifier: "u1", Profile: Profile{Custom: map[string]any{
				"plan": "pro", "seats": 3.0, "roles": []any{"admin"},
			}}},
		},
		{
			name:   "null claims are absent",
			opts:   []ClaimsOption{WithAttributeClaim("plan", "plan")},
			claims: map[string]any{"sub": "u1", "email": nil, "plan": nil},
			want:   Identity{Identifier: "u1"},
		},
		{
			name:   "numeric identifier from a session",
			opts:   []ClaimsOption{WithIdentifierClaim("user_id"), WithNumericIdentifiers()},
			claims: map[string]any{"user_id": 42},
			want:   Identity{Identifier: "42"},
		},
		{
			name:   "numeric identifier decoded from JSON",
			opts:   []ClaimsOption{WithNumericIdentifiers()},
			claims: map[string]any{"sub": 1234567890.0},
			want:   Identity{Identifier: "1234567890"},
		},
		{
			name:   "numeric identifier as json.Number",
			opts:   []ClaimsOption{WithNumericIdentifiers()},
			claims: map[string]any{"sub": json.Number("9007199254740993")},
			want:   Identity{Identifier: "9007199254740993"},
		},
		{
			name:   "numeric option still takes strings",
			opts:   []ClaimsOption{WithNumericIdentifiers()},
			claims: map[string]any{"sub": "u1"},
			want:   Identity{Identifier: "u1"},
		},
		{
			name: "claims func combines claims",
			opts: []ClaimsOption{WithClaimsFunc(func(c Claims, id *Identity) error {
				org, _ := c.String("org", "id")
				id.Identifier = org + ":" + id.Identifier
				if roles, ok := c.Get("roles"); ok {
					id.Profile.Custom = map[string]any{"roles": roles}
				}
				return nil
			})},
			claims: map[string]any{"sub": "u1", "org": map[string]any{"id": "acme"}, "roles": []any{"a"}},
			want:   Identity{Identifier: "acme:u1", Profile: Profile{Custom: map[string]any{"roles": []any{"a"}}}},
		},
		{
			name: "claims func supplies a missing identifier",
			opts: []ClaimsOption{WithClaimsFunc(func(c Claims, id *Identity) error {
				id.Identifier, _ = c.String("client_id")
				return nil
			})},
			claims: map[string]any{"client_id": "svc"},
			want:   Identity{Identifier: "svc"},
		},
		{
			name: "claims func output is sanitized",
			opts: []ClaimsOption{WithClaimsFunc(func(_ Claims, id *Identity) error {
				id.Profile.PhoneNumber = "+44 20 7946 0958"
				id.Profile.Custom = map[string]any{"email": "sneaky", "ok": 1}
				return nil
			})},
			claims: map[string]any{"sub": "u1"},
			want:   Identity{Identifier: "u1", Profile: Profile{PhoneNumber: "+442079460958", Custom: map[string]any{"ok": 1}}},
		},
		{
			name:   "jwt.MapClaims is a map",
			claims: jwt.MapClaims{"sub": "u1", "name": "Ada"},
			want:   Identity{Identifier: "u1", Profile: Profile{Name: "Ada"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mustMapper(t, tt.opts...)
			got, err := m.Map(tt.claims)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)

			// The same claims through a lookup give the same identity.
			got, err = m.MapLookup(func(name string) (any, bool) { v, ok := tt.claims[name]; return v, ok })
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			got, err = m.MapSource(sessionValues(toAnyMap(tt.claims)))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// sessionValues is how gorilla/sessions keeps values.
type sessionValues map[any]any

func (v sessionValues) LookupClaim(name string) (any, bool) { x, ok := v[name]; return x, ok }

func toAnyMap(m map[string]any) map[any]any {
	out := make(map[any]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestClaimsMapperRejects(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name    string
		opts    []ClaimsOption
		claims  map[string]any
		wantErr error
		reason  string
	}{
		{"nil claims", nil, nil, ErrNoIdentifier, ""},
		{"no sub", nil, map[string]any{"email": "a@b.co"}, ErrNoIdentifier, ""},
		{"null sub", nil, map[string]any{"sub": nil}, ErrNoIdentifier, ""},
		{"nested identifier missing", []ClaimsOption{WithIdentifierClaim("user", "id")}, map[string]any{"user": map[string]any{}}, ErrNoIdentifier, ""},
		{"empty sub", nil, map[string]any{"sub": ""}, ErrInvalidIdentifier, "empty"},
		{"blank sub", nil, map[string]any{"sub": "  "}, ErrInvalidIdentifier, "blank"},
		{"numeric sub", nil, map[string]any{"sub": 42.0}, ErrInvalidIdentifier, `claim "sub" is a number, want a string`},
		{"boolean sub", nil, map[string]any{"sub": true}, ErrInvalidIdentifier, "a boolean"},
		{"object sub", nil, map[string]any{"sub": map[string]any{"id": "x"}}, ErrInvalidIdentifier, "an object"},
		{"list sub", nil, map[string]any{"sub": []any{"x"}}, ErrInvalidIdentifier, "a list"},
		{"odd type sub", nil, map[string]any{"sub": struct{}{}}, ErrInvalidIdentifier, "a struct {}"},
		{"control character in sub", nil, map[string]any{"sub": "u1\x00admin"}, ErrInvalidIdentifier, "control character"},
		{"newline in sub", nil, map[string]any{"sub": "u1\nX-Injected: 1"}, ErrInvalidIdentifier, "control character"},
		{"invalid UTF-8 sub", nil, map[string]any{"sub": "u\xff"}, ErrInvalidIdentifier, "invalid UTF-8"},
		{"too long sub", nil, map[string]any{"sub": strings.Repeat("x", 256)}, ErrInvalidIdentifier, "256 bytes"},
		{"dot dot sub", nil, map[string]any{"sub": ".."}, ErrInvalidIdentifier, "path step"},
		{"fractional numeric id", []ClaimsOption{WithNumericIdentifiers()}, map[string]any{"sub": 1.5}, ErrInvalidIdentifier, "a number"},
		{"huge numeric id", []ClaimsOption{WithNumericIdentifiers()}, map[string]any{"sub": 1e300}, ErrInvalidIdentifier, "a number"},
		{"fractional json.Number", []ClaimsOption{WithNumericIdentifiers()}, map[string]any{"sub": json.Number("1.5")}, ErrInvalidIdentifier, "a number"},
		{"claims func fails", []ClaimsOption{WithClaimsFunc(func(Claims, *Identity) error { return boom })}, map[string]any{"sub": "u1"}, boom, "claims func: boom"},
		{"claims func clears identifier", []ClaimsOption{WithClaimsFunc(func(_ Claims, id *Identity) error { id.Identifier = ""; return nil })}, map[string]any{"sub": "u1"}, ErrInvalidIdentifier, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := mustMapper(t, tt.opts...)
			id, err := m.Map(tt.claims)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), tt.reason)
			assert.Zero(t, id)
			if s, ok := tt.claims["sub"].(string); ok && len(s) > 2 {
				assert.NotContains(t, err.Error(), s, "errors must not repeat the identifier")
			}
		})
	}
	t.Run("nil lookup and source", func(t *testing.T) {
		t.Parallel()
		m := mustMapper(t)
		_, err := m.MapLookup(nil)
		assert.ErrorIs(t, err, ErrNoIdentifier)
		_, err = m.MapSource(nil)
		assert.ErrorIs(t, err, ErrNoIdentifier)
	})
}

func TestClaimsMapperDropsBadAttributes(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var reports []error
	m := mustMapper(t, WithOnDropped(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, err)
	}))
	claims := map[string]any{
		"sub": "u1", "email": "not-an-email", "phone_number": "555-1234",
		"given_name": 42.0, "family_name": []any{"x"}, "name": "Ada",
	}
	id, err := m.Map(claims)
	require.NoError(t, err, "dropped attributes do not fail the identity")
	assert.Equal(t, Identity{Identifier: "u1", Profile: Profile{Name: "Ada"}}, id)
	require.Len(t, reports, 1, "one report per mapping")
	report := reports[0]
	assert.ErrorIs(t, report, ErrInvalidAttribute)
	for _, want := range []string{"email:", "phoneNumber:", `firstName: claim "given_name" is a number`, `lastName: claim "family_name" is a list`} {
		assert.Contains(t, report.Error(), want)
	}
	assert.NotContains(t, report.Error(), "not-an-email", "reasons must not repeat personal data")

	// A clean mapping reports nothing.
	_, err = m.Map(map[string]any{"sub": "u2", "email": "a@b.co"})
	require.NoError(t, err)
	assert.Len(t, reports, 1)

	// Without a hook, attributes are dropped just the same.
	id, err = mustMapper(t).Map(claims)
	require.NoError(t, err)
	assert.Equal(t, "Ada", id.Profile.Name)
	assert.Empty(t, id.Profile.Email)
}

func TestClaimsMapperConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opt   ClaimsOption
		field string
	}{
		{"empty identifier path", WithIdentifierClaim(), "IdentifierClaim"},
		{"empty identifier step", WithIdentifierClaim("user", ""), "IdentifierClaim"},
		{"empty attribute", WithAttributeClaim("", "x"), "AttributeClaim"},
		{"identifier as attribute", WithAttributeClaim("identifier", "sub"), "AttributeClaim"},
		{"empty attribute step", WithAttributeClaim("plan", ""), "AttributeClaim"},
		{"nil option", nil, "options"},
		{"nil claims func", WithClaimsFunc(nil), "ClaimsFunc"},
		{"nil dropped hook", WithOnDropped(nil), "OnDropped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := NewClaimsMapper(tt.opt)
			assert.Nil(t, m)
			var cfgErr *ConfigError
			require.ErrorAs(t, err, &cfgErr)
			assert.Equal(t, tt.field, cfgErr.Field)
			assert.Contains(t, err.Error(), "identity: bad "+tt.field)
		})
	}
	_, err := NewClaimsMapper(WithNumericIdentifiers(), nil)
	assert.ErrorContains(t, err, "identity: bad options: option 1 is nil", "a nil option is refused, as in every package")
}

func TestClaimsMapperCustomOrderIsDeterministic(t *testing.T) {
	t.Parallel()
	m := mustMapper(t, WithAttributeClaim("b", "b"), WithAttributeClaim("a", "a"), WithAttributeClaim("b", "b2"))
	var names []string
	for _, a := range m.attributes {
		names = append(names, a.attribute)
	}
	assert.Equal(t, []string{"email", "phoneNumber", "firstName", "lastName", "name", "avatar", "b", "a"}, names)
	id, err := m.Map(map[string]any{"sub": "u1", "b": 1, "b2": 2})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"b": 2}, id.Profile.Custom, "a later option for the same attribute wins")
}

func TestClaimsGet(t *testing.T) {
	t.Parallel()
	c := Claims{m: map[string]any{"a": map[string]any{"b": map[any]any{"c": "deep"}}, "s": "", "n": 1.0}}
	v, ok := c.Get("a", "b", "c")
	assert.True(t, ok)
	assert.Equal(t, "deep", v)
	_, ok = c.Get()
	assert.False(t, ok)
	_, ok = c.Get("a", "x")
	assert.False(t, ok)
	_, ok = c.Get("n", "x")
	assert.False(t, ok, "a number has no keys")
	_, ok = c.String("s")
	assert.False(t, ok, "an empty string is no string")
	_, ok = c.String("n")
	assert.False(t, ok)
	_, ok = Claims{}.Get("a")
	assert.False(t, ok, "the zero Claims is empty")
}

func TestClaimsMapperAllocations(t *testing.T) {
	m := mustMapper(t)
	claims := oidcClaims()
	claims["phone_number"] = "+15551234567" // already E.164: nothing to build
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, err := m.Map(claims); err != nil {
			t.Fatal(err)
		}
	}), "Map of a string-only profile")

	values := sessionValues(toAnyMap(claims))
	assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = m.MapSource(values) }), "MapSource over a map type")

	custom := mustMapper(t, WithAttributeClaim("plan", "plan"), WithAttributeClaim("seats", "seats"))
	claims["plan"], claims["seats"] = "pro", 3.0
	// A map is two allocations (header and one group of slots), and nothing more.
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { _, _ = custom.Map(claims) }), 2.0, "only the Custom map")
}

func BenchmarkClaimsMapper(b *testing.B) {
	claims := oidcClaims()
	claims["phone_number"] = "+15551234567"
	for _, bc := range []struct {
		name string
		opts []ClaimsOption
	}{
		{"oidc", nil},
		{"nested+custom", []ClaimsOption{WithAttributeClaim("plan", "app", "plan"), WithIdentifierClaim("app", "uid")}},
	} {
		m := mustMapper(b, bc.opts...)
		claims["app"] = map[string]any{"plan": "pro", "uid": "u1"}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Map(claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzClaimsMapper(f *testing.F) {
	for _, s := range []string{
		`{"sub":"u1","email":"a@b.co","phone_number":"+1 555 123 4567","given_name":"Ada"}`,
		`{"sub":42}`, `{"sub":""}`, `{"sub":null}`, `{}`, `{"sub":"\u0000"}`,
		`{"sub":"u1","email":7,"picture":["x"],"user":{"id":"u2","plan":"pro"}}`,
		`{"sub":"u1","user":{"id":{"id":"x"}}}`, `{"sub":1e308,"user":[]}`,
	} {
		f.Add([]byte(s))
	}
	mappers := []*ClaimsMapper{
		mustMapper(f),
		mustMapper(f, WithIdentifierClaim("user", "id"), WithAttributeClaim("plan", "user", "plan"), WithNumericIdentifiers()),
		mustMapper(f, WithClaimsFunc(func(c Claims, id *Identity) error {
			if v, ok := c.Get("user"); ok {
				id.Profile.Custom = map[string]any{"user": v, "identifier": "x"}
			}
			return nil
		})),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var claims map[string]any
		if json.Unmarshal(data, &claims) != nil {
			return
		}
		for i, m := range mappers {
			id, err := m.Map(claims)
			if err != nil {
				if !errors.Is(err, ErrNoIdentifier) && !errors.Is(err, ErrInvalidIdentifier) {
					t.Fatalf("mapper %d: unexpected error kind: %v", i, err)
				}
				if id.Identifier != "" {
					t.Fatalf("mapper %d: identity with an error", i)
				}
				continue
			}
			checkSendable(t, id)
		}
	})
}

// checkSendable fails unless id may be sent to Engagespot as it is.
func checkSendable(t *testing.T, id Identity) {
	t.Helper()
	if err := ValidateIdentifier(id.Identifier); err != nil {
		t.Fatalf("invalid identifier accepted: %v", err)
	}
	if id.Profile.Email != "" {
		if err := ValidateEmail(id.Profile.Email); err != nil {
			t.Fatalf("bad email accepted: %v", err)
		}
	}
	if id.Profile.PhoneNumber != "" && !e164.MatchString(id.Profile.PhoneNumber) {
		t.Fatalf("phone %q is not E.164", id.Profile.PhoneNumber)
	}
	for k := range id.Profile.Custom {
		if k == "" || IsReservedKey(k) {
			t.Fatalf("reserved custom key %q accepted", k)
		}
	}
	if _, err := json.Marshal(id.Profile); err != nil {
		t.Fatalf("profile does not encode: %v", fmt.Sprint(err))
	}
}

func TestClaimsFuncCanRequireVerifiedEmail(t *testing.T) {
	t.Parallel()
	errUnverified := errors.New("email not verified")
	m := mustMapper(t, WithIdentifierClaim("email"), WithClaimsFunc(func(c Claims, _ *Identity) error {
		if v, _ := c.Get("email_verified"); v != true {
			return errUnverified
		}
		return nil
	}))
	_, err := m.Map(map[string]any{"email": "ada@example.com", "email_verified": false})
	assert.ErrorIs(t, err, errUnverified)
	id, err := m.Map(map[string]any{"email": "ada@example.com", "email_verified": true})
	require.NoError(t, err)
	assert.Equal(t, "ada@example.com", id.Identifier)
}
