package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main runs an example and exits: 0 after a clean shutdown, 2 for a bad
// configuration, 1 for any other failure. routes mounts the App on the
// example's framework and returns the server's handler. With -token SUBJECT
// it prints a token for SUBJECT signed with JWT_SECRET instead, and exits.
func Main(name string, routes func(*App) (http.Handler, error)) {
	flags := flag.NewFlagSet(name, flag.ExitOnError)
	subject := flags.String("token", "", "print a token for this subject, signed with JWT_SECRET, and exit: for curl against a server run with the same JWT_SECRET")
	email := flags.String("email", "", "with -token: the token's email claim")
	_ = flags.Parse(os.Args[1:]) // ExitOnError: a bad flag exits 2
	if *subject != "" {
		os.Exit(PrintToken(os.Getenv, os.Stdout, os.Stderr, *subject, *email))
	}
	err := Run(context.Background(), name, os.Getenv, os.Stdout, os.Stderr, routes)
	switch {
	case err == nil:
		os.Exit(0)
	case errors.As(err, new(*EnvError)):
		fmt.Fprintf(os.Stderr, "%s: configuration error:\n%v\n", name, err)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// The server's timeouts, as a production server sets them: every phase of a
// connection is bounded, so slow or idle clients cannot hold connections
// (and their goroutines) forever. Variables only so that a test can shorten
// them.
var (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second // the whole request, body included
	// writeTimeout bounds a handler and its answer: far longer than the
	// slowest route needs (the token route signs in well under a
	// millisecond, a /metrics scrape takes milliseconds).
	writeTimeout = 30 * time.Second
	idleTimeout  = 2 * time.Minute // a keep-alive connection between requests
)

func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
	}
}

// Run reads the configuration, serves routes(app) until ctx ends or the
// process gets SIGINT or SIGTERM, then stops accepting and drains the
// syncs under way for up to DRAIN_TIMEOUT. Logs go to stderr; the demo token
// to stdout.
func Run(ctx context.Context, name string, getenv func(string) string, stdout, stderr io.Writer, routes func(*App) (http.Handler, error)) error {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, err := FromEnv(getenv)
	if err != nil {
		return err
	}
	app, err := New(cfg, log)
	if err != nil {
		return err
	}
	h, err := routes(app)
	if err != nil {
		_ = app.Close(context.Background())
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		_ = app.Close(context.Background())
		return &EnvError{Var: EnvAddr, Err: err}
	}
	srv := newServer(h)

	log.Info(name+" example listening", "addr", ln.Addr().String(), "", cfg) // "" inlines the config
	if cfg.JWTSecretGenerated {
		if err := printTry(stdout, cfg.JWTSecret, ln.Addr()); err != nil {
			log.Error("printing the demo token", "err", err)
		}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served: // the listener failed
	case <-ctx.Done():
	}
	stop() // a second signal kills at once

	log.Info("shutting down: draining syncs under way", "drain_timeout", cfg.DrainTimeout)
	drain, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	// Shutdown first: a request still running may start one more sync.
	if serr := srv.Shutdown(drain); serr != nil {
		log.Warn("requests still running at the drain deadline", "err", serr)
	}
	if cerr := app.Close(drain); cerr != nil {
		log.Warn("drain deadline passed: the syncs left were dropped and run on the users' next requests", "err", cerr)
	}
	s := app.Middleware.Stats()
	log.Info("stopped", "synced", s.Synced, "failed", s.Failed, "dropped", s.Dropped)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
