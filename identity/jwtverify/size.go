package jwtverify

import "github.com/autoidentify/autoidentify/identity"

// sizeOf is about what id holds on the heap beyond its own struct, in bytes:
// its strings, and its custom attributes, nested values included (see
// valueSize).
func sizeOf(id identity.Identity) int64 {
	p := id.Profile
	n := int64(len(id.Identifier) + len(p.Email) + len(p.PhoneNumber) + len(p.FirstName) + len(p.LastName) + len(p.Name) + len(p.Avatar))
	if p.Custom != nil {
		n += valueSize(p.Custom)
	}
	return n
}

// valueSize is about what a decoded JSON value costs the heap, as measured
// (BenchmarkVerifiedCacheMemory): a map entry 80 bytes beyond its key and
// value, a slice element 16, a boxed number or bool 16.
func valueSize(v any) int64 {
	switch v := v.(type) {
	case string:
		return int64(len(v)) + 16
	case map[string]any:
		n := int64(48)
		for k, x := range v {
			n += 80 + int64(len(k)) + valueSize(x)
		}
		return n
	case []any:
		n := int64(24)
		for _, x := range v {
			n += 16 + valueSize(x)
		}
		return n
	}
	return 16
}
