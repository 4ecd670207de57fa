package backendtest

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Listing is the layout of a golden file that lists what a target makes of
// rules: one block per rule, in the rules' order, made of Header and then
// the compiled text or, when the target refuses the rule, one line
// "unsupported: ...". Any other compile error fails the test.
type Listing struct {
	// Header returns the lines that open a rule's block; nil opens none.
	Header func(*ir.Rule) string
	// Comment starts the refusal line, for outputs whose syntax must hold
	// it as a comment ("# " in TOML).
	Comment string
	// Position writes the whole refusal (position, target, rule, construct
	// and reason, as Unsupported.Error does) instead of construct and
	// reason only; the pack's positions depend on where its rules are
	// loaded from, so pack goldens leave it off.
	Position bool
	// Blank ends every block with an empty line.
	Blank bool
	// Prepare requires every compiled text to read back through the
	// target's Prepare (the target must be a backends.Executor).
	Prepare bool
	// Verify, when set, runs on every compiled output.
	Verify func(t testing.TB, r *ir.Rule, o backends.Output)
}

// FileHeader opens a block with comment, the base name of the rule's file
// and its title: "# rule.yml: Title".
func FileHeader(comment string) func(*ir.Rule) string {
	return func(r *ir.Rule) string { return comment + " " + filepath.Base(r.File) + ": " + r.Title + "\n" }
}

// TitleHeader opens a block with comment and the rule's title: "# Title".
func TitleHeader(comment string) func(*ir.Rule) string {
	return func(r *ir.Rule) string { return comment + " " + r.Title + "\n" }
}

// Render compiles rules with target and lays the outputs out.
func (l Listing) Render(t testing.TB, target backends.Backend, rules []*ir.Rule) string {
	t.Helper()
	end := ""
	if l.Blank {
		end = "\n"
	}
	var out strings.Builder
	for _, r := range rules {
		if l.Header != nil {
			out.WriteString(l.Header(r))
		}
		o, err := target.Compile(r)
		var u *backends.Unsupported
		if errors.As(err, &u) {
			why := u.Construct + ": " + u.Reason
			if l.Position {
				why = u.Error()
			}
			out.WriteString(l.Comment + "unsupported: " + why + "\n" + end)
			continue
		}
		require.NoError(t, err, "%s: %s", r.File, r.Title)
		if l.Prepare {
			x, ok := target.(backends.Executor)
			require.True(t, ok, "target %s has no Prepare", target.Name())
			_, err := x.Prepare(o)
			require.NoError(t, err, "%s: the compiled text must read back through Prepare:\n%s", r.File, o.Text)
		}
		if l.Verify != nil {
			l.Verify(t, r, o)
		}
		out.WriteString(o.Text + end)
	}
	return out.String()
}

// Check renders rules with target and compares the text with the golden
// file at path (see compiler/golden).
func (l Listing) Check(t testing.TB, path string, target backends.Backend, rules []*ir.Rule) {
	t.Helper()
	golden.Check(t, path, []byte(l.Render(t, target, rules)))
}

// CompileEach compiles rules with target for a bundle: it returns the
// outputs in the rules' order and the refusals, one line per refused rule
// ("file.yml: construct: reason"). verify, when set, runs on every output;
// any other compile error fails the test.
func CompileEach(t testing.TB, target backends.Backend, rules []*ir.Rule, verify func(t testing.TB, r *ir.Rule, o backends.Output)) ([]backends.Output, string) {
	t.Helper()
	var outs []backends.Output
	var refused strings.Builder
	for _, r := range rules {
		o, err := target.Compile(r)
		var u *backends.Unsupported
		if errors.As(err, &u) {
			refused.WriteString(filepath.Base(r.File) + ": " + u.Construct + ": " + u.Reason + "\n")
			continue
		}
		require.NoError(t, err, r.File)
		if verify != nil {
			verify(t, r, o)
		}
		outs = append(outs, o)
	}
	return outs, refused.String()
}
