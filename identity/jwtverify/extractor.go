package jwtverify

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidToken is wrapped by every error about a token that was found but
// failed verification: malformed, too large, badly signed, expired, not yet
// valid, for another issuer or audience. golang-jwt's error is wrapped too,
// so errors.Is(err, jwt.ErrTokenExpired) works. No error repeats the token.
var ErrInvalidToken = errors.New("jwtverify: invalid token")

// Extractor finds the user of a request in a JSON Web Token it verifies
// itself. Build it with New; it is safe for concurrent use.
type Extractor struct {
	keys     KeySource
	parser   *jwt.Parser
	keyfunc  jwt.Keyfunc
	sources  []TokenSource
	mapper   *identity.ClaimsMapper
	maxSize  int
	verified *Cache[identity.Verified] // nil: none
	rotating RotatingKeySource         // keys, if they rotate
	now      func() time.Time
}

// New returns an Extractor that takes a token from the request (the
// Authorization: Bearer header unless WithTokenSource says otherwise),
// verifies it with keys and maps its claims to an Identity.
//
// The algorithms accepted follow from the keys (WithAlgorithms may narrow
// them) and never include "none"; exp is required, nbf and iat are honoured
// with DefaultLeeway; iss and aud are checked when WithIssuer and
// WithAudience are given. A bad key or option fails here, with an *identity.ConfigError.
func New(keys KeySource, opts ...Option) (*Extractor, error) {
	cfg, mapper, err := newConfig(keys, opts)
	if err != nil {
		return nil, fmt.Errorf("jwtverify: %w", err)
	}
	parserOpts := []jwt.ParserOption{
		// A last character's spare bits must be zero (RFC 4648 section
		// 3.5): with the newline check in verify, one token has one
		// spelling, so a valid token cannot be sent as many strings, each
		// its own cache entry.
		jwt.WithStrictDecoding(),
		jwt.WithValidMethods(slices.Clone(cfg.algorithms)),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.leeway),
	}
	if cfg.issuer != "" {
		parserOpts = append(parserOpts, jwt.WithIssuer(cfg.issuer))
	}
	if len(cfg.audience) > 0 {
		parserOpts = append(parserOpts, jwt.WithAudience(cfg.audience...))
	}
	if cfg.now != nil {
		parserOpts = append(parserOpts, jwt.WithTimeFunc(cfg.now))
	}
	e := &Extractor{
		keys:    keys,
		parser:  jwt.NewParser(parserOpts...),
		sources: cfg.sources,
		mapper:  mapper,
		maxSize: cfg.maxSize,
		now:     cfg.now,
	}
	if e.now == nil {
		e.now = time.Now
	}
	e.keyfunc = e.key // bound once, so no request allocates it
	_, static := keys.(*staticKey)
	e.rotating, _ = keys.(RotatingKeySource)
	// A WithClaimsFunc function runs on every verification: it may decide
	// on state that changes between requests (a user banned, an email no
	// longer verified), which a cached answer would not see, and running it
	// on a hit would need each token's claims kept beside its identity.
	if cfg.cacheEntries > 0 && (static || e.rotating != nil) && mapper.Cacheable() {
		if e.verified, err = NewCache[identity.Verified](cfg.cacheEntries, cfg.cacheBytes, cfg.cacheMaxAge, cfg.leeway); err != nil {
			return nil, fmt.Errorf("jwtverify: %w", err)
		}
	}
	return e, nil
}

// String describes e without its keys.
func (e *Extractor) String() string {
	return fmt.Sprintf("jwtverify.Extractor(%v)", e.keys.Algorithms())
}

// GoString keeps keys out of %#v.
func (e *Extractor) GoString() string { return e.String() }

// LogValue keeps keys out of slog.
func (e *Extractor) LogValue() slog.Value { return slog.StringValue(e.String()) }

// checkAlgorithms refuses unknown algorithms, "none", and a mix of HMAC with
// public-key algorithms (the door to HS/RS confusion).
func checkAlgorithms(algs []string) error {
	if len(algs) == 0 {
		return errors.New("no algorithms")
	}
	hmac := 0
	for _, a := range algs {
		m := jwt.GetSigningMethod(a)
		if m == nil || m == jwt.SigningMethodNone || a == "none" {
			return fmt.Errorf("algorithm %q is not allowed", a)
		}
		if isHMAC(a) {
			hmac++
		}
	}
	if hmac > 0 && hmac < len(algs) {
		return errors.New("HMAC and public-key algorithms must not be mixed")
	}
	return nil
}

// Extract verifies the request's token. No token is no user, not an error; a
// token that fails verification is an error wrapping ErrInvalidToken; a
// verified token without a valid identifier is the ClaimsMapper's error.
func (e *Extractor) Extract(r *http.Request) (identity.Identity, bool, error) {
	token := e.token(r)
	if token == "" {
		return identity.Identity{}, false, nil
	}
	id, err := e.Verify(token)
	if err != nil {
		return identity.Identity{}, false, err
	}
	return id, true, nil
}

// ExtractVerified is Extract that returns the Verified the verified-token
// cache keeps for the token, shared by every request that brings it (read
// it, never change it), or a new one where the cache has none: the
// middleware asks for it (identity.VerifiedExtractor), so that a request
// carries it without a copy and the profile and identifier are not hashed
// again.
func (e *Extractor) ExtractVerified(r *http.Request) (*identity.Verified, bool, error) {
	token := e.token(r)
	if token == "" {
		return nil, false, nil
	}
	v, err := e.verify(token)
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

func (e *Extractor) token(r *http.Request) string {
	for _, src := range e.sources {
		if t := src(r); t != "" {
			return t
		}
	}
	return ""
}

// Verify verifies a token taken from anywhere and maps its claims, with the
// same rules and errors as Extract; an empty token is an ErrInvalidToken.
func (e *Extractor) Verify(token string) (identity.Identity, error) {
	if e.verified == nil {
		id, _, _, err := e.check(token) // a new identity: the caller's own
		return id, err
	}
	v, err := e.verify(token)
	if err != nil {
		return identity.Identity{}, err
	}
	return v.Identity.Clone(), nil // the caller's own, never the cache's
}

// verify is Verify, without the copy: the cache's Verified for token, or a
// new one, which the cache then keeps, where there is one.
func (e *Extractor) verify(token string) (*identity.Verified, error) {
	var now time.Time
	var gen uint64
	if e.verified != nil {
		// Size first, before the cache's hash reads the whole token. The
		// cache holds verified tokens only, which passed every check of
		// check: a token it knows needs none of them again.
		if err := e.checkSize(token); err != nil {
			return nil, err
		}
		now, gen = e.now(), e.generation() // the generation before verifying: see Cache.Put
		if v, ok := e.verified.Get(token, now, gen); ok {
			return v, nil
		}
	}
	id, exp, notBefore, err := e.check(token)
	if err != nil {
		return nil, err
	}
	v := identity.NewVerified(id)
	if e.verified != nil {
		e.verified.Put(token, v, sizeOf(v.Identity), exp, notBefore, now, gen)
	}
	return v, nil
}

// check verifies token as no cache has seen it: its size, its shape, its
// signature and claims. Where there is a cache, it also returns the bounds
// Cache.Put wants: exp, and the later of nbf and iat.
func (e *Extractor) check(token string) (id identity.Identity, exp, notBefore time.Time, err error) {
	if err := e.checkSize(token); err != nil {
		return id, exp, notBefore, err
	}
	// Shape next, before any decoding of attacker input.
	if strings.Count(token, ".") != 2 {
		return id, exp, notBefore, fmt.Errorf("%w: %w: want three dot-separated segments", ErrInvalidToken, jwt.ErrTokenMalformed)
	}
	if strings.ContainsAny(token, "\r\n") {
		// Go's base64 decoder skips newlines, even strict: refused here,
		// after the cache (which holds verified tokens only), so that a
		// token has one spelling (with WithStrictDecoding, see New).
		return id, exp, notBefore, fmt.Errorf("%w: %w: not canonical base64url", ErrInvalidToken, jwt.ErrTokenMalformed)
	}
	claims := claimsPool.Get().(jwt.MapClaims)
	id, exp, notBefore, err = e.checkClaims(token, claims)
	clear(claims)
	claimsPool.Put(claims)
	if err != nil {
		return identity.Identity{}, time.Time{}, time.Time{}, err
	}
	return id, exp, notBefore, nil
}

// checkClaims is check's work on the claims map, which check takes from the
// pool and gives back (without a defer, which cost 1% of a verification).
func (e *Extractor) checkClaims(token string, claims jwt.MapClaims) (id identity.Identity, exp, notBefore time.Time, err error) {
	if _, err := e.parser.ParseWithClaims(token, claims, e.keyfunc); err != nil {
		return id, exp, notBefore, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if err := checkTimeClaims(claims); err != nil {
		return id, exp, notBefore, err
	}
	if id, err = e.mapper.Map(claims); err != nil {
		return identity.Identity{}, exp, notBefore, err
	}
	if e.verified != nil {
		exp, notBefore = numericDate(claims["exp"]), numericDate(claims["nbf"])
		if iat := numericDate(claims["iat"]); iat.After(notBefore) {
			notBefore = iat // golang-jwt refuses a token issued ahead of the clock (WithIssuedAt)
		}
	}
	return id, exp, notBefore, nil
}

// checkSize refuses an empty token and one over the size limit: cheap, and
// before anything reads the whole token.
func (e *Extractor) checkSize(token string) error {
	switch {
	case token == "":
		return fmt.Errorf("%w: %w: empty", ErrInvalidToken, jwt.ErrTokenMalformed)
	case len(token) > e.maxSize:
		return fmt.Errorf("%w: %w: %d bytes, limit %d", ErrInvalidToken, jwt.ErrTokenMalformed, len(token), e.maxSize)
	}
	return nil
}

func (e *Extractor) generation() uint64 {
	if e.rotating == nil {
		return 0
	}
	return e.rotating.Generation()
}

// numericDate reads a time claim as golang-jwt does (to the second), one
// checkTimeClaims accepted; the zero time if it is absent.
func numericDate(v any) time.Time {
	f, ok := seconds(v)
	if !ok {
		return time.Time{}
	}
	return time.Unix(int64(f), 0)
}

// seconds reads a time claim's number as the JSON decoder left it.
func seconds(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// claimsPool keeps claims maps from one verification to the next: decoding
// into a map already large enough costs neither its allocation nor its
// growth past eight claims, which repays most of what mapping the claims
// costs (see BENCHMARKS.md). A map goes back empty once mapped; nothing else
// keeps it: golang-jwt's token is dropped, the key source must not keep the
// token (see KeySource), and the identity keeps the claims' values, not
// the map.
var claimsPool = sync.Pool{New: func() any { return jwt.MapClaims{} }}

// errCritical refuses a token with a "crit" header: it lists extensions the
// verifier must understand or refuse the token (RFC 7515 section 4.1.11),
// and this one understands none. golang-jwt ignores the header.
var errCritical = errors.New(`"crit" header lists extensions this verifier does not implement`)

// key is the jwt.Keyfunc: the source's key, if it fits the token's algorithm.
func (e *Extractor) key(t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		return nil, errCritical
	}
	key, err := e.keys.VerificationKey(t)
	if err != nil {
		return nil, err
	}
	if set, ok := key.(jwt.VerificationKeySet); ok {
		var fit jwt.VerificationKeySet
		for _, k := range set.Keys {
			if keyFits(t.Method, k) {
				fit.Keys = append(fit.Keys, k)
			}
		}
		if len(fit.Keys) == 0 {
			return nil, ErrUnknownKey
		}
		return fit, nil
	}
	if !keyFits(t.Method, key) {
		return nil, ErrUnknownKey
	}
	return key, nil
}

// maxNumericDate is the latest time claim accepted, 9999-12-31T23:59:59Z in
// seconds since 1970.
const maxNumericDate = 253402300799

// checkTimeClaims refuses exp, nbf and iat that are not finite numbers from
// 0 to maxNumericDate. golang-jwt converts such a number to an int64 however
// the CPU does (1e300 became the far past on amd64), so an nbf of 1e300 was
// ignored and, on other CPUs, an exp of 1e300 would never expire.
func checkTimeClaims(c jwt.MapClaims) error {
	for _, name := range [...]string{"exp", "nbf", "iat"} {
		v, ok := c[name]
		if !ok {
			continue
		}
		f, ok := seconds(v)
		switch {
		case !ok:
			return fmt.Errorf("%w: %w: %s is not a number", ErrInvalidToken, jwt.ErrTokenMalformed, name)
		case !(f >= 0 && f <= maxNumericDate): // NaN fails both
			return fmt.Errorf("%w: %w: %s is not a time from 0 to %d", ErrInvalidToken, jwt.ErrTokenMalformed, name, maxNumericDate)
		}
	}
	return nil
}
