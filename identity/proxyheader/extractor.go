package proxyheader

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/internal/options"
)

var (
	// ErrUntrustedProxy is the error of a request that carries the
	// identifier header but does not come from a trusted proxy: spoofed,
	// or a proxy missing from WithTrustedProxies.
	ErrUntrustedProxy = errors.New("proxyheader: identity header from an untrusted address")
	// ErrRepeatedHeader is the error of a request that carries one of the
	// headers more than once.
	ErrRepeatedHeader = errors.New("proxyheader: identity header sent more than once")
)

// Extractor finds the user in a trusted proxy's headers. It implements
// identity.Extractor and is safe for concurrent use.
type Extractor struct {
	cfg config
}

var _ identity.Extractor = (*Extractor)(nil)

// New returns an Extractor. It needs WithTrustedProxies and
// WithIdentifierHeader; a missing or bad option fails with an error
// wrapping *identity.ConfigError.
func New(opts ...Option) (*Extractor, error) {
	var c config
	if err := options.Apply(&c, opts); err != nil {
		return nil, fmt.Errorf("proxyheader: %w", err)
	}
	switch {
	case len(c.trusted) == 0:
		return nil, fmt.Errorf("proxyheader: %w", options.Error("TrustedProxies", "none: an unsigned header is believed only from the proxy's addresses"))
	case c.identifier == "":
		return nil, fmt.Errorf("proxyheader: %w", options.Error("IdentifierHeader", "none"))
	}
	return &Extractor{cfg: c}, nil
}

// Extract returns the user the proxy named: none if the request carries no
// identifier header; ErrUntrustedProxy if it carries one but comes from
// elsewhere; an error wrapping identity.ErrInvalidIdentifier for an
// identifier Engagespot would refuse.
func (e *Extractor) Extract(r *http.Request) (identity.Identity, bool, error) {
	values := r.Header[e.cfg.identifier]
	switch {
	case len(values) == 0:
		return identity.Identity{}, false, nil
	case !e.trusted(r.RemoteAddr):
		return identity.Identity{}, false, ErrUntrustedProxy
	}
	id := identity.Identity{Identifier: values[0]}
	ok := len(values) == 1
	id.Profile.Email, ok = one(r.Header, e.cfg.email, ok)
	id.Profile.Name, ok = one(r.Header, e.cfg.fullName, ok)
	if !ok {
		return identity.Identity{}, false, ErrRepeatedHeader
	}
	if err := identity.ValidateIdentifier(id.Identifier); err != nil {
		return identity.Identity{}, false, fmt.Errorf("proxyheader: %w", err)
	}
	return id, true, nil
}

// one returns the single value of the header name ("" if absent or
// unnamed), and ok unless it was sent more than once.
func one(h http.Header, name string, ok bool) (string, bool) {
	if name == "" {
		return "", ok
	}
	switch v := h[name]; len(v) {
	case 0:
		return "", ok
	case 1:
		return v[0], ok
	}
	return "", false
}

// trusted reports whether remoteAddr (host:port, as net/http sets it) is
// one of the proxies'.
func (e *Extractor) trusted(remoteAddr string) bool {
	ap, err := netip.ParseAddrPort(remoteAddr)
	var a netip.Addr
	if err == nil {
		a = ap.Addr()
	} else if a, err = netip.ParseAddr(remoteAddr); err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range e.cfg.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
