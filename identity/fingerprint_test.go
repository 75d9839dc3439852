package identity

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullProfile sets every field, so each can be changed in turn.
func fullProfile() Profile {
	return Profile{
		Email: "ada@example.com", PhoneNumber: "+15551234567", FirstName: "Ada",
		LastName: "Lovelace", Name: "Ada Lovelace", Avatar: "https://example.com/ada.png",
		Custom: map[string]any{"plan": "pro", "seats": 3, "beta": true},
	}
}

// TestFingerprintGolden pins the algorithm: a fleet shares fingerprints through
// Redis, and processes of different versions must agree, or every user is
// resent after an upgrade. If this test fails, the change is a breaking one.
// (The values changed once before the first release, when the hash moved to
// independent lanes per field for speed.)
func TestFingerprintGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Profile
		want uint64
	}{
		{"empty", Profile{}, 0x1569d86f80c8d4b9},
		{"known fields", Profile{
			Email: "ada@example.com", PhoneNumber: "+15551234567", FirstName: "Ada",
			LastName: "Lovelace", Name: "Ada Lovelace", Avatar: "https://example.com/ada.png",
		}, 0x5954aca98f39d98b},
		{"custom of every kind", Profile{Email: "ada@example.com", Custom: map[string]any{
			"plan": "pro", "seats": 3, "beta": true, "none": nil, "n": json.Number("2.5"),
			"tags": []any{"a", "b"}, "org": map[string]any{"id": "o1", "size": 10.0},
		}}, 0x832a66d5439fdd77},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, fmt.Sprintf("%#x", tt.want), fmt.Sprintf("%#x", tt.p.Fingerprint()))
		})
	}
}

func TestFingerprintIgnoresCustomOrder(t *testing.T) {
	t.Parallel()
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}
	forward := Profile{Custom: map[string]any{}}
	backward := Profile{Custom: map[string]any{}}
	for i, k := range keys {
		forward.Custom[k] = i
	}
	for i := len(keys) - 1; i >= 0; i-- {
		backward.Custom[keys[i]] = i
	}
	want := forward.Fingerprint()
	// Go randomises map iteration; many runs see many orders.
	for range 50 {
		require.Equal(t, want, backward.Fingerprint())
		require.Equal(t, want, forward.Fingerprint())
	}
}

func TestFingerprintChangesWithEveryField(t *testing.T) {
	t.Parallel()
	base := fullProfile().Fingerprint()
	changes := map[string]func(*Profile){
		"email":              func(p *Profile) { p.Email = "ada@example.org" },
		"phoneNumber":        func(p *Profile) { p.PhoneNumber = "+15551234568" },
		"firstName":          func(p *Profile) { p.FirstName = "Augusta" },
		"lastName":           func(p *Profile) { p.LastName = "King" },
		"name":               func(p *Profile) { p.Name = "Augusta Ada King" },
		"avatar":             func(p *Profile) { p.Avatar = "" },
		"custom value":       func(p *Profile) { p.Custom["plan"] = "free" },
		"custom value kind":  func(p *Profile) { p.Custom["seats"] = "3" },
		"custom bool":        func(p *Profile) { p.Custom["beta"] = false },
		"custom key renamed": func(p *Profile) { p.Custom["tier"] = p.Custom["plan"]; delete(p.Custom, "plan") },
		"custom added":       func(p *Profile) { p.Custom["nil"] = nil },
		"custom removed":     func(p *Profile) { delete(p.Custom, "beta") },
		"custom nil map":     func(p *Profile) { p.Custom = nil },
		// Moving text between fields must show, as must moving it across a boundary.
		"swap first and last": func(p *Profile) { p.FirstName, p.LastName = p.LastName, p.FirstName },
		"shift boundary":      func(p *Profile) { p.FirstName, p.LastName = "AdaL", "ovelace" },
	}
	seen := map[uint64]string{base: "base"}
	for name, change := range changes {
		p := fullProfile()
		change(&p)
		fp := p.Fingerprint()
		if prev, dup := seen[fp]; dup {
			t.Errorf("%s gives the same fingerprint as %s", name, prev)
		}
		seen[fp] = name
	}
}

// TestFingerprintSeesEveryByte changes each byte of strings of every length
// a hash reads differently (short strings are read with overlapping loads),
// in each field: no two of the profiles may share a fingerprint.
func TestFingerprintSeesEveryByte(t *testing.T) {
	t.Parallel()
	fields := map[string]func(*Profile) *string{
		"email": func(p *Profile) *string { return &p.Email }, "phoneNumber": func(p *Profile) *string { return &p.PhoneNumber },
		"firstName": func(p *Profile) *string { return &p.FirstName }, "lastName": func(p *Profile) *string { return &p.LastName },
		"name": func(p *Profile) *string { return &p.Name }, "avatar": func(p *Profile) *string { return &p.Avatar },
	}
	seen := map[uint64]string{Profile{}.Fingerprint(): "the empty profile"}
	add := func(p Profile, what string) {
		fp := p.Fingerprint()
		if prev, dup := seen[fp]; dup {
			t.Fatalf("%s has the fingerprint of %s", what, prev)
		}
		seen[fp] = what
	}
	for name, field := range fields {
		for n := 1; n <= 40; n++ {
			base := make([]byte, n)
			for i := range base {
				base[i] = byte('a' + i%26)
			}
			var p Profile
			*field(&p) = string(base)
			add(p, fmt.Sprintf("%s of %d bytes", name, n))
			for i := range n {
				changed := []byte(string(base))
				changed[i] ^= 0x20
				*field(&p) = string(changed)
				add(p, fmt.Sprintf("%s of %d bytes, byte %d changed", name, n, i))
			}
		}
	}
}

func TestFingerprintTreatsNumbersAsJSONDoes(t *testing.T) {
	t.Parallel()
	fp := func(v any) uint64 { return Profile{Custom: map[string]any{"n": v}}.Fingerprint() }
	// The same JSON number, whatever Go type holds it.
	for _, v := range []any{3, int8(3), int16(3), int32(3), int64(3), uint(3), uint8(3), uint16(3), uint32(3), uint64(3), float32(3), 3.0} {
		assert.Equal(t, fp(3.0), fp(v), "%T", v)
	}
	// Different values and kinds differ.
	assert.NotEqual(t, fp(3), fp("3"))
	assert.NotEqual(t, fp(1), fp(true))
	assert.NotEqual(t, fp(0), fp(nil))
	assert.NotEqual(t, fp(0), fp(false))
	assert.NotEqual(t, fp(""), fp(nil))
	// Integers past float64's precision keep every bit.
	assert.NotEqual(t, fp(int64(math.MaxInt64)), fp(int64(math.MaxInt64-1)))
	assert.NotEqual(t, fp(uint64(math.MaxUint64)), fp(uint64(math.MaxUint64-1)))
	assert.NotEqual(t, fp(int64(1<<53+1)), fp(int64(1<<53)))
}

func TestFingerprintNestedValuesAreStable(t *testing.T) {
	t.Parallel()
	a := Profile{Custom: map[string]any{"org": map[string]any{"id": "o1", "size": 10, "x": []any{1, "2"}}}}
	b := Profile{Custom: map[string]any{"org": map[string]any{"x": []any{1, "2"}, "size": 10, "id": "o1"}}}
	assert.Equal(t, a.Fingerprint(), b.Fingerprint())
	b.Custom["org"].(map[string]any)["size"] = 11
	assert.NotEqual(t, a.Fingerprint(), b.Fingerprint())
}

func TestFingerprintAllocatesNothingForScalarProfiles(t *testing.T) {
	p := fullProfile()
	p.Custom["none"] = nil
	p.Custom["ratio"] = 0.5
	allocs := testing.AllocsPerRun(100, func() { _ = p.Fingerprint() })
	assert.Zero(t, allocs)
}

func BenchmarkFingerprint(b *testing.B) {
	p := fullProfile()
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Fingerprint()
	}
}
