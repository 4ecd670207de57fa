package sql

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
)

// dialects are the three targets with their default options.
func dialects(t *testing.T, cfg *config.Config) []*Backend {
	t.Helper()
	a, err := NewAthena(cfg)
	require.NoError(t, err)
	l, err := NewCloudTrailLake(cfg)
	require.NoError(t, err)
	d, err := NewDuckDB(cfg)
	require.NoError(t, err)
	return []*Backend{a, l, d}
}

func render(t *testing.T, b *Backend, rules []*ir.Rule, header func(*ir.Rule) string) string {
	var out strings.Builder
	for _, r := range rules {
		out.WriteString(header(r))
		o, err := b.Compile(r)
		var u *backends.Unsupported
		switch {
		case errors.As(err, &u):
			// The construct and reason only: the position holds the
			// checkout's absolute path.
			out.WriteString("unsupported: " + u.Construct + ": " + u.Reason + "\n\n")
			continue
		case err != nil:
			t.Fatalf("%s: %v", r.File, err)
		}
		out.WriteString(o.Text + "\n")
	}
	return out.String()
}

// TestPackGolden compiles every rule of rules/ in each dialect; the SQL (or
// the reason a rule cannot be expressed) is testdata/pack.<dialect>.golden.
func TestPackGolden(t *testing.T) {
	dir := filepath.Join(corpus.Root(), "rules")
	cfg, err := config.Find(dir)
	require.NoError(t, err)
	set, diags := sigforge.Load([]string{dir}, sigforge.Options{Config: cfg})
	require.False(t, diags.HasErrors(), "%v", diags)
	for _, b := range dialects(t, cfg) {
		t.Run(b.Dialect().Name(), func(t *testing.T) {
			text := render(t, b, set.Rules, func(r *ir.Rule) string {
				return "-- " + filepath.Base(r.File) + ": " + r.Title + "\n"
			})
			golden.Check(t, "testdata/pack."+b.Dialect().Name()+".golden", []byte(text))
		})
	}
}

// TestEdgeGolden compiles the edge-case rules of testdata/edge/*.txtar
// (escaping of % _ \ and quotes, case, wildcards, regex, cidr, null and
// exists, arrays, numbers, refusals, correlations) in every dialect. The
// events.ndjson sections are run on DuckDB by the duckdb package's
// TestEdgeVerdicts.
func TestEdgeGolden(t *testing.T) {
	golden.RunTxtar(t, "testdata/edge/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		src, ok := golden.Section(a, "rule.yml")
		require.True(t, ok, "no rule.yml section")
		set, diags := sigforge.Parse("rule.yml", src, sigforge.Options{})
		require.False(t, diags.HasErrors(), "%v", diags)
		out := map[string]string{}
		for _, b := range dialects(t, nil) {
			out[b.Dialect().Name()] = render(t, b, set.Rules, func(r *ir.Rule) string { return "-- " + r.Title + "\n" })
		}
		// The query hunt runs on Athena for a correlation: the hits of the
		// groups with a window meeting the condition.
		var hunt strings.Builder
		for _, r := range set.Rules {
			if !r.IsCorrelation() {
				continue
			}
			q, err := New(NameAthena, Athena{}).CorrelationHits(r, Range{})
			require.NoError(t, err)
			hunt.WriteString("-- " + r.Title + "\n" + q + "\n\n")
		}
		if hunt.Len() > 0 {
			out["athena-hunt"] = hunt.String()
		}
		return out
	})
}

// TestAthenaDDL pins the CREATE TABLE statement with partition projection.
func TestAthenaDDL(t *testing.T) {
	golden.Check(t, "testdata/athena.ddl.golden", []byte(AthenaDDL(DDLOptions{})+"\n"+
		AthenaDDL(DDLOptions{Table: "trail", Location: "s3://trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/", Start: "2024/06/01"})))
}
