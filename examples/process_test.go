package examples_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// deadline bounds every wait on an example process: generous, because a
// shared CI machine under -race can be slow, yet short enough to fail.
const deadline = 60 * time.Second

// binDir holds the example binaries TestMain builds.
var binDir string

// build compiles every example once into binDir, with the race detector
// when the tests have it: the examples' own races then fail the tests too,
// and the packages compiled for the tests are reused from the build cache.
var build = sync.OnceValue(func() error {
	args := []string{"build"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "-o", binDir+string(filepath.Separator))
	for _, name := range exampleNames {
		args = append(args, "./"+name)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
})

func binary(t *testing.T, name string) string {
	t.Helper()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("the examples are stopped with SIGTERM")
	}
	require.NoError(t, build())
	return filepath.Join(binDir, name)
}

// proc is a running example.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan struct{} // closed once cmd.Wait returned
	URL    string        // http://host:port, once listening
}

// launch starts an example with exactly env (nothing inherited from the
// test's environment, so a developer's JWT_SECRET cannot leak in). The
// process is killed when the test ends if it still runs, and its output
// is shown if the test failed.
func launch(t *testing.T, name string, env map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, cmd: exec.Command(binary(t, name), args...), stdout: new(syncBuffer), stderr: new(syncBuffer), exited: make(chan struct{})}
	// Not nil, which would inherit; no pause at exit under the race detector.
	p.cmd.Env = []string{"GORACE=atexit_sleep_ms=0"}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s stdout:\n%s\n%s stderr:\n%s", name, p.stdout, name, p.stderr)
		}
	})
	return p
}

var listening = regexp.MustCompile(`msg="\w+ example listening" addr=(\S+)`)

// start launches an example on a free loopback port and waits until it
// listens: it logs its real address at startup.
func start(t *testing.T, name string, env map[string]string) *proc {
	t.Helper()
	env["ADDR"] = "127.0.0.1:0"
	p := launch(t, name, env)
	m := p.waitOutput(p.stderr, listening)
	p.URL = "http://" + m[1]
	return p
}

// waitOutput waits until out matches re, failing if the process exits
// first, and returns the match.
func (p *proc) waitOutput(out *syncBuffer, re *regexp.Regexp) []string {
	p.t.Helper()
	var m []string
	require.Eventually(p.t, func() bool {
		m = re.FindStringSubmatch(out.String())
		if m == nil && p.hasExited() {
			p.t.Fatalf("exited (%v) before printing %q", p.cmd.ProcessState, re)
		}
		return m != nil
	}, deadline, 5*time.Millisecond, "waiting for %q", re)
	return m
}

// waitCount waits until out matches re n times.
func (p *proc) waitCount(out *syncBuffer, re *regexp.Regexp, n int) {
	p.t.Helper()
	require.Eventually(p.t, func() bool {
		return len(re.FindAllString(out.String(), -1)) >= n
	}, deadline, 5*time.Millisecond, "waiting for %d lines matching %q", n, re)
}

func (p *proc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait() int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(deadline):
		p.t.Fatalf("still running after %s", deadline)
	}
	return p.cmd.ProcessState.ExitCode()
}

// stop sends SIGTERM and requires a clean exit.
func (p *proc) stop() {
	p.t.Helper()
	p.signal(syscall.SIGTERM)
	require.Equal(p.t, 0, p.wait(), "exit code after SIGTERM")
}

func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(sig))
}

// get requests path on the example with an optional bearer token.
func (p *proc) get(path, token string) (int, []byte) {
	p.t.Helper()
	return get(p.t, p.URL+path, token)
}

var client = &http.Client{Timeout: deadline}

// metric scrapes the example's /metrics and returns the value of the
// sample named exactly so (name and labels, as exposed), failing if absent.
func (p *proc) metric(sample string) float64 {
	p.t.Helper()
	status, body := p.get("/metrics", "")
	require.Equal(p.t, http.StatusOK, status)
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(p.t, err, line)
			return f
		}
	}
	p.t.Fatalf("no %s in /metrics", sample)
	return 0
}

func get(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body bytes.Buffer
	_, err = body.ReadFrom(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body.Bytes()
}

// syncBuffer is a bytes.Buffer a child process writes while the test reads.
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
