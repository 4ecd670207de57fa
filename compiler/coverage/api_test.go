package coverage_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/backends/all"
	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/coverage"
	"github.com/sigforge/sigforge/compiler/golden"
)

func TestAPICallsList(t *testing.T) {
	calls := coverage.APICalls()
	require.NotEmpty(t, calls)
	seen := map[string]bool{}
	for _, c := range calls {
		key := c.Source + " " + c.Name
		assert.False(t, seen[key], "%s listed twice", key)
		seen[key] = true
		assert.NotEmpty(t, c.Risk, c.Name)
		assert.Regexp(t, `^[A-Z][A-Za-z0-9]+$`, c.Name)
		assert.Regexp(t, `^[a-z0-9-]+\.amazonaws\.com$`, c.Source)
	}
	for _, want := range []string{"StartExportTask", "ModifyDBSnapshotAttribute", "StopActivityStream", "AuthorizeSecurityGroupIngress"} {
		assert.True(t, slicesContainsName(calls, want), want)
	}
}

func slicesContainsName(calls []coverage.APICall, name string) bool {
	for _, c := range calls {
		if c.Name == name {
			return true
		}
	}
	return false
}

const apiRules = `title: Deletes
id: 5b0a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d
logsource: {product: aws, service: cloudtrail}
detection:
    selection:
        eventSource: rds.amazonaws.com
        eventName: 'Delete*Snapshot'
    condition: selection
level: medium
---
title: Any source
id: 6c1b2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e
logsource: {product: aws, service: cloudtrail}
detection:
    selection:
        eventName: StopActivityStream
    condition: selection
level: high
---
title: Other service
id: 7d2c3e4f-5a6b-4c7d-8e8f-9a0b1c2d3e4f
logsource: {product: aws, service: cloudtrail}
detection:
    selection:
        eventSource: ec2.amazonaws.com
        eventName: DeleteDBSnapshot
    condition: selection
level: low
`

func TestComputeAPI(t *testing.T) {
	set, ds := compiler.Parse("api.yml", []byte(apiRules), compiler.Options{})
	require.Empty(t, ds.Errors())
	require.Len(t, set.Rules, 3)
	calls := []coverage.APICall{
		{Name: "DeleteDBSnapshot", Source: "rds.amazonaws.com", Risk: "destroys a backup"},
		{Name: "DeleteDBClusterSnapshot", Source: "rds.amazonaws.com", Risk: "destroys a backup", Uncovered: "stale reason"},
		{Name: "StopActivityStream", Source: "rds.amazonaws.com", Risk: "blinds monitoring"},
		{Name: "DeleteDBInstance", Source: "rds.amazonaws.com", Risk: "destroys data", Uncovered: "not wanted"},
		{Name: "BacktrackDBCluster", Source: "rds.amazonaws.com", Risk: "rewinds"},
	}
	all := picky{"all", map[string]bool{"Deletes": true, "Any source": true, "Other service": true}}
	some := picky{"some", map[string]bool{"Any source": true}}
	rep := coverage.ComputeAPI(calls, set.Rules, []backends.Backend{all, some})

	type row struct {
		name      string
		rules     int
		all, some int
	}
	var got []row
	for _, c := range rep.Calls {
		got = append(got, row{c.Name, len(c.Rules), c.Targets["all"], c.Targets["some"]})
	}
	assert.Equal(t, []row{
		{"DeleteDBSnapshot", 1, 1, 0}, // the ec2 rule names another source
		{"DeleteDBClusterSnapshot", 1, 1, 0},
		{"StopActivityStream", 1, 1, 1}, // no eventSource condition: any source
		{"DeleteDBInstance", 0, 0, 0},
		{"BacktrackDBCluster", 0, 0, 0},
	}, got)
	assert.Equal(t, 3, rep.Covered)
	assert.Equal(t, []string{"DeleteDBClusterSnapshot"}, rep.Stale)
	assert.Equal(t, []string{"BacktrackDBCluster"}, rep.Missing)

	var buf bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&buf))
	golden.Check(t, "testdata/api.md", buf.Bytes())
	buf.Reset()
	require.NoError(t, rep.WriteJSON(&buf))
	golden.Check(t, "testdata/api.json", buf.Bytes())
}

// TestPackAPICoverage is `sigforge coverage --api rules`: every listed call
// is either covered by the pack or says why not, and no reason is stale.
func TestPackAPICoverage(t *testing.T) {
	cfg, err := config.Find("../../rules")
	require.NoError(t, err)
	set, ds := compiler.Load([]string{"../../rules"}, compiler.Options{Strict: true, Config: cfg})
	require.Empty(t, ds.Errors())
	targets, err := all.Targets(cfg)
	require.NoError(t, err)
	rep := coverage.ComputeAPI(coverage.APICalls(), set.Rules, targets)
	assert.Empty(t, rep.Missing, "calls neither covered nor explained in rds_api.yml")
	assert.Empty(t, rep.Stale, "calls covered although rds_api.yml says why they are not")
	for _, name := range []string{"StartExportTask", "CopyDBSnapshot", "DeleteDBInstanceAutomatedBackup", "StopActivityStream",
		"ModifyOptionGroup", "AddRoleToDBCluster", "AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"} {
		for _, c := range rep.Calls {
			if c.Name == name {
				assert.True(t, c.Covered(), name)
				assert.Equal(t, len(c.Rules), c.Targets["sigma"], "%s: sigma expresses every rule", name)
			}
		}
	}
}
