package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// InstallHint is what to run when redis-server is missing.
const InstallHint = "apt-get install -y redis-server"

// startTimeout bounds how long a server may take to answer its first PING.
const startTimeout = 10 * time.Second

// Server is a redis-server child process listening on 127.0.0.1.
type Server struct {
	t            testing.TB
	path         string
	dir          string
	cluster      bool
	sentinelConf string // a Sentinel's configuration file; "" for a server

	mu   sync.Mutex
	port int
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{} // closed when cmd has exited
}

// Start runs a fresh redis-server and stops it when t ends. It skips t, or
// fails it when CI is set, if redis-server is not on PATH.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, false)
}

// Cluster is a Redis Cluster of three primaries on 127.0.0.1, each a
// redis-server child process owning a third of the 16384 slots.
type Cluster struct {
	Nodes []*Server
}

// StartCluster runs a fresh three-node Redis Cluster and stops it when t
// ends; it skips or fails as Start does. Connect a cluster client to Addrs:
// a command or script whose keys hash to different slots is refused
// (CROSSSLOT), keys of different slots live on different processes, and
// pub/sub crosses nodes, as in production.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{}
	for range 3 {
		c.Nodes = append(c.Nodes, start(t, true))
	}
	first := c.Nodes[0].Addr()
	ranges := [][2]int{{0, 5460}, {5461, 10922}, {10923, 16383}}
	for i, n := range c.Nodes {
		from, to := strconv.Itoa(ranges[i][0]), strconv.Itoa(ranges[i][1])
		if reply, err := command(n.Addr(), "CLUSTER", "ADDSLOTSRANGE", from, to); err != nil || reply != "OK" {
			t.Fatalf("redistest: cluster addslotsrange on %s: %s %v", n.Addr(), reply, err)
		}
	}
	// The nodes meet over their cluster bus, asynchronously: a MEET can be
	// lost on a loaded machine, so it is sent again until every node knows
	// the other two.
	deadline := time.Now().Add(3 * startTimeout)
	for {
		ok := true
		for i, n := range c.Nodes {
			info, err := command(n.Addr(), "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3") {
				continue
			}
			ok = false
			if time.Now().After(deadline) {
				t.Fatalf("redistest: cluster not ok within %s: %s %v", 3*startTimeout, info, err)
			}
			if i > 0 && !strings.Contains(info, "cluster_known_nodes:3") {
				host, port, _ := net.SplitHostPort(n.Addr())
				_, _ = command(first, "CLUSTER", "MEET", host, port)
			}
		}
		if ok {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	return c
}

// Sentinel is a redis-server in Sentinel mode watching a primary, as
// go-redis's failover client expects.
type Sentinel struct {
	Primary  *Server
	sentinel *Server
}

// SentinelPrimaryName is the name the Sentinel knows its primary by.
const SentinelPrimaryName = "primary"

// StartSentinel runs a primary and a Sentinel watching it, and stops both
// when t ends; it skips or fails as Start does. Connect with
// redis.NewFailoverClient{MasterName: SentinelPrimaryName, SentinelAddrs:
// []string{s.Addr()}}.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	primary := start(t, false)
	port, err := freePort(false)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	s := &Server{t: t, path: primary.path, dir: t.TempDir()}
	t.Cleanup(s.Kill)
	conf := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 1\n",
		port, s.dir, SentinelPrimaryName, primary.port)
	if err := os.WriteFile(s.dir+"/sentinel.conf", []byte(conf), 0o600); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	s.sentinelConf = s.dir + "/sentinel.conf"
	if err := s.start(port); err != nil {
		t.Fatalf("redistest: sentinel: %v", err)
	}
	return &Sentinel{Primary: primary, sentinel: s}
}

// Addr is the Sentinel's host:port.
func (s *Sentinel) Addr() string { return s.sentinel.Addr() }

// Addrs are the nodes' host:port, for a cluster client's Addrs.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr()
	}
	return addrs
}

func start(t testing.TB, cluster bool) *Server {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redistest: redis-server not on PATH and CI is set; install it with: %s", InstallHint)
		}
		t.Skipf("redistest: redis-server not on PATH; install it with: %s", InstallHint)
	}
	s := &Server{t: t, path: path, dir: t.TempDir(), cluster: cluster}
	t.Cleanup(s.Kill)

	// A free port can be taken by someone else before redis binds it: try a few.
	var lastErr error
	for range 5 {
		port, err := freePort(cluster)
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		if lastErr = s.start(port); lastErr == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", lastErr)
	return nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// URL is the server's address as a REDIS_URL: redis://127.0.0.1:port/0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Kill stops the server at once, as a crash would (SIGKILL), and waits for
// it to exit. Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Restart starts the server again on the same port (killing it first if it
// runs) with an empty dataset, and waits until it answers PING.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	s.mu.Lock()
	port := s.port
	s.mu.Unlock()
	if err := s.start(port); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

func (s *Server) start(port int) error {
	out := &syncBuffer{}
	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
	}
	if s.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes-"+strconv.Itoa(port)+".conf")
	}
	if s.sentinelConf != "" {
		args = []string{s.sentinelConf, "--sentinel"}
	}
	cmd := exec.Command(s.path, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()

	s.mu.Lock()
	s.port, s.cmd, s.out, s.done = port, cmd, out, done
	s.mu.Unlock()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-done:
			s.mu.Lock()
			s.cmd = nil
			s.mu.Unlock()
			return fmt.Errorf("redis-server on port %d exited at start:\n%s", port, out.String())
		default:
		}
		if ping(addr) == nil {
			return nil
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("redis-server on port %d did not answer PING within %s:\n%s", port, startTimeout, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ping sends one inline PING and expects +PONG.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return errors.New("unexpected reply to PING: " + strconv.Quote(line))
	}
	return nil
}

// command sends one command and returns its reply as text: a status, an
// error, an integer or a bulk string. It is all the protocol start needs.
func command(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	var req bytes.Buffer
	fmt.Fprintf(&req, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&req, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write(req.Bytes()); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', '-', ':':
		return line[1:], nil
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("bad bulk reply %q", line)
		}
		body := make([]byte, n+2)
		if _, err := io.ReadFull(r, body); err != nil {
			return "", err
		}
		return string(body[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

// Ports are picked below the kernel's ephemeral range (32768-60999 by
// default), so that neither a listener on port 0 nor an outgoing connection
// takes a killed server's port before Restart binds it again; and a port is
// handed out once per process, so another server of these tests cannot take
// it either. (Picking with port 0 made Restart fail now and then.)
const (
	minPort = 10000
	maxPort = 32000 // exclusive
)

var ports = struct {
	sync.Mutex
	taken map[int]bool
}{taken: make(map[int]bool)}

// A cluster node also listens on its port plus busOffset, for its peers:
// both must be free.
const busOffset = 10000

func freePort(cluster bool) (int, error) {
	ports.Lock()
	defer ports.Unlock()
	for range 100 {
		port := minPort + rand.IntN(maxPort-minPort-busOffset)
		if ports.taken[port] || ports.taken[port+busOffset] || !free(port) || (cluster && !free(port+busOffset)) {
			continue // in use by another process, or handed out already
		}
		ports.taken[port] = true
		ports.taken[port+busOffset] = true
		return port, nil
	}
	return 0, fmt.Errorf("find a free port: none free in %d-%d after 100 tries", minPort, maxPort-busOffset-1)
}

func free(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// syncBuffer collects the server's output for error messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
