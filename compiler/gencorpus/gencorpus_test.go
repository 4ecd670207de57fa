package gencorpus

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/scan"
)

// tree reads every file under dir: relative path → content.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	}))
	return out
}

func TestGenerateIsReproducible(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	ma, err := Generate(a, Options{Size: 1 << 20, Seed: 5, Workers: 1})
	require.NoError(t, err)
	mb, err := Generate(b, Options{Size: 1 << 20, Seed: 5, Workers: 3})
	require.NoError(t, err)
	assert.Equal(t, ma, mb)
	assert.Equal(t, tree(t, a), tree(t, b), "same seed and size, any number of workers: same bytes")
	_, err = Generate(c, Options{Size: 1 << 20, Seed: 6})
	require.NoError(t, err)
	assert.NotEqual(t, tree(t, a), tree(t, c), "another seed: another archive")
	assert.GreaterOrEqual(t, ma.Bytes, int64(1<<20))
}

var s3Name = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail/([a-z]{2}-[a-z]+-\d)/(\d{4}/\d{2}/\d{2})/(\d{12})_CloudTrail_([a-z]{2}-[a-z]+-\d)_(\d{8}T\d{4}Z)_[A-Z0-9]{16}\.json\.gz$`)

// TestArchiveLayout checks the S3 layout, the CloudTrail document shape,
// the manifest's counts and the service mix.
func TestArchiveLayout(t *testing.T) {
	dir := t.TempDir()
	m, err := Generate(dir, Options{Size: 2 << 20, Seed: 11})
	require.NoError(t, err)
	files := tree(t, dir)
	manifest, ok := files[ManifestName]
	require.True(t, ok)
	var onDisk Manifest
	require.NoError(t, json.Unmarshal(manifest, &onDisk))
	assert.Equal(t, m.Alerts, onDisk.Alerts)
	delete(files, ManifestName)
	assert.Len(t, files, m.Files)

	services := map[string]int{}
	var events, size int64
	ids := map[string]bool{}
	for name, data := range files {
		parts := s3Name.FindStringSubmatch(filepath.ToSlash(name))
		require.NotNil(t, parts, name)
		assert.Equal(t, parts[1], parts[4], "account in folder and name")
		assert.Equal(t, parts[2], parts[5], "region in folder and name")
		delivered, err := time.Parse("20060102T1504Z", parts[6])
		require.NoError(t, err)
		assert.Equal(t, delivered.Format("2006/01/02"), parts[3], "the day folder is the delivery day")

		zr, err := gzip.NewReader(bytes.NewReader(data))
		require.NoError(t, err)
		raw, err := io.ReadAll(zr)
		require.NoError(t, err)
		size += int64(len(raw))
		var doc struct{ Records []map[string]any }
		require.NoError(t, json.Unmarshal(raw, &doc), name)
		for _, r := range doc.Records {
			events++
			services[r["eventSource"].(string)]++
			id := r["eventID"].(string)
			assert.False(t, ids[id], "duplicate eventID %s", id)
			ids[id] = true
			et, err := time.Parse(time.RFC3339, r["eventTime"].(string))
			require.NoError(t, err)
			assert.False(t, et.After(delivered), "an event is delivered after it happens")
			assert.Equal(t, parts[2], r["awsRegion"])
			assert.Equal(t, parts[1], r["recipientAccountId"])
		}
	}
	assert.Equal(t, m.Events, events)
	assert.Equal(t, m.Bytes, size)
	for _, svc := range []string{"ec2", "s3", "iam", "sts", "kms", "lambda", "rds"} {
		assert.Positive(t, services[svc+".amazonaws.com"], svc)
	}
	rds := float64(services["rds.amazonaws.com"]) / float64(events)
	assert.Less(t, rds, 0.1, "RDS is a small share")
	for _, e := range m.Alerts {
		if e.EventID != "" {
			assert.True(t, ids[e.EventID], "planted event %s is in the archive", e.EventID)
		}
	}
}

// TestScenariosFireTheirDeclaredRules runs every rule of the pack on each
// planted event alone: it fires exactly the rules the scenario declares.
// The correlations are checked on the planted events of each scenario.
func TestScenariosFireTheirDeclaredRules(t *testing.T) {
	cfg, err := config.Find("../../rules")
	require.NoError(t, err)
	set, ds := compiler.Load([]string{"../../rules"}, compiler.Options{Config: cfg})
	require.False(t, ds.HasErrors(), "%v", ds)
	type compiled struct {
		rule *ir.Rule
		det  *eval.Evaluator
		corr *eval.Correlator
	}
	var rules []compiled
	for _, r := range set.Rules {
		c := compiled{rule: r}
		if r.IsCorrelation() {
			c.corr, err = eval.CompileCorrelation(r)
		} else {
			c.det, err = eval.Compile(r)
		}
		require.NoError(t, err)
		rules = append(rules, c)
	}
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	p := planScenarios(1, start, 100, 1)
	want := map[string]bool{}
	for _, e := range p.expected {
		want[e.Key()] = true
	}
	got := map[string]bool{}
	var all []event.Event
	for _, pe := range p.events {
		raw := appendRecord(nil, pe.call, "req")
		fields, err := event.Decode(raw)
		require.NoError(t, err, "%s", raw)
		ev := event.New(fields, pe.call.id)
		all = append(all, ev)
		for _, c := range rules {
			if c.det != nil && c.det.Match(ev) {
				got[Expected{Rule: scan.RuleKey(c.rule), EventID: pe.call.id}.Key()] = true
			}
		}
	}
	for _, c := range rules {
		if c.corr == nil {
			continue
		}
		for _, a := range c.corr.Run(all) {
			group := map[string]string{}
			for _, g := range a.Group {
				group[g.Field] = g.Value
			}
			got[Expected{Rule: scan.RuleKey(c.rule), Group: group}.Key()] = true
		}
	}
	assert.Equal(t, slices.Sorted(mapKeys(want)), slices.Sorted(mapKeys(got)))
	// Near misses are part of the plan.
	names := strings.Join(func() []string {
		var n []string
		for _, s := range scenarios {
			n = append(n, s.name)
		}
		return n
	}(), "\n")
	assert.Contains(t, names, "near miss")
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestGenerateRejectsBadSize(t *testing.T) {
	_, err := Generate(t.TempDir(), Options{})
	assert.ErrorContains(t, err, "size")
}

// TestAlertsFilterTheManifest: with Options.Alerts the manifest keeps only
// the matches of rules that alert on their own; the archive is the same.
func TestAlertsFilterTheManifest(t *testing.T) {
	all, err := Generate(t.TempDir(), Options{Size: 1 << 20, Seed: 9})
	require.NoError(t, err)
	quiet := "aws_rds_discovery_call"
	kept := 0
	for _, e := range all.Alerts {
		if e.Rule != quiet {
			kept++
		}
	}
	require.Less(t, kept, len(all.Alerts), "the archive has matches of %s", quiet)
	some, err := Generate(t.TempDir(), Options{Size: 1 << 20, Seed: 9, Alerts: func(rule string) bool { return rule != quiet }})
	require.NoError(t, err)
	assert.Len(t, some.Alerts, kept)
	assert.Equal(t, all.Events, some.Events)
	assert.Equal(t, all.Bytes, some.Bytes)
	for _, e := range some.Alerts {
		assert.NotEqual(t, quiet, e.Rule)
	}
}
