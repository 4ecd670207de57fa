package push_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends/kibana/client"
	"github.com/sigforge/sigforge/backends/kibana/kibanatest"
	"github.com/sigforge/sigforge/backends/kibana/push"
)

const apiKey = "c2lnZm9yZ2UtdGVzdDpzM2NyM3Qta2V5LXZhbHVl" // a secret that must never be printed

type harness struct {
	fake   *kibanatest.Server
	client *client.Client
	out    *bytes.Buffer
	sleeps []time.Duration
	mu     sync.Mutex
}

func newHarness(t *testing.T, space string) *harness {
	t.Helper()
	h := &harness{fake: kibanatest.New(t, "ApiKey "+apiKey), out: &bytes.Buffer{}}
	c, err := client.New(client.Config{
		URL: h.fake.URL, Space: space, APIKey: apiKey, MaxRetries: 3,
		Sleep: func(_ context.Context, d time.Duration) error {
			h.mu.Lock()
			h.sleeps = append(h.sleeps, d)
			h.mu.Unlock()
			return nil
		},
		Log: func(msg string) { fmt.Fprintln(h.out, msg) },
	})
	require.NoError(t, err)
	h.client = c
	t.Cleanup(func() {
		assert.Empty(t, h.fake.Invalid(), "requests that fail %s", h.fake.Validator().Name())
		assert.NotContains(t, h.out.String(), apiKey, "the API key leaked into output")
	})
	return h
}

func rule(id, name, query string) client.Rule {
	return client.Rule{
		"rule_id": id, "name": name, "description": "Detects " + name + ".",
		"type": "query", "language": "kuery", "query": query,
		"index":      []any{"logs-aws.cloudtrail-*", "filebeat-*"},
		"risk_score": 47, "severity": "medium", "interval": "5m", "from": "now-6m",
		"tags": []any{"Domain: Cloud", "Data Source: AWS RDS"}, "version": 1, "enabled": false,
		"threat": []any{map[string]any{
			"framework": "MITRE ATT&CK",
			"tactic":    map[string]any{"id": "TA0005", "name": "Defense Evasion", "reference": "https://attack.mitre.org/tactics/TA0005/"},
			"technique": []any{map[string]any{"id": "T1578", "name": "Modify Cloud Compute Infrastructure", "reference": "https://attack.mitre.org/techniques/T1578/"}},
		}},
		"note": "## Triage and analysis\n\nCheck who did it.", "timestamp_override": "event.ingested",
	}
}

func pack() []client.Rule {
	return []client.Rule{
		rule("11111111-1111-4111-8111-111111111111", "AWS RDS DB Instance Restored", `event.provider:rds.amazonaws.com and event.action:RestoreDBInstanceFromS3`),
		rule("22222222-2222-4222-8222-222222222222", "AWS RDS Security Group Created", `event.provider:rds.amazonaws.com and event.action:CreateDBSecurityGroup`),
		rule("33333333-3333-4333-8333-333333333333", "AWS RDS Snapshot Deleted", `event.provider:rds.amazonaws.com and event.action:DeleteDBSnapshot`),
	}
}

func (h *harness) push(t *testing.T, docs []client.Rule, opts push.Options) (*push.Plan, error) {
	t.Helper()
	ctx := context.Background()
	stamped, err := push.Stamp(docs, opts)
	require.NoError(t, err)
	plan, err := push.MakePlan(ctx, h.client, stamped, opts)
	if err != nil {
		return nil, err
	}
	err = push.Apply(ctx, h.client, plan, opts)
	plan.Print(h.out, true)
	return plan, err
}

func writes(reqs []kibanatest.Request) int {
	n := 0
	for _, r := range reqs {
		if r.Method != http.MethodGet {
			n++
		}
	}
	return n
}

func TestFirstPushCreatesSecondIsNoOp(t *testing.T) {
	h := newHarness(t, "")
	plan, err := h.push(t, pack(), push.Options{})
	require.NoError(t, err)
	assert.Equal(t, "3 created, 0 updated, 0 unchanged, 0 deleted", plan.Summary(true))
	rules := h.fake.Rules("default")
	require.Len(t, rules, 3)
	for _, r := range rules {
		assert.Contains(t, r["tags"], push.DefaultOwnerTag)
		assert.NotEmpty(t, r["meta"].(map[string]any)[push.HashKey])
		assert.EqualValues(t, 1, r["version"])
	}

	before := len(h.fake.Requests())
	plan, err = h.push(t, pack(), push.Options{})
	require.NoError(t, err)
	assert.Equal(t, "0 created, 0 updated, 3 unchanged, 0 deleted", plan.Summary(true))
	assert.Zero(t, writes(h.fake.Requests()[before:]), "a second push must not write")
}

func TestDryRunPrintsPlanAndChangesNothing(t *testing.T) {
	h := newHarness(t, "")
	_, err := h.push(t, pack()[:2], push.Options{})
	require.NoError(t, err)
	edited := pack()
	edited[0]["query"] = `event.provider:rds.amazonaws.com and event.action:(RestoreDBInstanceFromS3 or RestoreDBInstanceFromDBSnapshot)`
	stamped, err := push.Stamp(edited, push.Options{})
	require.NoError(t, err)
	before := len(h.fake.Requests())
	plan, err := push.MakePlan(context.Background(), h.client, stamped, push.Options{})
	require.NoError(t, err)
	var out bytes.Buffer
	plan.Print(&out, false)
	assert.Zero(t, writes(h.fake.Requests()[before:]))
	text := out.String()
	assert.Contains(t, text, "update    11111111-1111-4111-8111-111111111111  AWS RDS DB Instance Restored")
	assert.Contains(t, text, `~ query: "event.provider:rds.amazonaws.com and event.action:RestoreDBInstanceFromS3" -> "event.provider:rds.amazonaws.com and event.action:(RestoreDBInstanceFromS3 or RestoreDBInstanceFromDBSnapshot)"`)
	assert.Contains(t, text, "create    33333333-3333-4333-8333-333333333333  AWS RDS Snapshot Deleted")
	assert.Contains(t, text, "unchanged 22222222-2222-4222-8222-222222222222")
	assert.Contains(t, text, "1 to create, 1 to update, 1 unchanged, 0 to delete")
}

func TestEditedRuleIsUpdatedAndVersionBumped(t *testing.T) {
	h := newHarness(t, "")
	_, err := h.push(t, pack(), push.Options{})
	require.NoError(t, err)
	// An operator enables the rule in Kibana; a push must keep that.
	_, err = h.client.PatchRule(context.Background(), client.Rule{"rule_id": "22222222-2222-4222-8222-222222222222", "enabled": true})
	require.NoError(t, err)

	edited := pack()
	edited[1]["severity"] = "high"
	edited[1]["risk_score"] = 73
	plan, err := h.push(t, edited, push.Options{})
	require.NoError(t, err)
	assert.Equal(t, "0 created, 1 updated, 2 unchanged, 0 deleted", plan.Summary(true))
	got := h.fake.Rules("default")["22222222-2222-4222-8222-222222222222"]
	assert.EqualValues(t, 2, got["version"])
	assert.Equal(t, "high", got["severity"])
	assert.Equal(t, true, got["enabled"])
	assert.EqualValues(t, 1, h.fake.Rules("default")["11111111-1111-4111-8111-111111111111"]["version"], "unchanged rules keep their version")
}

func TestPruneDeletesOnlyOwnedRules(t *testing.T) {
	h := newHarness(t, "")
	foreign := rule("44444444-4444-4444-8444-444444444444", "Hand-made rule", "event.action:Foo")
	h.fake.Seed("default", foreign)
	_, err := h.push(t, pack(), push.Options{})
	require.NoError(t, err)

	plan, err := h.push(t, pack()[:1], push.Options{}) // without --prune nothing is deleted
	require.NoError(t, err)
	assert.Equal(t, "0 created, 0 updated, 1 unchanged, 0 deleted", plan.Summary(true))
	assert.Len(t, h.fake.Rules("default"), 4)

	plan, err = h.push(t, pack()[:1], push.Options{Prune: true})
	require.NoError(t, err)
	assert.Equal(t, "0 created, 0 updated, 1 unchanged, 2 deleted", plan.Summary(true))
	rules := h.fake.Rules("default")
	assert.Len(t, rules, 2)
	assert.Contains(t, rules, "44444444-4444-4444-8444-444444444444", "a foreign rule survives pruning")
}

func TestForeignRuleWithSameRuleIDIsNeverModified(t *testing.T) {
	h := newHarness(t, "")
	foreign := rule("22222222-2222-4222-8222-222222222222", "Someone else's rule", "event.action:Bar")
	h.fake.Seed("default", foreign)
	plan, err := h.push(t, pack(), push.Options{Prune: true})
	require.Error(t, err)
	assert.Equal(t, "2 created, 0 updated, 0 unchanged, 0 deleted, 1 failed", plan.Summary(true))
	assert.Equal(t, "Someone else's rule", h.fake.Rules("default")["22222222-2222-4222-8222-222222222222"]["name"])
	assert.Contains(t, h.out.String(), "does not modify rules it does not own")
}

func TestInterruptedPushConvergesOnRerun(t *testing.T) {
	h := newHarness(t, "")
	// The second create fails with a 500, the third has its connection
	// dropped after Kibana stored nothing.
	h.fake.AddFault(kibanatest.Fault{Method: "POST", Path: "/api/detection_engine/rules", After: 1, Status: 500})
	h.fake.AddFault(kibanatest.Fault{Method: "POST", Path: "/api/detection_engine/rules", Drop: true})
	plan, err := h.push(t, pack(), push.Options{})
	require.Error(t, err)
	assert.Equal(t, "1 created, 0 updated, 0 unchanged, 0 deleted, 2 failed", plan.Summary(true))
	assert.Contains(t, h.out.String(), "500 fault injected by the test (500)")

	plan, err = h.push(t, pack(), push.Options{})
	require.NoError(t, err)
	assert.Equal(t, "2 created, 0 updated, 1 unchanged, 0 deleted", plan.Summary(true))
	assert.Len(t, h.fake.Rules("default"), 3)
}

func TestRetriesHonourRetryAfterAndBackoff(t *testing.T) {
	h := newHarness(t, "")
	h.fake.AddFault(kibanatest.Fault{Method: "GET", Path: "/api/detection_engine/rules/_find", Status: 429, RetryAfter: "7"})
	h.fake.AddFault(kibanatest.Fault{Method: "GET", Path: "/api/detection_engine/rules/_find", Status: 503})
	h.fake.AddFault(kibanatest.Fault{Method: "PUT", Drop: true})
	_, err := h.push(t, pack(), push.Options{})
	require.NoError(t, err)
	edited := pack()
	edited[0]["description"] = "Changed."
	_, err = h.push(t, edited, push.Options{}) // the PUT's dropped connection is retried
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(h.sleeps), 3)
	assert.Equal(t, 7*time.Second, h.sleeps[0], "Retry-After is honoured")
	// The 503 comes on the second attempt: backoff 500ms<<1 plus up to 50% jitter.
	assert.GreaterOrEqual(t, h.sleeps[1], time.Second)
	assert.LessOrEqual(t, h.sleeps[1], 1500*time.Millisecond)
	assert.Contains(t, h.out.String(), "429, retrying in 7s (1/3)")
	assert.Equal(t, "Changed.", h.fake.Rules("default")["11111111-1111-4111-8111-111111111111"]["description"])
}

func TestRetriesGiveUp(t *testing.T) {
	h := newHarness(t, "")
	h.fake.AddFault(kibanatest.Fault{Method: "GET", Status: 502, Times: 10})
	_, err := h.client.ReadRule(context.Background(), "11111111-1111-4111-8111-111111111111")
	require.Error(t, err)
	assert.Equal(t, "kibana: GET /api/detection_engine/rules: 502 fault injected by the test (502)", err.Error())
	assert.Len(t, h.sleeps, 3)
}

func TestErrorShapesAndAuth(t *testing.T) {
	h := newHarness(t, "")
	ctx := context.Background()
	_, err := h.client.ReadRule(ctx, "99999999-9999-4999-8999-999999999999")
	assert.True(t, client.IsNotFound(err))
	assert.Equal(t, `kibana: GET /api/detection_engine/rules: 404 rule_id: "99999999-9999-4999-8999-999999999999" not found`, err.Error())

	_, err = h.client.CreateRule(ctx, pack()[0])
	require.NoError(t, err)
	_, err = h.client.CreateRule(ctx, pack()[0])
	assert.True(t, client.IsConflict(err))
	assert.Contains(t, err.Error(), "409 rule_id: \"11111111-1111-4111-8111-111111111111\" already exists")

	bad, err := client.New(client.Config{URL: h.fake.URL, APIKey: "wrong-" + apiKey, MaxRetries: -1})
	require.NoError(t, err)
	_, err = bad.FindRules(ctx, client.FindOptions{})
	require.Error(t, err)
	assert.Equal(t, "kibana: GET /api/detection_engine/rules/_find: 401 [security_exception]: unable to authenticate user", err.Error())
	assert.NotContains(t, err.Error(), apiKey)
	assert.NotContains(t, bad.String(), apiKey)

	h.fake.ReadOnlyAuth = "ApiKey read-only-key"
	ro, err := client.New(client.Config{URL: h.fake.URL, APIKey: "read-only-key"})
	require.NoError(t, err)
	_, err = ro.CreateRule(ctx, pack()[1])
	require.Error(t, err)
	assert.Contains(t, err.Error(), "403 API [POST /api/detection_engine/rules] is unauthorized")
}

func TestInvalidRuleIsRejectedLikeKibana(t *testing.T) {
	h := kibanatest.New(t, "")
	c, err := client.New(client.Config{URL: h.URL, MaxRetries: -1})
	require.NoError(t, err)
	doc := pack()[0]
	doc["risk_score"] = 200
	_, err = c.CreateRule(context.Background(), doc)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "400 [request body]")
	assert.Len(t, h.Invalid(), 1)
}

func TestSpacesAreSeparate(t *testing.T) {
	h := newHarness(t, "team-a")
	_, err := h.push(t, pack(), push.Options{})
	require.NoError(t, err)
	assert.Len(t, h.fake.Rules("team-a"), 3)
	assert.Empty(t, h.fake.Rules("default"))
	for _, r := range h.fake.Requests() {
		assert.True(t, strings.HasPrefix(r.Path, "/api/detection_engine/"), r.Path)
	}
}

func TestEnableNewRules(t *testing.T) {
	h := newHarness(t, "")
	on := true
	_, err := h.push(t, pack(), push.Options{Enabled: &on})
	require.NoError(t, err)
	for _, r := range h.fake.Rules("default") {
		assert.Equal(t, true, r["enabled"])
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	h := newHarness(t, "")
	ctx := context.Background()
	stamped, err := push.Stamp(pack(), push.Options{})
	require.NoError(t, err)
	nd, err := push.NDJSON(stamped)
	require.NoError(t, err)
	res, err := h.client.Import(ctx, nd, false)
	require.NoError(t, err)
	assert.True(t, res.Success)
	assert.Equal(t, 3, res.SuccessCount)
	res, err = h.client.Import(ctx, nd, false)
	require.NoError(t, err)
	assert.False(t, res.Success)
	assert.Len(t, res.Errors, 3)
	res, err = h.client.Import(ctx, nd, true)
	require.NoError(t, err)
	assert.True(t, res.Success)

	out, err := h.client.Export(ctx, []string{"33333333-3333-4333-8333-333333333333"})
	require.NoError(t, err)
	assert.Equal(t, 1, bytes.Count(out, []byte("\n")))
	assert.Contains(t, string(out), `"rule_id":"33333333-3333-4333-8333-333333333333"`)

	plan, err := push.Drift(ctx, h.client, stamped, push.Options{})
	require.NoError(t, err)
	assert.Equal(t, "0 to create, 0 to update, 3 unchanged, 0 to delete", plan.Summary(false))
	_, err = h.client.PatchRule(ctx, client.Rule{"rule_id": "33333333-3333-4333-8333-333333333333", "query": "event.action:*"})
	require.NoError(t, err)
	plan, err = push.Drift(ctx, h.client, stamped, push.Options{})
	require.NoError(t, err)
	assert.Equal(t, "0 to create, 1 to update, 2 unchanged, 0 to delete", plan.Summary(false))
}

func TestBulkAction(t *testing.T) {
	h := newHarness(t, "")
	ctx := context.Background()
	_, err := h.push(t, pack(), push.Options{})
	require.NoError(t, err)
	var ids []string
	for _, r := range h.fake.Rules("default") {
		ids = append(ids, r["id"].(string))
	}
	res, err := h.client.BulkAction(ctx, "enable", ids[:2], "")
	require.NoError(t, err)
	assert.Equal(t, 2, res.Attributes.Summary.Succeeded)
}
