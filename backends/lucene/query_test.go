package lucene

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/backendtest"
)

var doc = map[string]any{
	"event":  map[string]any{"action": "ModifyDBInstance", "provider": "rds.amazonaws.com", "type": []any{"info"}},
	"source": map[string]any{"address": "10.1.2.3", "ip": "10.1.2.3", "as": map[string]any{"number": json.Number("64512")}},
	"aws": map[string]any{"cloudtrail": map[string]any{
		"request_parameters": "{dBInstanceIdentifier=db-1, publiclyAccessible=true}",
	}},
	"user_agent": map[string]any{"original": "aws-cli/2.17 Python/3.12"},
}

// The boolean readings follow Lucene's classic QueryParser with the
// default operator OR (Elasticsearch's query_string default).
func TestParseAndMatch(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{`event.action:ModifyDBInstance`, true},
		{`event.action:modifydbinstance`, false},
		{`event.action:"ModifyDBInstance"`, true},
		{`event.action:Modify*`, true},
		{`event.action:Modify?BInstance`, true},
		{`event.action:Modify\*`, false},
		{`event.action:/Modify.*/`, true},
		{`event.action:/modify.*/`, false},
		{`event.action:/[mM][oO][dD][iI][fF][yY].*/`, true},
		{`event.type:info`, true},
		{`_exists_:event.action AND NOT _exists_:aws.cloudtrail.error_code`, true},
		{`event.action:*`, true},
		{`missing:*`, false},
		{`*:*`, true},
		{`aws.cloudtrail.request_parameters:*publiclyAccessible\=true*`, true},
		{`source.ip:"10.0.0.0/8"`, true},
		{`source.ip:"192.168.0.0/16"`, false},
		{`source.as.number:>=64512`, true},
		{`source.as.number:>64512`, false},
		{`source.as.number:[64000 TO 65000]`, true},
		{`source.as.number:{64512 TO *}`, false},
		{`user_agent.original:aws\-cli\/2.17\ Python\/3.12`, true},
		{`user_agent.original:"aws-cli/2.17 Python/3.12"`, true},
		{`(event.action:A OR event.action:ModifyDBInstance) AND event.provider:"rds.amazonaws.com"`, true},
		{`event.action:A OR event.action:B`, false},
		{`event.action:(A OR ModifyDBInstance)`, true},
		{`ModifyDBInstance`, true}, // default_field *
		// The classic pitfall: "a OR NOT b" is "a SHOULD, b MUST_NOT".
		{`event.action:ModifyDBInstance OR NOT event.provider:"rds.amazonaws.com"`, false},
		{`event.action:ModifyDBInstance OR (*:* AND NOT event.provider:"rds.amazonaws.com")`, true},
		{`NOT event.action:X`, true}, // purely negative: everything else
		{`-event.action:ModifyDBInstance`, false},
		{`+event.action:ModifyDBInstance -event.provider:x`, true},
	} {
		q, err := Parse(tc.q)
		require.NoError(t, err, tc.q)
		assert.Equal(t, tc.want, q.Match(doc), tc.q)
	}
}

func TestIgnoreAbove(t *testing.T) {
	long := map[string]any{"aws": map[string]any{"cloudtrail": map[string]any{
		"request_parameters": "{a=" + strings.Repeat("x", 8200) + ", publiclyAccessible=true}"}}}
	for q, want := range map[string]bool{
		`aws.cloudtrail.request_parameters:*publiclyAccessible\=true*`: false,
		`_exists_:aws.cloudtrail.request_parameters`:                   false,
	} {
		p, err := Parse(q)
		require.NoError(t, err)
		assert.Equal(t, want, p.Match(long), q)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{`a:"x`, "unterminated phrase"},
		{`a:/x`, "unterminated regular expression"},
		{`a:x~2`, "fuzzy"},
		{`a:(b`, "1:5"},
		{`a:x\`, "backslash"},
		{`a:/[/`, "invalid regex"},
	} {
		_, err := Parse(tc.q)
		require.Error(t, err, tc.q)
		assert.Contains(t, err.Error(), tc.want, tc.q)
	}
}

// TestPackFixtures runs the compiled Lucene of every rule on its fixtures,
// as `sigforge test --target lucene` does.
func TestPackFixtures(t *testing.T) {
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	sum := backendtest.RunPackFixtures(t, b, set.Rules)
	assert.Positive(t, sum.Passed)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`event.action:"ModifyDBInstance" AND (*:* AND NOT _exists_:aws.cloudtrail.error_code)`,
		`a:/[aA].*/ OR b:x\*y?`, `+a -b NOT c`, `a:[1 TO *}`, `f:(x OR "y z")`, `a:>=5^2`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 512 {
			return
		}
		q, err := Parse(s)
		if err != nil {
			return
		}
		q.Match(doc)
	})
}
