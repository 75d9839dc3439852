package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// counts is where a backfill stands.
type counts struct {
	synced, failed, invalid, skipped int
}

func (c counts) done() int { return c.synced + c.failed + c.invalid + c.skipped }

// progress shows a backfill as it goes: a bar redrawn in place on a
// terminal, a plain line every interval otherwise, so that a log of a run in
// CI or cron stays readable.
type progress struct {
	w        io.Writer
	bar      bool
	total    int // lines, -1 if unknown
	interval time.Duration
	start    time.Time
	verb     string // what the users counted as synced were: "synced", or "valid" in a dry run

	mu    sync.Mutex
	now   counts
	stop  chan struct{}
	wg    sync.WaitGroup
	out   sync.Mutex // one line at a time on w: the bar, or a message above it
	frame int        // the spinner's, when the total is unknown
}

func newProgress(w io.Writer, total int, interval time.Duration) *progress {
	f, isFile := w.(*os.File)
	p := &progress{w: w, bar: isFile && term.IsTerminal(int(f.Fd())), total: total, interval: interval, start: time.Now(), verb: "synced", stop: make(chan struct{})}
	every := interval
	if p.bar {
		every = 200 * time.Millisecond
	}
	if every > 0 {
		p.wg.Go(func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					p.show()
				case <-p.stop:
					return
				}
			}
		})
	}
	return p
}

func (p *progress) update(f func(*counts)) {
	p.mu.Lock()
	f(&p.now)
	p.mu.Unlock()
}

func (p *progress) counts() counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.now
}

// println writes a line (a report of an invalid line) above the bar, which
// it then draws again: never glued to the bar's line.
func (p *progress) println(s string) {
	p.out.Lock()
	defer p.out.Unlock()
	if !p.bar {
		fmt.Fprintln(p.w, s)
		return
	}
	fmt.Fprintf(p.w, "\r\033[K%s\n", s)
	p.drawLocked()
}

func (p *progress) show() {
	p.out.Lock()
	defer p.out.Unlock()
	p.drawLocked()
}

// spinner is drawn in place of a bar when the total is unknown (standard
// input).
var spinner = []string{"|", "/", "-", "\\"}

func (p *progress) drawLocked() {
	c := p.counts()
	elapsed := time.Since(p.start)
	rate := float64(c.synced+c.failed) / max(elapsed.Seconds(), 0.001)
	of, eta := "", ""
	if p.total > 0 {
		of = fmt.Sprintf("/%d (%d%%)", p.total, 100*c.done()/p.total)
		if left := p.total - c.done(); rate > 0 && left > 0 {
			eta = fmt.Sprintf(", ETA %s", (time.Duration(float64(left)/rate) * time.Second).Round(time.Second))
		}
	}
	text := fmt.Sprintf("%d%s lines, %.0f users/s%s, %d failed, %d invalid", c.done(), of, rate, eta, c.failed, c.invalid)
	if !p.bar {
		fmt.Fprintf(p.w, "progress: %s\n", text)
		return
	}
	if p.total <= 0 {
		p.frame++
		fmt.Fprintf(p.w, "\r%s %s\033[K", spinner[p.frame%len(spinner)], text)
		return
	}
	const width = 30
	filled := min(width, width*c.done()/p.total)
	fmt.Fprintf(p.w, "\r[%s%s] %s\033[K", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), text)
}

// end stops the updates and prints the summary.
func (p *progress) end(how string) {
	close(p.stop)
	p.wg.Wait()
	p.out.Lock()
	defer p.out.Unlock()
	if p.bar {
		p.drawLocked()
		fmt.Fprintln(p.w)
	}
	c := p.counts()
	took := time.Since(p.start)
	fmt.Fprintf(p.w, "%s: %d %s, %d failed, %d invalid, %d already synced (skipped), in %s (%.0f users/s)\n",
		how, c.synced, p.verb, c.failed, c.invalid, c.skipped, took.Round(time.Millisecond), float64(c.synced)/max(took.Seconds(), 0.001))
}
