package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/autoidentify/autoidentify/identity"
)

// sentSet is who a run sent, for a resumed run to skip: a keyed hash of
// each user's identifier and of the profile sent for them, so that the
// skip holds whatever the order of the lines (a database query without
// ORDER BY returns them in any order), a user whose row changed since is
// sent again, and the state file holds no identifier or email.
type sentSet struct {
	key  [16]byte
	mu   sync.Mutex
	sent map[[16]byte]struct{}
}

func newSentSet() *sentSet {
	s := &sentSet{sent: make(map[[16]byte]struct{})}
	_, _ = rand.Read(s.key[:])
	return s
}

// hash is the keyed hash of one user as sent: SHA-256 of the state's
// random key, the fingerprint and the identifier (one hash, not an HMAC:
// nothing here is a message to authenticate, and the backfill is no
// slower for it).
func (s *sentSet) hash(id identity.Identity) [16]byte {
	b := make([]byte, 0, len(s.key)+8+len(id.Identifier))
	b = append(b, s.key[:]...)
	b = binary.BigEndian.AppendUint64(b, id.Profile.Fingerprint())
	b = append(b, id.Identifier...)
	sum := sha256.Sum256(b)
	return [16]byte(sum[:16])
}

func (s *sentSet) add(id identity.Identity) {
	h := s.hash(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent[h] = struct{}{}
}

func (s *sentSet) has(id identity.Identity) bool {
	h := s.hash(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.sent[h]
	return ok
}

// maxStateUsers is the most users a state file may name: a hundred
// million, 1.6 GB of hashes in memory at most.
const maxStateUsers = 100_000_000

// state is what a run leaves for --resume: what it read and how, and who
// it sent. A resume whose input is read another way is refused.
type state struct {
	Version int      `json:"version"`
	Input   string   `json:"input"`
	Format  string   `json:"format"`
	Map     []string `json:"map"`
	Columns []string `json:"columns,omitempty"` // a CSV's header
	Key     string   `json:"key"`
	Sent    []string `json:"sent"`
}

const stateVersion = 2

// differs says how a run reading input with cur differs from the run that
// wrote st, "" if it does not.
func (st *state) differs(cur *state) string {
	switch {
	case st.Format != cur.Format:
		return fmt.Sprintf("the input was read as %s, now as %s", st.Format, cur.Format)
	case !slices.Equal(st.Map, cur.Map):
		return fmt.Sprintf("the run had --map %q, this one %q", st.Map, cur.Map)
	case cur.Columns != nil && !slices.Equal(st.Columns, cur.Columns):
		return fmt.Sprintf("the CSV's columns were %q, now %q", st.Columns, cur.Columns)
	}
	return ""
}

// saveState writes st with the users sent atomically: a run killed while
// writing it leaves the previous one.
func saveState(path string, st state, sent *sentSet) error {
	st.Version, st.Key = stateVersion, hex.EncodeToString(sent.key[:])
	sent.mu.Lock()
	st.Sent = make([]string, 0, len(sent.sent))
	for h := range sent.sent {
		st.Sent = append(st.Sent, hex.EncodeToString(h[:]))
	}
	sent.mu.Unlock()
	slices.Sort(st.Sent)
	b, err := json.Marshal(st)
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

// loadState reads a state file, checked whole before use.
func loadState(path string) (*state, *sentSet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, nil, fmt.Errorf("%s: not a state file of this command: %w", path, err)
	}
	key, err := hex.DecodeString(st.Key)
	switch {
	case st.Version != stateVersion:
		return nil, nil, fmt.Errorf("%s: not a state file of this command's version (%d, want %d): run without --resume", path, st.Version, stateVersion)
	case err != nil || len(key) != 16 || len(st.Sent) > maxStateUsers:
		return nil, nil, fmt.Errorf("%s: not a state file of this command: a bad key or too many users", path)
	}
	sent := &sentSet{sent: make(map[[16]byte]struct{}, len(st.Sent))}
	copy(sent.key[:], key)
	for _, x := range st.Sent {
		var h [16]byte
		if n, err := hex.Decode(h[:], []byte(x)); err != nil || n != 16 || len(x) != 32 {
			return nil, nil, fmt.Errorf("%s: not a state file of this command: %q is no user hash", path, x)
		}
		sent.sent[h] = struct{}{}
	}
	return &st, sent, nil
}
