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
	const mw, overFloor = "BenchmarkMiddleware/", "BenchmarkOverFloor/"
	sets := r.workingSets(mw)
	if len(sets) > 0 {
		fmt.Fprintln(w, "| working set | benchmark | GOMAXPROCS | ns/op | B/op | allocs/op | added to baseline (ns) | runs |")
		fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|")
		for _, set := range sets {
			for _, c := range []string{"baseline", "floor", "hit", "floor-jwt", "hit-jwt", "parse-hs256", "none", "miss"} {
				for _, suffix := range []string{"", "-parallel"} {
					for _, p := range r.procs {
						name := mw + set + c + suffix
						ns, ok := r.median(name, p, "ns/op")
						if !ok {
							continue
						}
						base, _ := r.median(mw+set+"baseline"+suffix, p, "ns/op")
						b, _ := r.median(name, p, "B/op")
						a, _ := r.median(name, p, "allocs/op")
						fmt.Fprintf(w, "| %s | %s | %d | %.1f | %.0f | %.0f | %+.1f | %d |\n", strings.TrimSuffix(set, "/"), c+suffix, p, ns, b, a, ns-base, r.count(name, p, "ns/op"))
					}
				}
			}
		}
		fmt.Fprintln(w)

		// Each path over its floor, in the same run (issue 25).
		fmt.Fprintln(w, "| working set | GOMAXPROCS | hit / floor | hit-jwt / floor-jwt | hit-jwt / parse-hs256 |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
		for _, set := range sets {
			for _, p := range r.procs {
				ratio := func(a, b string) (float64, bool) {
					x, ok1 := r.median(mw+set+a, p, "ns/op")
					y, ok2 := r.median(mw+set+b, p, "ns/op")
					return x / y, ok1 && ok2 && y > 0
				}
				cell := func(v float64, ok bool) string {
					if !ok {
						return "–"
					}
					return fmt.Sprintf("%.2f×", v)
				}
				hit, okHit := ratio("hit", "floor")
				jwt, okJWT := ratio("hit-jwt", "floor-jwt")
				parse, okParse := ratio("hit-jwt", "parse-hs256")
				fmt.Fprintf(w, "| %s | %d | %s | %s | %s |\n", strings.TrimSuffix(set, "/"), p, cell(hit, okHit), cell(jwt, okJWT), cell(parse, okParse))
				// The goals read BenchmarkOverFloor's alternating batches where
				// it ran: separate runs drift apart on a busy machine.
				at := fmt.Sprintf("(%s, GOMAXPROCS %d", strings.TrimSuffix(set, "/"), p)
				where := func(pair, unit string, v float64, ok bool) (float64, bool, string) {
					if alt, okAlt := r.median(overFloor+set+pair, p, unit); okAlt {
						return alt, true, at + ", alternating batches)"
					}
					return v, ok, at + ")"
				}
				if hit, ok, at := where("hit/floor", "median-ratio", hit, okHit); ok {
					allocs, _ := r.median(mw+set+"hit", p, "allocs/op")
					goals = append(goals, goal{"hit / its floor " + at, fmt.Sprintf("%.2f×, %.0f allocs", hit, allocs), "<= 2×, 0 allocs", hit <= 2 && allocs == 0})
				}
				if jwt, ok, at := where("hit-jwt/floor-jwt", "median-ratio", jwt, okJWT); ok && set == "users=4096/" {
					goals = append(goals, goal{"hit-jwt / its floor " + at, fmt.Sprintf("%.2f×", jwt), "<= 1.3×", jwt <= 1.3})
				}
				if okParse && set == "users=4096/" {
					goals = append(goals, goal{"hit-jwt / ParseWithClaims HS256 " + at + ")", fmt.Sprintf("%.3f×", parse), "<= 0.1×", parse <= 0.1})
				}
				if set == "users=64/" {
					ns, okNs := r.median(mw+set+"hit", p, "ns/op")
					base, _ := r.median(mw+set+"baseline", p, "ns/op")
					if added, ok, at := where("hit/baseline", "median-added-ns/op", ns-base, okNs); ok {
						goals = append(goals, goal{"hit adds to baseline " + at, fmt.Sprintf("%+.1f ns", added), "<= 60 ns", added <= 60})
					}
				}
			}
		}
		fmt.Fprintln(w)
		if len(r.procs) > 1 {
			lo, hi := r.procs[0], r.procs[len(r.procs)-1]
			fmt.Fprintf(w, "| RunParallel | ns/op at GOMAXPROCS %d | ns/op at %d | scaling |\n|---|---:|---:|---:|\n", lo, hi)
			for _, set := range sets {
				for _, c := range []string{"baseline", "floor", "hit", "floor-jwt", "hit-jwt", "parse-hs256", "none", "miss"} {
					one, ok1 := r.median(mw+set+c+"-parallel", lo, "ns/op")
					many, ok2 := r.median(mw+set+c+"-parallel", hi, "ns/op")
					if !ok1 || !ok2 {
						continue
					}
					fmt.Fprintf(w, "| %s%s | %.1f | %.1f | %.2f× |\n", set, c, one, many, one/many)
					if c == "hit" && hi == 2 {
						goals = append(goals, goal{fmt.Sprintf("%shit under RunParallel, 1 → 2 cores", set), fmt.Sprintf("%.2f×", one/many), ">= 1.6×", one/many >= 1.6})
					}
					if c == "hit-jwt" && hi >= 16 && lo == 1 {
						goals = append(goals, goal{fmt.Sprintf("%shit-jwt under RunParallel, 1 → %d cores", set, hi), fmt.Sprintf("%.2f×", one/many), ">= 12×", one/many >= 12})
					}
				}
			}
			fmt.Fprintln(w)
		}
	}
	if r.hasPrefix(overFloor) {
		fmt.Fprintln(w, "| path / what it is measured against | GOMAXPROCS | path ns/op | against ns/op | median ratio of alternating batches | median added (ns) | runs |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
		for _, k := range r.order {
			pair, ok := strings.CutPrefix(k.name, overFloor)
			if !ok {
				continue
			}
			path, _ := r.median(k.name, k.procs, "path-ns/op")
			floor, _ := r.median(k.name, k.procs, "floor-ns/op")
			q, _ := r.median(k.name, k.procs, "median-ratio")
			added, _ := r.median(k.name, k.procs, "median-added-ns/op")
			fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %.2f× | %+.1f | %d |\n", pair, k.procs, path, floor, q, added, r.count(k.name, k.procs, "median-ratio"))
		}
		fmt.Fprintln(w)
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
	const cached = "BenchmarkJWTCached/"
	if sets := r.workingSets(cached); len(sets) > 0 {
		// The verified-token cache's hit beside its floor, in the same run (issue 25).
		fmt.Fprintln(w, "| working set | GOMAXPROCS | floor | verified | verified / floor | extract | extract / floor |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
		for _, set := range sets {
			for _, suffix := range []string{"", "-parallel"} {
				for _, p := range r.procs {
					floor, ok := r.median(cached+set+"floor"+suffix, p, "ns/op")
					if !ok {
						continue
					}
					row := fmt.Sprintf("| %s%s | %d | %.1f |", strings.TrimSuffix(set, "/"), suffix, p, floor)
					for _, path := range []string{"verified", "extract"} {
						if ns, ok := r.median(cached+set+path+suffix, p, "ns/op"); ok {
							row += fmt.Sprintf(" %.1f | %.2f× |", ns, ns/floor)
						} else {
							row += " – | – |"
						}
					}
					fmt.Fprintln(w, row)
				}
			}
		}
		fmt.Fprintln(w)
	}
	var others []key
	for _, k := range r.order {
		if !strings.HasPrefix(k.name, mw) && !strings.HasPrefix(k.name, "BenchmarkJWTOverhead/") && !strings.HasPrefix(k.name, cached) && !strings.HasPrefix(k.name, overFloor) {
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

// workingSets returns the working sets ("users=64/", ...) of the
// benchmarks under prefix, in the order first seen.
func (r *results) workingSets(prefix string) []string {
	var sets []string
	for _, k := range r.order {
		rest, ok := strings.CutPrefix(k.name, prefix)
		if !ok {
			continue
		}
		set, _, ok := strings.Cut(rest, "/")
		if ok && !slices.Contains(sets, set+"/") {
			sets = append(sets, set+"/")
		}
	}
	return sets
}

func (r *results) hasPrefix(p string) bool {
	return slices.ContainsFunc(r.order, func(k key) bool { return strings.HasPrefix(k.name, p) })
}
