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
func (p Profile) Fingerprint() uint64 { return p.fingerprint() }

// fingerprint hashes each field in a lane of its own, with its own seed, and
// adds the lanes up: the lanes do not wait for each other, so the CPU works
// on several at once, where one chain through every field would wait on each
// multiplication in turn. The seeds keep a value moved to another field from
// hashing alike. It runs on every request (the middleware's hit path).
func (p *Profile) fingerprint() uint64 {
	h := lane(seedEmail, p.Email) +
		lane(seedPhone, p.PhoneNumber) +
		lane(seedFirstName, p.FirstName) +
		lane(seedLastName, p.LastName) +
		lane(seedName, p.Name) +
		lane(seedAvatar, p.Avatar)
	if len(p.Custom) > 0 {
		// Map order is random: the pairs are added up too, which ignores order.
		for k, v := range p.Custom {
			h += avalanche(hashValue(hashString(seedCustom, k), v))
		}
	}
	return avalanche(h ^ uint64(len(p.Custom)))
}

// One seed per lane; wyp0 and wyp1 are wyhash's (by Wang Yi) constants.
const (
	seedEmail     = 0xBF58476D1CE4E5B9
	seedPhone     = 0x94D049BB133111EB
	seedFirstName = 0xFF51AFD7ED558CCD
	seedLastName  = 0xC4CEB9FE1A85EC53
	seedName      = 0x9E3779B97F4A7C15
	seedAvatar    = 0x8EBC6AF09C88C6E3
	seedCustom    = 0x27D4EB2F165667C5
	wyp0          = 0xA0761D6478BD642F
	wyp1          = 0xE7037ED1A0B428DB

	prime1 = 0x9E3779B185EBCA87
	prime2 = 0xC2B2AE3D27D4EB4F
)

// wymix multiplies a by b into 128 bits and folds the halves: one
// multiplication that spreads every bit of both inputs.
func wymix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// lane is hashString, inlined for an empty field (most profiles leave
// some empty), which then costs no call.
func lane(seed uint64, s string) uint64 {
	if s == "" {
		return seed
	}
	return hashString(seed, s)
}

// hashString hashes s into a lane started at seed, as wyhash does: strings
// of up to 16 bytes (most names and emails) cost two multiplications. The
// length goes in, so reads that overlap for short strings stay unambiguous.
func hashString(seed uint64, s string) uint64 {
	n := len(s)
	var a, b uint64
	switch {
	case n == 0:
		return seed // most profiles leave some fields empty
	case n < 4:
		a = uint64(s[0])<<16 | uint64(s[n>>1])<<8 | uint64(s[n-1])
	case n <= 8:
		a, b = le32(s), le32(s[n-4:])
	case n <= 16:
		a, b = le64(s), le64(s[n-8:])
	default:
		for t := s; len(t) > 16; t = t[16:] {
			seed = wymix(le64(t)^wyp0, le64(t[8:])^seed)
		}
		a, b = le64(s[n-16:]), le64(s[n-8:])
	}
	return wymix(wyp1^uint64(n), wymix(a^wyp0, b^seed))
}

func le32(s string) uint64 {
	_ = s[3]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// mix folds one 64-bit word into h (the xxHash64 round), for the kinds and
// numbers of custom values.
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
