package demo

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autoidentify/autoidentify/adapters/engagespot"
	"github.com/autoidentify/autoidentify/identity/jwtverify"
	"github.com/autoidentify/autoidentify/middleware"
)

// The environment variables the examples read.
const (
	EnvAddr             = "ADDR"
	EnvJWTSecret        = "JWT_SECRET"
	EnvAPIKey           = "ENGAGESPOT_API_KEY"
	EnvAPISecret        = "ENGAGESPOT_API_SECRET"
	EnvBaseURL          = "ENGAGESPOT_BASE_URL"
	EnvSecureMode       = "ENGAGESPOT_SECURE_MODE"
	EnvSigningKey       = engagespot.EnvSigningKey // ENGAGESPOT_PRIVATE_SIGNING_KEY, as the official SDK reads it
	EnvRedisURL         = "REDIS_URL"
	EnvDrainTimeout     = "DRAIN_TIMEOUT"
	EnvPauseFor         = "PAUSE_FOR"
	DefaultAddr         = ":8080"
	DefaultBaseURL      = engagespot.DefaultBaseURL
	DefaultDrainTimeout = 10 * time.Second
)

// Config is the examples' environment, parsed and checked.
// It holds secrets: printing or logging it redacts them.
type Config struct {
	Addr string
	// JWTSecret verifies bearer tokens (HS256). Generated is true when
	// JWT_SECRET was unset and a random one was made for this run.
	JWTSecret          []byte
	JWTSecretGenerated bool
	// APIKey and APISecret select the real Engagespot API when both are set;
	// otherwise users go to an in-memory directory.
	APIKey, APISecret string
	BaseURL           string
	SecureMode        bool
	SigningKeyPEM     []byte
	RedisURL          string
	DrainTimeout      time.Duration
	// PauseFor is how long API calls pause after repeated failures or
	// rejected credentials before one call probes (middleware.WithPause).
	PauseFor time.Duration
}

// EnvError is a variable with a value the examples cannot use. It never
// repeats the value of a secret.
type EnvError struct {
	Var string
	Err error
}

func (e *EnvError) Error() string { return e.Var + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *EnvError) Unwrap() error { return e.Err }

// UsesEngagespot reports whether users go to the real Engagespot API.
func (c Config) UsesEngagespot() bool { return c.APIKey != "" && c.APISecret != "" }

// FromEnv reads the configuration through getenv (os.Getenv). Every bad
// variable is reported, joined in one error of *EnvError, so one run shows
// them all.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Addr:          or(getenv(EnvAddr), DefaultAddr),
		JWTSecret:     []byte(getenv(EnvJWTSecret)),
		APIKey:        strings.TrimSpace(getenv(EnvAPIKey)),
		APISecret:     strings.TrimSpace(getenv(EnvAPISecret)),
		BaseURL:       or(getenv(EnvBaseURL), DefaultBaseURL),
		SigningKeyPEM: []byte(getenv(EnvSigningKey)),
		RedisURL:      getenv(EnvRedisURL),
		DrainTimeout:  DefaultDrainTimeout,
		PauseFor:      middleware.DefaultPauseFor,
	}
	var errs []error
	bad := func(name string, format string, args ...any) {
		errs = append(errs, &EnvError{Var: name, Err: fmt.Errorf(format, args...)})
	}

	switch n := len(c.JWTSecret); {
	case n == 0:
		c.JWTSecret, c.JWTSecretGenerated = randomSecret(), true
	case n < jwtverify.MinHMACKeySize:
		bad(EnvJWTSecret, "%d bytes, want at least %d for HS256 (try: openssl rand -hex 32)", n, jwtverify.MinHMACKeySize)
	}
	// Messages name the scheme and host at most: the rest may hold a token.
	switch u, err := url.Parse(c.BaseURL); {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		bad(EnvBaseURL, "not an absolute http(s) URL; want e.g. %s", DefaultBaseURL)
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		bad(EnvBaseURL, "%s://%s...: no credentials, query or fragment allowed; want e.g. %s", u.Scheme, u.Host, DefaultBaseURL)
	}
	if v := getenv(EnvSecureMode); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			bad(EnvSecureMode, "%q, want true or false", v)
		}
		c.SecureMode = on
	}
	// One of the two is a typo or a missing secret, and would send users to
	// the in-memory directory, nowhere, in production.
	switch {
	case c.APIKey != "" && c.APISecret == "":
		bad(EnvAPISecret, "unset while %s is set: set both for the Engagespot API, or neither for the in-memory directory", EnvAPIKey)
	case c.APIKey == "" && c.APISecret != "":
		bad(EnvAPIKey, "unset while %s is set: set both for the Engagespot API, or neither for the in-memory directory", EnvAPISecret)
	}
	if c.SecureMode && len(c.SigningKeyPEM) == 0 {
		bad(EnvSecureMode, "secure mode needs %s: the front-end authenticates with user tokens signed by it", EnvSigningKey)
	}
	if len(c.SigningKeyPEM) > 0 && c.APIKey == "" {
		bad(EnvSigningKey, "needs %s: user tokens name the workspace's API key", EnvAPIKey)
	}
	if c.RedisURL != "" {
		// The scheme is named, never the rest: it may hold a password.
		u, err := url.Parse(c.RedisURL)
		switch {
		case err == nil && u.Scheme == "":
			bad(EnvRedisURL, "no scheme: want redis://[:password@]host:port/db (or rediss://, unix://)")
		case err == nil && u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix":
			bad(EnvRedisURL, "scheme %q: want redis://[:password@]host:port/db (or rediss://, unix://)", u.Scheme)
		default:
			if _, err := redis.ParseURL(c.RedisURL); err != nil {
				bad(EnvRedisURL, "want redis://[:password@]host:port/db: %w", withoutURL(err))
			}
		}
	}
	if v := getenv(EnvDrainTimeout); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			bad(EnvDrainTimeout, "%q is not a Go duration (e.g. 10s, 1m30s)", v)
		case d < 0:
			bad(EnvDrainTimeout, "%s is negative", d)
		}
		c.DrainTimeout = d
	}
	if v := getenv(EnvPauseFor); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			bad(EnvPauseFor, "%q is not a Go duration (e.g. 30s, 1m)", v)
		case d <= 0:
			bad(EnvPauseFor, "%s: must be positive", d)
		}
		c.PauseFor = d
	}
	return c, errors.Join(errs...)
}

// randomSecret is a fresh HS256 key for one run: never a well-known default,
// which would let anyone who read this code mint tokens.
func randomSecret() []byte {
	b := make([]byte, jwtverify.MinHMACKeySize)
	_, _ = rand.Read(b) // never fails (crypto/rand crashes the program instead)
	return b
}

// withoutURL drops the URL net/url quotes in its errors: it may carry a
// password.
func withoutURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

// LogValue is the effective configuration with its secrets redacted.
func (c Config) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 10)
	if c.UsesEngagespot() {
		attrs = append(attrs,
			slog.String("directory", "engagespot"),
			slog.String("engagespot_base_url", redactURL(c.BaseURL)),
			slog.String("engagespot_api_key", c.APIKey),
			slog.String("engagespot_api_secret", redacted(c.APISecret)))
	} else {
		attrs = append(attrs, slog.String("directory", "memory (set ENGAGESPOT_API_KEY and ENGAGESPOT_API_SECRET for the real API)"))
	}
	attrs = append(attrs, slog.Bool("secure_mode", c.SecureMode))
	if c.SecureMode {
		attrs = append(attrs, slog.String("creates_users", "no: secure mode identifies users, the middleware creates nobody"))
	}
	jwtSecret := redacted(string(c.JWTSecret))
	if c.JWTSecretGenerated {
		jwtSecret = "[GENERATED for this run]"
	}
	attrs = append(attrs,
		slog.String("signing_key", redacted(string(c.SigningKeyPEM))),
		slog.String("jwt_secret", jwtSecret),
		slog.String("redis", redactURL(c.RedisURL)),
		slog.Duration("drain_timeout", c.DrainTimeout),
		slog.Duration("pause_for", c.PauseFor))
	return slog.GroupValue(attrs...)
}

// String describes c without its secrets.
func (c Config) String() string {
	var b strings.Builder
	b.WriteString("demo.Config{Addr: " + c.Addr)
	for _, a := range c.LogValue().Group() {
		fmt.Fprintf(&b, ", %s: %s", a.Key, a.Value)
	}
	return b.String() + "}"
}

// GoString is String, so %#v does not print the secrets either.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

func redacted(secret string) string {
	if secret == "" {
		return "unset"
	}
	return "[REDACTED]"
}

func redactURL(raw string) string {
	if raw == "" {
		return "off"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "[UNPARSABLE]"
	}
	if u.RawQuery != "" || u.Fragment != "" {
		u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	}
	return u.Redacted()
}
