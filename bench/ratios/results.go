package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// key names one benchmark at one GOMAXPROCS.
type key struct {
	name  string
	procs int
}

// results holds every value of every metric of every benchmark read.
type results struct {
	values map[key]map[string][]float64 // by unit
	order  []key                        // as first seen
	procs  []int                        // every GOMAXPROCS seen, ascending
}

func newResults() *results { return &results{values: map[key]map[string][]float64{}} }

// line reads one line of go test -bench output, if it is a result:
//
//	BenchmarkMiddleware/hit-parallel-2  12538696  28.29 ns/op  0 B/op  0 allocs/op
func (r *results) line(s string) {
	f := strings.Fields(s)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return
	}
	k := key{name: f[0], procs: 1}
	if i := strings.LastIndexByte(f[0], '-'); i > 0 {
		if n, err := strconv.Atoi(f[0][i+1:]); err == nil {
			k = key{name: f[0][:i], procs: n}
		}
	}
	m := r.values[k]
	if m == nil {
		m = map[string][]float64{}
		r.values[k] = m
		r.order = append(r.order, k)
		if !slices.Contains(r.procs, k.procs) {
			r.procs = append(r.procs, k.procs)
			slices.Sort(r.procs)
		}
	}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return
		}
		m[f[i+1]] = append(m[f[i+1]], v)
	}
}

// median returns the median of a metric, and false if it was not seen.
func (r *results) median(name string, procs int, unit string) (float64, bool) {
	v := slices.Clone(r.values[key{name, procs}][unit])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

func (r *results) count(name string, procs int, unit string) int {
	return len(r.values[key{name, procs}][unit])
}

// goal is one performance goal, checked against the medians.
type goal struct {
	what  string
	value string
	want  string
	met   bool
}

// report prints the tables and the goals; it returns false if a goal that
// could be checked is not met.
func (r *results) report(w io.Writer) bool {
	var goals []goal
	const mw = "BenchmarkMiddleware/"
	if _, ok := r.median(mw+"baseline", r.procs[0], "ns/op"); ok {
		fmt.Fprintln(w, "| benchmark | GOMAXPROCS | ns/op | B/op | allocs/op | added to baseline (ns) | runs |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
		for _, c := range []string{"baseline", "hit", "hit-jwt", "none", "miss"} {
			for _, suffix := range []string{"", "-parallel"} {
				for _, p := range r.procs {
					name := mw + c + suffix
					ns, ok := r.median(name, p, "ns/op")
					if !ok {
						continue
					}
					base, _ := r.median(mw+"baseline"+suffix, p, "ns/op")
					b, _ := r.median(name, p, "B/op")
					a, _ := r.median(name, p, "allocs/op")
					fmt.Fprintf(w, "| %s | %d | %.1f | %.0f | %.0f | %+.1f | %d |\n", c+suffix, p, ns, b, a, ns-base, r.count(name, p, "ns/op"))
					if c == "hit" && suffix == "" {
						goals = append(goals, goal{fmt.Sprintf("/hit%s adds (GOMAXPROCS %d)", suffix, p),
							fmt.Sprintf("%+.1f ns, %.0f allocs", ns-base, a), "<= 60 ns, 0 allocs", ns-base <= 60 && a == 0})
					}
				}
			}
		}
		fmt.Fprintln(w)
		if len(r.procs) > 1 {
			lo, hi := r.procs[0], r.procs[len(r.procs)-1]
			fmt.Fprintf(w, "| RunParallel | ns/op at GOMAXPROCS %d | ns/op at %d | scaling |\n|---|---:|---:|---:|\n", lo, hi)
			for _, c := range []string{"baseline", "hit", "hit-jwt", "none", "miss"} {
				one, ok1 := r.median(mw+c+"-parallel", lo, "ns/op")
				many, ok2 := r.median(mw+c+"-parallel", hi, "ns/op")
				if !ok1 || !ok2 {
					continue
				}
				fmt.Fprintf(w, "| %s | %.1f | %.1f | %.2f× |\n", c, one, many, one/many)
				if c == "hit" && hi == 2 {
					goals = append(goals, goal{"/hit under RunParallel, 1 → 2 cores", fmt.Sprintf("%.2f×", one/many), ">= 1.6×", one/many >= 1.6})
				}
			}
			fmt.Fprintln(w)
		}
	}
	if r.hasPrefix("BenchmarkJWTOverhead/") {
		fmt.Fprintln(w, "| JWT | GOMAXPROCS | ours ns/op | golang-jwt ns/op | median ratio of alternating batches | runs |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
		for _, k := range r.order {
			alg, ok := strings.CutPrefix(k.name, "BenchmarkJWTOverhead/")
			if !ok {
				continue
			}
			ours, _ := r.median(k.name, k.procs, "ours-ns/op")
			theirs, _ := r.median(k.name, k.procs, "golang-jwt-ns/op")
			q, _ := r.median(k.name, k.procs, "median-ratio")
			fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.3f | %d |\n", alg, k.procs, ours, theirs, q, r.count(k.name, k.procs, "median-ratio"))
			goals = append(goals, goal{fmt.Sprintf("JWT %s extraction / ParseWithClaims (GOMAXPROCS %d)", alg, k.procs),
				fmt.Sprintf("%.3f", q), "<= 1.05", q <= 1.05})
		}
		fmt.Fprintln(w)
	}
	var others []key
	for _, k := range r.order {
		if !strings.HasPrefix(k.name, mw) && !strings.HasPrefix(k.name, "BenchmarkJWTOverhead/") {
			others = append(others, k)
		}
	}
	if len(others) > 0 {
		fmt.Fprintln(w, "| benchmark | GOMAXPROCS | ns/op | B/op | allocs/op | other | runs |\n|---|---:|---:|---:|---:|---:|---:|")
		for _, k := range others {
			cell := func(unit, format string) string {
				if v, ok := r.median(k.name, k.procs, unit); ok {
					return fmt.Sprintf(format, v)
				}
				return "–"
			}
			var other []string
			for _, unit := range slices.Sorted(maps.Keys(r.values[k])) {
				if !slices.Contains([]string{"ns/op", "B/op", "allocs/op"}, unit) {
					other = append(other, cell(unit, "%.4g "+unit))
				}
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %d |\n", strings.TrimPrefix(k.name, "Benchmark"), k.procs,
				cell("ns/op", "%.1f"), cell("B/op", "%.0f"), cell("allocs/op", "%.0f"), strings.Join(other, ", "),
				r.count(k.name, k.procs, "ns/op"))
		}
		fmt.Fprintln(w)
	}
	for _, k := range r.order {
		if v, ok := r.median(k.name, k.procs, "B/user"); ok {
			goals = append(goals, goal{fmt.Sprintf("cache memory at 1M users (GOMAXPROCS %d)", k.procs),
				fmt.Sprintf("%.1f B/user", v), "<= 200 B/user", v <= 200})
		}
	}
	met := true
	if len(goals) > 0 {
		fmt.Fprintln(w, "| goal | measured | wanted | met |\n|---|---:|---:|---|")
		for _, g := range goals {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", g.what, g.value, g.want, map[bool]string{true: "yes", false: "**no**"}[g.met])
			met = met && g.met
		}
	}
	return met
}

func (r *results) hasPrefix(p string) bool {
	return slices.ContainsFunc(r.order, func(k key) bool { return strings.HasPrefix(k.name, p) })
}
