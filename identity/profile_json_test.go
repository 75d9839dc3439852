package identity

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProfileMarshalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Profile
		want string
	}{
		{"empty", Profile{}, `{}`},
		{"known fields in the SDK's order", Profile{
			Avatar: "https://x.test/a.png", Name: "Ada L", LastName: "L", FirstName: "Ada",
			PhoneNumber: "+15551234567", Email: "a@b.co",
		}, `{"email":"a@b.co","phoneNumber":"+15551234567","firstName":"Ada","lastName":"L","name":"Ada L","avatar":"https://x.test/a.png"}`},
		{"empty fields left out", Profile{FirstName: "Ada"}, `{"firstName":"Ada"}`},
		{"custom sorted after known", Profile{Email: "a@b.co", Custom: map[string]any{"z": 1, "a": true, "m": nil}},
			`{"email":"a@b.co","a":true,"m":null,"z":1}`},
		{"HTML not escaped", Profile{Name: "<Ada & Co>"}, `{"name":"<Ada & Co>"}`},
		{"nested custom", Profile{Custom: map[string]any{"org": map[string]any{"b": 2, "a": "x"}}}, `{"org":{"a":"x","b":2}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.p.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			// Through json.Marshal (which re-escapes HTML) it decodes the same.
			viaMarshal, err := json.Marshal(tt.p)
			require.NoError(t, err)
			var a, b map[string]any
			require.NoError(t, json.Unmarshal(got, &a))
			require.NoError(t, json.Unmarshal(viaMarshal, &b))
			assert.Equal(t, a, b)
		})
	}
}

func TestProfileMarshalJSONFailsOnUnencodableCustom(t *testing.T) {
	t.Parallel()
	_, err := json.Marshal(Profile{Custom: map[string]any{"f": func() {}}})
	require.Error(t, err)
}

func TestProfileIsZero(t *testing.T) {
	t.Parallel()
	assert.True(t, Profile{}.IsZero())
	assert.True(t, Profile{Custom: map[string]any{}}.IsZero())
	for _, p := range []Profile{
		{Email: "a"}, {PhoneNumber: "a"}, {FirstName: "a"}, {LastName: "a"}, {Name: "a"}, {Avatar: "a"},
		{Custom: map[string]any{"k": nil}},
	} {
		assert.False(t, p.IsZero(), "%+v", p)
	}
}
