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

// Lines keyed by Engagespot's attribute names are read as the claims'
// names are. Before, every such line failed with "identity: no identifier
// claim".
func TestEngagespotNames(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "users.jsonl")
	require.NoError(t, os.WriteFile(jsonl, []byte(
		`{"identifier":"u1","email":"u1@example.com","phoneNumber":"+15551234567","firstName":"Ada","lastName":"Lovelace"}`+"\n"+
			`{"sub":"u2","email":"u2@example.com","given_name":"Bo"}`+"\n"), 0o600))
	csv := filepath.Join(dir, "users.csv")
	require.NoError(t, os.WriteFile(csv, []byte("identifier,email,firstName\nu3,u3@example.com,Cy\n"), 0o600))
	for _, path := range []string{jsonl, csv} {
		c := command(t, apiEnv(api), "backfill", path)
		require.Equal(t, 0, c.exit(t), c.stderr.String())
	}
	u1, ok := api.User("u1")
	require.True(t, ok)
	p := u1.Profile()
	assert.Equal(t, []string{"u1@example.com", "+15551234567", "Ada", "Lovelace"}, []string{p.Email, p.PhoneNumber, p.FirstName, p.LastName})
	u3, ok := api.User("u3")
	require.True(t, ok)
	assert.Equal(t, "Cy", u3.Profile().FirstName)
	_, ok = api.User("u2")
	assert.True(t, ok)
}

// Every line is sent as written or reported: an invalid email makes its
// line invalid (it was dropped and the user sent without it), and an
// identifier seen before is reported and sent once (it was sent twice).
// --dry-run shows the same.
func TestNothingDroppedOrDoubledInSilence(t *testing.T) {
	t.Parallel()
	api := engagespottest.NewServer(t)
	path := filepath.Join(t.TempDir(), "users.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join([]string{
		`{"identifier":"ann","email":"ann@example.com"}`,
		`{"identifier":"bob","email":"not an email"}`,
		`{"identifier":"ann","email":"ann@example.org"}`,
		`{"identifier":"cy","email":"cy@example.com","sub":"someone-else"}`,
		`{"identifier":"dee"}`,
	}, "\n")+"\n"), 0o600))

	dry := command(t, apiEnv(api), "backfill", "--dry-run", path)
	assert.Equal(t, 1, dry.exit(t))
	for _, c := range []*cmd{dry, command(t, apiEnv(api), "backfill", path)} {
		if c != dry {
			assert.Equal(t, 1, c.exit(t))
		}
		out := c.stderr.String()
		assert.Contains(t, out, "line 2: not sent:")
		assert.Contains(t, out, "line 3: identifier also on line 1: sent once, as line 1 has it")
		assert.Contains(t, out, `line 4: both "identifier" and "sub", with different values`)
	}
	assert.ElementsMatch(t, []string{"ann", "dee"}, api.Identifiers())
	ann, _ := api.User("ann")
	assert.Equal(t, "ann@example.com", ann.Email(), "the first line wins")
	assert.Equal(t, 1, puts(api)["ann"], "ann sent once")
}
