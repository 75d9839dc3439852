package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// sample is what a load run saw.
type sample struct {
	ok, failed int
	elapsed    time.Duration
	latencies  []time.Duration // of the requests answered 200, sorted
}

func (s sample) throughput() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.ok) / s.elapsed.Seconds()
}

func (s sample) percentile(p float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	return s.latencies[min(len(s.latencies)-1, int(float64(len(s.latencies))*p))]
}

// add merges another run of the same scenario.
func (s *sample) add(o sample) {
	s.ok += o.ok
	s.failed += o.failed
	s.elapsed += o.elapsed
	s.latencies = append(s.latencies, o.latencies...)
	slices.Sort(s.latencies)
}

// load sends n GET requests to url from clients goroutines, request i with
// the session session(i), and stops early if ctx ends. With a rate (requests
// a second), request i is due at i/rate from the start, and its latency
// counts from then, so a server that falls behind shows it; without, each
// client sends its next request as soon as the last is answered.
func load(ctx context.Context, hc *http.Client, url string, n, clients int, rate float64, session func(i int) string) sample {
	var (
		next   atomic.Int64
		failed atomic.Int64
		mu     sync.Mutex
		lat    = make([]time.Duration, 0, n)
		wg     sync.WaitGroup
	)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			own := make([]time.Duration, 0, n/clients+1)
			defer func() {
				mu.Lock()
				lat = append(lat, own...)
				mu.Unlock()
			}()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					failed.Add(1)
					continue
				}
				req.Header.Set(sessionHeader, session(i))
				t0 := time.Now()
				if rate > 0 {
					t0 = start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					if wait := time.Until(t0); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							return
						}
					}
				}
				resp, err := hc.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				own = append(own, time.Since(t0))
			}
		})
	}
	wg.Wait()
	s := sample{ok: len(lat), failed: int(failed.Load()), elapsed: time.Since(start), latencies: lat}
	slices.Sort(s.latencies)
	return s
}
