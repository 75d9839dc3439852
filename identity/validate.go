package identity

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIdentifierLen is the longest identifier accepted, in bytes, by every
// part of autoidentify: the extractors, the middleware, the Engagespot
// client and the token signer all read this one value, so that no
// identifier passes one and is refused by the next.
const MaxIdentifierLen = 255

var (
	// ErrInvalidIdentifier is wrapped by every error ValidateIdentifier returns.
	ErrInvalidIdentifier = errors.New("identity: invalid identifier")
	// ErrInvalidAttribute is wrapped by every reason Sanitize gives for dropping an attribute.
	ErrInvalidAttribute = errors.New("identity: invalid attribute")
)

// ValidateIdentifier checks an identifier against the rules every part of
// autoidentify applies: 1 to MaxIdentifierLen bytes, valid UTF-8, not blank, not "." or ".." (which no HTTP path
// can carry as one segment), and none of these characters:
//   - controls (category Cc), which break logs, headers and paths;
//   - format characters (Cf: U+200B zero width space, U+202E right-to-left
//     override, U+FEFF byte order mark...) and line and paragraph separators
//     (Zl, Zp), invisible or reordering, so that two identifiers that look
//     alike are one user, or one that looks like another is refused;
//   - U+FFFD, the replacement character: a decoder writes it for bytes that
//     are not UTF-8 and for lone UTF-16 surrogates ("\ud800" in JSON), so
//     subjects that differ would become the same user.
//
// The error wraps ErrInvalidIdentifier and says why; it never repeats the
// identifier, which may be personal data or garbage.
func ValidateIdentifier(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty", ErrInvalidIdentifier)
	case len(s) > MaxIdentifierLen:
		return fmt.Errorf("%w: %d bytes, limit %d", ErrInvalidIdentifier, len(s), MaxIdentifierLen)
	case s == "." || s == "..":
		return fmt.Errorf("%w: %q is a path step, not a name", ErrInvalidIdentifier, s)
	}
	// ASCII first, byte by byte: most identifiers are ids or emails, and
	// this is on every request. In ASCII, every space but ' ' is a control.
	blank := true
	i := 0
	for ; i < len(s) && s[i] < utf8.RuneSelf; i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("%w: control character %U at byte %d", ErrInvalidIdentifier, rune(c), i)
		case c != ' ':
			blank = false
		}
	}
	for j, r := range s[i:] {
		i := i + j
		if reason := refusedRune(r, s[i:]); reason != "" {
			return fmt.Errorf("%w: %s at byte %d", ErrInvalidIdentifier, reason, i)
		}
		if !unicode.IsSpace(r) {
			blank = false
		}
	}
	if blank {
		return fmt.Errorf("%w: blank", ErrInvalidIdentifier)
	}
	return nil
}

// refusedRune says why r, the first rune of rest, may not be in an
// identifier, or "" if it may.
func refusedRune(r rune, rest string) string {
	switch {
	case r == utf8.RuneError:
		if _, size := utf8.DecodeRuneInString(rest); size <= 1 {
			return "invalid UTF-8"
		}
		return "replacement character U+FFFD (left by invalid UTF-8 or a lone surrogate)"
	case unicode.IsControl(r):
		return fmt.Sprintf("control character %U", r)
	case unicode.Is(unicode.Cf, r):
		return fmt.Sprintf("invisible format character %U", r)
	case unicode.In(r, unicode.Zl, unicode.Zp):
		return fmt.Sprintf("line or paragraph separator %U", r)
	}
	return ""
}

// NormalizePhone returns s in E.164 form (+ then 8 to 15 digits), accepting
// the usual separators (spaces, dots, dashes, parentheses) and a leading 00
// for +. A number without a country code, such as (457)-746-846, is refused.
func NormalizePhone(s string) (string, error) {
	if isE164(s) {
		return s, nil // already normal: no allocation on the common path
	}
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	case strings.HasPrefix(t, "00"):
		t = t[2:]
	default:
		return "", fmt.Errorf("%w: phoneNumber: no country code (want E.164, e.g. +15551234567)", ErrInvalidAttribute)
	}
	var b strings.Builder
	b.Grow(len(t) + 1)
	b.WriteByte('+')
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("%w: phoneNumber: unexpected character %q", ErrInvalidAttribute, r)
		}
	}
	digits := b.Len() - 1
	if digits < 8 || digits > 15 {
		return "", fmt.Errorf("%w: phoneNumber: %d digits, E.164 has 8 to 15", ErrInvalidAttribute, digits)
	}
	if b.String()[1] == '0' {
		return "", fmt.Errorf("%w: phoneNumber: country code cannot start with 0", ErrInvalidAttribute)
	}
	return b.String(), nil
}

// isE164 reports whether s is already what NormalizePhone returns.
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidateEmail checks that s has the shape of an address: one @, a local
// part, a domain with a dot, no spaces or control characters, at most 254 bytes.
func ValidateEmail(s string) error {
	at := strings.IndexByte(s, '@')
	switch {
	case len(s) > 254:
		return fmt.Errorf("%w: email: %d bytes, limit 254", ErrInvalidAttribute, len(s))
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: email: invalid UTF-8", ErrInvalidAttribute)
	case at <= 0 || at != strings.LastIndexByte(s, '@'):
		return fmt.Errorf("%w: email: want exactly one @ after a local part", ErrInvalidAttribute)
	}
	domain := s[at+1:]
	if dot := strings.IndexByte(domain, '.'); dot <= 0 || dot == len(domain)-1 {
		return fmt.Errorf("%w: email: domain needs a dot between labels", ErrInvalidAttribute)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("%w: email: contains space or control character", ErrInvalidAttribute)
		} else if c >= utf8.RuneSelf {
			for _, r := range s[i:] {
				if unicode.IsSpace(r) || unicode.IsControl(r) {
					return fmt.Errorf("%w: email: contains space or control character", ErrInvalidAttribute)
				}
			}
			break
		}
	}
	return nil
}

// reservedKeys are attribute names Custom may not use: Engagespot answers 422
// to "identifier", and the others belong to Profile's own fields.
var reservedKeys = map[string]bool{
	"identifier": true, "email": true, "phoneNumber": true, "firstName": true,
	"lastName": true, "name": true, "avatar": true,
}

// IsReservedKey reports whether a custom attribute may not be named key.
func IsReservedKey(key string) bool { return reservedKeys[key] }

// Sanitize returns p with the phone number in E.164 form and every attribute
// that must not be sent dropped: a malformed email or phone number, a custom
// key that is empty or reserved. Dropped attributes are reported in err (a
// join of reasons wrapping ErrInvalidAttribute); the returned profile is
// usable either way. p itself is not modified; the result shares p's Custom
// map when no custom key is dropped, so a clean profile costs no allocation.
func (p Profile) Sanitize() (Profile, error) {
	var errs []error
	if p.Email != "" {
		if err := ValidateEmail(p.Email); err != nil {
			errs = append(errs, err)
			p.Email = ""
		}
	}
	if p.PhoneNumber != "" {
		phone, err := NormalizePhone(p.PhoneNumber)
		if err != nil {
			errs = append(errs, err)
		}
		p.PhoneNumber = phone
	}
	// Copy Custom only when a key must go, so p's map is never modified and a
	// clean profile costs nothing.
	bad := 0
	for k := range p.Custom {
		if k == "" || IsReservedKey(k) {
			bad++
		}
	}
	if bad > 0 {
		custom := make(map[string]any, len(p.Custom)-bad)
		for k, v := range p.Custom {
			if k == "" || IsReservedKey(k) {
				errs = append(errs, fmt.Errorf("%w: custom key %q is reserved", ErrInvalidAttribute, k))
				continue
			}
			custom[k] = v
		}
		p.Custom = custom
	}
	return p, errors.Join(errs...)
}
