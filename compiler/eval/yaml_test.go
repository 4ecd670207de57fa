package eval_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

// loadRule parses a rule whose detection section is given (indented by
// four spaces) and returns its lowered form.
func loadRule(t *testing.T, detection string) *ir.Rule {
	t.Helper()
	src := "title: t\nid: 0d3f6a52-7c1e-4b8e-9f1a-2b3c4d5e6f70\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n" + detection + "level: low\n"
	cfg := &config.Config{Placeholders: map[string][]string{"trusted": {"111111111111", "222222222222"}}}
	set, ds := compiler.Parse("case.yml", []byte(src), compiler.Options{Config: cfg})
	require.False(t, ds.HasErrors(), "%s\n%s", ds.Error(), src)
	require.Len(t, set.Rules, 1)
	return set.Rules[0]
}

// TestFromYAML runs Sigma rules written in YAML, through the real loader,
// on events with hand-checked verdicts: every modifier and condition form.
func TestFromYAML(t *testing.T) {
	cases := []struct {
		name      string
		detection string
		yes, no   []string // events that must match / must not
	}{
		{"plain value is case-insensitive equality", `
    sel:
        eventName: DeleteDBInstance
    condition: sel
`, []string{`{"eventName":"deletedbinstance"}`}, []string{`{"eventName":"DeleteDBInstanceX"}`, `{}`}},
		{"map is AND, list is OR", `
    sel:
        eventSource: rds.amazonaws.com
        eventName:
            - StopDBInstance
            - StopDBCluster
    condition: sel
`, []string{`{"eventSource":"rds.amazonaws.com","eventName":"StopDBCluster"}`}, []string{`{"eventSource":"ec2.amazonaws.com","eventName":"StopDBCluster"}`, `{"eventSource":"rds.amazonaws.com","eventName":"StartDBCluster"}`}},
		{"list of maps is OR", `
    sel:
        - eventName: A
        - errorCode: B
    condition: sel
`, []string{`{"eventName":"a"}`, `{"errorCode":"b"}`}, []string{`{"eventName":"B"}`}},
		{"contains startswith endswith", `
    c:
        userAgent|contains: boto3
    s:
        arn|startswith: 'arn:aws:iam::'
    e:
        host|endswith: .rds.amazonaws.com
    condition: c and s and e
`, []string{`{"userAgent":"Boto3/1.34 Python","arn":"ARN:aws:iam::1:user/x","host":"db.RDS.amazonaws.com"}`}, []string{`{"userAgent":"aws-cli","arn":"arn:aws:iam::1:user/x","host":"db.rds.amazonaws.com"}`}},
		{"contains all", `
    sel:
        message|contains|all:
            - DROP
            - TABLE
    condition: sel
`, []string{`{"message":"drop table users"}`}, []string{`{"message":"drop index x"}`}},
		{"wildcards and escapes", `
    w:
        a: 'db-?-prod*'
    lit:
        b: 'x\*y'
    condition: w and lit
`, []string{`{"a":"db-1-production","b":"X*Y"}`}, []string{`{"a":"db-12-prod","b":"x*y"}`, `{"a":"db-1-prod","b":"xzy"}`}},
		{"cased", `
    sel:
        eventName|cased: DeleteDBInstance
    condition: sel
`, []string{`{"eventName":"DeleteDBInstance"}`}, []string{`{"eventName":"deletedbinstance"}`}},
		{"regex with flags", `
    plain:
        a|re: '^Drop\s+table'
    ci:
        b|re|i: '^drop\s+table'
    condition: plain or ci
`, []string{`{"a":"Drop  table x"}`, `{"b":"DROP TABLE x"}`}, []string{`{"a":"DROP table"}`, `{"b":"x drop table"}`}},
		{"regex multiline and dotall", `
    m:
        a|re|m: '^second$'
    s:
        b|re|s: 'first.second'
    condition: m or s
`, []string{`{"a":"first\nsecond"}`, `{"b":"first\nsecond"}`}, []string{`{"a":"first second"}`, `{"b":"firstsecond"}`}},
		{"cidr v4 and v6", `
    sel:
        sourceIPAddress|cidr:
            - 10.0.0.0/8
            - 2001:db8::/32
    condition: not sel
`, []string{`{"sourceIPAddress":"203.0.113.1"}`, `{"sourceIPAddress":"rds.amazonaws.com"}`}, []string{`{"sourceIPAddress":"10.9.8.7"}`, `{"sourceIPAddress":"2001:db8::1"}`}},
		{"exists true and false", `
    has:
        errorCode|exists: true
    lacks:
        errorMessage|exists: false
    condition: has and lacks
`, []string{`{"errorCode":"AccessDenied"}`, `{"errorCode":null}`}, []string{`{"errorCode":"x","errorMessage":"y"}`, `{}`}},
		{"null and empty", `
    n:
        errorCode: null
    e:
        userName: ''
    condition: n and e
`, []string{`{"userName":""}`, `{"errorCode":null,"userName":""}`}, []string{`{"errorCode":"x","userName":""}`, `{"userName":null}`, `{}`}},
		{"numbers and booleans", `
    sel:
        port: 5432
        requestParameters.publiclyAccessible: true
    condition: sel
`, []string{`{"port":5432,"requestParameters":{"publiclyAccessible":true}}`, `{"port":"5432","requestParameters":{"publiclyAccessible":"True"}}`}, []string{`{"port":5433,"requestParameters":{"publiclyAccessible":true}}`, `{"port":5432,"requestParameters":{"publiclyAccessible":false}}`}},
		{"comparisons", `
    sel:
        allocatedStorage|gte: 100
        backupRetentionPeriod|lt: 1
    condition: sel
`, []string{`{"allocatedStorage":100,"backupRetentionPeriod":0}`}, []string{`{"allocatedStorage":99,"backupRetentionPeriod":0}`, `{"allocatedStorage":200,"backupRetentionPeriod":1}`}},
		{"arrays any element", `
    sel:
        requestParameters.valuesToAdd: all
    condition: sel
`, []string{`{"requestParameters":{"valuesToAdd":["123456789012","all"]}}`}, []string{`{"requestParameters":{"valuesToAdd":["123456789012"]}}`}},
		{"keywords", `
    keywords:
        - 'password authentication failed'
        - 'Access denied for user'
    condition: keywords
`, []string{`{"message":"FATAL:  password authentication failed for user \"x\""}`, `{"message":"ACCESS DENIED FOR USER 'a'@'b'"}`}, []string{`{"message":"connection authorized"}`}},
		{"fieldref", `
    sel:
        userIdentity.userName|fieldref: requestParameters.userName
    condition: sel
`, []string{`{"userIdentity":{"userName":"bob"},"requestParameters":{"userName":"BOB"}}`}, []string{`{"userIdentity":{"userName":"bob"},"requestParameters":{"userName":"alice"}}`}},
		{"expand placeholders", `
    shared:
        requestParameters.valuesToAdd|expand: '%trusted%'
    condition: not shared
`, []string{`{"requestParameters":{"valuesToAdd":["333333333333"]}}`}, []string{`{"requestParameters":{"valuesToAdd":["222222222222"]}}`}},
		{"base64 and base64offset", `
    b:
        a|base64: 'DROP'
    o:
        c|base64offset|contains: 'DROP'
    condition: b or o
`, []string{`{"a":"RFJPUA=="}`, `{"c":"xxU0VMRUNUO0RST1A7eHh4"}`}, []string{`{"a":"DROP"}`}},
		{"windash", `
    sel:
        commandLine|windash|contains: ' -enc '
    condition: sel
`, []string{`{"commandLine":"powershell /enc abc"}`, `{"commandLine":"powershell -enc abc"}`}, []string{`{"commandLine":"powershell enc abc"}`}},
		{"1 of and all of patterns", `
    sel_a:
        a: 1
    sel_b:
        b: 1
    filter_x:
        x: 1
    condition: 1 of sel_* and not 1 of filter_*
`, []string{`{"a":1}`, `{"b":1}`}, []string{`{"a":1,"x":1}`, `{"c":1}`}},
		{"all of them", `
    one:
        a: 1
    two:
        b: 2
    condition: all of them
`, []string{`{"a":1,"b":2}`}, []string{`{"a":1}`}},
		{"neq", `
    sel:
        eventName: ModifyDBInstance
        requestParameters.backupRetentionPeriod|neq: 7
    condition: sel
`, []string{`{"eventName":"ModifyDBInstance","requestParameters":{"backupRetentionPeriod":0}}`}, []string{`{"eventName":"ModifyDBInstance","requestParameters":{"backupRetentionPeriod":7}}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := loadRule(t, strings.TrimPrefix(tc.detection, "\n"))
			e, err := eval.Compile(r)
			require.NoError(t, err)
			for _, js := range tc.yes {
				f, err := event.Decode([]byte(js))
				require.NoError(t, err)
				assert.True(t, e.MatchFields(f), "want match: %s\n%s", js, ir.Format(r.Detection))
			}
			for _, js := range tc.no {
				f, err := event.Decode([]byte(js))
				require.NoError(t, err)
				assert.False(t, e.MatchFields(f), "want no match: %s\n%s", js, ir.Format(r.Detection))
			}
		})
	}
}

func Example() {
	src := `title: Public restore
logsource:
    product: aws
    service: cloudtrail
detection:
    selection:
        eventName: RestoreDBInstanceFromDBSnapshot
        responseElements.publiclyAccessible: true
    condition: selection
`
	set, ds := compiler.Parse("public_restore.yml", []byte(src), compiler.Options{})
	if ds.HasErrors() {
		fmt.Println(ds)
		return
	}
	e, err := eval.Compile(set.Rules[0])
	if err != nil {
		fmt.Println(err)
		return
	}
	fields, _ := event.Decode([]byte(`{"eventName":"RestoreDBInstanceFromDBSnapshot","responseElements":{"publiclyAccessible":true}}`))
	fmt.Println(e.Match(event.New(fields, "example")))
	// Output: true
}

// TestCorrelationFromYAML runs a multi-document correlation file through the
// loader: a temporal_ordered correlation with aliases over two named rules.
func TestCorrelationFromYAML(t *testing.T) {
	src := `title: Snapshot shared
name: snapshot_shared
logsource:
    product: aws
    service: cloudtrail
detection:
    sel:
        eventName: ModifyDBSnapshotAttribute
    condition: sel
---
title: Snapshot deleted
name: snapshot_deleted
logsource:
    product: aws
    service: cloudtrail
detection:
    sel:
        eventName: DeleteDBSnapshot
    condition: sel
---
title: Snapshot shared then deleted
correlation:
    type: temporal_ordered
    rules:
        - snapshot_shared
        - snapshot_deleted
    group-by:
        - snapshot
    aliases:
        snapshot:
            snapshot_shared: requestParameters.dBSnapshotIdentifier
            snapshot_deleted: responseElements.dBSnapshotIdentifier
    timespan: 1h
level: high
`
	set, ds := compiler.Parse("mr_shared_deleted.yml", []byte(src), compiler.Options{})
	require.False(t, ds.HasErrors(), ds.Error())
	require.Len(t, set.Rules, 3)
	c, err := eval.CompileCorrelation(set.Rules[2])
	require.NoError(t, err)
	ev := func(ts, js string) event.Event {
		f, err := event.Decode([]byte(js))
		require.NoError(t, err)
		f["eventTime"] = ts
		return event.New(f, ts)
	}
	shared := ev("2024-05-01T10:00:00Z", `{"eventName":"ModifyDBSnapshotAttribute","requestParameters":{"dBSnapshotIdentifier":"snap-1"}}`)
	deleted := ev("2024-05-01T10:59:00Z", `{"eventName":"DeleteDBSnapshot","responseElements":{"dBSnapshotIdentifier":"snap-1"}}`)
	otherSnap := ev("2024-05-01T10:30:00Z", `{"eventName":"DeleteDBSnapshot","responseElements":{"dBSnapshotIdentifier":"snap-2"}}`)
	late := ev("2024-05-01T11:00:01Z", `{"eventName":"DeleteDBSnapshot","responseElements":{"dBSnapshotIdentifier":"snap-1"}}`)

	alerts := c.Run([]event.Event{deleted, otherSnap, shared})
	require.Len(t, alerts, 1)
	assert.Equal(t, []eval.GroupValue{{Field: "snapshot", Value: "snap-1"}}, alerts[0].Group)
	assert.Equal(t, shared.Time, alerts[0].Start)
	assert.Equal(t, deleted.Time, alerts[0].End)
	assert.False(t, c.Fires([]event.Event{shared, otherSnap}), "different snapshot")
	assert.False(t, c.Fires([]event.Event{shared, late}), "outside the hour")
	assert.False(t, c.Fires([]event.Event{ev("2024-05-01T09:00:00Z", `{"eventName":"DeleteDBSnapshot","responseElements":{"dBSnapshotIdentifier":"snap-1"}}`), shared}), "wrong order")
}
