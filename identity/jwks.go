package identity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// JWKS defaults.
const (
	// DefaultJWKSRefreshInterval is how often the key set is fetched anew.
	DefaultJWKSRefreshInterval = time.Hour
	// DefaultJWKSRefreshRateLimit is the least time between two fetches
	// caused by tokens with an unknown key id.
	DefaultJWKSRefreshRateLimit = 5 * time.Minute
	// DefaultJWKSTimeout bounds one fetch of the key set.
	DefaultJWKSTimeout = 10 * time.Second
	// DefaultJWKSMaxSize is the largest key set accepted, in bytes.
	DefaultJWKSMaxSize = 1 << 20
)

// ErrUnknownKey is wrapped when no key of the source can verify a token: its
// key id is unknown (even after a refresh, if one was allowed), or the key
// does not fit the token's algorithm.
var ErrUnknownKey = errors.New("identity: no key for this token")

// JWKSOption configures JWKS.
type JWKSOption func(*jwksConfig) error

type jwksConfig struct {
	client      *http.Client
	interval    time.Duration
	rateLimit   time.Duration
	timeout     time.Duration
	maxSize     int64
	logger      *slog.Logger
	algorithms  []string
	requireInit bool
}

// WithJWKSHTTPClient fetches the key set with c. Its Transport is wrapped to
// cap the response size; c itself is not modified.
// Default: a client of its own, with a clone of http.DefaultTransport.
func WithJWKSHTTPClient(c *http.Client) JWKSOption {
	return func(cfg *jwksConfig) error {
		if c == nil {
			return &ConfigError{Field: "JWKSHTTPClient", Err: errors.New("nil client")}
		}
		cfg.client = c
		return nil
	}
}

// WithJWKSRefreshInterval fetches the key set every d, so that revoked keys go.
// Default: DefaultJWKSRefreshInterval (1h).
func WithJWKSRefreshInterval(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d <= 0 {
			return &ConfigError{Field: "JWKSRefreshInterval", Err: fmt.Errorf("%v: must be positive", d)}
		}
		cfg.interval = d
		return nil
	}
}

// WithJWKSRefreshRateLimit fetches the key set at most once every d because
// a token named an unknown key id (a rotation, or garbage). A token that finds
// the limit spent is rejected at once rather than waiting.
// Default: DefaultJWKSRefreshRateLimit (5m).
func WithJWKSRefreshRateLimit(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d <= 0 {
			return &ConfigError{Field: "JWKSRefreshRateLimit", Err: fmt.Errorf("%v: must be positive", d)}
		}
		cfg.rateLimit = d
		return nil
	}
}

// WithJWKSTimeout bounds one fetch of the key set, and so the longest a
// request with a new key id can wait for it.
// Default: DefaultJWKSTimeout (10s).
func WithJWKSTimeout(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d <= 0 {
			return &ConfigError{Field: "JWKSTimeout", Err: fmt.Errorf("%v: must be positive", d)}
		}
		cfg.timeout = d
		return nil
	}
}

// WithJWKSMaxSize refuses a key set larger than n bytes.
// Default: DefaultJWKSMaxSize (1 MiB).
func WithJWKSMaxSize(n int64) JWKSOption {
	return func(cfg *jwksConfig) error {
		if n <= 0 {
			return &ConfigError{Field: "JWKSMaxSize", Err: fmt.Errorf("%d: must be positive", n)}
		}
		cfg.maxSize = n
		return nil
	}
}

// WithJWKSLogger logs failed fetches of the key set at Error level.
// Default: nil, silent.
func WithJWKSLogger(l *slog.Logger) JWKSOption {
	return func(cfg *jwksConfig) error {
		cfg.logger = l
		return nil
	}
}

// WithJWKSAlgorithms narrows the algorithms accepted from the key set, e.g.
// to RS256 alone. HMAC algorithms are never accepted from a key set.
// Default: RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA.
func WithJWKSAlgorithms(algs ...string) JWKSOption {
	return func(cfg *jwksConfig) error {
		if len(algs) == 0 {
			return &ConfigError{Field: "JWKSAlgorithms", Err: errors.New("empty list")}
		}
		for _, a := range algs {
			if !slices.Contains(publicAlgorithms, a) {
				return &ConfigError{Field: "JWKSAlgorithms", Err: fmt.Errorf("%q is not a public-key algorithm", a)}
			}
		}
		cfg.algorithms = append([]string(nil), algs...)
		return nil
	}
}

// WithJWKSRequireInitialFetch makes JWKS fail when the first fetch of the key
// set fails, instead of starting with no keys and fetching again when the
// first token with a key id arrives (within the rate limit; tokens without
// a kid wait for the periodic refresh).
// Default: off, so an identity provider that is down does not stop the app.
func WithJWKSRequireInitialFetch() JWKSOption {
	return func(cfg *jwksConfig) error {
		cfg.requireInit = true
		return nil
	}
}

// JWKSKeys are the public keys of a JSON Web Key Set fetched from a URL,
// refreshed periodically and when a token names a key id not seen yet. Build
// it with JWKS; stop its refresh goroutine with Close or by ending the
// context JWKS was given.
type JWKSKeys struct {
	kf        keyfunc.Keyfunc
	algs      []string
	cancel    context.CancelFunc
	client    *http.Client
	ownClient bool
	closeOnce sync.Once
}

// JWKS fetches the key set at rawURL (https, or http for loopback tests) and
// keeps it fresh until ctx ends or Close is called.
func JWKS(ctx context.Context, rawURL string, opts ...JWKSOption) (*JWKSKeys, error) {
	cfg := &jwksConfig{
		interval:   DefaultJWKSRefreshInterval,
		rateLimit:  DefaultJWKSRefreshRateLimit,
		timeout:    DefaultJWKSTimeout,
		maxSize:    DefaultJWKSMaxSize,
		algorithms: publicAlgorithms,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(cfg); err != nil {
			return nil, err
		}
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &ConfigError{Field: "JWKS", Err: errors.New("want an absolute http(s) URL")}
	}
	k := &JWKSKeys{algs: cfg.algorithms}
	base := cfg.client
	if base == nil {
		k.ownClient = true
		base = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	k.client = &http.Client{
		Transport:     &limitTransport{base: base.Transport, max: cfg.maxSize},
		CheckRedirect: base.CheckRedirect,
		Jar:           base.Jar,
		Timeout:       base.Timeout,
	}
	ctx, k.cancel = context.WithCancel(ctx)
	logged := redactURL(u)
	noErrorFirst := !cfg.requireInit
	k.kf, err = keyfunc.NewDefaultOverrideCtx(ctx, []string{rawURL}, keyfunc.Override{
		Client:                    k.client,
		HTTPTimeout:               cfg.timeout,
		NoErrorReturnFirstHTTPReq: &noErrorFirst,
		// One request waits for a refresh at most this long; the others find
		// the limiter spent and fail at once.
		RateLimitWaitMax:  cfg.timeout,
		RefreshInterval:   cfg.interval,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(cfg.rateLimit), 1),
		RefreshErrorHandlerFunc: func(string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				if cfg.logger != nil {
					cfg.logger.ErrorContext(ctx, "identity: JWKS fetch failed", "url", logged, "error", scrubURL(err, u, rawURL, logged))
				}
			}
		},
	})
	if err != nil {
		k.Close()
		return nil, fmt.Errorf("identity: JWKS: %w", scrubURL(err, u, rawURL, logged))
	}
	return k, nil
}

// Algorithms lists the algorithms accepted from the key set.
func (k *JWKSKeys) Algorithms() []string { return k.algs }

// VerificationKey returns the key named by t's kid header, fetching the set
// anew (within the rate limit) if the kid is unknown; without a kid, every
// key of the set is tried.
func (k *JWKSKeys) VerificationKey(t *jwt.Token) (any, error) {
	key, err := k.kf.Keyfunc(t)
	if err != nil {
		// keyfunc's message quotes the kid, which comes from the token.
		return nil, ErrUnknownKey
	}
	return key, nil
}

// Close stops the refresh goroutine and closes idle connections of the
// client JWKS made. It is safe to call more than once.
func (k *JWKSKeys) Close() {
	k.closeOnce.Do(func() {
		k.cancel()
		if k.ownClient {
			k.client.CloseIdleConnections()
		}
	})
}

// redactURL drops credentials and the query, which may hold tokens, from a
// URL before it is logged.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.Fragment = ""
	return c.String()
}

// scrubURL returns err with the key set's URL in its text replaced by the
// logged one: keyfunc quotes the URL as given, credentials included, and
// net/http quotes it with its query. A spelling not foreseen still has its
// password and query blanked. errors.Is still sees err.
func scrubURL(err error, u *url.URL, rawURL, logged string) error {
	msg := err.Error()
	for _, s := range []string{rawURL, u.String(), u.Redacted()} {
		if s != logged {
			msg = strings.ReplaceAll(msg, s, logged)
		}
	}
	secrets := []string{u.RawQuery, u.EscapedFragment()}
	if pw, ok := u.User.Password(); ok {
		secrets = append(secrets, pw)
	}
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[REDACTED]")
		}
	}
	return &scrubbedError{msg: msg, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// limitTransport fails a response body larger than max, so a broken or
// hostile JWKS endpoint cannot exhaust memory.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t *limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("identity: JWKS response is %d bytes, limit %d", resp.ContentLength, t.max)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the base.
func (t *limitTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

var errJWKSTooLarge = errors.New("identity: JWKS response too large")

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly max bytes from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errJWKSTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
