package sql

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/config"
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

// listing lays out the SQL of each rule, or the construct and reason of its
// refusal, one block per rule headed by header.
func listing(header func(*ir.Rule) string) backendtest.Listing {
	return backendtest.Listing{Header: header, Blank: true}
}

// TestPackGolden compiles every rule of rules/ in each dialect; the SQL (or
// the reason a rule cannot be expressed) is testdata/pack.<dialect>.golden.
func TestPackGolden(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	for _, b := range dialects(t, cfg) {
		t.Run(b.Dialect().Name(), func(t *testing.T) {
			listing(backendtest.FileHeader("--")).Check(t, "testdata/pack."+b.Dialect().Name()+".golden", b, set.Rules)
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
		rules := backendtest.EdgeRules(t, a, nil)
		out := map[string]string{}
		for _, b := range dialects(t, nil) {
			out[b.Dialect().Name()] = listing(backendtest.TitleHeader("--")).Render(t, b, rules)
		}
		// The query hunt runs on Athena for a correlation: the hits of the
		// groups with a window meeting the condition.
		var hunt strings.Builder
		for _, r := range rules {
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
