package kql

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/event"
)

// The expected trees agree with Kibana 8.9's parser (kbn-es-query 1.0.7,
// probed through backends/kql/testdata/kbn/kql.js).
func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{``, `match_all`},
		{`  `, `match_all`},
		{`*:*`, `match_all`},
		{`event.action:CreateDBSecurityGroup and event.outcome:success`, `and(event.action is CreateDBSecurityGroup, event.outcome is success)`},
		{`a:b c`, `a is b c`},   // whitespace belongs to the value
		{`a:b or`, `a is b or`}, // a trailing keyword without a following space is text
		{`a: b `, `a is b`},     // trimmed
		{`a:foo\:bar`, `a is foo:bar`},
		{`a:"x\b"`, `a is "x\\b"`}, // other backslashes stay in quoted strings
		{`a:"x\"y\\z\t"`, `a is "x\"y\\z\t"`},
		{`a:x?y`, `a is x?y`}, // ? is no wildcard
		{`a:*`, `a exists`},
		{`a:"*"`, `a is "*"`},
		{`a:\*b*`, `a is \*b*`},
		{`a:b\or`, `a is bor`},
		{`a:\not b`, `a is ot b`}, // \n is a newline, then trimmed
		{`a:can\not stop`, "a is can\not stop"},
		{`a:\NOT b`, `a is NOT b`},
		{`a:\tab`, `a is ab`}, // escaped whitespace is trimmed too
		{`a:x \or y`, `a is x or y`},
		{`a:\u0041`, `a is A`},
		{`a:nota`, `a is nota`},
		{`a b:c`, `a b is c`},
		{`"a b":c`, `a b is c`},
		{`x`, `<any> is x`},
		{`"x y"`, `<any> is "x y"`},
		{`a < 5`, `a < 5`},
		{`a>="2024-01-01"`, `a >= "2024-01-01"`},
		{`a:(b or c and not d)`, `or(a is b, and(a is c, not(a is d)))`},
		{`a:(b c)`, `a is b c`},
		{`a:(not b)`, `not(a is b)`},
		{`a:{b:c}`, `a nested a.b is c`},
		{`not a:b or c:d and e:f`, `or(not(a is b), and(c is d, e is f))`},
		{`NOT a:b AnD c:d Or e:f`, `or(and(not(a is b), c is d), e is f)`},
		{`(a:b or c:d) and e:f`, `and(or(a is b, c is d), e is f)`},
		{`a:x y or z`, `or(a is x y, <any> is z)`},
		{`a:(("x" or y*) and not z)`, `and(or(a is "x", a is y*), not(a is z))`},
	} {
		n, err := Parse(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, n.String(), tc.in)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a:cannot b`, `1:6: unexpected token "not"`}, // "not " ends a literal anywhere
		{`a:b not c`, `1:5: unexpected token "not"`},
		{`not(a:b)`, `1:4: unexpected token "("`}, // not needs whitespace after it
		{`a:x\ y`, `1:4: invalid escape sequence`},
		{`a:b\`, `1:4: invalid escape sequence`},
		{`a:"b`, `1:3: unterminated quoted string`},
		{`a:  `, `1:5: unexpected token "<EOF>"`},
		{`not not a:b`, `1:5: unexpected token "not"`},
		{`a:(b or`, `1:8: unexpected token "<EOF>"`},
		{`a:b && c:d`, `unexpected`},
		{"a:b\nand (c:d", `2:`},
	} {
		_, err := Parse(tc.in)
		require.Error(t, err, tc.in)
		assert.Contains(t, err.Error(), tc.want, tc.in)
	}
}

var doc = map[string]any{
	"@timestamp": "2024-10-10T15:21:35.000Z",
	"event":      map[string]any{"action": "ModifyDBInstance", "provider": "rds.amazonaws.com", "outcome": "success", "type": []any{"info"}},
	"source":     map[string]any{"address": "216.160.83.56", "ip": "216.160.83.56"},
	"aws": map[string]any{"cloudtrail": map[string]any{
		"request_parameters": "{dBInstanceIdentifier=db-1, publiclyAccessible=true}",
		"read_only":          false,
		"flattened":          map[string]any{"request_parameters": map[string]any{"publiclyAccessible": true, "port": jsonNumber("3306")}},
	}},
	"user_agent": map[string]any{"original": "aws-cli/2.17 Python/3.12"},
	"message":    `2024-10-10 15:21:35 UTC::@:[123]:FATAL:  password authentication failed for user "app"`,
	"empty":      nil,
}

func TestEval(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{`event.action:ModifyDBInstance`, true},
		{`event.action:modifydbinstance`, false}, // keyword fields are case-sensitive
		{`event.action:"ModifyDBInstance"`, true},
		{`event.action:Modify*`, true},
		{`event.action:modify*`, false},
		{`event.action:"Modify*"`, false}, // quoted * is literal
		{`event.action:Modify`, false},
		{`event.type:info`, true}, // any element of an array
		{`event.action:(CreateDBInstance or ModifyDBInstance)`, true},
		{`event.action:(CreateDBInstance or DeleteDBInstance)`, false},
		{`not event.action:ModifyDBInstance`, false},
		{`event.outcome:* and not aws.cloudtrail.error_code:*`, true},
		{`empty:*`, false},
		{`aws.cloudtrail.flattened.request_parameters:*`, true},
		{`aws.cloudtrail.request_parameters:*publiclyAccessible=true*`, true},
		{`aws.cloudtrail.request_parameters:*publiclyAccessible=false*`, false},
		{`aws.cloudtrail.flattened.request_parameters.publiclyAccessible:true`, true},
		{`aws.cloudtrail.flattened.request_parameters.port:3306`, true},
		{`aws.cloudtrail.read_only:false`, true},
		{`source.ip:216.160.0.0/16`, true},
		{`source.ip:"216.160.83.56"`, true},
		{`source.ip:10.0.0.0/8`, false},
		{`source.address:216.160.0.0/16`, false}, // keyword: no cidr
		{`user_agent.original:aws-cli*`, true},
		{`user_agent.original:aws-cli/2.17 Python/3.12`, true},
		{`@timestamp >= "2024-10-10T00:00:00Z" and @timestamp < "2024-10-11"`, true},
		{`@timestamp:"2024-10-10T15:21:35Z"`, true},
		{`aws.cloudtrail.flattened.request_parameters.port > 999`, false}, // keyword ranges compare strings: "3306" < "999"
		{`ModifyDBInstance`, true},                                        // free text
		{`modifydbinstance`, false},
		{`*:*`, true},
		{`missing:x or event.action:ModifyDBInstance and event.outcome:success`, true},
		// message is analyzed text: token by token, case-insensitive
		{`message:"Password Authentication failed"`, true},
		{`message:"authentication password"`, false},
		{`message:fatal`, true},
		{`message:auth*`, true},
		{`message:"password authentication failed for user \"app\""`, true},
		{`message:*authentication failed*`, false}, // a wildcard matches one token
	} {
		n, err := Parse(tc.q)
		require.NoError(t, err, tc.q)
		got, err := Eval(n, doc, ECSSchema())
		require.NoError(t, err, tc.q)
		assert.Equal(t, tc.want, got, tc.q)
	}
}

// A flat parameter string longer than ignore_above (8191) is not indexed:
// neither a pattern nor exists finds it.
func TestEvalIgnoreAbove(t *testing.T) {
	long := "{a=" + strings.Repeat("x", 8200) + ", publiclyAccessible=true}"
	d := map[string]any{"aws": map[string]any{"cloudtrail": map[string]any{"request_parameters": long, "response_elements": "{b=1}"}}}
	for q, want := range map[string]bool{
		`aws.cloudtrail.request_parameters:*publiclyAccessible=true*`: false,
		`aws.cloudtrail.request_parameters:*`:                         false,
		`aws.cloudtrail.response_elements:*`:                          true,
	} {
		n, err := Parse(q)
		require.NoError(t, err)
		got, err := Eval(n, d, ECSSchema())
		require.NoError(t, err)
		assert.Equal(t, want, got, q)
	}
}

func TestEvalNestedIsRefused(t *testing.T) {
	n, err := Parse(`a:{b:c}`)
	require.NoError(t, err)
	_, err = Eval(n, doc, ECSSchema())
	require.ErrorIs(t, err, ErrNested)
}

func TestFormatRoundTrip(t *testing.T) {
	for _, v := range []Value{
		{Parts: []Part{{Text: "a:b(c)<d>\"e\"{f}\\g"}}},
		{Parts: []Part{{Text: "x or y and z"}}},
		{Parts: []Part{{Text: "cannot stop"}}},
		{Parts: []Part{{Text: "Not now"}}},
		{Parts: []Part{{Text: "not now"}}},
		{Parts: []Part{{Wildcard: true}, {Text: "masterUserPassword="}, {Wildcard: true}}},
		{Parts: []Part{{Text: "tab\there"}}},
		{Quoted: true, Parts: []Part{{Text: " spaced \"quoted\" \\ "}}},
	} {
		text, err := FormatValue(v)
		require.NoError(t, err)
		n, err := Parse("f:" + text)
		require.NoError(t, err, text)
		is, ok := n.(*Is)
		require.True(t, ok, "%s parsed as %s", text, n)
		assert.Equal(t, v, is.Value, text)
	}
	_, err := FormatValue(Value{Parts: []Part{{Text: " lead"}, {Wildcard: true}}})
	require.ErrorContains(t, err, "cannot start with whitespace")
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`event.action:CreateDBSecurityGroup and event.outcome:success`, `a:(b or c and not d)`, `a:"x\"y"`,
		`not a:b or c:d`, `a:{b:c}`, `a >= 5`, `a:\*b*`, `a:b\or c`, `"a b":c`, `*:*`, `a:x y or z`, `a:(not b)`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 512 {
			return
		}
		n, err := Parse(s)
		if err != nil {
			var pe *Error
			if assert.ErrorAs(t, err, &pe) {
				assert.GreaterOrEqual(t, pe.Line, 1)
				assert.GreaterOrEqual(t, pe.Col, 1)
			}
			return
		}
		_, _ = Eval(n, doc, ECSSchema())
		text, err := Format(n)
		if err != nil {
			return // nested queries and values Kibana trims cannot be re-printed
		}
		back, err := Parse(text)
		require.NoError(t, err, "Format(Parse(%q)) = %q does not parse", s, text)
		require.Equal(t, n.String(), back.String(), "round trip of %q through %q", s, text)
	})
}

func TestLookupSeesMappedFields(t *testing.T) {
	vs, ok := event.Lookup(doc, "aws.cloudtrail.flattened.request_parameters.port")
	require.True(t, ok)
	require.Len(t, vs, 1)
}

func jsonNumber(s string) any { return json.Number(s) }

func TestGlob(t *testing.T) {
	p := func(s string) []Part {
		n, err := Parse("f:" + s)
		require.NoError(t, err)
		return n.(*Is).Value.Parts
	}
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"a*a", "a", false}, {"a*a", "aa", true}, {"*ab*b", "ab", false}, {"*ab*b", "abb", true},
		{"*x*", "x", true}, {"x*", "x", true}, {"*x", "yx", true}, {"*x", "xy", false},
		{"**************y", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{`\**`, "*x", true}, {`\**`, "x", false},
	} {
		assert.Equal(t, tc.want, glob(p(tc.pattern), tc.s), "%s ~ %s", tc.pattern, tc.s)
	}
}
