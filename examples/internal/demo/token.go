package demo

import (
	"fmt"
	"io"
	"net"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/autoidentify/autoidentify/identity"
)

// DemoTokenTTL is how long the printed demo token is valid.
const DemoTokenTTL = time.Hour

// DemoToken mints a token for a demo user, signed with secret (HS256): what
// an identity provider would issue after a sign-in.
func DemoToken(secret []byte, now time.Time) (string, error) {
	return sign(secret, jwt.MapClaims{"sub": "demo-user-1", "email": "ada@example.com", "given_name": "Ada"}, now)
}

// sign signs claims with secret (HS256), valid for DemoTokenTTL from now.
func sign(secret []byte, claims jwt.MapClaims, now time.Time) (string, error) {
	claims["iat"], claims["exp"] = now.Unix(), now.Add(DemoTokenTTL).Unix()
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}

// PrintToken is the examples' -token command: it prints, alone on stdout, a
// token for subject signed with JWT_SECRET, so that a newcomer running an
// example against the real API has one to curl with. It needs JWT_SECRET:
// the random secret of a run without it is the server's alone. It returns
// the exit code. A server never prints a token for a configured secret.
func PrintToken(getenv func(string) string, stdout, stderr io.Writer, subject, email string) int {
	cfg, err := FromEnv(getenv)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "configuration error:\n%v\n", err)
		return 2
	case cfg.JWTSecretGenerated:
		fmt.Fprintf(stderr, "-token needs %s, the secret the server verifies tokens with (a server started without it prints its own demo token)\n", EnvJWTSecret)
		return 2
	}
	if err := identity.ValidateIdentifier(subject); err != nil {
		fmt.Fprintf(stderr, "-token: %v\n", err)
		return 2
	}
	if email != "" {
		if err := identity.ValidateEmail(email); err != nil {
			fmt.Fprintf(stderr, "-email: %v\n", err)
			return 2
		}
	}
	claims := jwt.MapClaims{"sub": subject}
	if email != "" {
		claims["email"] = email
	}
	token, err := sign(cfg.JWTSecret, claims, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "-token: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, token)
	return 0
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
