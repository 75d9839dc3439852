package proxyheader_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity"
	"github.com/autoidentify/autoidentify/identity/proxyheader"
)

// fromAddr returns an HTTP client whose connections leave from local, a
// loopback address of its own: a host of the test's network.
func fromAddr(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func get(t *testing.T, c *http.Client, url string, header map[string]string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// An app behind an oauth2-proxy-like reverse proxy that leaves from
// 127.0.0.3, and a client that reaches the app directly from 127.0.0.2
// with the proxy's header forged.
func TestOnlyTheTrustedProxyIsBelieved(t *testing.T) {
	t.Parallel()
	ext, err := proxyheader.New(
		proxyheader.WithTrustedProxies("127.0.0.3/32"),
		proxyheader.WithIdentifierHeader("X-Auth-Request-User"),
		proxyheader.WithEmailHeader("x-auth-request-email"))
	require.NoError(t, err)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok, err := ext.Extract(r)
		switch {
		case err != nil:
			_, _ = io.WriteString(w, "refused: "+err.Error())
		case !ok:
			_, _ = io.WriteString(w, "-")
		default:
			_, _ = io.WriteString(w, id.Identifier+" "+id.Profile.Email)
		}
	}))
	defer app.Close()

	target, _ := url.Parse(app.URL)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			// The proxy authenticated the user, and overwrites what the
			// client sent.
			pr.Out.Header.Set("X-Auth-Request-User", "ann")
			pr.Out.Header.Set("X-Auth-Request-Email", "ann@example.com")
		},
		Transport: fromAddr("127.0.0.3").Transport,
	}
	front := httptest.NewServer(proxy)
	defer front.Close()

	client := fromAddr("127.0.0.2")
	forged := map[string]string{"X-Auth-Request-User": "admin", "X-Auth-Request-Email": "admin@example.com"}
	assert.Equal(t, "ann ann@example.com", get(t, client, front.URL, forged), "through the proxy: its user")
	assert.Equal(t, "refused: "+proxyheader.ErrUntrustedProxy.Error(), get(t, client, app.URL, forged),
		"straight to the app: the forged header identifies nobody")
	assert.Equal(t, "-", get(t, client, app.URL, nil), "no header: no user, no error")
}

func request(remote string, header http.Header) *http.Request {
	r := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
	r.RemoteAddr = remote
	r.Header = header
	return r
}

func TestExtract(t *testing.T) {
	t.Parallel()
	ext, err := proxyheader.New(
		proxyheader.WithTrustedProxies("10.0.0.0/8", "fd00::/8"),
		proxyheader.WithTrustedProxies("192.168.1.7"),
		proxyheader.WithIdentifierHeader("Remote-User"),
		proxyheader.WithEmailHeader("Remote-Email"),
		proxyheader.WithNameHeader("Remote-Name"))
	require.NoError(t, err)
	authelia := http.Header{"Remote-User": {"ann"}, "Remote-Email": {"ann@example.com"}, "Remote-Name": {"Ann Example"}}
	ann := identity.Identity{Identifier: "ann", Profile: identity.Profile{Email: "ann@example.com", Name: "Ann Example"}}
	tests := []struct {
		name   string
		remote string
		header http.Header
		want   identity.Identity
		err    error
	}{
		{"IPv4 proxy", "10.1.2.3:5000", authelia, ann, nil},
		{"IPv6 proxy", "[fd00::1]:5000", authelia, ann, nil},
		{"IPv4-mapped IPv6", "[::ffff:10.1.2.3]:5000", authelia, ann, nil},
		{"single address", "192.168.1.7:80", authelia, ann, nil},
		{"no port", "10.1.2.3", authelia, ann, nil},
		{"next address", "192.168.1.8:80", authelia, identity.Identity{}, proxyheader.ErrUntrustedProxy},
		{"public client", "203.0.113.9:443", authelia, identity.Identity{}, proxyheader.ErrUntrustedProxy},
		{"unparsable remote", "somewhere", authelia, identity.Identity{}, proxyheader.ErrUntrustedProxy},
		{"only the identifier", "10.0.0.1:1", http.Header{"Remote-User": {"bob"}}, identity.Identity{Identifier: "bob"}, nil},
		{"repeated identifier", "10.0.0.1:1", http.Header{"Remote-User": {"ann", "admin"}}, identity.Identity{}, proxyheader.ErrRepeatedHeader},
		{"repeated email", "10.0.0.1:1", http.Header{"Remote-User": {"ann"}, "Remote-Email": {"a@x.io", "b@x.io"}}, identity.Identity{}, proxyheader.ErrRepeatedHeader},
		{"invalid identifier", "10.0.0.1:1", http.Header{"Remote-User": {""}}, identity.Identity{}, identity.ErrInvalidIdentifier},
		{"no header", "203.0.113.9:443", http.Header{"Remote-Email": {"x@example.com"}}, identity.Identity{}, nil},
	}
	for _, tt := range tests {
		id, ok, err := ext.Extract(request(tt.remote, tt.header))
		assert.ErrorIs(t, err, tt.err, tt.name)
		assert.Equal(t, tt.err == nil && tt.want.Identifier != "", ok, tt.name)
		assert.Equal(t, tt.want, id, tt.name)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]proxyheader.Option{
		"no proxies":   {proxyheader.WithIdentifierHeader("Remote-User")},
		"no header":    {proxyheader.WithTrustedProxies("10.0.0.0/8")},
		"bad CIDR":     {proxyheader.WithTrustedProxies("10.0.0.0/33"), proxyheader.WithIdentifierHeader("Remote-User")},
		"bad address":  {proxyheader.WithTrustedProxies("proxy.internal"), proxyheader.WithIdentifierHeader("Remote-User")},
		"bad header":   {proxyheader.WithTrustedProxies("10.0.0.0/8"), proxyheader.WithIdentifierHeader("Remote User")},
		"empty header": {proxyheader.WithTrustedProxies("10.0.0.0/8"), proxyheader.WithIdentifierHeader("Remote-User"), proxyheader.WithEmailHeader("")},
		"nil option":   {proxyheader.WithTrustedProxies("10.0.0.0/8"), proxyheader.WithIdentifierHeader("Remote-User"), nil},
	} {
		_, err := proxyheader.New(opts...)
		var cfg *identity.ConfigError
		assert.ErrorAs(t, err, &cfg, name)
	}
}

func BenchmarkExtract(b *testing.B) {
	ext, err := proxyheader.New(proxyheader.WithTrustedProxies("10.0.0.0/8"),
		proxyheader.WithIdentifierHeader("X-Auth-Request-User"), proxyheader.WithEmailHeader("X-Auth-Request-Email"))
	require.NoError(b, err)
	r := request("10.0.0.1:1234", http.Header{"X-Auth-Request-User": {"ann"}, "X-Auth-Request-Email": {"ann@example.com"}})
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, _ := ext.Extract(r); !ok {
			b.Fatal("no user")
		}
	}
}
