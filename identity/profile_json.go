package identity

import (
	"bytes"
	"encoding/json"
	"slices"
)

// IsZero reports whether p has no attribute to send.
func (p Profile) IsZero() bool {
	return p.Email == "" && p.PhoneNumber == "" && p.FirstName == "" && p.LastName == "" &&
		p.Name == "" && p.Avatar == "" && len(p.Custom) == 0
}

// MarshalJSON writes p as the flat JSON object Engagespot expects: the known
// attributes in a fixed order (as the official SDK sends them), then the
// custom ones sorted by key. Empty known attributes are left out.
func (p Profile) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as JSON.stringify does: "<" stays "<"
	buf.WriteByte('{')
	first := true
	field := func(key string, v any) error {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		if err := enc.Encode(key); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode adds a newline
		buf.WriteByte(':')
		if err := enc.Encode(v); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1)
		return nil
	}
	for _, kv := range [...]struct{ k, v string }{
		{"email", p.Email}, {"phoneNumber", p.PhoneNumber}, {"firstName", p.FirstName},
		{"lastName", p.LastName}, {"name", p.Name}, {"avatar", p.Avatar},
	} {
		if kv.v == "" {
			continue
		}
		if err := field(kv.k, kv.v); err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, len(p.Custom))
	for k := range p.Custom {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := field(k, p.Custom[k]); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
