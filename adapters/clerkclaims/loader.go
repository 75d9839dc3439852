package clerkclaims

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/user"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/middleware"
)

// ProfileLoader returns a middleware.ProfileLoader that reads the user from
// Clerk's Backend API with users (nil: the package-level user.Get, with the
// key clerk.SetKey set): their primary email address and phone number,
// first and last name, and image. The identifier must be the Clerk user id,
// as the Extractor gives it by default. A user Clerk does not know (404) is
// no error: they are synced with what the token carried. A rejected key
// (401, 403) or a refused request (400, 422) fails the sync at once; other
// failures are retried by the middleware.
func ProfileLoader(users *user.Client) middleware.ProfileLoader {
	get := user.Get
	if users != nil {
		get = users.Get
	}
	return func(ctx context.Context, id identity.Identity) (identity.Profile, error) {
		u, err := get(ctx, id.Identifier)
		if err != nil {
			var apiErr *clerk.APIErrorResponse
			if errors.As(err, &apiErr) {
				switch apiErr.HTTPStatusCode {
				case http.StatusNotFound:
					return identity.Profile{}, nil
				case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity:
					return identity.Profile{}, &finalError{fmt.Errorf("clerkclaims: get user: status %d: %w", apiErr.HTTPStatusCode, err)}
				}
			}
			return identity.Profile{}, fmt.Errorf("clerkclaims: get user: %w", err)
		}
		return profile(u), nil
	}
}

// profile is what of a Clerk user Engagespot keeps.
func profile(u *clerk.User) identity.Profile {
	p := identity.Profile{FirstName: deref(u.FirstName), LastName: deref(u.LastName), Avatar: deref(u.ImageURL)}
	for _, e := range u.EmailAddresses {
		if e != nil && u.PrimaryEmailAddressID != nil && e.ID == *u.PrimaryEmailAddressID {
			p.Email = e.EmailAddress
		}
	}
	for _, n := range u.PhoneNumbers {
		if n != nil && u.PrimaryPhoneNumberID != nil && n.ID == *u.PrimaryPhoneNumberID {
			p.PhoneNumber = n.PhoneNumber
		}
	}
	return p
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// finalError is a loader error another try would meet again.
type finalError struct{ err error }

func (e *finalError) Error() string   { return e.err.Error() }
func (e *finalError) Unwrap() error   { return e.err }
func (e *finalError) Retryable() bool { return false }
