package kql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

// elasticPairs pairs Elastic's KQL rules for RDS with the pack rules that
// cover them (a union when Elastic's rule spans several of ours).
var elasticPairs = []struct {
	elastic string
	pack    []string
}{
	{"rules/integrations/aws/defense_evasion_rds_instance_restored.toml", []string{"aws_rds_db_instance_restored"}},
	{"rules/_deprecated/persistence_rds_group_creation.toml", []string{"aws_rds_db_security_group_created"}},
	{"rules/_deprecated/impact_rds_group_deletion.toml", []string{"aws_rds_db_security_group_deleted"}},
	{"rules/_deprecated/impact_rds_instance_cluster_stoppage.toml", []string{"aws_rds_db_cluster_stopped", "aws_rds_db_instance_stopped"}},
	{"rules/integrations/aws/impact_rds_instance_cluster_deletion.toml", []string{
		"aws_rds_db_cluster_deleted", "aws_rds_db_instance_deleted", "aws_rds_db_instance_deleted_without_final_snapshot"}},
}

// TestElasticRulesSameVerdicts runs the query of Elastic's own KQL rules
// through our KQL evaluator and our compiled KQL of the matching pack rules
// on every fixture of the pack, and requires the same verdict on each.
func TestElasticRulesSameVerdicts(t *testing.T) {
	dir := corpus.Dir(t, "elastic-detection-rules")
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	byName := map[string]*ir.Rule{}
	for _, r := range set.Rules {
		byName[strings.TrimSuffix(filepath.Base(r.File), ".yml")] = r
	}
	fixtures := allFixtures(t)
	for _, p := range elasticPairs {
		t.Run(filepath.Base(p.elastic), func(t *testing.T) {
			var doc struct {
				Rule struct {
					Language string `toml:"language"`
					Query    string `toml:"query"`
				} `toml:"rule"`
			}
			_, err := toml.DecodeFile(filepath.Join(dir, p.elastic), &doc)
			require.NoError(t, err)
			require.Equal(t, "kuery", doc.Rule.Language)
			theirs, err := b.Prepare(backends.Output{Text: doc.Rule.Query})
			require.NoError(t, err, "Elastic's query must parse: %s", doc.Rule.Query)
			var ours []backends.Query
			for _, name := range p.pack {
				r := byName[name]
				require.NotNil(t, r, "pack rule %s", name)
				o, err := b.Compile(r)
				require.NoError(t, err)
				q, err := b.Prepare(o)
				require.NoError(t, err)
				ours = append(ours, q)
			}
			fired := 0
			for _, f := range fixtures {
				want, err := theirs.Fires(f.Events)
				require.NoError(t, err)
				got := false
				for _, q := range ours {
					ok, err := q.Fires(f.Events)
					require.NoError(t, err)
					got = got || ok
				}
				if got != want {
					t.Errorf("%s: Elastic's rule fires=%v, ours fires=%v", f.Path, want, got)
				}
				if want {
					fired++
				}
			}
			require.Positive(t, fired, "Elastic's rule fired on no fixture: the comparison proves nothing")
		})
	}
}

func allFixtures(t *testing.T) []*harness.Fixture {
	root := filepath.Join(corpus.Root(), "fixtures")
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	var out []*harness.Fixture
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		fs, err := harness.LoadDir(filepath.Join(root, e.Name()))
		require.NoError(t, err)
		out = append(out, fs...)
	}
	require.NotEmpty(t, out)
	return out
}
