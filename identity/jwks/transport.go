package jwks

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// fetchTransport is the only way a key set reaches Keys. It puts back the
// credentials and query New kept from the key set library (so no error can
// quote them), refuses redirects (so keys come only from the URL
// configured) and caps the body (so a hostile endpoint cannot exhaust
// memory).
type fetchTransport struct {
	base  http.RoundTripper
	max   int64
	url   string        // the URL as the library has it: no credentials, no query
	user  *url.Userinfo // sent as basic auth, as net/http does for a URL's userinfo
	query string
}

func (t *fetchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	if (t.user != nil || t.query != "") && r.URL.String() == t.url {
		r = r.Clone(r.Context())
		r.URL.RawQuery = t.query
		if t.user != nil && r.Header.Get("Authorization") == "" {
			pw, _ := t.user.Password()
			r.SetBasicAuth(t.user.Username(), pw)
		}
	}
	resp, err := base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Body.Close()
		to := "elsewhere"
		if loc, err := resp.Location(); err == nil {
			to = loc.Scheme + "://" + loc.Host // never its path or query
		}
		return nil, fmt.Errorf("jwks: endpoint redirects (%d to %s); redirects are refused: configure the key set's final URL", resp.StatusCode, to)
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("jwks: response is %d bytes, limit %d", resp.ContentLength, t.max)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the base.
func (t *fetchTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

var errTooLarge = errors.New("jwks: response too large")

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly max bytes from a longer one.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errTooLarge
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
