package main

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
)

// maxStateLine is the highest line number a state file may name: a
// hundred million lines, a 12 MiB set.
const maxStateLine = 100_000_000

// lines is a set of input line numbers: the users synced so far, which a
// resumed run skips, so that nobody is sent twice.
type lines struct{ words []uint64 }

func (s *lines) add(n int) {
	for n/64 >= len(s.words) {
		s.words = append(s.words, 0)
	}
	s.words[n/64] |= 1 << (n % 64)
}

func (s *lines) has(n int) bool {
	return n/64 < len(s.words) && s.words[n/64]&(1<<(n%64)) != 0
}

func (s *lines) len() int {
	n := 0
	for _, w := range s.words {
		n += bits.OnesCount64(w)
	}
	return n
}

// state is what a run leaves for --resume: which lines of which input were
// synced, as ranges of line numbers.
type state struct {
	Input  string   `json:"input"`
	Synced [][2]int `json:"synced"`
}

func (s *lines) ranges() [][2]int {
	var out [][2]int
	for i, w := range s.words {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			w &^= 1 << b
			n := i*64 + b
			if k := len(out); k > 0 && out[k-1][1] == n-1 {
				out[k-1][1] = n
			} else {
				out = append(out, [2]int{n, n})
			}
		}
	}
	return out
}

// saveState writes the state atomically: a run killed while writing it
// leaves the previous one.
func saveState(path, input string, synced *lines) error {
	b, err := json.Marshal(state{Input: input, Synced: synced.ranges()})
	if err != nil {
		return err
	}
	f, err := createTemp(path)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

// createTemp creates a new file, mode 0600, beside path, under a name
// nobody could plant a link at beforehand (os.CreateTemp: O_EXCL and a
// random name), for the caller to rename onto path: a rename replaces a
// link at path rather than writing where it points.
func createTemp(path string) (*os.File, error) {
	return os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
}

// createPrivate creates path anew, mode 0600, for writing, without
// following a link planted there: a temporary file renamed onto it.
func createPrivate(path string) (*os.File, error) {
	f, err := createTemp(path)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

func loadState(path string) (*lines, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: not a state file: %w", path, err)
	}
	// Checked whole before anything is allocated: ranges in order, apart,
	// and within maxStateLine (a state file is written by this command, and
	// a file of hand-made ranges could otherwise ask for gigabytes).
	prev := -2
	for _, r := range st.Synced {
		if r[0] <= prev+1 || r[1] < r[0] || r[1] > maxStateLine {
			return nil, fmt.Errorf("%s: not a state file of this command: range %v (ranges are ascending, apart, and below line %d)", path, r, maxStateLine)
		}
		prev = r[1]
	}
	s := &lines{}
	for _, r := range st.Synced {
		for n := r[0]; n <= r[1]; n++ {
			s.add(n)
		}
	}
	return s, nil
}
