package falco

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	sigforge "github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/harness"
)

// TestDifferentialCorpus compiles SigmaHQ's CloudTrail rules, the RDS rules
// of the reference corpus and the pack, and runs each compiled Falco rule
// and the native evaluator on real and hand-written CloudTrail records
// (the corpus samples and the pack's fixtures): the verdicts must agree.
// Records without eventType or with another time format, which the plugin
// drops, get an eventType and an RFC 3339 eventTime here, since this test
// is about the conditions.
func TestDifferentialCorpus(t *testing.T) {
	samples := corpus.Dir(t, "cloudtrail-samples")
	sigmahq := corpus.Dir(t, "sigmahq-rules")
	rds, _ := corpus.Path("sigma-rules")
	paths := []string{filepath.Join(sigmahq, "rules", "cloud", "aws", "cloudtrail"), filepath.Join(corpus.Root(), "rules")}
	if rds != "" {
		paths = append(paths, rds)
	}
	set, _ := sigforge.Load(paths, sigforge.Options{})
	require.NotEmpty(t, set.Rules)

	var events []event.Event
	add := func(dir string) {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
				return nil
			}
			evs, err := harness.ReadFile(p)
			if err != nil {
				return nil
			}
			for _, ev := range evs {
				if _, ok := ev.Fields["eventType"].(string); !ok {
					ev.Fields["eventType"] = "AwsApiCall"
				}
				ev.Fields["eventTime"] = "2026-01-01T00:00:00Z"
				events = append(events, ev)
			}
			return nil
		})
	}
	add(samples)
	add(filepath.Join(corpus.Root(), "fixtures"))
	require.NotEmpty(t, events)

	b, err := New(nil)
	require.NoError(t, err)
	compiled, refused, fired := 0, map[string]int{}, 0
	for _, r := range set.Rules {
		o, err := b.Compile(r)
		var u *backends.Unsupported
		if errors.As(err, &u) {
			refused[u.Construct]++
			continue
		}
		require.NoError(t, err, r.File)
		q, err := b.Prepare(o)
		require.NoError(t, err, "%s:\n%s", r.File, o.Text)
		native, err := eval.Compile(r)
		if err != nil {
			continue
		}
		compiled++
		for _, ev := range events {
			got, err := q.Fires([]event.Event{ev})
			require.NoError(t, err)
			if want := native.Match(ev); got != want {
				t.Errorf("%s on %s: Falco %v, Sigma %v\n%s", r.File, ev.Origin, got, want, o.Text)
			}
			if got {
				fired++
			}
		}
	}
	var constructs []string
	for c := range refused {
		constructs = append(constructs, c)
	}
	sort.Strings(constructs)
	t.Logf("%d rules compiled and agreed on %d records (%d firings); refused: %v", compiled, len(events), fired, constructs)
}
