package eql

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/event"
)

// doc is an ECS document as the aws.cloudtrail pipeline writes it.
func doc(t *testing.T, js string) map[string]any {
	t.Helper()
	m, err := event.Decode([]byte(js))
	require.NoError(t, err)
	return m
}

const modifyDoc = `{
  "@timestamp": "2024-10-10T15:21:35.000Z",
  "data_stream": {"dataset": "aws.cloudtrail"},
  "event": {"action": "ModifyDBInstance", "provider": "rds.amazonaws.com", "outcome": "success", "type": ["info"]},
  "source": {"address": "10.1.2.3", "ip": "10.1.2.3", "port": 5432},
  "user": {"name": "Admin"},
  "user_agent": {"original": "aws-cli/2.15.0 Python/3.11"},
  "tags": ["a", "B"],
  "aws": {"cloudtrail": {
    "request_parameters": "{dBInstanceIdentifier=db-1, masterUserPassword=HIDDEN_DUE_TO_SECURITY_REASONS, publiclyAccessible=true}",
    "flattened": {"request_parameters": {"publiclyAccessible": "true"}}
  }}
}`

func TestEvalElasticsearchSemantics(t *testing.T) {
	d := doc(t, modifyDoc)
	cases := []struct {
		name string
		cond string
		want bool
	}{
		{"double equals is case-sensitive", `event.action == "ModifyDBInstance"`, true},
		{"double equals rejects other case", `event.action == "modifydbinstance"`, false},
		{"double equals has no wildcards", `event.action == "Modify*"`, false},
		{"colon is case-insensitive", `event.action : "modifydbinstance"`, true},
		{"colon takes wildcards", `event.action : "modify*inst?nce"`, true},
		{"colon list", `event.action : ("Delete*", "*dbinstance")`, true},
		{"colon must match the whole value", `event.action : "Modify"`, false},
		{"like is case-sensitive", `event.action like "modify*"`, false},
		{"like with wildcards", `event.action like "Modify*"`, true},
		{"like tilde is case-insensitive", `event.action like~ "modify*"`, true},
		{"in is case-sensitive", `event.action in ("modifydbinstance", "X")`, false},
		{"in tilde is case-insensitive", `event.action in~ ("modifydbinstance", "X")`, true},
		{"not in", `event.action not in ("A", "B")`, true},
		{"not in tilde", `event.action not in~ ("modifyDBinstance")`, false},
		{"not-equal", `event.action != "X"`, true},
		{"not-equal on a missing field holds (must_not)", `missing.field != "X"`, true},
		{"equal on a missing field fails", `missing.field == "X"`, false},
		{"missing field is null", `missing.field == null`, true},
		{"present field is not null", `event.action != null`, true},
		{"optional field syntax", `?missing.field == null`, true},
		{"not of a predicate on a missing field holds", `not missing.field : "x"`, true},
		{"number compare", `source.port > 5000 and source.port <= 5432`, true},
		{"number equality", `source.port == 5432`, true},
		{"string field compared numerically", `source.port < 100`, false},
		{"cidrMatch", `cidrMatch(source.ip, "192.168.0.0/16", "10.0.0.0/8")`, true},
		{"cidrMatch outside", `cidrMatch(source.ip, "192.168.0.0/16")`, false},
		{"stringContains is case-sensitive", `stringContains(aws.cloudtrail.request_parameters, "publiclyaccessible=true")`, false},
		{"stringContains finds a substring", `stringContains(aws.cloudtrail.request_parameters, "publiclyAccessible=true")`, true},
		{"stringContains tilde", `stringContains~(aws.cloudtrail.request_parameters, "PUBLICLYACCESSIBLE=TRUE")`, true},
		{"stringContains star is a wildcard (assumed, unconfirmed)", `stringContains(aws.cloudtrail.request_parameters, "masterUserPassword=*")`, true},
		{"stringContains question mark is a wildcard (assumed, unconfirmed)", `stringContains(aws.cloudtrail.request_parameters, "db-?,")`, true},
		{"startsWith", `startsWith(user_agent.original, "aws-cli/")`, true},
		{"startsWith is case-sensitive", `startsWith(user_agent.original, "AWS-CLI/")`, false},
		{"startsWith tilde", `startsWith~(user_agent.original, "AWS-CLI/")`, true},
		{"endsWith", `endsWith(user_agent.original, "3.11")`, true},
		{"regex matches the whole value", `event.action regex "Modify"`, false},
		{"regex with dot-star", `event.action regex "Modify.*"`, true},
		{"regex is case-sensitive", `event.action regex "modify.*"`, false},
		{"regex tilde", `event.action regex~ "modify.*"`, true},
		{"regex list", `event.action regex ("Delete.*", "Mod[a-z]+DBInstance")`, true},
		{"regex digit shorthand (Lucene 9)", `source.address regex """\d+\.\d+\.\d+\.\d+"""`, true},
		{"multi-valued field matches any element", `tags : "b"`, true},
		{"multi-valued field with ==", `tags == "b"`, false},
		{"flattened field holds strings", `aws.cloudtrail.flattened.request_parameters.publiclyAccessible == "true"`, true},
		{"boolean precedence", `event.action == "X" or event.outcome == "success" and user.name == "Admin"`, true},
		{"not binds tighter than and", `not event.action == "X" and user.name == "Admin"`, true},
		{"parentheses", `(event.action == "X" or event.outcome == "success") and user.name == "nobody"`, false},
		{"length", `length(user.name) == 5`, true},
		{"string and concat", `concat(user.name, "-", string(source.port)) == "Admin-5432"`, true},
		{"true literal", `true`, true},
		{"escaped field name", "`event`.`action` == \"ModifyDBInstance\"", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseExpr(tc.name, tc.cond)
			require.NoError(t, err)
			assert.Equal(t, tc.want, Holds(e, d), tc.cond)
		})
	}
}

func TestCategory(t *testing.T) {
	d := doc(t, modifyDoc)
	q, err := Parse("q", `any where true`)
	require.NoError(t, err)
	assert.True(t, q.Event.Matches(d))
	// CloudTrail RDS events carry no event.category, so `info where` (used by
	// two of Elastic's RDS rules) matches nothing on them in Elasticsearch.
	q, err = Parse("q", `info where true`)
	require.NoError(t, err)
	assert.False(t, q.Event.Matches(d))
	q, err = Parse("q", `database where true`)
	require.NoError(t, err)
	assert.True(t, q.Event.Matches(doc(t, `{"event":{"category":["database"]}}`)))
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ query, want string }{
		{`any where a = "x"`, `q:1:13: use == instead of = to compare`},
		{`any where a == 'x'`, `q:1:16: single-quoted strings are not supported; use " or """`},
		{`any where a == "x\q"`, `q:1:16: invalid escape sequence \q in string`},
		{`any where foo(a)`, `q:1:11: unknown function "foo"`},
		{`any where startsWith(a)`, `q:1:11: function startsWith takes 2 arguments, got 1`},
		{`any where cidrMatch(a, "10.0.0.0/33")`, `q:1:11: cidrMatch: invalid CIDR "10.0.0.0/33"`},
		{`any where length~(a) == 1`, `q:1:11: function length has no case-insensitive (~) form`},
		{`any where a regex "(ab"`, `q:1:19: invalid regex "(ab": at offset 3: missing )`},
		{`any where a regex "a~b"`, `q:1:19: invalid regex "a~b": at offset 2: complement (~) is not supported`},
		{`sequence with maxspan=5x [any where a] [any where b]`, `q:1:23: unknown time unit "x" in maxspan (use ms, s, m, h or d)`},
		{`sequence [any where a] by x [any where b]`, `q:1:1: sequence queries have different numbers of join keys (1 and 0)`},
		{`any where a == "x" | head 5`, `q:1:20: pipe "head" is not supported by sigforge's EQL evaluator`},
		{"any where a ==", `q:1:15: unexpected token "<EOF>"`},
		{"ANY WHERE a == 1", `q:1:5: unexpected token "WHERE"`},
		{`where a == 1`, `q:1:1: unexpected token "where"`},
		{`sequence [any where a]`, `q:1:23: unexpected token "<EOF>"`},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			_, err := Parse("q", tc.query)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), tc.want), "got %q, want prefix %q", err, tc.want)
		})
	}
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{``, `plain`, `a"b`, `back\slash`, "tab\tnl\ncr\r", "bell\x07", `ünï`, `*?`, `\"\\`} {
		e, err := ParseExpr("q", "a == "+Quote(s))
		require.NoError(t, err, s)
		assert.Equal(t, s, e.(*Compare).Right.(*Literal).Value.Str)
	}
	e, err := ParseExpr("q", `a == "\u{41}\u{1F600}"`)
	require.NoError(t, err)
	assert.Equal(t, "A\U0001F600", e.(*Compare).Right.(*Literal).Value.Str)
	e, err = ParseExpr("q", `a == """raw \d "quoted" string"""`)
	require.NoError(t, err)
	assert.Equal(t, `raw \d "quoted" string`, e.(*Compare).Right.(*Literal).Value.Str)
}

func TestPrintParseIdempotent(t *testing.T) {
	for _, q := range []string{
		`any where a == "x" and (b : "y*" or not c in~ ("p", "q")) and stringContains~(d, "e")`,
		`sequence by user.name with maxspan=90s [any where a == 1] by x [any where b like ("k?", "z")] by y until [any where c != null]`,
		"any where `weird-field`.`and` == true and ?opt regex~ \"a.*\"",
	} {
		p1, err := Parse("q", q)
		require.NoError(t, err)
		p2, err := Parse("q", p1.String())
		require.NoError(t, err, p1.String())
		assert.Equal(t, p1.String(), p2.String())
	}
}

func at(t *testing.T, js string, sec int) Doc {
	return Doc{Fields: doc(t, js), Time: time.Date(2024, 1, 1, 0, 0, sec, 0, time.UTC)}
}

func TestSequence(t *testing.T) {
	q, err := Parse("q", `sequence by user.name with maxspan=1m
  [any where event.action == "A"]
  [any where event.action == "B"]
until [any where event.action == "STOP"]`)
	require.NoError(t, err)
	a := func(user string, sec int) Doc {
		return at(t, `{"event":{"action":"A"},"user":{"name":"`+user+`"}}`, sec)
	}
	b := func(user string, sec int) Doc {
		return at(t, `{"event":{"action":"B"},"user":{"name":"`+user+`"}}`, sec)
	}
	stop := func(user string, sec int) Doc {
		return at(t, `{"event":{"action":"STOP"},"user":{"name":"`+user+`"}}`, sec)
	}
	cases := []struct {
		name string
		docs []Doc
		want bool
	}{
		{"in order within maxspan", []Doc{a("u", 0), b("u", 30)}, true},
		{"out of order", []Doc{b("u", 0), a("u", 30)}, false},
		{"beyond maxspan", []Doc{a("u", 0), b("u", 61)}, false},
		{"later start fits maxspan", []Doc{a("u", 0), a("u", 50), b("u", 100)}, true},
		{"different join keys", []Doc{a("u", 0), b("v", 10)}, false},
		{"until breaks the sequence", []Doc{a("u", 0), stop("u", 5), b("u", 10)}, false},
		{"until of another key does not", []Doc{a("u", 0), stop("v", 5), b("u", 10)}, true},
		{"missing join key joins nothing (assumed)", []Doc{at(t, `{"event":{"action":"A"}}`, 0), at(t, `{"event":{"action":"B"}}`, 1)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, q.Run(tc.docs)) })
	}
}

func TestSequenceOneEventFillsOneStep(t *testing.T) {
	q, err := Parse("q", `sequence [any where x == 1] [any where x == 1]`)
	require.NoError(t, err)
	assert.False(t, q.Run([]Doc{at(t, `{"x":1}`, 0)}))
	assert.True(t, q.Run([]Doc{at(t, `{"x":1}`, 0), at(t, `{"x":1}`, 1)}))
}

func TestToLucene(t *testing.T) {
	cases := []struct {
		re    string
		flags RegexFlags
		want  string
		err   string
	}{
		{re: `abc`, want: `.*abc.*`},
		{re: `^abc$`, want: `abc`},
		{re: `^a|b$`, want: `(a.*|.*b)`},
		{re: `(^[a-z]{4}$)|(^[a-z]{8}$)`, want: `(([a-z]{4})|([a-z]{8}))`},
		{re: `(^|/)\.x`, want: `((()|.*\/))\.x.*`},
		{re: `\d+\.\d{1,3}`, want: `.*[0-9]+\.[0-9]{1,3}.*`},
		{re: `(?:ab)+c*?`, want: `.*(ab)+c*.*`},
		{re: `a.b`, want: ".*a[^\n]b.*"},
		{re: `a.b`, flags: RegexFlags{DotAll: true}, want: `.*a.b.*`},
		{re: `"#@&<>~`, want: `.*\"\#\@\&\<\>\~.*`},
		{re: `(?i)ab`, want: `.*[Aa][Bb].*`},
		{re: `[^a-c]x`, want: ".*[\x00-\\`d-\\\U0010ffff]x.*"},
		{re: `a\bb`, err: "word boundaries"},
		{re: `a^b`, err: "anchor"},
		{re: `^a`, flags: RegexFlags{Multiline: true}, err: "multiline"},
		{re: `(`, err: "invalid regular expression"},
	}
	for _, tc := range cases {
		t.Run(tc.re, func(t *testing.T) {
			got, err := ToLucene(tc.re, tc.flags)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestToLuceneAgreesWithRE2 checks that the translated Lucene regex,
// run by the evaluator, gives RE2's search verdict.
func TestToLuceneAgreesWithRE2(t *testing.T) {
	res := []string{`abc`, `^abc`, `abc$`, `^a|b$`, `\d{3}-\d+`, `[A-Z][a-z]+DB`, `(?i)modify`, `x?y+z*`, `a.c`, `(foo|bar)baz`, `\.\*\?`, `[\w.-]+@`}
	inputs := []string{"", "abc", "xabcx", "ab", "a", "b", "123-45", "x123-", "ModifyDB", "MODIFY", "yz", "a\nc", "foobaz", "barbaz", ".*?", "john.doe@x", "AmazonDB"}
	for _, re := range res {
		lucene, err := ToLucene(re, RegexFlags{})
		require.NoError(t, err, re)
		compiled, err := LuceneRegexp(lucene, false)
		require.NoError(t, err, lucene)
		for _, in := range inputs {
			want := mustRE2(t, re).MatchString(in)
			assert.Equal(t, want, compiled.MatchString(in), "re %q lucene %q input %q", re, lucene, in)
		}
	}
}

// A flat parameter string longer than ignore_above (8191) is not indexed:
// no condition finds it, not even a null check, as for KQL and Lucene.
func TestEvalIgnoreAbove(t *testing.T) {
	long := "{a=" + strings.Repeat("x", 8200) + ", publiclyAccessible=true}"
	d := map[string]any{"aws": map[string]any{"cloudtrail": map[string]any{"request_parameters": long, "response_elements": "{b=1}"}}}
	for q, want := range map[string]bool{
		`any where stringContains(aws.cloudtrail.request_parameters, "publiclyAccessible=true")`: false,
		`any where aws.cloudtrail.request_parameters != null`:                                    false,
		`any where aws.cloudtrail.response_elements != null`:                                     true,
	} {
		p, err := Parse("ignore_above", q)
		require.NoError(t, err, q)
		assert.Equal(t, want, p.Event.Matches(d), q)
	}
}
