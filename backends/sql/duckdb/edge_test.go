package duckdb

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/harness"
)

// TestEdgeVerdicts runs the edge cases of ../testdata/edge (the golden
// inputs of every dialect) on DuckDB: for a detection rule, the events the
// query selects must be exactly those the native evaluator matches; for a
// correlation, the verdict on every prefix of the stream must agree.
func TestEdgeVerdicts(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	paths, err := filepath.Glob("../testdata/edge/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			a, err := txtar.ParseFile(p)
			require.NoError(t, err)
			var src, evs []byte
			for _, f := range a.Files {
				switch f.Name {
				case "rule.yml":
					src = f.Data
				case "events.ndjson":
					evs = f.Data
				}
			}
			if evs == nil {
				t.Skip("no events section")
			}
			set, diags := sigforge.Parse("rule.yml", src, sigforge.Options{})
			require.False(t, diags.HasErrors(), "%v", diags)
			events, err := harness.Parse("events.ndjson", evs)
			require.NoError(t, err)
			for _, r := range set.Rules {
				out, err := b.Compile(r)
				var u *backends.Unsupported
				if errors.As(err, &u) {
					continue
				}
				require.NoError(t, err)
				q, err := b.Prepare(out)
				require.NoError(t, err, out.Text)
				if r.IsCorrelation() {
					c, err := eval.CompileCorrelation(r)
					require.NoError(t, err)
					for n := 1; n <= len(events); n++ {
						got, err := q.Fires(events[:n])
						require.NoError(t, err)
						assert.Equal(t, c.Fires(events[:n]), got, "%s on the first %d events", r.Title, n)
					}
					continue
				}
				d, err := eval.Compile(r)
				require.NoError(t, err)
				want := []int{}
				for i, ev := range events {
					if d.Match(ev) {
						want = append(want, i)
					}
				}
				got := q.(*Query).MatchingEvents(events)
				if got == nil {
					got = []int{}
				}
				t.Logf("%s: events %v match", r.Title, want)
				assert.Equal(t, want, got, "%s: events matched (0-based)", r.Title)
			}
		})
	}
}
