package harness

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/sigma"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		path    string
		data    string
		events  int
		origins []string
		err     string
	}{
		{"one event", "a.json", `{"eventName":"X"}`, 1, []string{"a.json"}, ""},
		{"cloudtrail file", "a.json", `{"Records":[{"eventName":"X"},{"eventName":"Y"}]}`, 2, []string{"a.json#0", "a.json#1"}, ""},
		{"empty records", "a.json", `{"Records":[]}`, 0, nil, "a.json: no events in fixture"},
		{"record not an object", "a.json", `{"Records":[1]}`, 0, nil, "a.json: Records[0] is not a JSON object"},
		{"truncated json", "a.json", "{\n  \"a\": {\"b\": 1", 0, nil, "a.json:2:15: invalid JSON: unexpected end of JSON (truncated file?)"},
		{"syntax error", "a.json", "{\n  \"a\": 1,\n  \"b\" 2\n}", 0, nil, "a.json:3:7: invalid JSON: invalid character '2' after object key"},
		{"trailing data", "a.json", "{\"a\":1}\n{\"b\":2}\n", 0, nil, "a.json:2:1: unexpected data after the JSON value"},
		{"array", "a.json", `[{"a":1}]`, 0, nil, "a.json:1:1: a fixture must be a JSON object"},
		{"empty json", "a.json", "  \n", 0, nil, "a.json:1:1: invalid JSON: empty JSON document"},
		{"ndjson", "a.ndjson", "{\"a\":1}\n\n{\"a\":2}\r\n", 2, []string{"a.ndjson:1", "a.ndjson:3"}, ""},
		{"jsonl", "a.jsonl", "{\"a\":1}\n", 1, []string{"a.jsonl:1"}, ""},
		{"ndjson bad line", "a.ndjson", "{\"a\":1}\n{\"a\":2,,}\n", 0, nil, "a.ndjson:2:8: invalid JSON: invalid character ','"},
		{"ndjson truncated last line", "a.ndjson", "{\"a\":1}\n{\"a\":", 0, nil, "a.ndjson:2:6: invalid JSON: unexpected end of JSON (truncated file?)"},
		{"ndjson non-object line", "a.ndjson", "{\"a\":1}\n[1]\n", 0, nil, "a.ndjson:2:1: invalid JSON"},
		{"log", "a.log", "line one\n\nline two", 2, []string{"a.log:1", "a.log:3"}, ""},
		{"log invalid utf8", "a.log", "ok\nbad \xff\n", 0, nil, "a.log:2: not UTF-8 text"},
		{"empty log", "a.log", "\n\n", 0, nil, "a.log: no events in fixture"},
		{"unknown extension", "a.txt", "x", 0, nil, "a.txt: unknown fixture type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := Parse(tc.path, []byte(tc.data))
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.NotContains(t, err.Error(), "\n")
				return
			}
			require.NoError(t, err)
			require.Len(t, evs, tc.events)
			var origins []string
			for _, e := range evs {
				origins = append(origins, e.Origin)
			}
			assert.Equal(t, tc.origins, origins)
		})
	}
}

func TestParseFields(t *testing.T) {
	evs, err := Parse("a.json", []byte(`{"Records":[{"eventTime":"2024-05-01T10:00:00Z","port":3306}]}`))
	require.NoError(t, err)
	assert.Equal(t, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), evs[0].Time)
	assert.Equal(t, "3306", fmt.Sprint(evs[0].Fields["port"]))
	evs, err = Parse("a.log", []byte("  FATAL: x  \r\n"))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"message": "  FATAL: x  "}, evs[0].Fields)
}

func FuzzParse(f *testing.F) {
	f.Add("a.json", []byte(`{"Records":[{"a":1}]}`))
	f.Add("a.ndjson", []byte("{\"a\":1}\n{\"b\":"))
	f.Add("a.log", []byte("x\ny\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		if len(data) > 4096 {
			t.Skip()
		}
		for _, path := range []string{"f.json", "f.ndjson", "f.log"} {
			evs, err := Parse(path, data)
			if err != nil {
				if !strings.HasPrefix(err.Error(), path+":") && !strings.HasPrefix(err.Error(), path+" ") {
					t.Fatalf("error does not name the file: %v", err)
				}
				continue
			}
			if len(evs) == 0 {
				t.Fatalf("no events and no error")
			}
			for _, e := range evs {
				if e.Fields == nil {
					t.Fatalf("nil fields")
				}
			}
		}
	})
}

// Rules of the test pack, built in Go.
func eq(field string, vals ...ir.Value) *ir.Match {
	return &ir.Match{Field: field, Op: ir.OpEqual, Values: vals}
}

func testRules() []*ir.Rule {
	deleteDB := func(file string) *ir.Rule {
		return &ir.Rule{File: file, ID: file, Title: "delete " + file, Detection: eq("eventName", ir.Str("DeleteDBInstance"))}
	}
	modify := &ir.Rule{File: "rules/mr_burst.yml", ID: "modify", Name: "modify", Title: "modify", Detection: eq("eventName", ir.Str("ModifyDBInstance"))}
	return []*ir.Rule{
		{File: "rules/public_restore.yml", ID: "11111111-1111-4111-8111-111111111111", Title: "Public restore", Detection: &ir.And{Args: []ir.Expr{
			eq("eventName", ir.Str("RestoreDBInstanceFromDBSnapshot")),
			eq("responseElements.publiclyAccessible", ir.BoolValue(true)),
		}}},
		{File: "rules/failed_auth.yml", ID: "fa", Title: "Failed auth", Detection: eq("", ir.Str("password authentication failed"))},
		deleteDB("rules/no_negative.yml"),
		deleteDB("rules/broken_fixture.yml"),
		deleteDB("rules/wrong_negative.yml"),
		deleteDB("rules/no_fixtures.yml"),
		modify,
		{File: "rules/mr_burst.yml", ID: "burst", Title: "Burst", Correlation: &ir.Correlation{
			Type: ir.EventCount, Rules: []*ir.Rule{modify}, GroupBy: []string{"user"}, Timespan: 2 * time.Minute,
			Condition: ir.Threshold{Compare: []ir.Comparison{{Op: "gte", Value: 3}}},
		}},
	}
}

// noCorrelations is a compile-only target that cannot express correlations.
type noCorrelations struct{}

func (noCorrelations) Name() string { return "plain" }
func (noCorrelations) Compile(r *ir.Rule) (backends.Output, error) {
	if r.IsCorrelation() {
		return backends.Output{}, &backends.Unsupported{Target: "plain", Construct: "correlation event_count", Reason: "no aggregation"}
	}
	return backends.Output{Rule: r, Text: ir.Format(r.Detection), Ext: ".txt"}, nil
}

// failing is an executor whose queries error.
type failing struct{ noCorrelations }

func (failing) Name() string { return "failing" }
func (failing) Prepare(backends.Output) (backends.Query, error) {
	return errQuery{}, nil
}

type errQuery struct{}

func (errQuery) Fires([]event.Event) (bool, error) { return false, fmt.Errorf("engine exploded") }

func runTestPack(t *testing.T) *Summary {
	sig, err := sigma.New(nil)
	require.NoError(t, err)
	rn := &Runner{Targets: []backends.Backend{sig, noCorrelations{}}, FixturesDir: "testdata/fixtures"}
	return rn.Run(testRules())
}

func TestRunner(t *testing.T) {
	s := runTestPack(t)
	status := map[string]Status{}
	for _, r := range s.Results {
		status[r.Rule+"/"+r.Target] = r.Status
	}
	assert.Equal(t, map[string]Status{
		"public_restore/sigma": Pass, "public_restore/plain": Pass,
		"failed_auth/sigma": Pass, "failed_auth/plain": Pass,
		"no_negative/sigma": Fail, "no_negative/plain": Fail,
		"broken_fixture/sigma": Fail, "broken_fixture/plain": Fail,
		"wrong_negative/sigma": Fail, "wrong_negative/plain": Pass,
		"no_fixtures/sigma": Fail, "no_fixtures/plain": Fail,
		"mr_burst/sigma": Pass, "mr_burst/plain": Skip,
	}, status)
	assert.Equal(t, 6, s.Passed)
	assert.Equal(t, 7, s.Failed)
	assert.Equal(t, 1, s.Skipped)
	assert.False(t, s.OK())
}

func TestRunnerExecutorError(t *testing.T) {
	rn := &Runner{Targets: []backends.Backend{failing{}}, FixturesDir: "testdata/fixtures"}
	s := rn.Run(testRules()[:1])
	require.Len(t, s.Results, 1)
	assert.Equal(t, Fail, s.Results[0].Status)
	for _, f := range s.Results[0].Fixtures {
		assert.Equal(t, "error: engine exploded", f.Reason)
	}
}

func TestTested(t *testing.T) {
	rules := testRules()
	var ids []string
	for _, r := range Tested(rules) {
		ids = append(ids, r.ID)
	}
	assert.NotContains(t, ids, "modify", "a correlation's part is tested through the correlation")
	assert.Contains(t, ids, "burst")
}

func TestReportersGolden(t *testing.T) {
	s := runTestPack(t)
	for _, format := range []string{"text", "json"} {
		rep, err := NewReporter(format)
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, rep.Report(&buf, s))
		golden.Check(t, "testdata/report."+format, buf.Bytes())
	}
	_, err := NewReporter("xml")
	assert.ErrorContains(t, err, `unknown format "xml"`)
}

func TestTextReporterClosingLine(t *testing.T) {
	for _, tc := range []struct {
		s    Summary
		want string
	}{
		{Summary{Passed: 3}, "3 passed, 0 failed\n"},
		{Summary{Passed: 1, Failed: 2, Skipped: 4}, "1 passed, 2 failed, 4 skipped\n"},
	} {
		var buf bytes.Buffer
		require.NoError(t, TextReporter{}.Report(&buf, &tc.s))
		assert.Equal(t, tc.want, buf.String())
	}
}
