package demo

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A client that goes quiet, between requests or in the middle of one, loses
// its connection: nothing holds a connection forever. The timeouts are
// shortened here; the real clock is the point.
func TestServerDropsIdleAndSlowConnections(t *testing.T) {
	defer func(h, r, w, i time.Duration) {
		readHeaderTimeout, readTimeout, writeTimeout, idleTimeout = h, r, w, i
	}(readHeaderTimeout, readTimeout, writeTimeout, idleTimeout)
	readHeaderTimeout, readTimeout, writeTimeout, idleTimeout = 200*time.Millisecond, 300*time.Millisecond, time.Second, 300*time.Millisecond

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	closedWithin := func(t *testing.T, c net.Conn, d time.Duration) {
		t.Helper()
		require.NoError(t, c.SetReadDeadline(time.Now().Add(d)))
		_, err := io.Copy(io.Discard, c) // returns when the server closes (EOF or reset)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("still open after %v", d)
		}
	}
	dial := func(t *testing.T) net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}

	t.Run("idle keep-alive connection", func(t *testing.T) {
		c := dial(t)
		_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.False(t, resp.Close, "kept alive")
		closedWithin(t, c, 5*time.Second)
	})
	t.Run("body that never comes", func(t *testing.T) {
		c := dial(t)
		_, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
		require.NoError(t, err)
		closedWithin(t, c, 5*time.Second)
	})
	t.Run("headers that never end", func(t *testing.T) {
		c := dial(t)
		_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
		require.NoError(t, err)
		closedWithin(t, c, 5*time.Second)
	})
}
