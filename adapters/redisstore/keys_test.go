package redisstore

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// hashTag is the part of key that Redis Cluster hashes to pick its slot
// (cluster specification, "Hash tags"): what lies between the first '{' and
// the first '}' after it, if that is not empty; else the whole key.
func hashTag(key string) string {
	if open := strings.IndexByte(key, '{'); open >= 0 {
		if n := strings.IndexByte(key[open+1:], '}'); n > 0 {
			return key[open+1 : open+1+n]
		}
	}
	return key
}

func FuzzKeys(f *testing.F) {
	for _, seed := range []string{
		"user-1", ":", "{", "}", "{}", "}{", "a}b{c", "%", "%7B", "%257D", "Ünï 用户", strings.Repeat("}", 255),
	} {
		f.Add(seed)
	}
	s := &Store{prefix: DefaultPrefix}
	f.Fuzz(func(t *testing.T, id string) {
		if id == "" {
			t.Skip("the Store refuses empty identifiers before building keys")
		}
		keys := s.keys(id)
		require.Len(t, keys, 2)
		tag := hashTag(keys[0])
		require.Equal(t, DefaultPrefix+syncedKind+"{"+tag+"}", keys[0], "the tag is the whole identifier part")
		require.Equal(t, DefaultPrefix+leaseKind+"{"+tag+"}", keys[1], "both keys share the tag, so one slot")
		decoded, err := url.PathUnescape(tag)
		require.NoError(t, err)
		require.Equal(t, id, decoded, "keys decode back to the identifier: distinct users, distinct keys")
	})
}
