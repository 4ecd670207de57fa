package falco

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/event"
)

// modify is a hand-written ModifyDBInstance record: an IAM user makes an
// instance public. It has no errorCode.
const modify = `{
  "eventVersion": "1.08", "eventTime": "2026-03-01T10:00:00Z", "eventType": "AwsApiCall",
  "eventSource": "rds.amazonaws.com", "eventName": "ModifyDBInstance", "awsRegion": "eu-west-1",
  "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2.15.0",
  "userIdentity": {"type": "IAMUser", "userName": "alice", "accountId": "111122223333",
                   "arn": "arn:aws:iam::111122223333:user/alice", "principalId": "AIDAEXAMPLE"},
  "requestParameters": {"dBInstanceIdentifier": "Prod-DB", "publiclyAccessible": true,
                        "backupRetentionPeriod": 0, "vpcSecurityGroupIds": ["sg-1", "sg-2"],
                        "a/b": {"m~n": "escaped"}, "empty": "", "nothing": null,
                        "obj": {"k": 1}},
  "responseElements": null, "readOnly": false, "managementEvent": true,
  "recipientAccountId": "111122223333"
}`

// denied is a failed call by an assumed role on an AWS service identity.
const denied = `{
  "eventTime": "2026-03-01T11:00:00Z", "eventType": "AwsApiCall",
  "eventSource": "rds.amazonaws.com", "eventName": "DeleteDBInstance", "awsRegion": "us-east-1",
  "sourceIPAddress": "rds.amazonaws.com", "errorCode": "AccessDenied",
  "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::444455556666:assumed-role/Admin/bob",
                   "principalId": "AROAEXAMPLE:bob",
                   "sessionContext": {"sessionIssuer": {"userName": "Admin"}}},
  "requestParameters": {"dBInstanceIdentifier": 42},
  "recipientAccountId": "444455556666",
  "sessionCredentialFromConsole": "true"
}`

func record(t testing.TB, raw string) *Record {
	t.Helper()
	f, err := event.Decode([]byte(raw))
	require.NoError(t, err)
	r, err := NewRecord(f, 1)
	require.NoError(t, err)
	return r
}

// Expectations were checked by hand against extract.go / json.go and
// flt_compare_string.
func TestEvaluate(t *testing.T) {
	recs := map[string]*Record{"modify": record(t, modify), "denied": record(t, denied)}
	tests := []struct {
		cond           string
		modify, denied bool
	}{
		{`ct.name = ModifyDBInstance`, true, false},
		{`ct.name = modifydbinstance`, false, false}, // = is case-sensitive
		{`tolower(ct.name) = modifydbinstance`, true, false},
		{`toupper(ct.src) = "RDS.AMAZONAWS.COM"`, true, true},
		{`ct.name icontains dbinst`, true, true},
		{`ct.name contains dbinst`, false, false},
		{`ct.name startswith Modify`, true, false},
		{`ct.name endswith Instance`, true, true},
		{`ct.name glob "*DB*"`, true, true},
		{`ct.name glob "*db*"`, false, false},
		{`ct.name iglob "*db*"`, true, true},
		{`ct.name glob "[MD]*Instance"`, true, true},
		{`ct.name glob "[!M]*"`, false, true},
		{`ct.name in (ModifyDBInstance, CreateDBInstance)`, true, false},
		{`ct.name regex "Modify"`, false, false}, // full match
		{`ct.name regex "Modify.*"`, true, false},
		{`ct.name regex "(Modify|Delete)DB[A-Za-z]+"`, true, true},
		// Success is "not ct.error exists"; != on an absent field is false.
		{`not ct.error exists`, true, false},
		{`ct.error exists`, false, true},
		{`ct.error != AccessDenied`, false, false},
		{`not ct.error = AccessDenied`, true, false},
		{`ct.error = AccessDenied`, false, true},
		// ct.user depends on the identity type.
		{`ct.user = alice`, true, false},
		{`ct.user = Admin`, false, true},
		{`ct.originaluser = bob`, false, true},
		{`ct.user.accountid = "444455556666"`, false, true}, // falls back to recipientAccountId
		{`ct.user.identitytype = AssumedRole`, false, true},
		{`ct.shortsrc = rds`, true, true},
		{`ct.srcip = "203.0.113.7"`, true, false},
		{`ct.srcip startswith "203.0.113."`, true, false},
		{`ct.readonly = false`, true, false},
		{`ct.readonly exists`, true, false},
		{`ct.managementevent = true`, true, false},
		// The JSON string "true" is no JSON boolean: Bool() fails.
		{`ct.sessioncredentialfromconsole = false`, false, true},
		// ct.response of a JSON null is the text "null".
		{`ct.response = null`, true, false},
		{`ct.response exists`, true, false},
		// json.value: strings unquoted, everything else compact JSON.
		{`json.value[/requestParameters/dBInstanceIdentifier] = Prod-DB`, true, false},
		{`json.value[/requestParameters/dBInstanceIdentifier] = 42`, false, true},
		{`json.value[requestParameters/dBInstanceIdentifier] = 42`, false, true}, // leading / optional
		{`json.value[/requestParameters/publiclyAccessible] = true`, true, false},
		{`json.value[/requestParameters/backupRetentionPeriod] = 0`, true, false},
		{`json.value[/requestParameters/backupRetentionPeriod] < 10`, true, false},
		{`json.value[/requestParameters/vpcSecurityGroupIds] = '["sg-1","sg-2"]'`, true, false},
		{`json.value[/requestParameters/vpcSecurityGroupIds/1] = sg-2`, true, false},
		{`json.value[/requestParameters/vpcSecurityGroupIds/2] exists`, false, false},
		{`json.value[/requestParameters/a~1b/m~0n] = escaped`, true, false},
		{`json.value[/requestParameters/empty] = ""`, true, false},
		{`json.value[/requestParameters/empty] exists`, true, false},
		{`json.value[/requestParameters/nothing] = null`, true, false},
		{`json.value[/requestParameters/obj] = '{"k":1}'`, true, false},
		{`json.value[/requestParameters/missing] exists`, false, false},
		{`not json.value[/requestParameters/missing] = x`, true, true},
		// String comparison is lexicographic: "10" < "7".
		{`json.value[/requestParameters/dBInstanceIdentifier] < 5`, false, true},
		{`ct.request.documentname exists`, false, false}, // never extracted (plugin bug)
		{`evt.num > 0`, true, true},
		{`ct.user.accountid = val(ct.recipientaccountid)`, true, true}, // denied: accountid falls back to recipientAccountId
		{`ct.name in (Modify, "ModifyDBInstance") and (ct.region = "eu-west-1" or ct.region = "us-east-1")`, true, false},
		{`ct.name pmatch (/x)`, false, false},
		{`ct.name startswith anyof (Modify, Delete)`, true, true},
		{`ct.name endswith allof (Instance, DBInstance)`, true, true},
		{`ct.name glob oneof ("*DB*", "Modify*")`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			e, err := Parse("", tt.cond)
			require.NoError(t, err)
			f, err := Compile(e, Version{})
			require.NoError(t, err)
			assert.Equal(t, tt.modify, f.Match(recs["modify"]), "modify")
			assert.Equal(t, tt.denied, f.Match(recs["denied"]), "denied")
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ cond, want string }{
		{`ct.nosuch = x`, `filter_check called with nonexistent field ct.nosuch`},
		{`json.value = x`, `filter json.value requires an argument`},
		{`ct.name[0] = x`, `filter ct.name does not accept an argument`},
		{`ct.name bcontains 41`, `'bcontains' operator not supported for string filters`},
		{`evt.num contains 1`, `'contains' operator not supported for numeric filters`},
		{`evt.num = abc`, `could not parse "abc" as a uint64 number`},
		{`ct.name regex "(?i)x"`, `invalid regex pattern`},
		{`ct.name regex "\\d+"`, `invalid regex pattern`},
		{`ct.name regex "a("`, `invalid regex pattern`},
		{`some_macro`, `Undefined macro 'some_macro' used in filter.`},
		{`len(evt.num) = 1`, `field transformer 'len' is not supported on type 'uint64'`},
		{`ct.name = val(evt.num)`, `does not match`},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			e, err := Parse("", tt.cond)
			require.NoError(t, err)
			_, err = Compile(e, Version{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestEngineVersionGates(t *testing.T) {
	tests := []struct {
		cond   string
		engine string
		ok     bool
	}{
		{`tolower(ct.name) = x`, "0.31.0", false},
		{`tolower(ct.name) = x`, "0.40.0", true},
		{`ct.name iglob "x*"`, "0.31.0", false},
		{`ct.name iglob "x*"`, "0.40.0", true},
		{`ct.name regex "x.*"`, "0.40.0", false},
		{`ct.name regex "x.*"`, "0.43.0", true},
		{`ct.name startswith anyof (a)`, "0.58.0", false},
		{`ct.name startswith anyof (a)`, "0.62.0", true},
		{`ct.name glob "[xX]*" and ct.name icontains x`, "10", true},
	}
	for _, tt := range tests {
		t.Run(tt.engine+" "+tt.cond, func(t *testing.T) {
			e, err := Parse("", tt.cond)
			require.NoError(t, err)
			_, err = Compile(e, MustVersion(tt.engine))
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, "needs Falco engine version")
			}
		})
	}
}

func TestFnmatch(t *testing.T) {
	tests := []struct {
		pat, s   string
		fold, ok bool
	}{
		{"*", "", false, true},
		{"a*c", "abbbc", false, true},
		{"a*c", "abbbd", false, false},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{`a\*c`, "a*c", false, true},
		{`a\*c`, "abc", false, false},
		{"[a-c]x", "bx", false, true},
		{"[!a-c]x", "bx", false, false},
		{"[]]", "]", false, true},
		{"[", "[", false, true},
		{"[[:digit:]]*", "7z", false, true},
		{"*.amazonaws.com", "rds.amazonaws.com", false, true},
		{"*/*", "a/b", false, true},
		{"ABC*", "abcd", true, true},
		{"[A-C]", "b", true, true},
		{"ABC*", "abcd", false, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.ok, fnmatch(tt.pat, tt.s, tt.fold), "%q %q fold=%v", tt.pat, tt.s, tt.fold)
	}
}

func TestNewRecordDrops(t *testing.T) {
	for raw, why := range map[string]string{
		`{"eventType":"AwsApiCall"}`:                                              "no eventTime",
		`{"eventTime":"2022-09-24 00:28:15","eventType":"AwsApiCall"}`:            "not RFC 3339",
		`{"eventTime":"2022-09-24T00:28:15Z"}`:                                    "no eventType",
		`{"eventTime":"2022-09-24T00:28:15Z","eventType":"AwsCloudTrailInsight"}`: "AwsCloudTrailInsight",
	} {
		f, err := event.Decode([]byte(raw))
		require.NoError(t, err)
		_, err = NewRecord(f, 1)
		assert.ErrorContains(t, err, why)
	}
}
