package packtest

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/backends/sigma"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/harness"
)

// expectations is testdata/cloudtrail-expectations.yml.
type expectations struct {
	Records []struct {
		File      string   `yaml:"file"`
		EventID   string   `yaml:"event_id"`
		EventName string   `yaml:"event_name"`
		Fire      []string `yaml:"fire"`
		Reason    string   `yaml:"reason"`
	} `yaml:"records"`
	CorrelationsFire []string `yaml:"correlations_fire"`
}

func readExpectations(t *testing.T) expectations {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "cloudtrail-expectations.yml"))
	require.NoError(t, err)
	var exp expectations
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&exp))
	return exp
}

// TestCorpusExpectationsAreComplete checks the table itself: every entry
// has a reason, lists rules that exist, sorted and without duplicates.
func TestCorpusExpectationsAreComplete(t *testing.T) {
	set, _ := loadPack(t)
	rules := byKey(t, set.Rules)
	exp := readExpectations(t)
	require.NotEmpty(t, exp.Records)
	seen := map[string]bool{}
	for _, rec := range exp.Records {
		assert.False(t, seen[rec.File], "%s listed twice", rec.File)
		seen[rec.File] = true
		assert.NotEmpty(t, rec.Reason, "%s: every record needs a reason", rec.File)
		assert.True(t, slices.IsSorted(rec.Fire), "%s: fire list not sorted", rec.File)
		assert.Equal(t, len(rec.Fire), len(slices.Compact(slices.Clone(rec.Fire))), "%s: duplicate rule", rec.File)
		for _, k := range rec.Fire {
			r, ok := rules[k]
			if assert.True(t, ok, "%s: unknown rule %s", rec.File, k) {
				assert.False(t, r.IsCorrelation(), "%s: %s is a correlation; list it under correlations_fire", rec.File, k)
			}
		}
	}
}

// TestCorpusExpectations runs every detection rule of the pack on every
// real CloudTrail record under ../shared/corpus/cloudtrail-samples, one
// record at a time, and every correlation rule on all records as one
// time-ordered stream, and compares with the table written by reading the
// records.
func TestCorpusExpectations(t *testing.T) {
	dir := corpus.Dir(t, "cloudtrail-samples")
	set, _ := loadPack(t)
	exp := readExpectations(t)

	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") && d.Name() != "manifest.json" {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	}))
	sort.Strings(files)
	var listed []string
	for _, rec := range exp.Records {
		listed = append(listed, rec.File)
	}
	sort.Strings(listed)
	require.Equal(t, files, listed, "the table must list exactly the corpus's CloudTrail records")

	var stream []event.Event
	for _, rec := range exp.Records {
		events, err := harness.ReadFile(filepath.Join(dir, filepath.FromSlash(rec.File)))
		require.NoError(t, err)
		require.Len(t, events, 1, "%s: one record per file", rec.File)
		ev := events[0]
		assert.Equal(t, rec.EventID, ev.Fields["eventID"], "%s: eventID", rec.File)
		assert.Equal(t, rec.EventName, ev.Fields["eventName"], "%s: eventName", rec.File)
		stream = append(stream, ev)

		got := []string{}
		for _, r := range set.Rules {
			if !r.IsCorrelation() && fires(t, r, ev) {
				got = append(got, harness.Key(r))
			}
		}
		sort.Strings(got)
		want := append([]string{}, rec.Fire...)
		assert.Equal(t, want, got, "%s (%s %s): %s", rec.File, rec.EventName, rec.EventID, rec.Reason)
	}

	slices.SortStableFunc(stream, func(a, b event.Event) int { return a.Time.Compare(b.Time) })
	got := []string{}
	for _, r := range set.Rules {
		if r.IsCorrelation() && fires(t, r, stream...) {
			got = append(got, harness.Key(r))
		}
	}
	want := append([]string{}, exp.CorrelationsFire...)
	assert.Equal(t, want, got, "correlation rules over the whole corpus stream")
}

// TestCorpusExpectationsOnEveryTarget runs the same records through every
// target that can execute its compiled output (the Elastic targets on the
// records mapped to ECS, Falco, CloudWatch metric filters): a rule that a
// target can express must give the table's verdict on every record there
// too. Rules a target cannot express are skipped on that target.
func TestCorpusExpectationsOnEveryTarget(t *testing.T) {
	dir := corpus.Dir(t, "cloudtrail-samples")
	set, cfg := loadPack(t)
	exp := readExpectations(t)
	targets, err := all.Targets(cfg)
	require.NoError(t, err)

	records := make([][]event.Event, len(exp.Records))
	for i, rec := range exp.Records {
		events, err := harness.ReadFile(filepath.Join(dir, filepath.FromSlash(rec.File)))
		require.NoError(t, err)
		records[i] = events
	}
	for _, target := range targets {
		ex, ok := target.(backends.Executor)
		if !ok || target.Name() == sigma.Name {
			continue
		}
		t.Run(target.Name(), func(t *testing.T) {
			for _, r := range set.Rules {
				if r.IsCorrelation() {
					continue
				}
				out, err := target.Compile(r)
				var un *backends.Unsupported
				if errors.As(err, &un) {
					continue
				}
				require.NoError(t, err, harness.Key(r))
				q, err := ex.Prepare(out)
				require.NoError(t, err, harness.Key(r))
				for i, rec := range exp.Records {
					got, err := q.Fires(records[i])
					if err != nil && records[i][0].Time.IsZero() {
						// A target may refuse a record whose eventTime is not
						// RFC 3339 (Panther's export form), as Falco's plugin
						// drops it; it then cannot fire there.
						t.Logf("%s refuses %s: %v", target.Name(), rec.File, err)
						continue
					}
					require.NoError(t, err, rec.File)
					want := slices.Contains(rec.Fire, harness.Key(r))
					assert.Equal(t, want, got, "%s on %s (%s): %s", harness.Key(r), rec.File, rec.EventName, rec.Reason)
				}
			}
		})
	}
}
