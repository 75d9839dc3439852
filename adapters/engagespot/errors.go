package engagespot

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// Sentinels an *APIError matches with errors.Is, by status code.
var (
	// ErrNotFound: the user does not exist (404).
	ErrNotFound = errors.New("engagespot: not found")
	// ErrUnauthorized: the API key or secret was refused (401 or 403).
	ErrUnauthorized = errors.New("engagespot: unauthorized")
	// ErrRateLimited: too many requests (429); see APIError.RetryAfter.
	ErrRateLimited = errors.New("engagespot: rate limited")
)

// maxErrorBody is how much of an error answer's body is kept in APIError.Body.
const maxErrorBody = 4 << 10

// APIError is a failed call: an answer other than success (StatusCode set),
// or no answer at all (StatusCode 0: a network error or a timeout, in Err).
// It has the methods middleware.Directory looks for to steer retries.
type APIError struct {
	// Op is the call, e.g. "upsert user".
	Op string
	// StatusCode is the HTTP status, 0 when no answer came.
	StatusCode int
	// Body is the start of the answer's body (at most maxErrorBody bytes),
	// with the API secret blanked out should a proxy have echoed it (and no
	// trailing bytes of it, where the limit cut it).
	Body string
	// RetryAfter is the wait the server asked for (429 and 503 with a
	// Retry-After header), 0 otherwise.
	RetryAfter time.Duration
	// Err is why no answer came: a network error, the timeout, or the
	// caller's context.
	Err error
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("engagespot: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.StatusCode == 0 {
		if e.Err == nil {
			b.WriteString("no answer")
		} else {
			b.WriteString(e.Err.Error())
		}
		return b.String()
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %v)", e.RetryAfter)
	}
	if body := excerpt(e.Body, 200); body != "" {
		b.WriteString(": ")
		b.WriteString(body)
	}
	return b.String()
}

// Unwrap returns the cause of a call that got no answer.
func (e *APIError) Unwrap() error { return e.Err }

// Is matches ErrNotFound, ErrUnauthorized and ErrRateLimited by status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// Retryable reports whether the same call may succeed later: after a
// network error or a timeout, or an answer 408, 429 or 5xx. Other answers
// (400, 401, 404, 422...) and a context the caller cancelled are final, as
// is a TLS certificate the client does not trust.
func (e *APIError) Retryable() bool {
	if e.StatusCode != 0 {
		return retryableStatus(e.StatusCode)
	}
	return !errors.Is(e.Err, context.Canceled) && !isCertificateError(e.Err)
}

// RetryDelay is the server's Retry-After: wait at least this long.
func (e *APIError) RetryDelay() time.Duration { return e.RetryAfter }

// HTTPStatus is the status code, 0 when no answer came.
func (e *APIError) HTTPStatus() int { return e.StatusCode }

func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

func isCertificateError(err error) bool {
	var (
		verify    *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// redactBody blanks secret out of an error answer's body, then keeps at most
// maxErrorBody bytes of it, less any trailing bytes that begin the secret: a
// secret cut by the limit keeps none of its bytes.
func redactBody(body, secret string) string {
	body = strings.ReplaceAll(body, secret, "[REDACTED]")
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	for n := min(len(secret)-1, len(body)); n > 0; n-- {
		if strings.HasSuffix(body, secret[:n]) {
			return body[:len(body)-n]
		}
	}
	return body
}

// excerpt returns up to n bytes of s on one line, for an error message.
func excerpt(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "..."
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// InputError is a call refused before any request: an invalid identifier,
// or a profile Engagespot would refuse. Retrying cannot help.
type InputError struct {
	Op  string
	Err error // wraps identity.ErrInvalidIdentifier or identity.ErrInvalidAttribute
}

func (e *InputError) Error() string { return "engagespot: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *InputError) Unwrap() error { return e.Err }

// Retryable is false: the same input fails the same way.
func (e *InputError) Retryable() bool { return false }

// RetryDelay is 0.
func (e *InputError) RetryDelay() time.Duration { return 0 }
