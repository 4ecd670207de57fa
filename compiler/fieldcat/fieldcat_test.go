package fieldcat

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/ir"
)

func rule(service string, ms ...*ir.Match) *ir.Rule {
	args := make([]ir.Expr, len(ms))
	for i, m := range ms {
		args[i] = m
	}
	return &ir.Rule{Logsource: ir.Logsource{Product: "aws", Service: service}, Detection: &ir.And{Args: args}}
}

func eq(field string, v ir.Value) *ir.Match {
	return &ir.Match{Field: field, Op: ir.OpEqual, Values: []ir.Value{v}}
}

func TestCheck(t *testing.T) {
	cat, err := Default()
	require.NoError(t, err)
	rds := eq("eventSource", ir.Str("rds.amazonaws.com"))
	cases := []struct {
		name string
		r    *ir.Rule
		want []string // kinds
		msg  string
	}{
		{"casing", rule("cloudtrail", rds, eq("requestParameters.dbInstanceIdentifier", ir.Str("x"))), []string{FieldCasing}, "did you mean requestParameters.dBInstanceIdentifier?"},
		{"bare parameter name", rule("cloudtrail", rds, eq("dbInstanceIdentifier", ir.Str("x"))), []string{FieldCasing}, "did you mean requestParameters.dBInstanceIdentifier?"},
		{"boolean compared with a string", rule("cloudtrail", rds, eq("requestParameters.publiclyAccessible", ir.Str("true"))), []string{FieldType}, `compared with the string "true"`},
		{"boolean compared with a boolean", rule("cloudtrail", rds, eq("requestParameters.publiclyAccessible", ir.BoolValue(true))), nil, ""},
		{"redacted value", rule("cloudtrail", rds, eq("requestParameters.masterUserPassword", ir.Pattern("*"))), []string{Redacted}, "|exists: true"},
		{"redacted presence", rule("cloudtrail", rds, &ir.Match{Field: "requestParameters.masterUserPassword", Op: ir.OpExists}), nil, ""},
		{"typo", rule("cloudtrail", rds, eq("userIdentity.arnn", ir.Str("x"))), []string{UnknownField}, "did you mean userIdentity.arn?"},
		{"retired", rule("cloudtrail", rds, eq("eventName", ir.Str("RevokeDBSecurityGroupIngress"))), []string{RetiredAPI}, "retired"},
		{"unknown service parameters are not checked", rule("cloudtrail", eq("eventSource", ir.Str("s3.amazonaws.com")), eq("requestParameters.bucketName", ir.Str("x"))), nil, ""},
		{"engine logs are not checked", rule("rds", eq("messge", ir.Str("x"))), nil, ""},
		{"EC2 security group parameters", rule("cloudtrail", eq("eventSource", ir.Str("ec2.amazonaws.com")), eq("requestParameters.ipPermissions.items.ipRanges.items.cidrIp", ir.Str("0.0.0.0/0"))), nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := cat.Check(tc.r)
			var kinds []string
			for _, f := range got {
				kinds = append(kinds, f.Kind)
			}
			assert.Equal(t, tc.want, kinds)
			if tc.msg != "" && len(got) > 0 {
				assert.Contains(t, got[0].Message, tc.msg)
			}
		})
	}
}

func TestParseError(t *testing.T) {
	_, err := Parse([]byte("cloudtrail: [unclosed"))
	require.Error(t, err)
}

func FuzzParse(f *testing.F) {
	f.Add(catalogYAML)
	f.Add([]byte("services:\n  x:\n    requestParameters: {a: string}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		// A parsed catalog checks any rule without panicking.
		c.Check(rule("cloudtrail", eq("eventSource", ir.Str("x")), eq("requestParameters.a", ir.Str("1"))))
	})
}
