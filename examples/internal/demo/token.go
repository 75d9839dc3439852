package demo

import (
	"fmt"
	"io"
	"net"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DemoTokenTTL is how long the printed demo token is valid.
const DemoTokenTTL = time.Hour

// DemoToken mints a token for a demo user, signed with secret (HS256): what
// an identity provider would issue after a sign-in.
func DemoToken(secret []byte, now time.Time) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub":        "demo-user-1",
		"email":      "ada@example.com",
		"given_name": "Ada",
		"iat":        now.Unix(),
		"exp":        now.Add(DemoTokenTTL).Unix(),
	}).SignedString(secret)
}

// printTry prints a demo token and the curl line that uses it, for a
// secret generated at startup: nobody else can mint tokens for it.
func printTry(w io.Writer, secret []byte, addr net.Addr) error {
	token, err := DemoToken(secret, time.Now())
	if err != nil {
		return fmt.Errorf("demo: minting the demo token: %w", err)
	}
	base := "http://" + dialable(addr)
	_, err = fmt.Fprintf(w, `
JWT_SECRET is unset: this run verifies tokens with a random secret, and here is a token for it (valid for %s):

  curl -H 'Authorization: Bearer %s' %s/api/me

Set JWT_SECRET (32 bytes or more) to verify the tokens of your own identity provider.

`, DemoTokenTTL, token, base)
	return err
}

// dialable is addr as a client would dial it: a wildcard host becomes
// localhost.
func dialable(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
