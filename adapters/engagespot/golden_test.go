package engagespot_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autoidentify/autoidentify/identity"
)

// golden is testdata/official-node-sdk-requests.json, a copy of
// shared/engagespot's: what the official Node SDK sent for each call,
// recorded on loopback. The copy lets every clone run the wire tests.
type golden struct {
	Requests []struct {
		Call    string            `json:"call"`
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"requests"`
	GenerateUserToken struct {
		Header             map[string]any `json:"header"`
		Claims             map[string]any `json:"claims"`
		PKCS1KeyTokenClaim map[string]any `json:"pkcs1KeyTokenClaims"`
		WithoutSigningKey  string         `json:"withoutSigningKey"`
	} `json:"generateUserToken"`
}

const goldenFile = "official-node-sdk-requests.json"

func loadGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", goldenFile))
	require.NoError(t, err)
	var g golden
	require.NoError(t, json.Unmarshal(b, &g))
	require.NotEmpty(t, g.Requests)
	return g
}

// The copy in testdata is shared/engagespot's, where that folder is beside
// the repository (or above it), as for the developers and CI.
func TestGoldenCopyMatchesShared(t *testing.T) {
	t.Parallel()
	rel := filepath.Join("shared", "engagespot", goldenFile)
	wd, err := os.Getwd()
	require.NoError(t, err)
	for dir := wd; ; dir = filepath.Dir(dir) {
		if shared, err := os.ReadFile(filepath.Join(dir, rel)); err == nil {
			ours, err := os.ReadFile(filepath.Join("testdata", goldenFile))
			require.NoError(t, err)
			assert.JSONEq(t, string(shared), string(ours), "copy %s to testdata/ again", filepath.Join(dir, rel))
			return
		}
		if filepath.Dir(dir) == dir {
			t.Skipf("no %s above %s to compare the copy with", rel, wd)
		}
	}
}

// parseCall reads `createOrUpdateUser("id", {...})` into its arguments.
func parseCall(t *testing.T, call string) (string, identity.Profile) {
	t.Helper()
	args, ok := strings.CutPrefix(call, "createOrUpdateUser(")
	require.True(t, ok, call)
	args, ok = strings.CutSuffix(args, ")")
	require.True(t, ok, call)
	var parsed []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte("["+args+"]"), &parsed), call)
	var id string
	require.NoError(t, json.Unmarshal(parsed[0], &id))
	var attrs map[string]any
	if len(parsed) > 1 {
		require.NoError(t, json.Unmarshal(parsed[1], &attrs))
	}
	var p identity.Profile
	for k, v := range attrs {
		s, _ := v.(string)
		switch k {
		case "email":
			p.Email = s
		case "phoneNumber":
			p.PhoneNumber = s
		case "firstName":
			p.FirstName = s
		default:
			if p.Custom == nil {
				p.Custom = map[string]any{}
			}
			p.Custom[k] = v
		}
	}
	return id, p
}

// sdkWrongPaths are the calls where the Node SDK put the identifier into the
// path raw, so the request reached another user (or none). We send the
// identifier escaped as one segment instead; the test checks both facts.
var sdkWrongPaths = map[string]string{
	"a/b?c#d é": "the SDK sent /users/a/b?c: the / splits the segment and ?c#d é became a query and a fragment",
	"a%2Fb":     "the SDK sent a%2Fb as is, which the server decodes to the identifier a/b",
}

func TestGoldenWireMatchesOfficialSDK(t *testing.T) {
	t.Parallel()
	g := loadGolden(t)
	c, srv := setup(t) // the fake's default credentials are the recording's
	for i, want := range g.Requests {
		id, profile := parseCall(t, want.Call)
		require.NoError(t, c.CreateOrUpdateUser(t.Context(), id, profile), want.Call)
		got := srv.Requests()[i]

		assert.Equal(t, want.Method, got.Method, want.Call)
		correct := "/v3/users/" + url.PathEscape(id)
		if why, wrong := sdkWrongPaths[id]; wrong {
			assert.NotEqual(t, correct, want.Path, "the recording no longer shows the SDK bug: %s", why)
			assert.Equal(t, correct, got.Path, "we escape where the SDK did not: %s", why)
		} else {
			assert.Equal(t, want.Path, got.Path, want.Call)
		}
		assert.Equal(t, id, got.Identifier, "the identifier reaches its own user: %s", want.Call)
		for k, v := range want.Headers {
			assert.Equal(t, v, got.Header.Get(k), "%s: header %s", want.Call, k)
		}
		assert.Equal(t, want.Body, string(got.Body), "%s: the body byte for byte", want.Call)
		if want.Body != "" {
			assert.JSONEq(t, want.Body, string(got.Body))
		}
	}
	assert.Equal(t, len(g.Requests), srv.Calls())
}
