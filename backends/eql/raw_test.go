package eql

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

// rawEvents are CloudTrail records as CloudTrail writes them.
var rawEvents = []string{
	`{"eventVersion":"1.08","eventTime":"2024-10-10T15:21:35Z","eventSource":"rds.amazonaws.com","eventName":"ModifyDBInstance","awsRegion":"us-east-1","sourceIPAddress":"10.1.2.3","userAgent":"aws-cli/2.15.0","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/alice","accountId":"111111111111","userName":"alice"},"requestParameters":{"dBInstanceIdentifier":"db-1","publiclyAccessible":true,"applyImmediately":true},"responseElements":null}`,
	`{"eventVersion":"1.08","eventTime":"2024-10-10T15:22:35Z","eventSource":"rds.amazonaws.com","eventName":"ModifyDBInstance","awsRegion":"us-east-1","sourceIPAddress":"rds.amazonaws.com","userAgent":"console","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111111111111:user/bob","accountId":"111111111111","userName":"bob"},"requestParameters":{"dBInstanceIdentifier":"db-1","publiclyAccessible":false},"errorCode":"AccessDenied"}`,
	`{"eventVersion":"1.08","eventTime":"2024-10-10T15:23:35Z","eventSource":"rds.amazonaws.com","eventName":"CreateDBInstance","awsRegion":"eu-west-1","sourceIPAddress":"192.168.4.4","userAgent":"Boto3/1.34","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::222222222222:assumed-role/ops/x","accountId":"222222222222"},"requestParameters":{"dBInstanceIdentifier":"DB-2","publiclyAccessible":true,"masterUserPassword":"HIDDEN_DUE_TO_SECURITY_REASONS","port":5432}}`,
}

func TestRawCloudTrailRules(t *testing.T) {
	cases := []struct {
		name string
		expr ir.Expr
		want string
	}{
		{"made public", and(
			match("eventSource", ir.OpEqual, ir.Str("rds.amazonaws.com")),
			match("eventName", ir.OpEqual, ir.Str("ModifyDBInstance"), ir.Str("CreateDBInstance")),
			match("requestParameters.publiclyAccessible", ir.OpEqual, ir.BoolValue(true)),
			not(match("errorCode", ir.OpExists))), "any where event.provider : \"rds.amazonaws.com\" and event.action : (\"ModifyDBInstance\", \"CreateDBInstance\") and stringContains~(aws.cloudtrail.request_parameters, \"publiclyAccessible=true\") and not (aws.cloudtrail.error_code != null)"},
		{"password set", match("requestParameters.masterUserPassword", ir.OpExists), "any where stringContains~(aws.cloudtrail.request_parameters, \"masterUserPassword=\")"},
		{"source cidr", match("sourceIPAddress", ir.OpCIDR, ir.Str("10.0.0.0/8")), "any where cidrMatch(source.ip, \"10.0.0.0/8\")"},
		{"region prefix", match("awsRegion", ir.OpEqual, ir.Pattern("eu-*")), "any where cloud.region : \"eu-*\""},
		{"identifier case-insensitive", match("requestParameters.dBInstanceIdentifier", ir.OpEqual, ir.Str("db-2")), "any where stringContains~(aws.cloudtrail.request_parameters, \"dBInstanceIdentifier=db-2\")"},
	}
	b, err := New(nil)
	require.NoError(t, err)
	var events []event.Event
	for i, js := range rawEvents {
		m, err := event.Decode([]byte(js))
		require.NoError(t, err)
		events = append(events, event.New(m, "raw#"+string(rune('0'+i))))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rule(tc.expr)
			out, err := b.Compile(r)
			require.NoError(t, err)
			// The exact text follows compiler/ecs's rewrite; require the
			// core of it and judge the rest by its verdicts.
			assert.Contains(t, out.Text, tc.want)
			q, err := b.Prepare(out)
			require.NoError(t, err)
			native, err := eval.Compile(r)
			require.NoError(t, err)
			for i, ev := range events {
				got, err := q.Fires([]event.Event{ev})
				require.NoError(t, err)
				assert.Equal(t, native.Match(ev), got, "event %d", i)
			}
		})
	}
}
