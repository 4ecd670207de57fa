package scan_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/scan"
)

// TestScanAgreesWithTheEvaluatorOnRealRecords scans the real CloudTrail
// records of ../shared/corpus/cloudtrail-samples (AWS documentation, Stratus
// Red Team, Panther samples) with the pack and compares every alert with
// the brute force: each rule evaluated on each record read by the harness.
func TestScanAgreesWithTheEvaluatorOnRealRecords(t *testing.T) {
	dir := corpus.Dir(t, "cloudtrail-samples")
	rules := packRules(t)
	sc, err := scan.New(rules)
	require.NoError(t, err)
	files, err := scan.Files([]string{dir}, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	alerts, res := collect(t, sc, files, scan.Options{})
	assert.Zero(t, res.BadFiles, "%v", res.Problems)

	var got []string
	for _, a := range alerts {
		if a.Correlation != nil {
			got = append(got, fmt.Sprintf("%s %v %s", a.Key, a.Correlation.Group, a.Time.UTC().Format(time.RFC3339)))
		} else {
			got = append(got, a.Key+" "+a.Origin)
		}
	}
	var want []string
	var all []event.Event
	for _, f := range files {
		evs, err := harness.ReadFile(f.Path)
		if err != nil {
			// Not a CloudTrail file (a sample index): the scan reads its
			// objects as records, which no rule matches.
			t.Logf("%v", err)
			continue
		}
		for i, ev := range evs {
			all = append(all, ev)
			for _, r := range sc.Rules() {
				if r.IsCorrelation() {
					continue
				}
				e, err := eval.Compile(r)
				require.NoError(t, err)
				if e.Match(ev) {
					want = append(want, fmt.Sprintf("%s %s#%d", sc.Key(r), f.Path, i+1))
				}
			}
		}
	}
	for _, r := range sc.Rules() {
		if !r.IsCorrelation() {
			continue
		}
		c, err := eval.CompileCorrelation(r)
		require.NoError(t, err)
		for _, a := range c.Run(all) {
			want = append(want, fmt.Sprintf("%s %v %s", sc.Key(r), a.Group, a.End.UTC().Format(time.RFC3339)))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	assert.Equal(t, want, got)
	assert.NotEmpty(t, want)
}
