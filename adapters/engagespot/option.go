package engagespot

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

// Base URLs of the Engagespot REST API, version path included, as the
// official Node SDK knows them.
const (
	DefaultBaseURL    = "https://api.engagespot.co/v3" // US workspaces
	BaseURLEU         = "https://api-eu.engagespot.co/v3"
	BaseURLUSWest2    = "https://api-us-west-2.engagespot.co/v3"
	BaseURLEUCentral1 = "https://api-eu-central-1.engagespot.co/v3"
)

// Defaults of the options.
const (
	DefaultTimeout = 10 * time.Second
)

// Region is an Engagespot data region, named as the Node SDK's dataRegion.
type Region string

// The regions the official Node SDK knows.
const (
	RegionUS         Region = "us"
	RegionEU         Region = "eu"
	RegionUSWest2    Region = "us-west-2"
	RegionEUCentral1 Region = "eu-central-1"
)

var regionBaseURLs = map[Region]string{
	RegionUS:         DefaultBaseURL,
	RegionEU:         BaseURLEU,
	RegionUSWest2:    BaseURLUSWest2,
	RegionEUCentral1: BaseURLEUCentral1,
}

// BaseURL returns the region's API base URL, or "" for an unknown region.
func (r Region) BaseURL() string { return regionBaseURLs[r] }

// Option configures a Client. Options validate their argument; New returns a
// *identity.ConfigError naming the option when one is refused.
type Option func(*config) error

type config struct {
	baseURL    string
	httpClient *http.Client
	timeout    time.Duration
}

func defaultConfig() config {
	return config{baseURL: DefaultBaseURL, timeout: DefaultTimeout}
}

// WithRegion sends requests to the region's API: the workspace's region is
// shown in the Engagespot console. Default: RegionUS (DefaultBaseURL).
func WithRegion(r Region) Option {
	return func(c *config) error {
		u := r.BaseURL()
		if u == "" {
			return &identity.ConfigError{Field: "Region", Err: fmt.Errorf("unknown region %q (want us, eu, us-west-2 or eu-central-1)", string(r))}
		}
		c.baseURL = u
		return nil
	}
}

// WithBaseURL sends requests to any API base URL, version path included (a
// proxy, or engagespottest's fake in tests): an absolute https URL, or http
// for a loopback host (localhost, 127.0.0.0/8, ::1) since the API secret
// travels in a header, whose path ends in the version (/v3: without it
// every call would answer 404), without query or fragment. It overrides
// WithRegion.
// Default: DefaultBaseURL.
func WithBaseURL(base string) Option {
	return func(c *config) error {
		if _, err := parseBaseURL(base); err != nil {
			return &identity.ConfigError{Field: "BaseURL", Err: err}
		}
		c.baseURL = base
		return nil
	}
}

// WithHTTPClient sends requests through hc (its transport, proxy and TLS
// settings). The client never follows redirects whatever hc says, so the API
// secret never reaches another host. Default: a client on
// http.DefaultTransport.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return &identity.ConfigError{Field: "HTTPClient", Err: errors.New("nil *http.Client")}
		}
		c.httpClient = hc
		return nil
	}
}

// WithTimeout bounds every call, on top of the caller's context.
// Default: DefaultTimeout (10s).
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return &identity.ConfigError{Field: "Timeout", Err: fmt.Errorf("%v, want > 0", d)}
		}
		c.timeout = d
		return nil
	}
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// parseBaseURL checks a base URL and returns it without a trailing slash.
func parseBaseURL(base string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil {
		// url.Error repeats the URL, which may hold credentials: keep only the reason.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	if u.User != nil {
		return nil, errors.New("credentials in the URL are not allowed")
	}
	// Errors name the scheme and host only: a path or query may hold a token.
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("scheme %q: want an absolute http or https URL", u.Scheme)
	case u.Host == "":
		return nil, fmt.Errorf("%s://: no host", u.Scheme)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("%s://%s: no query or fragment allowed", u.Scheme, u.Host)
	case u.Scheme == "http" && !loopback(u.Hostname()):
		// Every call carries the API secret in a header.
		return nil, fmt.Errorf("http://%s: plain http is allowed for loopback hosts only, use https (the API secret would travel in the clear)", u.Host)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	if !hasVersion(u.Path) {
		// Without it every upsert answers 404, which reads as users refused.
		return nil, fmt.Errorf("%s://%s: the path must end in the API's version, e.g. %s", u.Scheme, u.Host, DefaultBaseURL)
	}
	return u, nil
}

// hasVersion reports whether path ends in a version segment: /v3.
func hasVersion(path string) bool {
	last := path[strings.LastIndexByte(path, '/')+1:]
	if len(last) < 2 || last[0] != 'v' {
		return false
	}
	for _, c := range last[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// newConfig checks the credentials and applies opts over the defaults: all
// New needs to build a Client.
func newConfig(apiKey, apiSecret string, opts []Option) (config, *url.URL, error) {
	if strings.TrimSpace(apiKey) == "" {
		return config{}, nil, &identity.ConfigError{Field: "apiKey", Err: errors.New("empty")}
	}
	if strings.TrimSpace(apiSecret) == "" {
		return config{}, nil, &identity.ConfigError{Field: "apiSecret", Err: errors.New("empty")}
	}
	// Both travel in headers, which cannot carry a control character: Go
	// would refuse every call. A newline left from a file is the usual one.
	if strings.ContainsFunc(apiKey, isControl) {
		return config{}, nil, &identity.ConfigError{Field: "apiKey", Err: errors.New("contains a control character (a newline read with it?)")}
	}
	if strings.ContainsFunc(apiSecret, isControl) {
		return config{}, nil, &identity.ConfigError{Field: "apiSecret", Err: errors.New("contains a control character (a newline read with it?)")}
	}
	cfg := defaultConfig()
	if err := options.Apply(&cfg, opts); err != nil {
		return config{}, nil, err
	}
	base, err := parseBaseURL(cfg.baseURL)
	if err != nil {
		return config{}, nil, &identity.ConfigError{Field: "BaseURL", Err: err}
	}
	return cfg, base, nil
}
