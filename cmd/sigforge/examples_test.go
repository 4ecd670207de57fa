package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// exampleCommands returns the sigforge command lines of the CI examples
// under docs/examples, without shell redirections and "|| ..." tails.
func exampleCommands(t *testing.T) []string {
	t.Helper()
	var scripts []string
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	data, err := os.ReadFile("../../docs/examples/github-workflow.yml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &wf))
	for _, j := range wf.Jobs {
		for _, s := range j.Steps {
			scripts = append(scripts, s.Run)
		}
	}
	var pc struct {
		Repos []struct {
			Hooks []struct {
				Entry string `yaml:"entry"`
			} `yaml:"hooks"`
		} `yaml:"repos"`
	}
	data, err = os.ReadFile("../../docs/examples/pre-commit-config.yaml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &pc))
	for _, r := range pc.Repos {
		for _, h := range r.Hooks {
			scripts = append(scripts, h.Entry)
		}
	}
	data, err = os.ReadFile("../../docs/examples/pre-commit")
	require.NoError(t, err)
	scripts = append(scripts, string(data))

	tail := regexp.MustCompile(`\s*(\|\||>>?|&&).*$`)
	seen := map[string]bool{}
	var out []string
	for _, s := range scripts {
		for _, line := range strings.Split(s, "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "sigforge ") {
				continue
			}
			line = tail.ReplaceAllString(line, "")
			if !seen[line] {
				seen[line] = true
				out = append(out, line)
			}
		}
	}
	return out
}

// TestCIExamplesPassOnThePack runs every sigforge command of the CI
// examples in the repository root: on the bundled pack each must succeed,
// so the examples stay runnable as the CLI changes.
func TestCIExamplesPassOnThePack(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pack several times")
	}
	cmds := exampleCommands(t)
	require.GreaterOrEqual(t, len(cmds), 8, "%q", cmds)
	t.Chdir("../..")
	for _, c := range cmds {
		var out, errs bytes.Buffer
		code := run(strings.Fields(c)[1:], nil, &out, &errs)
		assert.Equal(t, 0, code, "%s\nstderr:\n%s", c, errs.String())
	}
}
