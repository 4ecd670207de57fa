package harness

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadProvenance(t *testing.T) {
	dir := t.TempDir()
	fixture := filepath.Join(dir, "x.json")
	cases := []struct {
		name    string
		sidecar string // "" = none
		want    string
	}{
		{"no sidecar", "", ""},
		{"hand-written with source", "kind: hand-written\nsource: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html\n", "hand-written, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html"},
		{"captured", "kind: captured\nnote: from the staging account\n", "captured"},
		{"unknown kind", "kind: invented\n", "provenance unreadable: " + fixture + ".provenance.yml:1:1: kind \"invented\" is not one of captured, documented, hand-written, generated"},
		{"unknown key", "kind: captured\nsorce: x\n", "provenance unreadable: " + fixture + ".provenance.yml: yaml: unmarshal errors:\n  line 2: field sorce not found in type harness.Provenance"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(fixture + ProvenanceSuffix)
			if tc.sidecar != "" {
				require.NoError(t, os.WriteFile(fixture+ProvenanceSuffix, []byte(tc.sidecar), 0o644))
			}
			p := ReadProvenance(fixture)
			if tc.want == "" {
				assert.Nil(t, p)
				return
			}
			require.NotNil(t, p)
			assert.Equal(t, tc.want, p.String())
		})
	}
}

func TestProvenanceInReports(t *testing.T) {
	s := &Summary{Failed: 1, Results: []Result{{Rule: "r", Target: "sigma", Status: Fail, Fixtures: []FixtureResult{
		{Path: "fixtures/r/negative/n.json", Kind: "negative", Events: 1, Status: Fail, Reason: "negative fixture fired", Provenance: &Provenance{Kind: "generated", Source: "fixtures/r/positive/p.json"}},
	}}}}
	var b bytes.Buffer
	require.NoError(t, TextReporter{}.Report(&b, s))
	assert.Contains(t, b.String(), "fixtures/r/negative/n.json: negative fixture fired [generated, fixtures/r/positive/p.json]")
	b.Reset()
	require.NoError(t, JSONReporter{}.Report(&b, s))
	assert.Contains(t, b.String(), `"provenance": {`)
	assert.Contains(t, b.String(), `"kind": "generated"`)
}

func FuzzParseProvenance(f *testing.F) {
	f.Add([]byte("kind: captured\nsource: https://example.com\n"))
	f.Add([]byte("kind: [\n"))
	f.Add([]byte("note: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := parseProvenance("x.json.provenance.yml", data)
		require.NotNil(t, p)
		if p.Error == "" {
			assert.Contains(t, ProvenanceKinds, p.Kind)
		}
	})
}
