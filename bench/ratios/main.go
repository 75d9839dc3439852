// Command ratios reads the output of go test -bench (several -count runs,
// several -cpu values) and prints, as Markdown, the medians of each
// benchmark and the ratios the performance goals of BENCHMARKS.md are about:
// what the middleware adds to the handler alone, how hits scale with
// cores, how JWT extraction compares with golang-jwt, and the cache's bytes
// per user. Every ratio comes from the one input, so from one run.
//
//	go test -run '^$' -bench . -benchmem -count 6 -cpu 1,2 ./middleware ./identity | tee bench.txt
//	go run ./bench/ratios < bench.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

func main() {
	res, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
	if !res.report(os.Stdout) {
		os.Exit(1) // a goal is not met
	}
}

func parse(r io.Reader) (*results, error) {
	res := newResults()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		res.line(sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(res.order) == 0 {
		return nil, fmt.Errorf("no benchmark results in the input")
	}
	return res, nil
}
