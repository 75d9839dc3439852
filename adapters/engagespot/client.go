package engagespot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/autoidentify/autoidentify/identity"
)

// Client calls the Engagespot REST API with an API key and secret. It is safe
// for concurrent use. Printing or logging it never shows the secret.
type Client struct {
	apiKey    string
	apiSecret string
	base      *url.URL // no trailing slash
	hc        *http.Client
	timeout   time.Duration
	now       func() time.Time                                 // for Retry-After dates; tests replace it
	sleep     func(ctx context.Context, d time.Duration) error // batch pauses; tests replace it
}

// New returns a Client for the workspace with this API key and secret (both
// in the console's API Credentials). A missing credential, one holding a
// control character (no header can carry it), or a refused option is an
// *identity.ConfigError.
func New(apiKey, apiSecret string, opts ...Option) (*Client, error) {
	cfg, base, err := newConfig(apiKey, apiSecret, opts)
	if err != nil {
		return nil, fmt.Errorf("engagespot: %w", err)
	}
	// A copy, so the caller's client is left as it was, that never follows a
	// redirect: Go would resend our secret header to wherever it points.
	hc := &http.Client{}
	if cfg.httpClient != nil {
		*hc = *cfg.httpClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{
		apiKey:    apiKey,
		apiSecret: apiSecret,
		base:      base,
		hc:        hc,
		timeout:   cfg.timeout,
		now:       time.Now,
		sleep:     sleep,
	}, nil
}

// BaseURL returns the API base URL the client calls.
func (c *Client) BaseURL() string { return c.base.String() }

// Upsert creates the user or updates their profile: PUT /users/{identifier}.
// It satisfies middleware.Directory. The profile is sent as given (use
// Profile.Sanitize first to normalise it); an empty profile sends an empty
// body, as the official SDK does. Errors are an *InputError (nothing was
// sent) or an *APIError.
func (c *Client) Upsert(ctx context.Context, id identity.Identity) error {
	return c.CreateOrUpdateUser(ctx, id.Identifier, id.Profile)
}

// CreateOrUpdateUser is Upsert by identifier and profile, named as in the
// official SDKs.
func (c *Client) CreateOrUpdateUser(ctx context.Context, identifier string, profile identity.Profile) error {
	const op = "upsert user"
	if err := c.validateIdentifier(op, identifier); err != nil {
		return err
	}
	var body []byte
	if !profile.IsZero() {
		for k := range profile.Custom {
			if k == "" || identity.IsReservedKey(k) {
				return &InputError{Op: op, Err: reservedKeyError(k)}
			}
		}
		b, err := profile.MarshalJSON()
		if err != nil {
			return &InputError{Op: op, Err: fmt.Errorf("%w: profile does not encode as JSON: %w", identity.ErrInvalidAttribute, err)}
		}
		body = b
	}
	return c.do(ctx, op, http.MethodPut, identifier, body)
}

// DeleteUser deletes a user: DELETE /users/{identifier}. A user Engagespot
// does not know gives an *APIError matching ErrNotFound.
func (c *Client) DeleteUser(ctx context.Context, identifier string) error {
	const op = "delete user"
	if err := c.validateIdentifier(op, identifier); err != nil {
		return err
	}
	return c.do(ctx, op, http.MethodDelete, identifier, nil)
}

// isControl reports a character no HTTP header value may hold: a control
// other than tab.
func isControl(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }

func (c *Client) validateIdentifier(op, identifier string) error {
	if err := identity.ValidateIdentifier(identifier); err != nil {
		return &InputError{Op: op, Err: err}
	}
	return nil
}

func reservedKeyError(k string) error {
	switch {
	case k == "":
		return fmt.Errorf("%w: custom attribute with an empty name", identity.ErrInvalidAttribute)
	case k == "identifier":
		return fmt.Errorf("%w: custom attribute %q is reserved (Engagespot answers 422)", identity.ErrInvalidAttribute, k)
	}
	return fmt.Errorf("%w: custom attribute %q is reserved: set the Profile field instead", identity.ErrInvalidAttribute, k)
}

// userURL returns the URL of /users/{identifier} with the identifier escaped
// as exactly one path segment. Setting RawPath makes Go send that escaping
// as is, instead of re-deriving it from Path (where "a/b" would be two
// segments and "%2F" would reach the server as "/").
func (c *Client) userURL(identifier string) *url.URL {
	u := *c.base
	u.Path = c.base.Path + "/users/" + identifier
	u.RawPath = c.base.EscapedPath() + "/users/" + url.PathEscape(identifier)
	return &u
}

// do sends one request and turns anything but a 2xx answer into an *APIError.
func (c *Client) do(ctx context.Context, op, method, identifier string, body []byte) error {
	callCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(callCtx, method, c.base.String(), rd)
	if err != nil {
		return &APIError{Op: op, Err: err}
	}
	req.URL = c.userURL(identifier)
	req.Header = http.Header{
		"X-Engagespot-Api-Key":    {c.apiKey},
		"X-Engagespot-Api-Secret": {c.apiSecret},
		"Content-Type":            {"application/json"},
		"Accept":                  {"application/json"},
		"User-Agent":              {userAgent},
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return &APIError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Read a little of the body so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil
	}
	// A secret echoed across the limit is read whole, so it is redacted whole.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+int64(len(c.apiSecret))))
	e := &APIError{
		Op:         op,
		StatusCode: resp.StatusCode,
		Body:       redactBody(string(b), c.apiSecret),
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter, _ = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	}
	return e
}

// String describes the client without its secret. The methods that print
// or log a Client have value receivers so that a Client value is covered too.
func (c Client) String() string {
	return "engagespot.Client{BaseURL: " + c.base.String() + ", APIKey: " + c.apiKey + ", APISecret: [REDACTED]}"
}

// GoString is String, so %#v does not print the secret either.
func (c Client) GoString() string { return c.String() }

// Format prints String for every verb, so no verb (%d, %x...) prints the
// fields behind it.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs the client without its secret.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.base.String()),
		slog.String("api_key", c.apiKey),
		slog.String("api_secret", "[REDACTED]"),
	)
}
