// Package authheader reads the token of an Authorization value of the Bearer
// scheme, for the extractors that take one from HTTP headers or gRPC
// metadata.
package authheader

import "strings"

// Bearer returns the token of an Authorization value of the Bearer scheme
// (RFC 6750; the scheme's name in any case, as RFC 9110 has it), and false
// for any other value.
func Bearer(authorization string) (string, bool) {
	const scheme = "bearer "
	if len(authorization) <= len(scheme) || !strings.EqualFold(authorization[:len(scheme)], scheme) {
		return "", false
	}
	return strings.TrimSpace(authorization[len(scheme):]), true
}
