package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
)

// The command's files are created without following links planted where
// they go, and the report, which holds emails and phone numbers, is 0600
// like the state. Before, a link at the report's path or at the state's
// temporary name was followed and its target overwritten.
func TestFilesDoNotFollowPlantedLinks(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	path := writeUsers(t, 5, func(i int) string {
		if i == 3 {
			return "not json"
		}
		return ""
	})
	dir := filepath.Dir(path)
	victim := filepath.Join(dir, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o600))
	report := filepath.Join(dir, "report.txt")
	require.NoError(t, os.Symlink(victim, report))
	require.NoError(t, os.Symlink(victim, path+".autoidentify-state.tmp"))

	c := command(t, apiEnv(api), "backfill", "--report", report, path)
	assert.Equal(t, 1, c.exit(t), c.stderr.String())

	got, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "precious", string(got), "no link was followed")
	fi, err := os.Lstat(report)
	require.NoError(t, err)
	assert.True(t, fi.Mode().IsRegular(), "the report replaced the link")
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	body, err := os.ReadFile(report)
	require.NoError(t, err)
	assert.Contains(t, string(body), "line 3:")
	fi, err = os.Stat(path + ".autoidentify-state")
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

// A record longer than 1 MiB is never read whole: a JSON line is reported
// with its number and skipped, and the run goes on; a CSV record ends the
// run with its line number.
func TestOverlongRecords(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	path := writeUsers(t, 4, func(i int) string {
		if i == 2 {
			return `{"sub":"user-2","pad":"` + strings.Repeat("x", 2<<20) + `"}`
		}
		return ""
	})
	c := command(t, apiEnv(api), "backfill", path)
	assert.Equal(t, 1, c.exit(t))
	assert.Contains(t, c.stderr.String(), "line 2: over 1048576 bytes: skipped")
	assert.ElementsMatch(t, []string{"user-1", "user-3", "user-4"}, api.Identifiers(), "the run went on")

	csvPath := filepath.Join(t.TempDir(), "users.csv")
	require.NoError(t, os.WriteFile(csvPath, []byte("sub,email\nuser-9,a@example.com\nuser-10,"+strings.Repeat("y", 2<<20)+"\n"), 0o600))
	c = command(t, apiEnv(api), "backfill", csvPath)
	assert.NotEqual(t, 0, c.exit(t))
	assert.Contains(t, c.stderr.String(), "line 3: over 1048576 bytes")

	wide := filepath.Join(t.TempDir(), "wide.csv")
	require.NoError(t, os.WriteFile(wide, []byte(strings.Repeat("c,", 5000)+"sub\nx\n"), 0o600))
	c = command(t, apiEnv(api), "backfill", wide)
	assert.NotEqual(t, 0, c.exit(t))
	assert.Contains(t, c.stderr.String(), "5001 columns, at most 1000")
}

// A state file is checked whole before it is used: a range to line 2^31 or
// overlapping ranges are refused at once. Before, the first took 934 MiB
// and 7 s, the second never finished.
func TestStateFileBounds(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	path := writeUsers(t, 3, func(int) string { return "" })
	for _, synced := range []string{`[[0,2147483648]]`, `[[1,5],[3,9]]`, `[[5,1]]`} {
		require.NoError(t, os.WriteFile(path+".autoidentify-state", []byte(`{"input":"`+path+`","synced":`+synced+`}`), 0o600))
		c := command(t, apiEnv(api), "backfill", "--resume", path)
		assert.Equal(t, 2, c.exit(t), synced)
		assert.Contains(t, c.stderr.String(), "not a state file of this command", synced)
	}
	assert.Zero(t, api.Calls())
}
