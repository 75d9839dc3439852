package redisstore

import (
	"strconv"
	"strings"
)

// Key layout, for a user with identifier id and the default prefix:
//
//	autoidentify:u:{id}   the fingerprint last synced, as hex, expiring after TTL
//	autoidentify:l:{id}   the lease: a random token naming the syncing instance
//
// The braces are a Redis Cluster hash tag: both keys of a user land in the
// same slot, so one script can touch both. Inside the braces, '%', '{' and '}'
// of the identifier are percent-escaped: the tag then never ends early or
// comes out empty, and distinct identifiers always give distinct keys.
const (
	syncedKind = "u:"
	leaseKind  = "l:"
)

var tagEscaper = strings.NewReplacer("%", "%25", "{", "%7B", "}", "%7D")

// keys returns the synced and lease keys of identifier, in that order (the
// order the scripts expect in KEYS).
func (s *Store) keys(identifier string) []string {
	tag := identifier
	if strings.ContainsAny(tag, "%{}") {
		tag = tagEscaper.Replace(tag)
	}
	return []string{
		s.prefix + syncedKind + "{" + tag + "}",
		s.prefix + leaseKind + "{" + tag + "}",
	}
}

// formatFingerprint is how a fingerprint is stored: lowercase hex.
func formatFingerprint(fp uint64) string { return strconv.FormatUint(fp, 16) }
