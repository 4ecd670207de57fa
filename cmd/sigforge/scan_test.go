package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/gencorpus"
)

// TestScanFindsThePlantedAlerts runs `sigforge gen-corpus` and `sigforge
// scan --format ndjson` with the bundled pack: the alerts are exactly the
// manifest's, correlation included. A truncated copy of one file is reported
// and skipped, and the scan exits 1.
func TestScanFindsThePlantedAlerts(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"gen-corpus", "--out", dir, "--size", "2MB", "--seed", "21", "--rules", "../../rules"}, nil, &out, &errOut), errOut.String())
	data, err := os.ReadFile(filepath.Join(dir, gencorpus.ManifestName))
	require.NoError(t, err)
	var m gencorpus.Manifest
	require.NoError(t, json.Unmarshal(data, &m))
	// With --rules the manifest lists only rules that alert on their own:
	// the pack's discovery rule only feeds a correlation.
	var want []string
	for _, e := range m.Alerts {
		require.NotEqual(t, "aws_rds_discovery_call", e.Rule, "a correlation-only rule is in the manifest")
		want = append(want, e.Key())
	}

	// A truncated gzip file beside the archive (S3 records only: no alert).
	var doc bytes.Buffer
	doc.WriteString(`{"Records":[`)
	for i := range 2000 {
		if i > 0 {
			doc.WriteString(",")
		}
		fmt.Fprintf(&doc, `{"eventTime":"2026-10-01T00:00:%02dZ","eventSource":"s3.amazonaws.com","eventName":"GetBucketAcl","requestParameters":{"bucketName":"b%d"}}`, i%60, i)
	}
	doc.WriteString("]}")
	var whole bytes.Buffer
	zw := gzip.NewWriter(&whole)
	_, err = zw.Write(doc.Bytes())
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	bad := filepath.Join(t.TempDir(), "truncated.json.gz")
	require.NoError(t, os.WriteFile(bad, whole.Bytes()[:whole.Len()*2/3], 0o644))

	out.Reset()
	errOut.Reset()
	code := run([]string{"scan", "--rules", "../../rules", "--format", "ndjson", filepath.Join(dir, "AWSLogs"), bad}, nil, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), bad+":")
	assert.Contains(t, errOut.String(), "unexpected EOF")
	assert.Contains(t, errOut.String(), "1 of "+itoa(m.Files+1)+" files could not be read in full")

	var got []string
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a struct {
			Rule        struct{ Key string }
			Origin      string
			Event       struct{ EventID string }
			Correlation *struct {
				Group []struct{ Field, Value string }
			}
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &a), sc.Text())
		e := gencorpus.Expected{Rule: a.Rule.Key, EventID: a.Event.EventID}
		if a.Correlation != nil {
			e = gencorpus.Expected{Rule: a.Rule.Key, Group: map[string]string{}}
			for _, g := range a.Correlation.Group {
				e.Group[g.Field] = g.Value
			}
		}
		got = append(got, e.Key())
	}
	slices.Sort(got)
	slices.Sort(want)
	assert.Equal(t, want, got)
	assert.True(t, slices.ContainsFunc(got, func(k string) bool { return strings.HasPrefix(k, "aws_rds_api_calls_denied_burst ") }))
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
