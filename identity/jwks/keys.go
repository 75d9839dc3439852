package jwks

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/MicahParks/jwkset"
	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/internal/options"
	"github.com/autoidentify/autoidentify/internal/publickey"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Keys are the public keys of a JSON Web Key Set fetched from a URL,
// refreshed periodically and when a token names a key id not seen yet. Build
// it with New; stop its refresh goroutine with Close or by ending the
// context New was given. Keys is a jwtverify.RotatingKeySource.
type Keys struct {
	store     jwkset.Storage
	gen       atomic.Uint64   // moves each time the key set is replaced (see Generation)
	ctx       context.Context // bounds the refresh a token with a new kid causes
	algs      []string
	cancel    context.CancelFunc
	client    *http.Client
	ownClient bool
	closeOnce sync.Once
}

// New fetches the key set at rawURL and keeps it fresh until ctx ends or
// Close is called.
//
// The URL must be https; plain http is accepted only for a loopback host
// (tests, a sidecar). Redirects are refused: a key set must come from the
// URL configured, not from wherever an answer points (providers publish the
// final URL as jwks_uri in their discovery document). Credentials and the
// query in the URL are sent with each fetch but never reach an error or a
// log line.
//
// A key of the set verifies a signature only if its "use" is absent or
// "sig", its "key_ops" (if any) include "verify", its "alg" (if any) is the
// token's, and the key meets the rules of the static key sources: RSA of
// at least 2048 bits, ECDSA on P-256, P-384 or P-521, Ed25519.
func New(ctx context.Context, rawURL string, opts ...Option) (*Keys, error) {
	cfg := &config{
		logger:     slog.Default(),
		interval:   DefaultRefreshInterval,
		rateLimit:  DefaultRefreshRateLimit,
		timeout:    DefaultTimeout,
		maxSize:    DefaultMaxSize,
		algorithms: publickey.Algorithms,
	}
	if err := options.Apply(cfg, opts); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", &identity.ConfigError{Field: "URL", Err: err})
	}
	k := &Keys{algs: cfg.algorithms}
	base := cfg.client
	if base == nil {
		k.ownClient = true
		base = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	// The key set library sees the URL without credentials or query, so no
	// error it or net/http makes can quote them; the transport adds them back.
	clean := redactURL(u)
	k.client = &http.Client{
		Transport: &fetchTransport{base: base.Transport, max: cfg.maxSize, url: clean, user: u.User, query: u.RawQuery},
		Jar:       base.Jar,
		Timeout:   base.Timeout,
	}
	ctx, k.cancel = context.WithCancel(ctx)
	k.ctx = ctx
	remote, err := jwkset.NewStorageFromHTTP(clean, jwkset.HTTPClientStorageOptions{
		Storage:                   &generationStorage{Storage: jwkset.NewMemoryStorage(), gen: &k.gen},
		Client:                    k.client,
		Ctx:                       ctx,
		HTTPTimeout:               cfg.timeout,
		NoErrorReturnFirstHTTPReq: !cfg.requireInit,
		RefreshInterval:           cfg.interval,
		RefreshErrorHandler: func(ctx context.Context, err error) {
			if cfg.logger != nil {
				cfg.logger.ErrorContext(ctx, "jwks: fetch failed", "url", clean, "error", err)
			}
		},
	})
	if err != nil {
		k.Close()
		return nil, fmt.Errorf("jwks: %w", err)
	}
	k.store, err = jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs: map[string]jwkset.Storage{clean: remote},
		// One request waits for a refresh at most this long; the others find
		// the limiter spent and fail at once.
		RateLimitWaitMax:  cfg.timeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(cfg.rateLimit), 1),
	})
	if err != nil {
		k.Close()
		return nil, fmt.Errorf("jwks: %w", err)
	}
	return k, nil
}

// parseURL accepts an absolute https URL, or http for a loopback host.
func parseURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, errors.New("want an absolute https URL")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("http://%s: plain http is allowed for loopback hosts only, use https (keys fetched in the clear can be replaced on the way)", u.Host)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Algorithms lists the algorithms accepted from the key set.
func (k *Keys) Algorithms() []string { return k.algs }

// Generation changes each time the key set is fetched and replaced, after
// the replacement: a token verified before it is verified again (see
// RotatingKeySource, WithVerifiedCache).
func (k *Keys) Generation() uint64 { return k.gen.Load() }

// generationStorage is the key set's storage, moving a generation after
// every replacement of the set (each fetch).
type generationStorage struct {
	jwkset.Storage
	gen *atomic.Uint64
}

func (s *generationStorage) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	err := s.Storage.KeyReplaceAll(ctx, given)
	s.gen.Add(1)
	return err
}

// VerificationKey returns the key named by t's kid header, fetching the set
// anew (within the rate limit) if the kid is unknown; without a kid, every
// usable key of the set is tried.
func (k *Keys) VerificationKey(t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	kidClaim, ok := t.Header[jwkset.HeaderKID]
	if !ok {
		all, err := k.store.KeyReadAll(k.ctx)
		if err != nil {
			return nil, jwtverify.ErrUnknownKey
		}
		var set jwt.VerificationKeySet
		for _, j := range all {
			if key, err := verifyingKey(j, alg); err == nil {
				set.Keys = append(set.Keys, key)
			}
		}
		if len(set.Keys) == 0 {
			return nil, jwtverify.ErrUnknownKey
		}
		return set, nil
	}
	kid, ok := kidClaim.(string)
	if !ok {
		return nil, jwtverify.ErrUnknownKey
	}
	j, err := k.store.KeyRead(k.ctx, kid)
	if err != nil {
		// The library's message quotes the kid, which comes from the token.
		return nil, jwtverify.ErrUnknownKey
	}
	key, err := verifyingKey(j, alg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", jwtverify.ErrUnknownKey, err)
	}
	return key, nil
}

// verifyingKey returns the public key of j if j may verify a signature made
// with alg. Its errors describe the key set's entry, never the token.
func verifyingKey(j jwkset.JWK, alg string) (any, error) {
	m := j.Marshal()
	switch {
	case m.USE != "" && m.USE != jwkset.UseSig:
		return nil, fmt.Errorf("key set entry has use %q, want %q", m.USE, jwkset.UseSig)
	case len(m.KEYOPS) > 0 && !slices.Contains(m.KEYOPS, jwkset.KeyOpsVerify):
		return nil, errors.New(`key set entry's key_ops lack "verify"`)
	case m.ALG != "" && m.ALG.String() != alg:
		return nil, fmt.Errorf("key set entry is for %s, not the token's algorithm", m.ALG)
	}
	key := j.Key()
	if private, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		key = private.Public() // a set that published a private key verifies with its public half
	}
	if err := publickey.Check(key); err != nil {
		return nil, fmt.Errorf("key set entry: %w", err)
	}
	return key, nil
}

// Close stops the refresh goroutine and closes idle connections of the
// client New made. It is safe to call more than once.
func (k *Keys) Close() {
	k.closeOnce.Do(func() {
		k.cancel()
		if k.ownClient {
			k.client.CloseIdleConnections()
		}
	})
}

// redactURL drops credentials, the query and the fragment from a URL: what
// is left may be logged.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.ForceQuery = false
	c.Fragment = ""
	c.RawFragment = ""
	return c.String()
}
