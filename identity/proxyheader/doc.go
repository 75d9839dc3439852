// Package proxyheader finds the user in the headers an authenticating
// reverse proxy sets (oauth2-proxy, Authelia, and any proxy that says who
// the user is in a plain header), and only on requests that come from that
// proxy.
//
// Such headers carry no signature: anyone who reaches the app directly can
// send them. So the Extractor believes them only from the addresses
// WithTrustedProxies names (the proxy's, as the app sees it in
// r.RemoteAddr); the same header from any other address identifies nobody,
// and Extract says why (ErrUntrustedProxy). Name the proxy's own headers,
// and make sure it overwrites or strips them on every request it forwards,
// whether or not the user is signed in:
//
//	// oauth2-proxy with --set-xauthrequest, in front of the app on 10.0.0.0/24
//	ext, err := proxyheader.New(
//		proxyheader.WithTrustedProxies("10.0.0.0/24"),
//		proxyheader.WithIdentifierHeader("X-Auth-Request-User"),
//		proxyheader.WithEmailHeader("X-Auth-Request-Email"))
//
// Other proxies: oauth2-proxy with --pass-user-headers sends
// X-Forwarded-User and X-Forwarded-Email (an app that names users by email
// takes X-Forwarded-Email as the identifier); Authelia sends Remote-User,
// Remote-Email and Remote-Name. Proxies that sign what they send
// (Cloudflare Access, Google IAP, Pomerium) are better verified with
// identity/jwtverify and identity/jwks: see the README's recipes.
//
// A header sent twice is refused: a proxy that appends rather than
// overwrites would otherwise pass the client's value on. The Extractor
// allocates nothing.
package proxyheader
