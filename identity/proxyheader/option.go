package proxyheader

import (
	"net/netip"
	"net/textproto"
	"strings"

	"github.com/autoidentify/autoidentify/internal/options"
)

// Option configures New.
type Option func(*config) error

type config struct {
	trusted                     []netip.Prefix
	identifier, email, fullName string
}

// WithTrustedProxies names the addresses requests from the proxy come from,
// as CIDRs ("10.0.0.0/8", "fd00::/8") or single addresses ("127.0.0.1").
// Required; given several times, the lists add up.
func WithTrustedProxies(cidrs ...string) Option {
	return func(c *config) error {
		for _, s := range cidrs {
			p, err := parsePrefix(s)
			if err != nil {
				return options.Error("TrustedProxies", "%q: %v", s, err)
			}
			c.trusted = append(c.trusted, p)
		}
		return nil
	}
}

// parsePrefix reads a CIDR or a single address, as the prefix of that
// address alone.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// WithIdentifierHeader names the header holding the user's identifier, such
// as X-Auth-Request-User or Remote-User. Required.
func WithIdentifierHeader(name string) Option {
	return header("IdentifierHeader", name, func(c *config, h string) { c.identifier = h })
}

// WithEmailHeader names the header holding the user's email address, such
// as X-Auth-Request-Email or Remote-Email. Default: none.
func WithEmailHeader(name string) Option {
	return header("EmailHeader", name, func(c *config, h string) { c.email = h })
}

// WithNameHeader names the header holding the user's display name, such as
// Remote-Name. Default: none.
func WithNameHeader(name string) Option {
	return header("NameHeader", name, func(c *config, h string) { c.fullName = h })
}

// header sets a header's name, canonical, so that the request path reads
// the header map without canonicalizing it on every request.
func header(field, name string, set func(*config, string)) Option {
	return func(c *config) error {
		if name == "" || strings.ContainsAny(name, " \t:\r\n") {
			return options.Error(field, "%q: not a header name", name)
		}
		set(c, textproto.CanonicalMIMEHeaderKey(name))
		return nil
	}
}
