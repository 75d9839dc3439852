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
func rows(in io.Reader, format string, onColumns func([]string) bool) iter.Seq[row] {
	if format == "csv" {
		return csvRows(in, onColumns)
	}
	return jsonRows(in)
}

// maxRecord is the longest line read, in bytes: a longer one is reported
// and skipped (JSON Lines) or ends the run with its line number (CSV, whose
// records may span lines), never read whole into memory.
const maxRecord = 1 << 20

// maxColumns is the most columns a CSV header may have.
const maxColumns = 1000

func jsonRows(in io.Reader) iter.Seq[row] {
	return func(yield func(row) bool) {
		br := bufio.NewReaderSize(in, 64<<10)
		var buf []byte
		for line := 1; ; line++ {
			text, tooLong, err := readLine(br, buf[:0])
			buf = text
			if err != nil && !errors.Is(err, io.EOF) {
				yield(row{err: fmt.Errorf("reading the input: %w", err)})
				return
			}
			if tooLong {
				if !yield(row{line: line, err: fmt.Errorf("over %d bytes: skipped", maxRecord)}) {
					return
				}
			} else if text = bytes.TrimSpace(text); len(text) > 0 {
				r := row{line: line}
				if err := json.Unmarshal(text, &r.claims); err != nil {
					r.err = lineError(err, false)
				}
				if !yield(r) {
					return
				}
			}
			if errors.Is(err, io.EOF) {
				return
			}
		}
	}
}

// readLine reads one line into line's memory, without its newline, keeping
// at most maxRecord bytes of it: tooLong says the rest was read and dropped.
func readLine(br *bufio.Reader, line []byte) (_ []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(line)+len(chunk) > maxRecord+1 { // +1: the newline
				tooLong, line = true, line[:0]
			} else {
				line = append(line, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimSuffix(line, []byte("\n")), tooLong, err
	}
}

// lineCap is a reader that fails once a line runs past maxRecord bytes.
type lineCap struct {
	r    io.Reader
	line int // the line being read, from 1
	run  int // its bytes so far
}

func (c *lineCap) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			c.line++
			c.run = 0
			continue
		}
		if c.run++; c.run > maxRecord {
			return i, fmt.Errorf("line %d: over %d bytes: a record this long is no user", c.line, maxRecord)
		}
	}
	return n, err
}

// csvRows reads CSV with a header; onColumns is told the header first, and
// the rows are read only if it returns true.
func csvRows(in io.Reader, onColumns func([]string) bool) iter.Seq[row] {
	return func(yield func(row) bool) {
		cr := csv.NewReader(&lineCap{r: in, line: 1})
		cr.FieldsPerRecord = -1 // a short or long line is that line's error, not the file's
		header, err := cr.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				yield(row{line: 1, err: fmt.Errorf("CSV header: %w", err)})
			}
			return
		}
		if len(header) > maxColumns {
			yield(row{line: 1, err: fmt.Errorf("CSV header: %d columns, at most %d", len(header), maxColumns)})
			return
		}
		if len(header) > 0 {
			header[0] = string(bytes.TrimPrefix([]byte(header[0]), []byte("\ufeff")))
		}
		if !onColumns(header) {
			return
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
