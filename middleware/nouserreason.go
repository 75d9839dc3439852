package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/golang-jwt/jwt/v5"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
)

// NoUserReason says why a request had no user, as a short label for
// metrics and logs.
type NoUserReason string

// The reasons ClassifyNoUser returns. The rejections are told apart by the
// errors golang-jwt (v5) defines, which jwtverify and the JWT adapters
// wrap, and by identity's.
const (
	NoUserNoCredentials     NoUserReason = "no_credentials"     // none, or none the route's extractor reads: signed out, or mounted before the auth middleware
	NoUserExpired           NoUserReason = "expired"            // past its exp
	NoUserNotYetValid       NoUserReason = "not_yet_valid"      // before its nbf or iat
	NoUserBadSignature      NoUserReason = "bad_signature"      // the signature does not verify
	NoUserUnknownKey        NoUserReason = "unknown_key"        // no key for its kid, or for its algorithm
	NoUserMalformed         NoUserReason = "malformed"          // not a token: bad segments, encoding, JSON, size
	NoUserInvalidIdentifier NoUserReason = "invalid_identifier" // its identifier is missing or would be refused
	NoUserRefused           NoUserReason = "refused"            // any other rejection: the issuer or audience, a claims hook, an untrusted proxy
)

// NoUserReasons lists every NoUserReason, in a fixed order: metrics export
// each from the start.
var NoUserReasons = []NoUserReason{
	NoUserNoCredentials, NoUserExpired, NoUserNotYetValid, NoUserBadSignature,
	NoUserUnknownKey, NoUserMalformed, NoUserInvalidIdentifier, NoUserRefused,
}

// ClassifyNoUser says why a request had no user, from the error the route's
// extractor returned (nil: it found no credential).
func ClassifyNoUser(err error) NoUserReason {
	switch {
	case err == nil:
		return NoUserNoCredentials
	case errors.Is(err, identity.ErrInvalidIdentifier), errors.Is(err, identity.ErrNoIdentifier):
		return NoUserInvalidIdentifier
	case errors.Is(err, jwt.ErrTokenExpired):
		return NoUserExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return NoUserNotYetValid
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return NoUserBadSignature
	case errors.Is(err, jwtverify.ErrUnknownKey), errors.Is(err, jwt.ErrTokenUnverifiable):
		return NoUserUnknownKey
	case errors.Is(err, jwt.ErrTokenMalformed):
		return NoUserMalformed
	}
	return NoUserRefused
}

// noUsers counts requests without a user by reason: those without
// credentials, the common case on open routes, per core (see perCore); the
// rejections, rarer, in one counter each.
type noUsers struct {
	none     perCore
	rejected [len(rejectedReasons)]atomic.Uint64
}

// rejectedReasons are NoUserReasons after NoUserNoCredentials.
var rejectedReasons = [...]NoUserReason{
	NoUserExpired, NoUserNotYetValid, NoUserBadSignature, NoUserUnknownKey,
	NoUserMalformed, NoUserInvalidIdentifier, NoUserRefused,
}

// add counts one request without a user, and returns why it had none.
func (n *noUsers) add(err error) NoUserReason {
	if err == nil {
		n.none.add()
		return NoUserNoCredentials
	}
	reason := ClassifyNoUser(err)
	for i, r := range rejectedReasons {
		if r == reason {
			n.rejected[i].Add(1)
		}
	}
	return reason
}

// load returns the total, and the count of each reason.
func (n *noUsers) load() (total uint64, by map[NoUserReason]uint64) {
	by = make(map[NoUserReason]uint64, len(NoUserReasons))
	total = n.none.load()
	by[NoUserNoCredentials] = total
	for i, r := range rejectedReasons {
		c := n.rejected[i].Load()
		by[r] = c
		total += c
	}
	return total, by
}

// logRejection logs, at Debug, why a credential was rejected: the reason,
// and the error with r's credentials (Authorization, Cookie) cut out of it,
// should an extractor quote them.
func (e *engine) logRejection(ctx context.Context, reason NoUserReason, err error, r *http.Request) {
	if !e.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	msg := err.Error()
	if r != nil {
		for _, name := range []string{"Authorization", "Cookie"} {
			for _, v := range r.Header[name] {
				msg = redact(msg, v)
			}
		}
	}
	e.log.DebugContext(ctx, "middleware: credential rejected", "reason", string(reason), "err", msg)
}

// redact cuts v, and each of its parts (a bearer token after its scheme, a
// cookie's value), out of msg.
func redact(msg, v string) string {
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ';' || r == '=' }) {
		if len(part) >= 8 { // a scheme's name or a cookie's is no secret; a token is longer
			msg = strings.ReplaceAll(msg, part, "[redacted]")
		}
	}
	return msg
}
