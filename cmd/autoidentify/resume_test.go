package main_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
)

// writeCSV writes rows under header to a new file in dir and returns it.
func writeCSV(t *testing.T, dir, header string, rows []string) string {
	t.Helper()
	path := filepath.Join(dir, "users.csv")
	require.NoError(t, os.WriteFile(path, []byte(header+"\n"+strings.Join(rows, "\n")+"\n"), 0o600))
	return path
}

// A resumed run skips who was sent, not line numbers: the input comes back
// in another order (a query without ORDER BY, rows updated meanwhile), and
// every user is sent once. Before, the state was line numbers, and a
// reordered input skipped users who were never sent.
func TestResumeIsSafeWhateverTheOrder(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	rows := make([]string, 1000)
	for i := range rows {
		rows[i] = fmt.Sprintf("user-%d,user-%d@example.com", i, i)
		if i%10 == 0 {
			api.FailUser(fmt.Sprintf("user-%d", i), engagespottest.Always, http.StatusUnprocessableEntity)
		}
	}
	dir := t.TempDir()
	path := writeCSV(t, dir, "sub,email", rows)
	c := command(t, apiEnv(api), "backfill", path)
	require.Equal(t, 1, c.exit(t), c.stderr.String())
	require.Contains(t, c.stderr.String(), "900 synced, 100 failed")

	api.ClearFaults()
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	rows[0] = strings.Replace(rows[0], "@example.com", "@example.org", 1) // and one row changed since
	writeCSV(t, dir, "sub,email", rows)
	again := command(t, apiEnv(api), "backfill", "--resume", path)
	require.Equal(t, 0, again.exit(t), again.stderr.String())
	changed := 0
	if !strings.HasSuffix(strings.SplitN(rows[0], ",", 2)[0], "0") {
		changed = 1 // a user sent before, whose row changed: sent again
	}
	assert.Contains(t, again.stderr.String(), fmt.Sprintf("done: %d synced, 0 failed, 0 invalid, %d already synced", 100+changed, 900-changed))
	assert.Len(t, puts(api), 1000, "everyone sent")
	for id, n := range puts(api) {
		if n != 1 && !(changed == 1 && id == strings.SplitN(rows[0], ",", 2)[0]) {
			t.Errorf("%s sent %d times", id, n)
		}
	}
}

// A resume reading the input another way (another --map, other columns) is
// refused, saying how; the hint a run prints repeats its whole command, and
// followed as printed, it works. Before, the hint dropped --map and every
// line was then invalid; a resume over other columns was accepted.
func TestResumeOverAnotherMappingIsRefused(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	rows := make([]string, 20)
	for i := range rows {
		rows[i] = fmt.Sprintf("%d,u%d@example.com", i+1, i+1)
	}
	api.FailUser("7", engagespottest.Always, http.StatusUnprocessableEntity)
	dir := t.TempDir()
	path := writeCSV(t, dir, "user_id,mail", rows)
	c := command(t, apiEnv(api), "backfill", path, "--map", "identifier=user_id", "--map", "email=mail")
	require.Equal(t, 1, c.exit(t), c.stderr.String())
	hint := regexp.MustCompile(`(?m)^to go on without sending anyone twice: (.+)$`).FindStringSubmatch(c.stderr.String())
	require.Len(t, hint, 2, c.stderr.String())
	assert.Contains(t, hint[1], "--map identifier=user_id --map email=mail")

	refused := command(t, apiEnv(api), "backfill", "--resume", path, "--map", "identifier=user_id")
	assert.Equal(t, 2, refused.exit(t))
	assert.Contains(t, refused.stderr.String(), `--resume refused: the run had --map ["identifier=user_id" "email=mail"], this one ["identifier=user_id"]`)

	writeCSV(t, dir, "user_id,mail,plan", func() []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r + ",pro"
		}
		return out
	}())
	args := strings.Fields(hint[1])[1:] // the hint, as printed, less the program's name
	other := command(t, apiEnv(api), args...)
	assert.Equal(t, 2, other.exit(t))
	assert.Contains(t, other.stderr.String(), `the CSV's columns were ["user_id" "mail"], now ["user_id" "mail" "plan"]`)

	writeCSV(t, dir, "user_id,mail", rows)
	api.ClearFaults()
	followed := command(t, apiEnv(api), args...)
	assert.Equal(t, 0, followed.exit(t), followed.stderr.String())
	assert.Contains(t, followed.stderr.String(), "done: 1 synced, 0 failed, 0 invalid, 19 already synced")
}
