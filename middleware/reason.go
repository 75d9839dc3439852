package middleware

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/autoidentify/autoidentify/identity"
)

// Reason classifies why a job did not end synced, as a short label for
// metrics and logs.
type Reason string

// The reasons Classify returns.
const (
	ReasonRateLimited   Reason = "rate_limited"   // 429
	ReasonUnauthorized  Reason = "unauthorized"   // 401, 403: bad credentials
	ReasonClientError   Reason = "client_error"   // other 4xx, an invalid identifier or attribute
	ReasonServerError   Reason = "server_error"   // 5xx
	ReasonNetwork       Reason = "network"        // no answer: transport error, timeout, 408
	ReasonQueueFull     Reason = "queue_full"     // dropped: ErrQueueFull
	ReasonClosed        Reason = "closed"         // dropped: ErrClosed
	ReasonSuperseded    Reason = "superseded"     // not sent: ErrSuperseded
	ReasonProfileLoader Reason = "profile_loader" // not sent: the ProfileLoader failed (ErrProfileLoader)
	ReasonOther         Reason = "other"          // anything else
)

// Classify says why err ended a sync; "" for nil. It reads the methods the
// Directory contract describes (HTTPStatus), then the errors of this package,
// net and context.
func Classify(err error) Reason {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrQueueFull):
		return ReasonQueueFull
	case errors.Is(err, ErrClosed):
		return ReasonClosed
	case errors.Is(err, ErrSuperseded):
		return ReasonSuperseded
	case errors.Is(err, ErrProfileLoader):
		return ReasonProfileLoader // whatever the loader's error says: the API was not called
	}
	if status, ok := httpStatus(err); ok {
		switch {
		case status == 0, status == http.StatusRequestTimeout:
			return ReasonNetwork
		case status == http.StatusUnauthorized, status == http.StatusForbidden:
			return ReasonUnauthorized
		case status == http.StatusTooManyRequests:
			return ReasonRateLimited
		case status >= 500:
			return ReasonServerError
		case status >= 400:
			return ReasonClientError
		}
		return ReasonOther
	}
	var netErr net.Error
	switch {
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded):
		return ReasonNetwork
	case errors.Is(err, identity.ErrInvalidIdentifier), errors.Is(err, identity.ErrInvalidAttribute):
		return ReasonClientError
	}
	return ReasonOther
}

// httpStatus returns the API status an error carries, per the Directory
// contract; ok is false when it carries none.
func httpStatus(err error) (status int, ok bool) {
	var s interface{ HTTPStatus() int }
	if errors.As(err, &s) {
		return s.HTTPStatus(), true
	}
	return 0, false
}

// unauthorized reports whether the API rejected the credentials: a problem
// of the whole app, not of one user.
func unauthorized(err error) bool {
	status, ok := httpStatus(err)
	return ok && (status == http.StatusUnauthorized || status == http.StatusForbidden)
}

// notFound reports a 404 answer. To an upsert, which creates the user when
// missing, it means the Directory calls the wrong URL (a base URL without
// its version path); to a deletion, a user already gone.
func notFound(err error) bool {
	status, ok := httpStatus(err)
	return ok && status == http.StatusNotFound
}

// misconfigured reports an answer that no user's retry can mend, only a fix
// of the configuration: rejected credentials, or a wrong URL.
func misconfigured(err error) bool { return unauthorized(err) || notFound(err) }
