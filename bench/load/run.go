package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/autoidentify/autoidentify/middleware"
)

// run runs the scenarios cfg names, telling progress to log.
func run(ctx context.Context, cfg config, log io.Writer) (*report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	rep := new(report)
	for _, name := range strings.Split(cfg.Scenarios, ",") {
		scenario, ok := map[string]func(context.Context, config, *report) error{
			"throughput": throughput, "naive": naiveVersusMiddleware, "burst": burst,
		}[strings.TrimSpace(name)]
		if !ok {
			return nil, fmt.Errorf("no scenario %q", name)
		}
		fmt.Fprintf(log, "load: %s...\n", name)
		sctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
		err := scenario(sctx, cfg, rep)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return rep, nil
}

func newMiddleware(dir middleware.Directory, cfg config) (*middleware.Middleware, error) {
	return middleware.New(dir, middleware.WithQueueSize(cfg.QueueSize), middleware.WithWorkers(cfg.Workers))
}

// closeMiddleware closes m, giving syncs under way a second to end.
func closeMiddleware(m *middleware.Middleware) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = m.Close(ctx)
}

// throughput serves the same signed-in users with and without the
// middleware, in alternating rounds, every user synced beforehand.
func throughput(ctx context.Context, cfg config, rep *report) error {
	fake, client, apiTr, err := fakeAPI(0, cfg.Workers)
	if err != nil {
		return err
	}
	defer fake.Close()
	defer apiTr.CloseIdleConnections()
	m, err := newMiddleware(client, cfg)
	if err != nil {
		return err
	}
	defer closeMiddleware(m)

	users, keys := population("user", cfg.Users)
	plain, err := serve(sessions(users, app))
	if err != nil {
		return err
	}
	defer plain.close()
	with, err := serve(sessions(users, m.Handler(app)))
	if err != nil {
		return err
	}
	defer with.close()

	tr := transport(cfg.Clients)
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	session := func(i int) string { return keys[i%len(keys)] }

	// Warm-up: every user synced, every connection open.
	for _, s := range []*server{plain, with} {
		if w := load(ctx, hc, s.URL, len(keys), cfg.Clients, 0, session); w.failed > 0 {
			return fmt.Errorf("warm-up: %d requests failed", w.failed)
		}
	}
	if err := m.Flush(ctx); err != nil {
		return err
	}
	before := m.Stats()

	var without, within sample
	for round := range cfg.Rounds {
		first, second := plain, with
		if round%2 == 1 {
			first, second = with, plain
		}
		for _, s := range []*server{first, second} {
			got := load(ctx, hc, s.URL, cfg.Requests, cfg.Clients, 0, session)
			if s == plain {
				without.add(got)
			} else {
				within.add(got)
			}
		}
	}
	after := m.Stats()
	calls := fake.Calls()

	rep.rows = append(rep.rows,
		row{scenario: "without middleware", s: without},
		row{scenario: "with middleware (hits)", s: within, apiCalls: calls})
	q := within.throughput() / without.throughput()
	rep.ratios = append(rep.ratios, ratio{"throughput with / without", q, ">= 0.95", q >= 0.95})
	rep.checks = append(rep.checks,
		check{"throughput: requests answered", 2 * cfg.Rounds * cfg.Requests, without.ok + within.ok},
		check{"throughput: every request a hit", within.ok, int(after.Hits - before.Hits)},
		check{"throughput: no miss after warm-up", int(before.Misses), int(after.Misses)},
		check{"throughput: one API call per user", cfg.Users, calls})
	return nil
}

// naiveVersusMiddleware runs the same users and requests through a
// synchronous upsert per request and through the middleware.
func naiveVersusMiddleware(ctx context.Context, cfg config, rep *report) error {
	users, keys := population("user", cfg.NaiveUsers)
	n := cfg.NaiveUsers * cfg.NaiveRequests
	session := func(i int) string { return keys[i%len(keys)] } // each user's requests spread over the run
	tr := transport(cfg.NaiveClients)
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	// The naive way: one API call per request, while the request waits.
	fake, client, apiTr, err := fakeAPI(cfg.APILatency, cfg.NaiveClients)
	if err != nil {
		return err
	}
	defer fake.Close()
	defer apiTr.CloseIdleConnections()
	srv, err := serve(sessions(users, naive(client, app)))
	if err != nil {
		return err
	}
	byHand := load(ctx, hc, srv.URL, n, cfg.NaiveClients, cfg.NaiveRate, session)
	srv.close()
	handCalls := fake.Calls()
	fake.ClearRequests()

	// The middleware on the same load and API.
	m, err := newMiddleware(client, cfg)
	if err != nil {
		return err
	}
	defer closeMiddleware(m)
	if srv, err = serve(sessions(users, m.Handler(app))); err != nil {
		return err
	}
	defer srv.close()
	withMW := load(ctx, hc, srv.URL, n, cfg.NaiveClients, cfg.NaiveRate, session)
	if err := m.Flush(ctx); err != nil { // the syncs still under way
		return err
	}
	mwCalls := fake.Calls()
	st := m.Stats()

	label := fmt.Sprintf("%d users × %d, API %s, %.0f req/s offered", cfg.NaiveUsers, cfg.NaiveRequests, cfg.APILatency, cfg.NaiveRate)
	rep.rows = append(rep.rows,
		row{scenario: "naive upsert per request (" + label + ")", s: byHand, apiCalls: handCalls},
		row{scenario: "middleware (" + label + ")", s: withMW, apiCalls: mwCalls})
	lat := float64(byHand.percentile(0.5)) / float64(withMW.percentile(0.5))
	calls := float64(handCalls) / float64(max(mwCalls, 1))
	rep.ratios = append(rep.ratios,
		ratio{"median latency naive / middleware", lat, ">= 20", lat >= 20},
		ratio{"API calls naive / middleware", calls, ">= 100", calls >= 100})
	rep.checks = append(rep.checks,
		check{"naive: requests answered", n, byHand.ok},
		check{"naive: one API call per request", byHand.ok, handCalls},
		check{"middleware: requests answered", n, withMW.ok},
		check{"middleware: one API call per user", cfg.NaiveUsers, mwCalls},
		check{"middleware: users synced", cfg.NaiveUsers, int(st.Synced)},
		check{"middleware: nothing dropped", 0, int(st.Dropped)})
	return nil
}

// burst sends cfg.Burst users nobody has seen, one request each, to the app
// without and with the middleware.
func burst(ctx context.Context, cfg config, rep *report) error {
	fake, client, apiTr, err := fakeAPI(cfg.APILatency, cfg.Workers)
	if err != nil {
		return err
	}
	defer fake.Close()
	defer apiTr.CloseIdleConnections()
	tr := transport(cfg.Clients)
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	plain, err := serve(newcomers(app))
	if err != nil {
		return err
	}
	defer plain.close()
	without := load(ctx, hc, plain.URL, cfg.Burst, cfg.Clients, 0, func(i int) string { return fmt.Sprintf("plain-%07d", i) })

	m, err := newMiddleware(client, cfg)
	if err != nil {
		return err
	}
	defer closeMiddleware(m)
	with, err := serve(newcomers(m.Handler(app)))
	if err != nil {
		return err
	}
	defer with.close()
	heapBefore := heap()
	within := load(ctx, hc, with.URL, cfg.Burst, cfg.Clients, 0, func(i int) string { return fmt.Sprintf("burst-%07d", i) })
	heapAfter := heap()
	st := m.Stats() // before Close, which drops what is still queued

	closeMiddleware(m)
	final := m.Stats()
	calls := fake.Calls()

	rep.rows = append(rep.rows,
		row{scenario: fmt.Sprintf("burst of %d new users, without middleware", cfg.Burst), s: without},
		row{scenario: fmt.Sprintf("burst of %d new users, with middleware", cfg.Burst), s: within, apiCalls: calls})
	p50 := float64(within.percentile(0.5)) / float64(without.percentile(0.5))
	p99 := float64(within.percentile(0.99)) / float64(without.percentile(0.99))
	rep.ratios = append(rep.ratios,
		ratio{"burst p50 with / without", p50, "about 1", p50 < 1.5},
		ratio{"burst p99 with / without", p99, "about 1", p99 < 1.5})
	growth := int64(heapAfter) - int64(heapBefore)
	rep.checks = append(rep.checks,
		check{"burst: requests answered", cfg.Burst, within.ok},
		check{"burst: one miss per new user", within.ok, int(st.Misses)},
		check{"burst: dropped = misses - queued", int(st.Misses - st.Queued), int(st.Dropped)},
		check{"burst: pending within the queue", 1, b2i(st.Pending <= cfg.QueueSize)},
		check{"burst: every job ends once", int(final.Queued), int(final.Synced + final.Dropped - st.Dropped + final.Failed)})
	rep.notes = append(rep.notes, fmt.Sprintf(
		"burst: queue %d, queued %d, dropped %d (%d more at Close), synced %d; heap %+.1f MiB while %d jobs pending (%.0f B each)",
		cfg.QueueSize, st.Queued, st.Dropped, final.Dropped-st.Dropped, final.Synced,
		float64(growth)/(1<<20), st.Pending, float64(growth)/float64(max(st.Pending, 1))))
	return nil
}

// heap returns the bytes of live heap objects, after a collection.
func heap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
