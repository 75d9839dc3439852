// Package jwks fetches the public keys of an identity provider's JSON Web
// Key Set (Auth0, Okta, Cognito, Keycloak, Google...) and keeps them fresh:
// refreshed periodically, and when a token names a key id not seen yet, at a
// bounded rate. Keys is a jwtverify.RotatingKeySource: give it to
// jwtverify.New.
//
//	keys, err := jwks.New(ctx, "https://your-tenant.example.com/.well-known/jwks.json")
//	defer keys.Close()
//	ext, err := jwtverify.New(keys, jwtverify.WithIssuer("https://your-tenant.example.com/"))
//
// The URL must be https (http only for a loopback host), redirects are
// refused, and a key is used only for what the set says it is for (use,
// key_ops, alg) and only if it meets the rules of the static key sources.
// Credentials and queries in the URL never reach an error or a log line.
package jwks
