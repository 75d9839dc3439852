package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
)

// row is one user of the input, as claims for identity.ClaimsMapper: the
// keys of a JSON object, or the columns of a CSV line by the header's names.
type row struct {
	line   int // in the input, from 1
	claims map[string]any
	err    error // why the line is not a user
}

// detectFormat tells JSON Lines (the first thing is an object) from CSV.
func detectFormat(in *bufio.Reader) (string, error) {
	for n := 64; ; n *= 2 {
		peek, err := in.Peek(n)
		if t := bytes.TrimLeft(peek, " \t\r\n\ufeff"); len(t) > 0 {
			if t[0] == '{' {
				return "jsonl", nil
			}
			return "csv", nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, bufio.ErrBufferFull) {
				return "jsonl", nil // empty: either does
			}
			return "", err
		}
	}
}

// rows reads the input in format (jsonl or csv), a row a line; a line that
// cannot be read is a row with err, and reading goes on. A failure of the
// input itself ends the sequence with it.
func rows(in io.Reader, format string) iter.Seq[row] {
	if format == "csv" {
		return csvRows(in)
	}
	return jsonRows(in)
}

func jsonRows(in io.Reader) iter.Seq[row] {
	return func(yield func(row) bool) {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for line := 1; sc.Scan(); line++ {
			text := bytes.TrimSpace(sc.Bytes())
			if len(text) == 0 {
				continue
			}
			r := row{line: line}
			if err := json.Unmarshal(text, &r.claims); err != nil {
				r.err = fmt.Errorf("not a JSON object: %w", err)
			}
			if !yield(r) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(row{err: fmt.Errorf("reading the input: %w", err)})
		}
	}
}

func csvRows(in io.Reader) iter.Seq[row] {
	return func(yield func(row) bool) {
		cr := csv.NewReader(in)
		cr.FieldsPerRecord = -1 // a short or long line is that line's error, not the file's
		header, err := cr.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				yield(row{line: 1, err: fmt.Errorf("CSV header: %w", err)})
			}
			return
		}
		if len(header) > 0 {
			header[0] = string(bytes.TrimPrefix([]byte(header[0]), []byte("\ufeff")))
		}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			line, _ := cr.FieldPos(0)
			r := row{line: line}
			var pe *csv.ParseError
			switch {
			case errors.As(err, &pe):
				r.line, r.err = pe.StartLine, fmt.Errorf("not CSV: %w", pe.Err)
			case err != nil:
				yield(row{err: fmt.Errorf("reading the input: %w", err)})
				return
			case len(rec) != len(header):
				r.err = fmt.Errorf("%d fields, the header has %d", len(rec), len(header))
			default:
				r.claims = make(map[string]any, len(rec))
				for i, v := range rec {
					if v != "" { // an empty cell is an absent claim
						r.claims[header[i]] = v
					}
				}
			}
			if !yield(r) {
				return
			}
		}
	}
}

// countLines counts the lines of a regular file, for a progress total; -1
// when it cannot tell.
func countLines(name string, open func(string) (io.ReadCloser, error)) int {
	f, err := open(name)
	if err != nil {
		return -1
	}
	defer f.Close()
	n, buf := 0, make([]byte, 64<<10)
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			return n
		}
	}
}
