package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// report is what a run measured and checked.
type report struct {
	rows   []row
	ratios []ratio
	checks []check
	notes  []string
}

// row is one scenario's measurements.
type row struct {
	scenario string
	s        sample
	apiCalls int
}

// ratio is a comparison a goal is about; it is reported, not enforced:
// timings depend on the machine.
type ratio struct {
	name  string
	value float64
	goal  string
	met   bool
}

// check is an invariant that must hold on any machine.
type check struct {
	name      string
	want, got int
}

func (c check) ok() bool { return c.want == c.got }

func (r *report) ok() bool {
	for _, c := range r.checks {
		if !c.ok() {
			return false
		}
	}
	return true
}

func (r *report) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\trequests\tfailed\treq/s\tp50\tp99\tAPI calls\t")
	for _, row := range r.rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%d\t\n", row.scenario, row.s.ok, row.s.failed,
			row.s.throughput(), round(row.s.percentile(0.50)), round(row.s.percentile(0.99)), row.apiCalls)
	}
	_ = tw.Flush()
	if len(r.ratios) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ratio\tvalue\tgoal\tmet")
		for _, q := range r.ratios {
			fmt.Fprintf(tw, "%s\t%.3g\t%s\t%v\n", q.name, q.value, q.goal, q.met)
		}
		_ = tw.Flush()
	}
	if len(r.checks) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "invariant\twant\tgot\tok")
		for _, c := range r.checks {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%v\n", c.name, c.want, c.got, c.ok())
		}
		_ = tw.Flush()
	}
	for _, n := range r.notes {
		fmt.Fprintln(w, n)
	}
}

// round keeps three significant digits or so.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 100*time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Nanosecond)
}
