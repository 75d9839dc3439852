package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/adapters/engagespot/engagespottest"
)

// From a real database through a pipe, as the README shows it: sqlite3
// prints the users as CSV with Engagespot's names, and backfill reads
// standard input. It skips without sqlite3, unless CI is set (.ci/run
// installs it).
func TestBackfillFromADatabaseThroughAPipe(t *testing.T) {
	t.Parallel()
	sqlite, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("sqlite3 not on PATH and CI is set; install it with: apt-get install -y sqlite3")
		}
		t.Skip("sqlite3 not on PATH; install it with: apt-get install -y sqlite3")
	}
	db := filepath.Join(t.TempDir(), "app.db")
	var sql strings.Builder
	sql.WriteString("create table users (id integer primary key, email text, first_name text, phone text);\n")
	for i := 1; i <= 500; i++ {
		phone := "NULL"
		if i%2 == 0 {
			phone = fmt.Sprintf("'+1555%07d'", i)
		}
		fmt.Fprintf(&sql, "insert into users values (%d, 'user%d@example.com', 'User %d', %s);\n", i, i, i, phone)
	}
	create := exec.Command(sqlite, db)
	create.Stdin = strings.NewReader(sql.String())
	out, err := create.CombinedOutput()
	require.NoError(t, err, "%s", out)

	api := engagespottest.NewServer(t)
	export := exec.Command(sqlite, "-header", "-csv", db,
		"select id as identifier, email, first_name as firstName, phone as phoneNumber from users order by id")
	backfill := command(t, apiEnv(api), "backfill", "-")
	pipe, err := export.StdoutPipe()
	require.NoError(t, err)
	backfill.Stdin = pipe
	require.NoError(t, export.Start())
	code := backfill.exit(t)
	require.NoError(t, export.Wait())
	require.Equal(t, 0, code, backfill.stderr.String())
	assert.Contains(t, backfill.stderr.String(), "done: 500 synced, 0 failed, 0 invalid")

	everyoneOnce(t, api, 500)
	u, ok := api.User("42")
	require.True(t, ok)
	p := u.Profile()
	assert.Equal(t, []string{"user42@example.com", "User 42", "+15550000042"}, []string{p.Email, p.FirstName, p.PhoneNumber})
	u, _ = api.User("7")
	assert.Empty(t, u.Profile().PhoneNumber, "a NULL is an absent attribute")
}
