package jwtverify

import (
	"net/http"
	"net/textproto"
	"strings"

	"github.com/autoidentify/autoidentify/internal/authheader"
)

// TokenSource takes a raw token from a request, or "" when there is none. It
// must not keep the request. Any func(*http.Request) string converts to it.
type TokenSource func(r *http.Request) string

// FromBearer takes the token from an "Authorization: Bearer <token>" header,
// with the scheme in any case (RFC 9110 makes it case-insensitive).
func FromBearer() TokenSource {
	return func(r *http.Request) string {
		// The key is canonical already: index the map, skip Get's canonicalising.
		values := r.Header["Authorization"]
		if len(values) == 0 {
			return ""
		}
		token, _ := authheader.Bearer(values[0])
		return token
	}
}

// FromHeader takes the token as the whole value of the header name, e.g.
// "X-Auth-Token".
func FromHeader(name string) TokenSource {
	key := textproto.CanonicalMIMEHeaderKey(name)
	return func(r *http.Request) string {
		if v := r.Header[key]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
}

// FromCookie takes the token from the cookie name. It reads the Cookie header
// in place rather than through r.Cookie, which would parse and allocate every
// cookie of the request. An empty name finds nothing.
func FromCookie(name string) TokenSource {
	return func(r *http.Request) string {
		if name == "" {
			return ""
		}
		for _, line := range r.Header["Cookie"] {
			for line != "" {
				var part string
				part, line, _ = strings.Cut(line, ";")
				k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
				if !ok || k != name {
					continue
				}
				if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
					v = v[1 : len(v)-1]
				}
				return v
			}
		}
		return ""
	}
}
