package identity

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateIdentifier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		reason string // "" means valid
	}{
		{"database id", "42", ""},
		{"uuid", "3f2c9a56-7d1e-4b0a-9c39-0b5d5a1f7e21", ""},
		{"email", "ada@example.com", ""},
		{"phone", "+15551234567", ""},
		{"unicode", "usuário-ñ-日本", ""},
		{"inner space", "ada lovelace", ""},
		{"auth0 subject", "auth0|5f7c8ec7c33c6c004bbafe82", ""},
		{"exactly default limit", strings.Repeat("a", MaxIdentifierLen), ""},
		{"one over default limit", strings.Repeat("a", MaxIdentifierLen+1), "256 bytes, limit 255"},
		{"multibyte counts bytes", strings.Repeat("é", 128), "256 bytes"},
		{"empty", "", "empty"},
		{"dot", ".", "path step"},
		{"dot dot", "..", "path step"},
		{"three dots are a name", "...", ""},
		{"blank spaces", "   ", "blank"},
		{"blank unicode spaces", "\u00a0\u2003", "blank"},
		{"NUL", "a\x00b", "control character U+0000 at byte 1"},
		{"newline", "ada\n", "control character U+000A"},
		{"tab", "\tada", "control character U+0009 at byte 0"},
		{"DEL", "a\x7f", "control character U+007F"},
		{"C1 control", "a\u0085", "control character U+0085"},
		{"invalid UTF-8", "a\xffb", "invalid UTF-8 at byte 1"},
		{"truncated UTF-8", "ab\xe6\x97", "invalid UTF-8 at byte 2"},
		{"U+FFFD", "a\uFFFDb", "replacement character U+FFFD (left by invalid UTF-8 or a lone surrogate) at byte 1"},
		{"zero width space", "ada\u200b", "invisible format character U+200B at byte 3"},
		{"right-to-left override", "\u202egnp.exe", "invisible format character U+202E at byte 0"},
		{"byte order mark", "\ufeffada", "invisible format character U+FEFF"},
		{"soft hyphen", "a\u00adb", "invisible format character U+00AD"},
		{"line separator", "a\u2028b", "line or paragraph separator U+2028"},
		{"paragraph separator", "a\u2029b", "line or paragraph separator U+2029"},
		{"combining mark is a letter's part", "e\u0301", ""},
		{"emoji", "ada-\U0001F600", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateIdentifier(tt.in)
			if tt.reason == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidIdentifier)
			assert.Contains(t, err.Error(), tt.reason)
			if len(tt.in) > 3 {
				assert.NotContains(t, err.Error(), tt.in, "the error must not repeat the identifier")
			}
		})
	}
}

func TestValidateIdentifierAllocatesNothingWhenValid(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if ValidateIdentifier("auth0|5f7c8ec7c33c6c004bbafe82") != nil {
			t.Fatal("valid identifier refused")
		}
	})
	assert.Zero(t, allocs)
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		reason   string
	}{
		{"+15551234567", "+15551234567", ""},
		{"+1 (555) 123-4567", "+15551234567", ""},
		{"  +44 20 7946 0958 ", "+442079460958", ""},
		{"0044 20 7946 0958", "+442079460958", ""},
		{"+91.98765.43210", "+919876543210", ""},
		{"+12345678", "+12345678", ""},               // 8 digits: the shortest
		{"+123456789012345", "+123456789012345", ""}, // 15 digits: the longest
		{"+1234567", "", "7 digits"},
		{"+1234567890123456", "", "16 digits"},
		{"(457)-746-846", "", "no country code"},
		{"5551234567", "", "no country code"},
		{"", "", "no country code"},
		{"+", "", "0 digits"},
		{"+0 555 123 4567", "", "cannot start with 0"},
		{"+1 555 CALL NOW", "", "unexpected character 'C'"},
		{"+1555123456\x00", "", "unexpected character"},
		{"+1555١٢٣٤٥٦٧", "", "unexpected character"}, // Arabic-Indic digits are not E.164
		{"++15551234567", "", "unexpected character '+'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizePhone(tt.in)
			if tt.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				again, err := NormalizePhone(got)
				require.NoError(t, err)
				assert.Equal(t, got, again, "normalising twice changes nothing")
				return
			}
			require.ErrorIs(t, err, ErrInvalidAttribute)
			assert.Contains(t, err.Error(), tt.reason)
			assert.Empty(t, got)
		})
	}
}

func TestNormalizePhoneAllocatesNothingWhenAlreadyE164(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { _, _ = NormalizePhone("+15551234567") })
	assert.Zero(t, allocs)
}

func TestValidateEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		reason string
	}{
		{"ada@example.com", ""},
		{"ada.lovelace+tag@mail.example.co.uk", ""},
		{"用户@例子.广告", ""},
		{"a@b.c", ""},
		{"", "exactly one @"},
		{"ada", "exactly one @"},
		{"@example.com", "exactly one @"},
		{"ada@@example.com", "exactly one @"},
		{"ada@b@example.com", "exactly one @"},
		{"ada@example", "domain needs a dot"},
		{"ada@.com", "domain needs a dot"},
		{"ada@example.", "domain needs a dot"},
		{"ada lovelace@example.com", "space or control"},
		{"ada@exa\tmple.com", "space or control"},
		{"ada@example.com\n", "space or control"},
		{"ada@ex\xffample.com", "invalid UTF-8"},
		{strings.Repeat("a", 250) + "@b.co", "255 bytes, limit 254"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			err := ValidateEmail(tt.in)
			if tt.reason == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidAttribute)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

func TestIsReservedKey(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"identifier", "email", "phoneNumber", "firstName", "lastName", "name", "avatar"} {
		assert.True(t, IsReservedKey(k), k)
	}
	for _, k := range []string{"plan", "Email", "phone_number", "firstname", "", "identifiers"} {
		assert.False(t, IsReservedKey(k), k)
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      Profile
		want    Profile
		reasons []string
	}{
		{
			name: "clean profile unchanged",
			in:   Profile{Email: "a@b.co", PhoneNumber: "+15551234567", FirstName: "Ada", Custom: map[string]any{"plan": "pro"}},
			want: Profile{Email: "a@b.co", PhoneNumber: "+15551234567", FirstName: "Ada", Custom: map[string]any{"plan": "pro"}},
		},
		{
			name: "phone normalised",
			in:   Profile{PhoneNumber: "+1 (555) 123-4567"},
			want: Profile{PhoneNumber: "+15551234567"},
		},
		{
			name:    "bad email and phone dropped",
			in:      Profile{Email: "nope", PhoneNumber: "555-1234", Name: "Ada"},
			want:    Profile{Name: "Ada"},
			reasons: []string{"email:", "phoneNumber:"},
		},
		{
			name:    "reserved and empty custom keys dropped",
			in:      Profile{Custom: map[string]any{"identifier": "x", "email": "y", "": 1, "plan": "pro"}},
			want:    Profile{Custom: map[string]any{"plan": "pro"}},
			reasons: []string{`custom key "identifier"`, `custom key "email"`, `custom key ""`},
		},
		{
			name: "empty profile",
			in:   Profile{},
			want: Profile{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := tt.in.Fingerprint()
			got, err := tt.in.Sanitize()
			assert.Equal(t, tt.want, got)
			assert.Equal(t, before, tt.in.Fingerprint(), "Sanitize must not modify its receiver")
			if len(tt.reasons) == 0 {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidAttribute)
			for _, r := range tt.reasons {
				assert.Contains(t, err.Error(), r)
			}
		})
	}
}

func TestSanitizeAllocatesNothingForACleanProfile(t *testing.T) {
	p := Profile{Email: "a@b.co", PhoneNumber: "+15551234567", FirstName: "Ada", Custom: map[string]any{"plan": "pro"}}
	allocs := testing.AllocsPerRun(100, func() { _, _ = p.Sanitize() })
	assert.Zero(t, allocs)
}

func FuzzValidateIdentifier(f *testing.F) {
	for _, s := range []string{
		"42", "", ".", "..", " ", "a\x00", "\xff", "ada@example.com", "日本", "\u2028", "\u2029",
		"\u200b", "\u202e", "\ufeff", "\ufffd", "a\xed\xa0\x80", "\xed\xb0\x80", strings.Repeat("x", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateIdentifier(s)
		if err != nil {
			if !strings.Contains(err.Error(), ErrInvalidIdentifier.Error()) {
				t.Fatalf("error does not wrap ErrInvalidIdentifier: %v", err)
			}
			return
		}
		limit := MaxIdentifierLen
		refused := func(r rune) bool {
			return r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
		}
		switch {
		case s == "" || len(s) > limit:
			t.Fatalf("accepted %d bytes with limit %d", len(s), limit)
		case !utf8.ValidString(s):
			t.Fatalf("accepted invalid UTF-8 %q", s)
		case strings.IndexFunc(s, refused) >= 0:
			t.Fatalf("accepted a control, format, separator or replacement character in %q", s)
		case strings.TrimFunc(s, unicode.IsSpace) == "":
			t.Fatalf("accepted blank %q", s)
		case s == "." || s == "..":
			t.Fatalf("accepted path step %q", s)
		}
		// An accepted identifier survives a JSON round trip unchanged, so
		// no two subjects decode to one user.
		b, _ := json.Marshal(s)
		var back string
		if json.Unmarshal(b, &back) != nil || back != s {
			t.Fatalf("%q changes through JSON", s)
		}
	})
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"+15551234567", "+1 (555) 123-4567", "0044 20 7946 0958", "", "+", "00", "+0123456789", "+١٢٣٤٥٦٧٨٩", "+1\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePhone(s)
		if err != nil {
			if got != "" {
				t.Fatalf("error with a result %q", got)
			}
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("NormalizePhone(%q) = %q, not E.164", s, got)
		}
		again, err := NormalizePhone(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q (%v)", got, again, err)
		}
	})
}
