package cloudwatch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The event of the AWS documentation's "JSON Metric Filter Examples".
const docUpdateTrail = `{
  "eventType": "UpdateTrail",
  "sourceIPAddress": "111.111.111.111",
  "arrayKey": ["value", "another value"],
  "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
  "SomeObject": null,
  "ThisFlag": true
}`

// The event of the AWS documentation's "JSON Compound Conditions".
const docCompound = `{
  "user": {"id": 1, "email": "John.Stiles@example.com"},
  "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
  "actions": ["GET", "PUT", "DELETE"],
  "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]
}`

type matchCase struct {
	pattern string
	event   string
	want    bool
}

func runMatch(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		p, err := Parse(c.pattern)
		require.NoError(t, err, c.pattern)
		assert.Equal(t, c.want, p.MatchMessage(c.event), "pattern %s on %s", c.pattern, c.event)
	}
}

// Every filter the documentation lists under "The following filters would
// match" matches its example event.
func TestDocJSONExamples(t *testing.T) {
	runMatch(t, []matchCase{
		{`{ $.eventType = "UpdateTrail" }`, docUpdateTrail, true},
		{`{ $.sourceIPAddress != 123.123.* }`, docUpdateTrail, true},
		{`{ $.arrayKey[0] = "value" }`, docUpdateTrail, true},
		{`{ $.objectList[1].id = 2 }`, docUpdateTrail, true},
		{`{ $.SomeObject IS NULL }`, docUpdateTrail, true},
		{`{ $.SomeOtherObject NOT EXISTS }`, docUpdateTrail, true},
		{`{ $.ThisFlag IS TRUE }`, docUpdateTrail, true},
		// The stated conditions under which they would not match.
		{`{ $.arrayKey[0] = "value" }`, `{"arrayKey": "value"}`, false},
		{`{ $.objectList[1].id = 2 }`, `{"objectList": [{"id": 1}, {"name": "b"}]}`, false},
		{`{ $.SomeObject IS NULL }`, `{"SomeObject": {}}`, false},
		{`{ $.SomeObject IS NULL }`, `{}`, false},
		{`{ $.SomeOtherObject NOT EXISTS }`, `{"SomeOtherObject": null}`, false},
		{`{ $.ThisFlag IS FALSE }`, docUpdateTrail, false},
		{`{ $.ThisFlag IS FALSE }`, `{"ThisFlag": false}`, true},
		{`{ $.sourceIPAddress != 123.123.* }`, `{"sourceIPAddress": "123.123.0.9"}`, false},
	})
}

func TestDocCompoundExamples(t *testing.T) {
	runMatch(t, []matchCase{
		{`{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }`, docCompound, true},
		{`{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }`, docCompound, false},
		{`{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }`, docCompound, true},
		{`{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }`, docCompound, false},
	})
}

// "The SELECTOR must point to a value node ... both {$.users = 1} and
// {$.users != 1} will fail to match a log event where users is an array."
func TestDocSelectorOnArrayFailsBothWays(t *testing.T) {
	runMatch(t, []matchCase{
		{`{$.users = 1}`, `{"users": [1, 2, 3]}`, false},
		{`{$.users != 1}`, `{"users": [1, 2, 3]}`, false},
		{`{$.users[0] = 1}`, `{"users": [1, 2, 3]}`, true},
	})
}

func TestDocJSONOr(t *testing.T) {
	runMatch(t, []matchCase{
		{`{$.foo = bar}`, `{"foo": "bar"}`, true},
		{`{$.foo = bar}`, `{"foo": "baz"}`, false},
		{`{$.foo = baz }`, `{"foo": "baz"}`, true},
		{`{$.foo = bar || $.foo = baz }`, `{"foo": "bar"}`, true},
		{`{$.foo = bar || $.foo = baz }`, `{"foo": "baz"}`, true},
		{`{$.foo = bar || $.foo = baz }`, `{"foo": "qux"}`, false},
	})
}

func TestDocNumericExamples(t *testing.T) {
	runMatch(t, []matchCase{
		{`{ $.latency >= 500 }`, `{"latency": 500}`, true},
		{`{ $.latency >= 500 }`, `{"latency": 499.9}`, false},
		{`{ $.numbers[0] < 10e3 }`, `{"numbers": [9999]}`, true},
		{`{ $.numbers[0] < 10e-3 }`, `{"numbers": [0.01]}`, false},
		{`{ $.processes[4].averageRuntime <= 55.5 }`, `{"processes": [{},{},{},{},{"averageRuntime": 55.5}]}`, true},
		{`{ $.errorCode = 400 }`, `{"errorCode": 400}`, true},
		{`{ $.errorCode != 500 }`, `{"errorCode": 400}`, true},
		{`{ $.latency > +1000 }`, `{"latency": 1001}`, true},
		{`{ $.latency = * }`, `{"latency": 12}`, true},
		{`{ $.latency = * }`, `{"other": 12}`, false},
	})
}

// The documentation: "*Event will match PutEvent and GetEvent. Event* will
// match EventId and EventName. Ev*ent will only match the actual string
// Ev*ent."
func TestDocWildcards(t *testing.T) {
	runMatch(t, []matchCase{
		{`{ $.e = "*Event" }`, `{"e": "PutEvent"}`, true},
		{`{ $.e = "*Event" }`, `{"e": "GetEvent"}`, true},
		{`{ $.e = "*Event" }`, `{"e": "EventId"}`, false},
		{`{ $.e = "Event*" }`, `{"e": "EventId"}`, true},
		{`{ $.e = "Event*" }`, `{"e": "EventName"}`, true},
		{`{ $.e = "Ev*ent" }`, `{"e": "Event"}`, false},
		{`{ $.e = "Ev*ent" }`, `{"e": "Ev*ent"}`, true},
		{`{ $.e = "*Unauthorized*" }`, `{"e": "Client.UnauthorizedOperation"}`, true},
		// Matching is on the whole value and case-sensitive.
		{`{ $.e = "Event" }`, `{"e": "PutEvent"}`, false},
		{`{ $.e = "event" }`, `{"e": "Event"}`, false},
	})
}

func TestDocTextExamples(t *testing.T) {
	const (
		fatal   = `[ERROR] A fatal exception has occurred`
		exiting = `Exiting with ERRORCODE: -1`
		caught  = `[ERROR] Caught IllegalArgumentException`
		unhand  = `[ERROR] Unhandled Exception`
		warn1   = `[WARN] Failed to process the request`
		err1    = `[ERROR] Unable to continue: Failed to process the request`
		both    = `ERROR WARN message`
		errOnly = `ERROR message`
		warnMsg = `WARN message`
	)
	runMatch(t, []matchCase{
		{`""`, fatal, true},
		{``, fatal, true},
		{`"ERROR"`, fatal, true},
		{`"ERROR"`, exiting, true},
		{`"ERROR" - "Exiting"`, fatal, true},
		{`"ERROR" - "Exiting"`, exiting, false},
		{`ERROR Exception`, caught, true},
		{`ERROR Exception`, unhand, true},
		{`ERROR Exception`, fatal, false},
		{`Failed to process the request`, warn1, true},
		{`Failed to process the request`, err1, true},
		{`ERROR`, both, true},
		{`ERROR`, errOnly, true},
		{`ERROR`, warnMsg, false},
		{`?ERROR ?WARN`, both, true},
		{`?ERROR ?WARN`, errOnly, true},
		{`?ERROR ?WARN`, warnMsg, true},
		{`?ERROR ?WARN`, "INFO message", false},
		{`ERROR WARN`, both, true},
		{`ERROR WARN`, errOnly, false},
		{`ERROR WARN`, warnMsg, false},
		{`ERROR -WARN`, both, false},
		{`ERROR -WARN`, errOnly, true},
		{`ERROR -WARN`, warnMsg, false},
		// Case-sensitive.
		{`error`, errOnly, false},
		{`%AUTHORIZED%`, `[ERROR 401] UNAUTHORIZED REQUEST`, true},
		{`%AUTHORIZED%`, `[SUCCESS 200] AUTHORIZED REQUEST`, true},
		{`%AUTHORIZED%`, `[SUCCESS 200] authorized`, false},
		{`"INTERNAL SERVER ERROR"`, `500 INTERNAL SERVER ERROR at /x`, true},
		{`"INTERNAL SERVER ERROR"`, `INTERNAL ERROR SERVER`, false},
	})
}

func TestDocDelimitedExamples(t *testing.T) {
	const (
		l1 = `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534`
		l2 = `127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324`
		l3 = `127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355`
		l4 = `127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534`
	)
	runMatch(t, []matchCase{
		{`[ip, user, username, timestamp, request, status_code, bytes]`, l1, true},
		{`[..., status_code, bytes]`, l1, true},
		{`[ip, user, ..., status_code, bytes]`, l1, true},
		{`[ip, user, ...]`, l1, true},
		{`[ip, user, username, timestamp, request, status_code, bytes > 1000]`, l1, true},
		{`[ip, user, username, timestamp, request, status_code, bytes > 5000]`, l1, false},
		{`[ip, user, username, timestamp, request, status_code, bytes > 5000]`, l2, true},
		{`[ip, user, username, timestamp, request, status_code = 200, bytes]`, l1, true},
		{`[ip, user, username, timestamp, request, status_code = 200, bytes]`, l2, false},
		{`[ip, user, username, timestamp, request, status_code = 200, bytes]`, l3, true},
		{`[ip, user, username, timestamp, request, status_code = 4*, bytes]`, l1, false},
		{`[ip, user, username, timestamp, request, status_code = 4*, bytes]`, l4, true},
		{`[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]`, l4, true},
		{`[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]`, l1, false},
		{`[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]`, l4, true},
		{`[ip, user, username, timestamp, request, status_code = 403 || status_code = 404, bytes]`, l1, false},
		{`[..., request=*.html*, status_code=4*,]`, l4, true},
		{`[w1=ERROR, w2]`, `ERROR message`, true},
		{`[w1=ERROR, w2]`, `WARN message`, false},
		{`[w1=ERROR, w2]`, `ERROR WARN message`, false},
		{`[w1=ERROR || w1=WARN, w2]`, `ERROR message`, true},
		{`[w1=ERROR || w1=WARN, w2]`, `WARN message`, true},
		{`[w1=ERROR || w1=WARN, w2]`, `INFO message`, false},
		// The documentation's example names "bytes", which is no column
		// of it; such a condition is false.
		{`[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]`, l4, false},
		{`[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000, bytes]`, l4, true},
		// Too few fields.
		{`[a, b, c]`, `one two`, false},
	})
}

// Assumption (docs/cloudwatch.md A3): the documentation says
// "[w1!=ERROR&&w1!=WARN, w2] matches lines containing both ERROR and WARN
// (pattern 1)", which contradicts its own examples before it (pattern 1 has
// three fields, and its first word is ERROR). We follow the column rules.
func TestAssumptionDocW1NotErrorExampleIsInconsistent(t *testing.T) {
	runMatch(t, []matchCase{
		{`[w1!=ERROR&&w1!=WARN, w2]`, `ERROR WARN message`, false},
		{`[w1!=ERROR&&w1!=WARN, w2]`, `INFO message`, true},
	})
}

// The CIS AWS Foundations Benchmark / Security Hub CloudWatch.x patterns.
func TestCISPatterns(t *testing.T) {
	unauthorized := `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }`
	// The CIS v1.4+ form, with its precedence trap: && binds to the second
	// disjunct only.
	unauthorizedV14 := `{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }`
	sg := `{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }`
	nacl := `{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }`
	root := `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`
	noMFA := `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }`
	runMatch(t, []matchCase{
		{unauthorized, `{"errorCode": "Client.UnauthorizedOperation", "eventName": "RunInstances"}`, true},
		{unauthorized, `{"errorCode": "AccessDenied", "eventName": "ModifyDBInstance"}`, true},
		{unauthorized, `{"errorCode": "AccessDeniedException"}`, true},
		{unauthorized, `{"errorCode": "ThrottlingException"}`, false},
		{unauthorized, `{"eventName": "ModifyDBInstance"}`, false},
		{unauthorized, `{"errorCode": "accessdenied"}`, false},
		{unauthorizedV14, `{"errorCode": "Client.UnauthorizedOperation", "sourceIPAddress": "delivery.logs.amazonaws.com", "eventName": "X"}`, true},
		{unauthorizedV14, `{"errorCode": "AccessDenied", "sourceIPAddress": "delivery.logs.amazonaws.com", "eventName": "X"}`, false},
		{unauthorizedV14, `{"errorCode": "AccessDenied", "sourceIPAddress": "10.0.0.1", "eventName": "HeadBucket"}`, false},
		{unauthorizedV14, `{"errorCode": "AccessDenied", "sourceIPAddress": "10.0.0.1", "eventName": "GetObject"}`, true},
		{sg, `{"eventName": "AuthorizeSecurityGroupIngress"}`, true},
		{sg, `{"eventName": "DeleteSecurityGroup"}`, true},
		{sg, `{"eventName": "DescribeSecurityGroups"}`, false},
		{nacl, `{"eventName": "ReplaceNetworkAclAssociation"}`, true},
		{nacl, `{"eventName": "CreateNetworkAclEntryX"}`, false},
		{root, `{"userIdentity": {"type": "Root"}, "eventType": "AwsApiCall"}`, true},
		{root, `{"userIdentity": {"type": "Root", "invokedBy": "s3.amazonaws.com"}, "eventType": "AwsApiCall"}`, false},
		{root, `{"userIdentity": {"type": "Root"}, "eventType": "AwsServiceEvent"}`, false},
		{root, `{"userIdentity": {"type": "IAMUser"}, "eventType": "AwsApiCall"}`, false},
		{noMFA, `{"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "No"}}`, true},
		{noMFA, `{"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "Yes"}}`, false},
	})
}

// Assumption (docs/cloudwatch.md A1): "!=" on an absent property is false,
// as it is for a property that is an array or object. sigforge therefore
// always writes "($.f != v || $.f NOT EXISTS)" when absence must count as
// "not equal", which is right under either behaviour.
func TestAssumptionNotEqualOnAbsentPropertyIsFalse(t *testing.T) {
	runMatch(t, []matchCase{
		{`{ $.errorCode != "AccessDenied" }`, `{"eventName": "X"}`, false},
		{`{ ($.errorCode != "AccessDenied") || ($.errorCode NOT EXISTS) }`, `{"eventName": "X"}`, true},
		{`{ $.errorCode != "AccessDenied" }`, `{"errorCode": null}`, false},
	})
}

// Assumption (A2): a string comparison matches a JSON number through its
// text; a numeric comparison does not match a JSON string.
func TestAssumptionStringComparisonOnNumberUsesItsText(t *testing.T) {
	runMatch(t, []matchCase{
		{`{ $.port = "3306" }`, `{"port": 3306}`, true},
		{`{ $.port = 3306 }`, `{"port": "3306"}`, false},
		{`{ $.port = 3306 }`, `{"port": 3306.0}`, true},
		{`{ $.port > 1000 }`, `{"port": "3306"}`, false},
	})
}

// Assumption (A4): booleans and null compare only through IS TRUE / IS
// FALSE / IS NULL; "= true" or "= \"true\"" does not match a JSON boolean.
func TestAssumptionEqualsDoesNotMatchBoolean(t *testing.T) {
	runMatch(t, []matchCase{
		{`{ $.publiclyAccessible = "true" }`, `{"publiclyAccessible": true}`, false},
		{`{ $.publiclyAccessible = true }`, `{"publiclyAccessible": true}`, false},
		{`{ $.publiclyAccessible = "true" }`, `{"publiclyAccessible": "true"}`, true},
		{`{ $.publiclyAccessible IS TRUE }`, `{"publiclyAccessible": "true"}`, false},
	})
}

// Assumption (A5): a %regex% value is searched in the value (not anchored).
func TestAssumptionRegexValueIsSearched(t *testing.T) {
	runMatch(t, []matchCase{
		{`{ $.eventName = %Delete% }`, `{"eventName": "DeleteDBInstance"}`, true},
		{`{ $.eventName = %^Delete% }`, `{"eventName": "BatchDeleteX"}`, false},
		{`{ $.eventName != %^Delete% }`, `{"eventName": "BatchDeleteX"}`, true},
	})
}

// Assumption (A6): when ?terms are mixed with plain or -terms, the plain
// terms must all appear, the -terms must not, and one ?term must appear.
func TestAssumptionMixedOptionalAndRequiredTerms(t *testing.T) {
	runMatch(t, []matchCase{
		{`FATAL ?password ?denied`, `FATAL: password authentication failed`, true},
		{`FATAL ?password ?denied`, `LOG: password authentication failed`, false},
		{`FATAL ?password ?denied`, `FATAL: too many connections`, false},
	})
}

func TestMessageThatIsNotJSONNeverMatchesAJSONPattern(t *testing.T) {
	runMatch(t, []matchCase{
		{`{ $.a = * }`, `a=1`, false},
		{`{ $.a NOT EXISTS }`, `not json`, false},
	})
}
