package ecs

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/golden"
)

// TestMapGolden maps hand-written CloudTrail records; out/ecs.json is the
// whole document (MapJSON), and Map on the decoded record must agree on
// every field but the key order inside flat strings.
func TestMapGolden(t *testing.T) {
	golden.RunTxtar(t, "testdata/map/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		raw, ok := golden.Section(a, "event.json")
		require.True(t, ok, "no event.json section")
		doc, err := MapJSON(raw)
		require.NoError(t, err)
		fields, err := event.Decode(raw)
		require.NoError(t, err)
		fromMap := Map(fields)
		for _, f := range comparedFields {
			w, g := jsonOf(t, doc, f), jsonOf(t, fromMap, f)
			if isFlatString(f) {
				w, g = flatPieces(w), flatPieces(g)
			}
			assert.Equal(t, w, g, f)
		}
		out, err := json.MarshalIndent(doc, "", "  ")
		require.NoError(t, err)
		return map[string]string{"ecs.json": string(out)}
	})
}

func TestMapDoesNotModifyItsInput(t *testing.T) {
	raw := []byte(`{"eventName":"X","requestParameters":{"a":null,"b":{"c":""}},"userIdentity":{"userName":"u@d"}}`)
	fields, err := event.Decode(raw)
	require.NoError(t, err)
	before, _ := json.Marshal(fields)
	Map(fields)
	after, _ := json.Marshal(fields)
	assert.JSONEq(t, string(before), string(after))
}

func TestMapEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		want      map[string]string // path -> JSON of the Lookup result, "<absent>" for none
	}{
		{"empty record", `{}`, map[string]string{
			"event.kind": `["event"]`, "event.outcome": `["success"]`, "event.type": `["info"]`,
			"@timestamp": "<absent>", "aws.cloudtrail.request_parameters": "<absent>",
		}},
		{"empty error code is dropped, so success", `{"errorCode":"","errorMessage":null}`, map[string]string{
			"event.outcome": `["success"]`, "aws.cloudtrail.error_code": "<absent>",
		}},
		{"error message alone means failure", `{"errorMessage":"boom"}`, map[string]string{
			"event.outcome": `["failure"]`,
		}},
		{"host name source has no source.ip", `{"sourceIPAddress":"rds.amazonaws.com"}`, map[string]string{
			"source.address": `["rds.amazonaws.com"]`, "source.ip": "<absent>",
		}},
		{"user name is not overwritten by the session issuer when both exist",
			`{"userIdentity":{"userName":"direct","sessionContext":{"sessionIssuer":{"userName":"Role"}}}}`,
			map[string]string{"user.name": `["direct"]`}},
		{"unparsable event time leaves @timestamp unset", `{"eventTime":"yesterday"}`, map[string]string{"@timestamp": "<absent>"}},
		{"offset times are rendered in UTC with milliseconds", `{"eventTime":"2025-01-01T01:00:00.123456+01:00"}`,
			map[string]string{"@timestamp": `["2025-01-01T00:00:00.123Z"]`}},
		{"digest files take the account from awsAccountId", `{"awsAccountId":"999"}`, map[string]string{"cloud.account.id": `["999"]`}},
		{"a text log line keeps its message", `{"message":"FATAL:  password authentication failed for user \"x\""}`, map[string]string{
			"message": `["FATAL:  password authentication failed for user \"x\""]`, "event.dataset": `["aws.cloudwatch_logs"]`,
			"event.outcome": "<absent>",
		}},
		{"a CloudWatch Logs event", `{"id":"37","timestamp":1732600000123,"message":"x","logGroup":"/aws/rds/instance/db-1/postgresql","logStream":"db-1.0"}`, map[string]string{
			"@timestamp": `["2024-11-26T05:46:40.123Z"]`, "aws.cloudwatch.log_group": `["/aws/rds/instance/db-1/postgresql"]`,
			"aws.cloudwatch.log_stream": `["db-1.0"]`, "event.id": `["37"]`,
		}},
		{"a CloudTrail record with a message field stays CloudTrail", `{"eventName":"X","message":"m"}`, map[string]string{
			"message": "<absent>", "event.action": `["X"]`,
		}},
		{"dataset is set as the data stream does", `{}`, map[string]string{
			"data_stream.dataset": `["aws.cloudtrail"]`, "event.dataset": `["aws.cloudtrail"]`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := MapJSON([]byte(tc.raw))
			require.NoError(t, err)
			for path, want := range tc.want {
				assert.Equal(t, want, jsonOf(t, doc, path), path)
			}
		})
	}
}

func TestMapEventKeepsTimeAndOrigin(t *testing.T) {
	fields, err := event.Decode([]byte(`{"eventTime":"2025-01-02T03:04:05Z","eventName":"X"}`))
	require.NoError(t, err)
	ev := event.New(fields, "f.json#0")
	m := MapEvent(ev)
	assert.Equal(t, ev.Time, m.Time)
	assert.Equal(t, "f.json#0", m.Origin)
	assert.Equal(t, `["X"]`, jsonOf(t, m.Fields, "event.action"))
}
