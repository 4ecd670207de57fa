package eval

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

func match(field string, op ir.Op, vals ...ir.Value) *ir.Match {
	return &ir.Match{Field: field, Op: op, Values: vals}
}

func cased(m *ir.Match) *ir.Match { m.Cased = true; return m }
func all(m *ir.Match) *ir.Match   { m.All = true; return m }
func and(args ...ir.Expr) *ir.And { return &ir.And{Args: args} }
func or(args ...ir.Expr) *ir.Or   { return &ir.Or{Args: args} }
func not(arg ir.Expr) *ir.Not     { return &ir.Not{Arg: arg} }
func str(s string) ir.Value       { return ir.Str(s) }
func pat(s string) ir.Value       { return ir.Pattern(s) }
func num(f float64) ir.Value      { return ir.NumValue(f) }
func boolean(b bool) ir.Value     { return ir.BoolValue(b) }
func regex(m *ir.Match, flags string) *ir.Match {
	for _, f := range flags {
		switch f {
		case 'i':
			m.Regex.IgnoreCase = true
		case 'm':
			m.Regex.Multiline = true
		case 's':
			m.Regex.DotAll = true
		}
	}
	return m
}

func fields(t testing.TB, js string) map[string]any {
	t.Helper()
	f, err := event.Decode([]byte(js))
	require.NoError(t, err, js)
	return f
}

type evalCase struct {
	name  string
	expr  ir.Expr
	event string
	want  bool
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := CompileExpr(tc.expr)
			require.NoError(t, err)
			got := e.MatchFields(fields(t, tc.event))
			assert.Equal(t, tc.want, got, "%s on %s", ir.Format(tc.expr), tc.event)
		})
	}
}

func TestEqualStrings(t *testing.T) {
	runCases(t, []evalCase{
		{"exact", match("a", ir.OpEqual, str("ModifyDBInstance")), `{"a":"ModifyDBInstance"}`, true},
		{"exact is case-insensitive", match("a", ir.OpEqual, str("modifydbinstance")), `{"a":"ModifyDBInstance"}`, true},
		{"exact no substring", match("a", ir.OpEqual, str("Modify")), `{"a":"ModifyDBInstance"}`, false},
		{"cased exact differs", cased(match("a", ir.OpEqual, str("modifydbinstance"))), `{"a":"ModifyDBInstance"}`, false},
		{"cased exact same", cased(match("a", ir.OpEqual, str("ModifyDBInstance"))), `{"a":"ModifyDBInstance"}`, true},
		{"unicode folding", match("a", ir.OpEqual, str("ÄRGER")), `{"a":"ärger"}`, true},
		{"unicode folding kelvin sign", match("a", ir.OpEqual, str("k")), `{"a":"\u212a"}`, true},
		{"unicode folding long s", match("a", ir.OpEqual, pat("*s")), `{"a":"ab\u017f"}`, true},
		{"cased unicode", cased(match("a", ir.OpEqual, str("ÄRGER"))), `{"a":"ärger"}`, false},
		{"empty string matches empty", match("a", ir.OpEqual, str("")), `{"a":""}`, true},
		{"empty string does not match null", match("a", ir.OpEqual, str("")), `{"a":null}`, false},
		{"empty string does not match absent", match("a", ir.OpEqual, str("")), `{}`, false},
		{"empty string does not match text", match("a", ir.OpEqual, str("")), `{"a":"x"}`, false},
		{"list is OR", match("a", ir.OpEqual, str("x"), str("y")), `{"a":"y"}`, true},
		{"list is OR none", match("a", ir.OpEqual, str("x"), str("y")), `{"a":"z"}`, false},
		{"all on scalar needs every value", all(match("a", ir.OpEqual, pat("*x*"), pat("*y*"))), `{"a":"xy"}`, true},
		{"all on scalar missing one", all(match("a", ir.OpEqual, pat("*x*"), pat("*y*"))), `{"a":"xx"}`, false},
		{"string matches number text", match("port", ir.OpEqual, str("3306")), `{"port":3306}`, true},
		{"string matches number text as written", match("port", ir.OpEqual, str("3306")), `{"port":3306.0}`, false},
		{"wildcard on number text", match("port", ir.OpEqual, pat("33*")), `{"port":3306}`, true},
		{"string matches bool text", match("b", ir.OpEqual, str("TRUE")), `{"b":true}`, true},
		{"string vs bool false", match("b", ir.OpEqual, str("true")), `{"b":false}`, false},
		{"string does not match object", match("o", ir.OpEqual, pat("*")), `{"o":{"x":1}}`, false},
		{"string with special characters", match("a", ir.OpEqual, str(`C:\Windows\x (1)`)), `{"a":"c:\\windows\\X (1)"}`, true},
		{"literal star is not a wildcard", match("a", ir.OpEqual, ir.Value{Kind: ir.KindString, Parts: []ir.Part{{Kind: ir.Literal, Text: "a*b"}}}), `{"a":"axxb"}`, false},
		{"literal star matches itself", match("a", ir.OpEqual, ir.Value{Kind: ir.KindString, Parts: []ir.Part{{Kind: ir.Literal, Text: "a*b"}}}), `{"a":"A*B"}`, true},
	})
}

func TestWildcards(t *testing.T) {
	runCases(t, []evalCase{
		{"star matches anything", match("a", ir.OpEqual, pat("*")), `{"a":"x"}`, true},
		{"star matches empty", match("a", ir.OpEqual, pat("*")), `{"a":""}`, true},
		{"star does not match null", match("a", ir.OpEqual, pat("*")), `{"a":null}`, false},
		{"star does not match absent", match("a", ir.OpEqual, pat("*")), `{}`, false},
		{"prefix", match("a", ir.OpEqual, pat("arn:aws:iam::*")), `{"a":"ARN:aws:iam::1:role/x"}`, true},
		{"prefix miss", match("a", ir.OpEqual, pat("arn:aws:iam::*")), `{"a":"arn:aws:sts::1"}`, false},
		{"suffix", match("a", ir.OpEqual, pat("*.amazonaws.com")), `{"a":"rds.amazonaws.com"}`, true},
		{"suffix miss", match("a", ir.OpEqual, pat("*.amazonaws.com")), `{"a":"rds.amazonaws.com.evil"}`, false},
		{"contains", match("a", ir.OpEqual, pat("*public*")), `{"a":"publiclyAccessible=true"}`, true},
		{"contains miss", match("a", ir.OpEqual, pat("*public*")), `{"a":"private"}`, false},
		{"question mark is one character", match("a", ir.OpEqual, pat("db?")), `{"a":"db1"}`, true},
		{"question mark needs one character", match("a", ir.OpEqual, pat("db?")), `{"a":"db"}`, false},
		{"question mark is exactly one", match("a", ir.OpEqual, pat("db?")), `{"a":"db12"}`, false},
		{"question mark is one rune", match("a", ir.OpEqual, pat("d?b")), `{"a":"dšb"}`, true},
		{"middle segments in order", match("a", ir.OpEqual, pat("a*b*c")), `{"a":"a-b-c"}`, true},
		{"middle segments out of order", match("a", ir.OpEqual, pat("a*b*c")), `{"a":"a-c-b"}`, false},
		{"last segment cannot overlap first", match("a", ir.OpEqual, pat("ab*ba")), `{"a":"aba"}`, false},
		{"last segment adjacent to first", match("a", ir.OpEqual, pat("ab*ba")), `{"a":"abba"}`, true},
		{"mixed wildcards", match("a", ir.OpEqual, pat("*-?-*")), `{"a":"x-1-y"}`, true},
		{"mixed wildcards miss", match("a", ir.OpEqual, pat("*-?-*")), `{"a":"x-12-y"}`, false},
		{"cased wildcard", cased(match("a", ir.OpEqual, pat("*Admin*"))), `{"a":"role/admin"}`, false},
		{"folded wildcard", match("a", ir.OpEqual, pat("*Admin*")), `{"a":"role/ADMIN"}`, true},
	})
}

func TestNumbersAndBools(t *testing.T) {
	runCases(t, []evalCase{
		{"number equals json number", match("n", ir.OpEqual, num(5432)), `{"n":5432}`, true},
		{"number equals json float form", match("n", ir.OpEqual, num(5432)), `{"n":5432.0}`, true},
		{"number equals numeric string", match("n", ir.OpEqual, num(5432)), `{"n":"5432"}`, true},
		{"number vs other number", match("n", ir.OpEqual, num(5432)), `{"n":5433}`, false},
		{"number vs non-numeric string", match("n", ir.OpEqual, num(5432)), `{"n":"5432x"}`, false},
		{"number vs bool", match("n", ir.OpEqual, num(1)), `{"n":true}`, false},
		{"number vs null", match("n", ir.OpEqual, num(0)), `{"n":null}`, false},
		{"number zero vs empty string", match("n", ir.OpEqual, num(0)), `{"n":""}`, false},
		{"bool true vs json true", match("b", ir.OpEqual, boolean(true)), `{"b":true}`, true},
		{"bool true vs json false", match("b", ir.OpEqual, boolean(true)), `{"b":false}`, false},
		{"bool false vs json false", match("b", ir.OpEqual, boolean(false)), `{"b":false}`, true},
		{"bool true vs string any case", match("b", ir.OpEqual, boolean(true)), `{"b":"True"}`, true},
		{"bool false vs string", match("b", ir.OpEqual, boolean(false)), `{"b":"FALSE"}`, true},
		{"bool vs number 1", match("b", ir.OpEqual, boolean(true)), `{"b":1}`, false},
		{"bool vs null", match("b", ir.OpEqual, boolean(false)), `{"b":null}`, false},
		{"lt", match("n", ir.OpLT, num(10)), `{"n":9}`, true},
		{"lt edge", match("n", ir.OpLT, num(10)), `{"n":10}`, false},
		{"lte edge", match("n", ir.OpLTE, num(10)), `{"n":10}`, true},
		{"lte above", match("n", ir.OpLTE, num(10)), `{"n":10.5}`, false},
		{"gt", match("n", ir.OpGT, num(10)), `{"n":11}`, true},
		{"gt edge", match("n", ir.OpGT, num(10)), `{"n":10}`, false},
		{"gte edge", match("n", ir.OpGTE, num(10)), `{"n":10}`, true},
		{"gte below", match("n", ir.OpGTE, num(10)), `{"n":9.99}`, false},
		{"compare numeric string", match("n", ir.OpGT, num(100)), `{"n":"250"}`, true},
		{"compare non-numeric string", match("n", ir.OpGT, num(100)), `{"n":"lots"}`, false},
		{"compare negative", match("n", ir.OpLT, num(0)), `{"n":-1}`, true},
		{"compare bool never", match("n", ir.OpGTE, num(0)), `{"n":true}`, false},
		{"compare null never", match("n", ir.OpLT, num(1)), `{"n":null}`, false},
		{"compare absent never", match("n", ir.OpLT, num(1)), `{}`, false},
		{"compare array any element", match("n", ir.OpGT, num(10)), `{"n":[1,2,30]}`, true},
		{"compare value as numeric string", match("n", ir.OpGT, str("10")), `{"n":11}`, true},
		{"range by and", and(match("n", ir.OpGTE, num(10)), match("n", ir.OpLT, num(20))), `{"n":15}`, true},
	})
}

func TestNestedPathsAndArrays(t *testing.T) {
	runCases(t, []evalCase{
		{"nested object", match("requestParameters.publiclyAccessible", ir.OpEqual, boolean(true)), `{"requestParameters":{"publiclyAccessible":true}}`, true},
		{"deeply nested", match("a.b.c.d", ir.OpEqual, str("x")), `{"a":{"b":{"c":{"d":"x"}}}}`, true},
		{"dotted key", match("a.b", ir.OpEqual, str("x")), `{"a.b":"x"}`, true},
		{"dotted key inside object", match("a.b.c", ir.OpEqual, str("x")), `{"a":{"b.c":"x"}}`, true},
		{"exact dotted key wins", match("a.b", ir.OpEqual, str("y")), `{"a.b":"x","a":{"b":"y"}}`, false},
		{"missing intermediate", match("a.b.c", ir.OpEqual, pat("*")), `{"a":{"x":1}}`, false},
		{"path through scalar", match("a.b", ir.OpEqual, pat("*")), `{"a":"b"}`, false},
		{"array of scalars any", match("tags", ir.OpEqual, str("prod")), `{"tags":["dev","prod"]}`, true},
		{"array of scalars none", match("tags", ir.OpEqual, str("prod")), `{"tags":["dev","test"]}`, false},
		{"array of objects any", match("items.name", ir.OpEqual, str("b")), `{"items":[{"name":"a"},{"name":"b"}]}`, true},
		{"nested arrays flatten", match("x", ir.OpEqual, str("c")), `{"x":[["a"],["b",["c"]]]}`, true},
		{"array elements through objects", match("a.b.c", ir.OpEqual, num(3)), `{"a":[{"b":[{"c":1},{"c":3}]}]}`, true},
		{"all across elements", all(match("tags", ir.OpEqual, str("dev"), str("prod"))), `{"tags":["dev","prod"]}`, true},
		{"all across elements missing", all(match("tags", ir.OpEqual, str("dev"), str("prod"))), `{"tags":["dev","qa"]}`, false},
		{"not over array is none", not(match("tags", ir.OpEqual, str("prod"))), `{"tags":["dev","prod"]}`, false},
		{"not over array none match", not(match("tags", ir.OpEqual, str("prod"))), `{"tags":["dev"]}`, true},
		{"not over absent", not(match("x", ir.OpEqual, str("a"))), `{}`, true},
		{"empty array never matches", match("tags", ir.OpEqual, pat("*")), `{"tags":[]}`, false},
	})
}

func TestNullAndExists(t *testing.T) {
	exists := func(f string) *ir.Match { return match(f, ir.OpExists) }
	null := func(f string) *ir.Match { return match(f, ir.OpNull) }
	runCases(t, []evalCase{
		{"exists present", exists("a"), `{"a":"x"}`, true},
		{"exists empty string", exists("a"), `{"a":""}`, true},
		{"exists null counts as present", exists("a"), `{"a":null}`, true},
		{"exists absent", exists("a"), `{}`, false},
		{"exists object", exists("a"), `{"a":{}}`, true},
		{"exists empty array", exists("a"), `{"a":[]}`, true},
		{"exists nested", exists("a.b"), `{"a":{"b":0}}`, true},
		{"exists nested absent", exists("a.c"), `{"a":{"b":0}}`, false},
		{"exists through array", exists("a.b"), `{"a":[{"c":1},{"b":2}]}`, true},
		{"exists false (lowered as not)", not(exists("a")), `{}`, true},
		{"exists false explicit bool", match("a", ir.OpExists, boolean(false)), `{}`, true},
		{"exists false explicit bool present", match("a", ir.OpExists, boolean(false)), `{"a":1}`, false},
		{"null absent", null("a"), `{}`, true},
		{"null json null", null("a"), `{"a":null}`, true},
		{"null empty string is not null", null("a"), `{"a":""}`, false},
		{"null value", null("a"), `{"a":"x"}`, false},
		{"null zero", null("a"), `{"a":0}`, false},
		{"null empty array", null("a"), `{"a":[]}`, true},
		{"null array with null element", null("a"), `{"a":["x",null]}`, true},
		{"null array of values", null("a"), `{"a":["x"]}`, false},
		{"null nested absent", null("a.b"), `{"a":{}}`, true},
		{"null nested parent null", null("a.b"), `{"a":null}`, true},
		{"not null", not(null("a")), `{"a":"x"}`, true},
		{"not null on null", not(null("a")), `{"a":null}`, false},
	})
}

func TestRegex(t *testing.T) {
	re := func(expr, flags string) *ir.Match { return regex(match("a", ir.OpRegex, str(expr)), flags) }
	runCases(t, []evalCase{
		{"search not anchored", re("DB", ""), `{"a":"myDBinstance"}`, true},
		{"anchored by the pattern", re("^DB", ""), `{"a":"myDBinstance"}`, false},
		{"case-sensitive by default", re("db", ""), `{"a":"myDBinstance"}`, false},
		{"cased flag ignored (regex is cased)", cased(re("db", "")), `{"a":"myDBinstance"}`, false},
		{"flag i", re("db", "i"), `{"a":"myDBinstance"}`, true},
		{"without m, ^ is start of text", re("^second", ""), `{"a":"first\nsecond"}`, false},
		{"flag m", re("^second$", "m"), `{"a":"first\nsecond\nthird"}`, true},
		{"without s, dot stops at newline", re("first.second", ""), `{"a":"first\nsecond"}`, false},
		{"flag s", re("first.second", "s"), `{"a":"first\nsecond"}`, true},
		{"flags combined", re("^SECOND.THIRD", "ims"), `{"a":"first\nsecond\nthird"}`, true},
		{"alternation and classes", re("^(Create|Delete)DB(Instance|Cluster)$", ""), `{"a":"DeleteDBCluster"}`, true},
		{"repetition", re("^[0-9]{12}$", ""), `{"a":"123456789012"}`, true},
		{"repetition miss", re("^[0-9]{12}$", ""), `{"a":"12345678901"}`, false},
		{"number through text", re("^33", ""), `{"a":3306}`, true},
		{"bool through text", re("^tr", ""), `{"a":true}`, true},
		{"null never", re(".*", ""), `{"a":null}`, false},
		{"absent never", re(".*", ""), `{}`, false},
		{"array any element", re("^prod-", ""), `{"a":["dev-1","prod-2"]}`, true},
		{"any of several", match("a", ir.OpRegex, str("^x$"), str("^y$")), `{"a":"y"}`, true},
		{"all of several", all(match("a", ir.OpRegex, str("x"), str("y"))), `{"a":"xy"}`, true},
		{"all of several miss", all(match("a", ir.OpRegex, str("x"), str("y"))), `{"a":"xx"}`, false},
	})
}

func TestCIDR(t *testing.T) {
	cidr := func(vals ...string) *ir.Match {
		m := match("ip", ir.OpCIDR)
		for _, v := range vals {
			m.Values = append(m.Values, str(v))
		}
		return m
	}
	runCases(t, []evalCase{
		{"v4 inside", cidr("10.0.0.0/8"), `{"ip":"10.20.30.40"}`, true},
		{"v4 outside", cidr("10.0.0.0/8"), `{"ip":"11.0.0.1"}`, false},
		{"v4 network address", cidr("192.168.1.0/24"), `{"ip":"192.168.1.0"}`, true},
		{"v4 broadcast", cidr("192.168.1.0/24"), `{"ip":"192.168.1.255"}`, true},
		{"v4 next network", cidr("192.168.1.0/24"), `{"ip":"192.168.2.0"}`, false},
		{"v4 host bits in prefix are masked", cidr("192.168.1.77/24"), `{"ip":"192.168.1.5"}`, true},
		{"v4 /32", cidr("203.0.113.7/32"), `{"ip":"203.0.113.7"}`, true},
		{"v4 /32 other", cidr("203.0.113.7/32"), `{"ip":"203.0.113.8"}`, false},
		{"v4 /0", cidr("0.0.0.0/0"), `{"ip":"8.8.8.8"}`, true},
		{"bare address", cidr("203.0.113.7"), `{"ip":"203.0.113.7"}`, true},
		{"v6 inside", cidr("2001:db8::/32"), `{"ip":"2001:db8:1::5"}`, true},
		{"v6 outside", cidr("2001:db8::/32"), `{"ip":"2001:db9::1"}`, false},
		{"v6 zone ignored", cidr("fe80::/10"), `{"ip":"fe80::1%eth0"}`, true},
		{"v4 prefix vs v6 address", cidr("10.0.0.0/8"), `{"ip":"2001:db8::1"}`, false},
		{"v4-mapped v6 address", cidr("10.0.0.0/8"), `{"ip":"::ffff:10.1.2.3"}`, true},
		{"v4-mapped v6 prefix", cidr("::ffff:10.0.0.0/104"), `{"ip":"10.1.2.3"}`, true},
		{"list any", cidr("10.0.0.0/8", "172.16.0.0/12"), `{"ip":"172.20.0.1"}`, true},
		{"not an ip", cidr("10.0.0.0/8"), `{"ip":"rds.amazonaws.com"}`, false},
		{"ip with port is not an ip", cidr("10.0.0.0/8"), `{"ip":"10.0.0.1:443"}`, false},
		{"number is not an ip", cidr("0.0.0.0/0"), `{"ip":167772161}`, false},
		{"array any element", cidr("10.0.0.0/8"), `{"ip":["8.8.8.8","10.0.0.1"]}`, true},
		{"null", cidr("0.0.0.0/0"), `{"ip":null}`, false},
		{"not cidr of internal address", not(cidr("10.0.0.0/8")), `{"ip":"10.0.0.1"}`, false},
	})
}

func TestKeywords(t *testing.T) {
	kw := func(vals ...ir.Value) *ir.Match { return match("", ir.OpEqual, vals...) }
	runCases(t, []evalCase{
		{"substring of a string", kw(str("password")), `{"message":"FATAL: password authentication failed"}`, true},
		{"case-insensitive", kw(str("PASSWORD")), `{"message":"password authentication failed"}`, true},
		{"cased", cased(kw(str("PASSWORD"))), `{"message":"password authentication failed"}`, false},
		{"nested strings", kw(str("evil")), `{"a":{"b":["x",{"c":"the evil one"}]}}`, true},
		{"keys are not searched", kw(str("secret")), `{"secret":"x"}`, false},
		{"numbers are not strings", kw(str("3306")), `{"port":3306}`, false},
		{"number keyword in string", kw(num(3306)), `{"message":"listening on 3306"}`, true},
		{"wildcard inside keyword", kw(pat("auth*failed")), `{"message":"authentication failed"}`, true},
		{"question mark keyword", kw(pat("user ?dmin")), `{"message":"user admin logged in"}`, true},
		{"list is OR", kw(str("nope"), str("failed")), `{"message":"authentication failed"}`, true},
		{"all needs every value", all(kw(str("password"), str("failed"))), `{"message":"password authentication failed"}`, true},
		{"all in different strings", all(kw(str("alice"), str("failed"))), `{"user":"alice","message":"failed"}`, true},
		{"all missing one", all(kw(str("password"), str("bob"))), `{"message":"password authentication failed"}`, false},
		{"no match", kw(str("drop table")), `{"message":"select 1"}`, false},
		{"keyword regex", match("", ir.OpRegex, str(`^FATAL:\s+password`)), `{"message":"FATAL:  password authentication failed"}`, true},
	})
}

func TestFieldRef(t *testing.T) {
	ref := func(field, other string) *ir.Match { return match(field, ir.OpFieldRef, str(other)) }
	runCases(t, []evalCase{
		{"equal strings", ref("a", "b"), `{"a":"x","b":"x"}`, true},
		{"equal case-insensitive", ref("a", "b"), `{"a":"X","b":"x"}`, true},
		{"cased", cased(ref("a", "b")), `{"a":"X","b":"x"}`, false},
		{"different", ref("a", "b"), `{"a":"x","b":"y"}`, false},
		{"numbers by value", ref("a", "b"), `{"a":1,"b":1.0}`, true},
		{"number and string by text", ref("a", "b"), `{"a":1,"b":"1"}`, true},
		{"referenced absent", ref("a", "b"), `{"a":"x"}`, false},
		{"own absent", ref("a", "b"), `{"b":"x"}`, false},
		{"null equals nothing", ref("a", "b"), `{"a":null,"b":null}`, false},
		{"nested paths", ref("userIdentity.userName", "requestParameters.userName"), `{"userIdentity":{"userName":"bob"},"requestParameters":{"userName":"bob"}}`, true},
		{"arrays any pair", ref("a", "b"), `{"a":["x","y"],"b":["z","y"]}`, true},
		{"neq via not", not(ref("a", "b")), `{"a":"x","b":"y"}`, true},
		{"several refs any", match("a", ir.OpFieldRef, str("b"), str("c")), `{"a":"x","b":"y","c":"x"}`, true},
		{"several refs all", all(match("a", ir.OpFieldRef, str("b"), str("c"))), `{"a":"x","b":"y","c":"x"}`, false},
	})
}

func TestTimePart(t *testing.T) {
	part := func(p string, op ir.Op, n float64) *ir.Match {
		m := match("eventTime", op, num(n))
		m.TimePart = p
		return m
	}
	const ev = `{"eventTime":"2024-03-05T23:59:30Z"}`
	runCases(t, []evalCase{
		{"minute", part("minute", ir.OpEqual, 59), ev, true},
		{"hour", part("hour", ir.OpEqual, 23), ev, true},
		{"hour miss", part("hour", ir.OpEqual, 22), ev, false},
		{"hour gte", part("hour", ir.OpGTE, 22), ev, true},
		{"day", part("day", ir.OpEqual, 5), ev, true},
		{"month", part("month", ir.OpEqual, 3), ev, true},
		{"year", part("year", ir.OpEqual, 2024), ev, true},
		{"iso week", part("week", ir.OpEqual, 10), ev, true},
		{"offset kept, no conversion", part("hour", ir.OpEqual, 1), `{"eventTime":"2024-03-05T01:00:00+05:00"}`, true},
		{"fractional seconds", part("minute", ir.OpEqual, 7), `{"eventTime":"2024-03-05T10:07:00.123456Z"}`, true},
		{"space separator", part("hour", ir.OpEqual, 10), `{"eventTime":"2024-03-05 10:07:00"}`, true},
		{"epoch seconds", part("year", ir.OpEqual, 2023), `{"eventTime":1700000000}`, true},
		{"epoch millis", part("year", ir.OpEqual, 2023), `{"eventTime":1700000000000}`, true},
		{"not a time", part("hour", ir.OpEqual, 0), `{"eventTime":"yesterday"}`, false},
		{"absent", part("hour", ir.OpEqual, 0), `{}`, false},
	})
}

func TestBooleanStructure(t *testing.T) {
	sel := match("eventName", ir.OpEqual, str("ModifyDBInstance"))
	filter := match("userIdentity.type", ir.OpEqual, str("AWSService"))
	runCases(t, []evalCase{
		{"and both", and(sel, match("eventSource", ir.OpEqual, str("rds.amazonaws.com"))), `{"eventName":"ModifyDBInstance","eventSource":"rds.amazonaws.com"}`, true},
		{"and one", and(sel, match("eventSource", ir.OpEqual, str("rds.amazonaws.com"))), `{"eventName":"ModifyDBInstance","eventSource":"ec2.amazonaws.com"}`, false},
		{"or one", or(sel, filter), `{"eventName":"x","userIdentity":{"type":"AWSService"}}`, true},
		{"or none", or(sel, filter), `{"eventName":"x"}`, false},
		{"sel and not filter", and(sel, not(filter)), `{"eventName":"ModifyDBInstance","userIdentity":{"type":"IAMUser"}}`, true},
		{"sel and not filter filtered", and(sel, not(filter)), `{"eventName":"ModifyDBInstance","userIdentity":{"type":"AWSService"}}`, false},
		{"double not", not(not(sel)), `{"eventName":"ModifyDBInstance"}`, true},
		{"empty and is true", and(), `{}`, true},
		{"empty or is false", or(), `{}`, false},
	})
}

func TestCompileErrors(t *testing.T) {
	pos := func(m *ir.Match) *ir.Match { m.Pos.File, m.Pos.Line, m.Pos.Col = "r.yml", 7, 5; return m }
	cases := []struct {
		name string
		expr ir.Expr
		want string
	}{
		{"bad regex", pos(match("a", ir.OpRegex, str("(unclosed"))), `r.yml:7:5: eval: a: invalid regular expression "(unclosed"`},
		{"pcre lookahead", pos(match("a", ir.OpRegex, str("a(?=b)"))), `invalid regular expression`},
		{"bad cidr", pos(match("a", ir.OpCIDR, str("10.0.0.0/33"))), `r.yml:7:5: eval: a: invalid cidr "10.0.0.0/33"`},
		{"cidr not an address", pos(match("a", ir.OpCIDR, str("ten"))), `invalid cidr "ten"`},
		{"compare with text", pos(match("a", ir.OpGT, str("abc"))), `> needs a number, got "abc"`},
		{"no values", pos(match("a", ir.OpEqual)), `= without values`},
		{"exists on keyword", match("", ir.OpExists), `exists needs a field`},
		{"cidr keyword", match("", ir.OpCIDR, str("10.0.0.0/8")), `keyword search with operator cidr`},
		{"fieldref wildcard", match("a", ir.OpFieldRef, pat("b*")), `fieldref value must be a field name`},
		{"unknown time part", &ir.Match{Field: "t", Op: ir.OpEqual, Values: []ir.Value{num(1)}, TimePart: "fortnight"}, `unknown time part "fortnight"`},
		{"time part on regex", &ir.Match{Field: "t", Op: ir.OpRegex, Values: []ir.Value{str("1")}, TimePart: "hour"}, `needs a number comparison`},
		{"nil", nil, `nil expression`},
		{"nil inside", and(nil), `nil expression`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CompileExpr(tc.expr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestCompileRule(t *testing.T) {
	r := &ir.Rule{Title: "t", Detection: match("a", ir.OpEqual, str("x"))}
	e, err := Compile(r)
	require.NoError(t, err)
	assert.Same(t, r, e.Rule())
	evs := []event.Event{event.New(fields(t, `{"a":"y"}`), "1"), event.New(fields(t, `{"a":"X"}`), "2")}
	assert.True(t, e.Match(evs[1]))
	assert.True(t, e.Fires(evs))
	assert.False(t, e.Fires(evs[:1]))

	_, err = Compile(&ir.Rule{Title: "c", Correlation: &ir.Correlation{}})
	assert.ErrorContains(t, err, "correlation rule")
	_, err = Compile(&ir.Rule{Title: "empty"})
	assert.ErrorContains(t, err, "no detection")
}

// TestVisitPathAgreesWithLookup checks that the allocation-free walker sees
// exactly the values event.Lookup returns.
func TestVisitPathAgreesWithLookup(t *testing.T) {
	docs := []string{
		`{"a":{"b":{"c":1}},"a.b":{"c":2},"a.b.c":3}`,
		`{"a":{"b.c":"x","b":{"c":"y"}}}`,
		`{"a":[{"b":1},{"b":[2,3]},{"c":4},5]}`,
		`{"a":null,"b":[],"c":[[]],"d":{"e":null}}`,
		`{"x.y":{"z":[{"w":"v"}]}}`,
	}
	paths := []string{"a", "a.b", "a.b.c", "b", "c", "d.e", "x.y.z.w", "x", "a.c", "nope", "a..b", ".a", "a."}
	for _, d := range docs {
		f := fields(t, d)
		for _, p := range paths {
			want, wantFound := event.Lookup(f, p)
			var c collector
			found, _ := visitPath(f, p, &c)
			assert.Equal(t, wantFound, found, "found %s in %s", p, d)
			assert.Equal(t, want, c.vals, "values %s in %s", p, d)
		}
	}
}

type collector struct{ vals []any }

func (c *collector) test(v any) bool { c.vals = append(c.vals, v); return false }

func TestMatchDoesNotAllocate(t *testing.T) {
	e, err := CompileExpr(and(
		match("eventSource", ir.OpEqual, str("rds.amazonaws.com")),
		match("eventName", ir.OpEqual, pat("*DBInstance*"), str("RestoreDBClusterFromSnapshot")),
		match("requestParameters.publiclyAccessible", ir.OpEqual, boolean(true)),
		not(match("sourceIPAddress", ir.OpCIDR, str("10.0.0.0/8"))),
		match("", ir.OpEqual, str("ALLOW")),
	))
	require.NoError(t, err)
	f := fields(t, `{"eventSource":"rds.amazonaws.com","eventName":"ModifyDBInstance","requestParameters":{"publiclyAccessible":true},"sourceIPAddress":"203.0.113.9","x":["allow"]}`)
	require.True(t, e.MatchFields(f))
	allocs := testing.AllocsPerRun(100, func() { e.MatchFields(f) })
	assert.Zero(t, allocs)
}
