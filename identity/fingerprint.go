package identity

import (
	"encoding/json"
	"math"
	"math/bits"
)

// Fingerprint is a stable 64-bit hash of a profile: equal profiles have equal
// fingerprints in every process and on every machine (so a fleet can share
// them), and any change to an attribute changes it with near certainty. It is
// not a cryptographic hash; it detects change, it does not authenticate.
//
// It allocates nothing unless Custom holds values other than strings,
// numbers, booleans and nil.
func (p Profile) Fingerprint() uint64 {
	h := uint64(len(p.Custom))
	h = hashString(h, p.Email)
	h = hashString(h, p.PhoneNumber)
	h = hashString(h, p.FirstName)
	h = hashString(h, p.LastName)
	h = hashString(h, p.Name)
	h = hashString(h, p.Avatar)
	// Map order is random: combine the pairs with a sum, which ignores order.
	var custom uint64
	for k, v := range p.Custom {
		custom += avalanche(hashValue(hashString(seedCustom, k), v))
	}
	return avalanche(mix(h, custom))
}

const (
	prime1     = 0x9E3779B185EBCA87
	prime2     = 0xC2B2AE3D27D4EB4F
	seedCustom = 0x27D4EB2F165667C5
)

// mix folds one 64-bit word into h (the xxHash64 round).
func mix(h, v uint64) uint64 {
	h ^= bits.RotateLeft64(v*prime2, 31) * prime1
	return bits.RotateLeft64(h, 27)*prime1 + 0x85EBCA77C2B2AE63
}

// avalanche spreads every input bit over the whole result (xxHash64's finaliser).
func avalanche(h uint64) uint64 {
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= 0x165667B19E3779F9
	h ^= h >> 32
	return h
}

// hashString folds s into h eight bytes at a time; its length goes first so
// that ("ab", "c") and ("a", "bc") differ.
func hashString(h uint64, s string) uint64 {
	h = mix(h, uint64(len(s)))
	for ; len(s) >= 8; s = s[8:] {
		h = mix(h, uint64(s[0])|uint64(s[1])<<8|uint64(s[2])<<16|uint64(s[3])<<24|
			uint64(s[4])<<32|uint64(s[5])<<40|uint64(s[6])<<48|uint64(s[7])<<56)
	}
	var tail uint64
	for i := 0; i < len(s); i++ {
		tail |= uint64(s[i]) << (8 * i)
	}
	return mix(h, tail)
}

// hashInt hashes an integer as the float64 JSON would decode it to, so 3 and
// 3.0 agree; integers too large for a float64 keep every bit.
func hashInt(h uint64, v int64) uint64 {
	if f := float64(v); f < 1<<63 && int64(f) == v { // f is never below -1<<63
		return mix(mix(h, 3), math.Float64bits(f))
	}
	return mix(mix(h, 7), uint64(v))
}

func hashUint(h uint64, v uint64) uint64 {
	if v <= math.MaxInt64 {
		return hashInt(h, int64(v))
	}
	return mix(mix(h, 8), v)
}

// hashValue folds a custom attribute's value into h, with its kind first so
// that "1", 1 and true differ.
func hashValue(h uint64, v any) uint64 {
	switch v := v.(type) {
	case nil:
		return mix(h, 0)
	case string:
		return hashString(mix(h, 1), v)
	case bool:
		if v {
			return mix(mix(h, 2), 1)
		}
		return mix(mix(h, 2), 0)
	case int:
		return hashInt(h, int64(v))
	case int8:
		return hashInt(h, int64(v))
	case int16:
		return hashInt(h, int64(v))
	case int32:
		return hashInt(h, int64(v))
	case int64:
		return hashInt(h, v)
	case uint8:
		return hashInt(h, int64(v))
	case uint16:
		return hashInt(h, int64(v))
	case uint32:
		return hashInt(h, int64(v))
	case uint:
		return hashUint(h, uint64(v))
	case uint64:
		return hashUint(h, v)
	case float32:
		return mix(mix(h, 3), math.Float64bits(float64(v)))
	case float64:
		return mix(mix(h, 3), math.Float64bits(v))
	case json.Number:
		return hashString(mix(h, 4), string(v))
	default:
		// Nested objects and lists: JSON sorts map keys, so equal values hash equally.
		b, err := json.Marshal(v)
		if err != nil {
			return mix(h, 5)
		}
		return hashString(mix(h, 6), string(b))
	}
}
