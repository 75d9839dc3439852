package examples_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every Go snippet of the README is quoted, verbatim, from an Example of
// readme_example_test.go, which the test suite compiles: a snippet can
// neither stop compiling nor drift from the API unseen. An import line of a
// snippet must be one of that file's imports.
func TestREADMESnippets(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	const file = "readme_example_test.go"
	src, err := os.ReadFile(file)
	require.NoError(t, err)

	// Each Example's body, one tab less: gofmt puts a top-level func's
	// closing brace alone at the start of a line.
	var bodies []string
	for _, m := range regexp.MustCompile(`(?ms)^func Example_readme\w*\(\) \{\n(.*?)^\}$`).FindAllStringSubmatch(string(src), -1) {
		bodies = append(bodies, regexp.MustCompile(`(?m)^\t`).ReplaceAllString(m[1], ""))
	}
	require.NotEmpty(t, bodies)
	head, _, _ := strings.Cut(string(src), "\n)\n") // the import block

	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, blocks, "the README has Go snippets")
	for _, b := range blocks {
		var code []string
		for line := range strings.SplitSeq(strings.TrimRight(b[1], "\n"), "\n") {
			if imp, ok := strings.CutPrefix(line, "import "); ok {
				assert.Contains(t, head, "\t"+imp+"\n", "README imports what %s does not", file)
				continue
			}
			code = append(code, line)
		}
		snippet := strings.TrimSpace(strings.Join(code, "\n"))
		found := false
		for _, body := range bodies {
			found = found || strings.Contains(body, snippet)
		}
		assert.True(t, found, "this README snippet is in no Example_readme function of %s, verbatim:\n%s", file, snippet)
	}
}
