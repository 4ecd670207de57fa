package cloudwatch

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/backendtest"
	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/harness"
	cwq "github.com/sigforge/sigforge/compiler/query/cloudwatch"
)

// awsProbes are pattern/message pairs whose outcome the documentation does
// not state; TestVerifyWithAWS asks the service and compares with the
// matcher (the assumptions of docs/cloudwatch.md).
var awsProbes = []struct{ name, pattern, message string }{
	{"A1 != on an absent property", `{ $.errorCode != "AccessDenied" }`, `{"eventName":"X"}`},
	{"A1 != on null", `{ $.errorCode != "AccessDenied" }`, `{"errorCode":null}`},
	{"A2 quoted string on a number", `{ $.port = "3306" }`, `{"port":3306}`},
	{"A2 number on a string", `{ $.port = 3306 }`, `{"port":"3306"}`},
	{"A4 = true on a boolean", `{ $.publiclyAccessible = true }`, `{"publiclyAccessible":true}`},
	{"A4 = \"true\" on a boolean", `{ $.publiclyAccessible = "true" }`, `{"publiclyAccessible":true}`},
	{"A4 = * on a boolean", `{ $.f = "*" }`, `{"f":false}`},
	{"A5 regex value is searched", `{ $.eventName = %Delete% }`, `{"eventName":"BatchDeleteX"}`},
	{"A6 mixed ?terms and plain terms", `FATAL ?password ?denied`, `LOG: password authentication failed`},
	{"A9 escaped quote in a value", `{ $.a = "say \"hi\"" }`, `{"a":"say \"hi\""}`},
	{"A10 inner wildcard is literal", `{ $.e = "Ev*ent" }`, `{"e":"Event"}`},
}

// awsMatches runs aws logs test-metric-filter and returns, per message, whether
// the service matched it.
func awsMatches(t *testing.T, pattern string, messages []string) []bool {
	t.Helper()
	args := append([]string{"logs", "test-metric-filter", "--output", "json", "--filter-pattern", pattern, "--log-event-messages"}, messages...)
	out, err := exec.Command("aws", args...).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("aws logs test-metric-filter %q: %v: %s", pattern, err, ee.Stderr)
	}
	require.NoError(t, err)
	var res struct {
		Matches []struct {
			EventNumber int `json:"eventNumber"`
		} `json:"matches"`
	}
	require.NoError(t, json.Unmarshal(out, &res))
	got := make([]bool, len(messages))
	for _, m := range res.Matches {
		got[m.EventNumber-1] = true
	}
	return got
}

// TestVerifyWithAWS checks the matcher against the only authoritative
// evaluator, the TestMetricFilter API: the probes above, then every
// compiled pattern of the pack on every event of its fixtures. It runs only
// with SIGFORGE_AWS_VERIFY=1 (make verify-cloudwatch), which needs the aws
// CLI and credentials.
func TestVerifyWithAWS(t *testing.T) {
	if os.Getenv("SIGFORGE_AWS_VERIFY") != "1" {
		t.Skip("set SIGFORGE_AWS_VERIFY=1 (make verify-cloudwatch) to check the patterns with aws logs test-metric-filter")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the aws CLI is not installed")
	}
	if err := exec.Command("aws", "sts", "get-caller-identity").Run(); err != nil {
		t.Skip("no AWS credentials (aws sts get-caller-identity failed)")
	}
	for _, p := range awsProbes {
		t.Run(p.name, func(t *testing.T) {
			pat, err := cwq.Parse(p.pattern)
			require.NoError(t, err)
			assert.Equal(t, awsMatches(t, p.pattern, []string{p.message})[0], pat.MatchMessage(p.message),
				"%s on %s: the matcher's assumption disagrees with CloudWatch; fix compiler/query/cloudwatch and docs/cloudwatch.md", p.pattern, p.message)
		})
	}
	set, cfg := backendtest.LoadPack(t)
	b, err := New(cfg)
	require.NoError(t, err)
	for _, r := range harness.Tested(set.Rules) {
		p, err := b.plan(r)
		var u *backends.Unsupported
		if errors.As(err, &u) {
			continue
		}
		require.NoError(t, err)
		fixtures, err := harness.LoadDir(filepath.Join(corpus.Root(), "fixtures", harness.Key(r)))
		require.NoError(t, err)
		var messages []string
		for _, f := range fixtures {
			for _, ev := range f.Events {
				messages = append(messages, logEvent(ev, true).Message)
			}
		}
		for start := 0; start < len(messages); start += 50 {
			batch := messages[start:min(start+50, len(messages))]
			for _, f := range p.Filters {
				pat, err := cwq.Parse(f.Pattern)
				require.NoError(t, err)
				got := awsMatches(t, f.Pattern, batch)
				for i, m := range batch {
					assert.Equal(t, got[i], pat.MatchMessage(m), "%s: %s on %s", harness.Key(r), f.Pattern, m)
				}
			}
		}
	}
}
