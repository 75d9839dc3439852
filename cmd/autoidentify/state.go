package main

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"os"
)

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
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
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
	s := &lines{}
	for _, r := range st.Synced {
		if r[0] < 0 || r[1] < r[0] || r[1] > 1<<31 {
			return nil, fmt.Errorf("%s: bad range %v", path, r)
		}
		for n := r[0]; n <= r[1]; n++ {
			s.add(n)
		}
	}
	return s, nil
}
