// Command load measures autoidentify over HTTP on loopback, against an
// in-process fake of the Engagespot API (adapters/engagespot/engagespottest)
// that answers after -api-latency. It starts its own servers on 127.0.0.1,
// drives them with concurrent clients, and prints a table: requests,
// throughput, latency percentiles and API calls per scenario, the ratios the
// goals are about, and the invariants it checked.
//
// Scenarios (-scenarios, comma-separated):
//
//   - throughput: the same app with and without the middleware, every user
//     synced beforehand, so every request is a hit; rounds alternate.
//   - naive: a synchronous upsert on every request, as one would write it by
//     hand, against the middleware on the same load (-naive-users users
//     making -naive-requests requests each).
//   - burst: -burst distinct new users, one request each, with and without
//     the middleware: the queue fills, the rest is dropped and counted.
//
// Every loop is bounded by a request count and by -timeout. It exits 1 if an
// invariant fails. See BENCHMARKS.md for the numbers and the commands.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	cfg := defaultConfig()
	cfg.register(flag.CommandLine)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	rep, err := run(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	rep.print(os.Stdout)
	if !rep.ok() {
		os.Exit(1)
	}
}
