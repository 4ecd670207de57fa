package lower_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/lower"
	"github.com/sigforge/sigforge/compiler/sigma"
	"github.com/sigforge/sigforge/compiler/source"
)

// lowerDetection reads a rule whose detection section is det (indented by
// two spaces per line) and lowers it.
func lowerDetection(t *testing.T, det string, opts lower.Options) (*ir.Rule, source.Diagnostics) {
	t.Helper()
	src := "title: t\nlogsource:\n  product: test\ndetection:\n" + det
	docs, ds := sigma.Read("r.yml", []byte(src))
	require.Len(t, docs, 1, "read: %v", ds)
	r, more := lower.Rule(docs[0], opts)
	ds = append(ds, more...)
	ds.Sort()
	return r, ds
}

func TestModifiers(t *testing.T) {
	tests := []struct {
		name, det, want string
	}{
		{"plain string", "  sel:\n    f: abc\n  condition: sel", `f = "abc"`},
		{"list is or", "  sel:\n    f: [a, b]\n  condition: sel", `f = ["a", "b"]`},
		{"map is and", "  sel:\n    f: a\n    g: b\n  condition: sel", `and(f = "a", g = "b")`},
		{"list of maps is or", "  sel:\n    - f: a\n    - g: b\n  condition: sel", `or(f = "a", g = "b")`},
		{"wildcards", "  sel:\n    f: 'a*b?c'\n  condition: sel", `f = "a*b?c"`},
		{"escaped wildcards", `  sel:
    f: 'a\*b\?c\\*'
  condition: sel`, `f = "a\*b\?c\\*"`},
		{"plain backslash stays", `  sel:
    f: 'C:\Windows\x'
  condition: sel`, `f = "C:\\Windows\\x"`},
		{"empty string", "  sel:\n    f: ''\n  condition: sel", `f = ""`},
		{"null", "  sel:\n    f: null\n  condition: sel", `f null`},
		{"null neq", "  sel:\n    f|neq: null\n  condition: sel", `not(f null)`},
		{"int", "  sel:\n    f: 3306\n  condition: sel", `f = 3306`},
		{"float", "  sel:\n    f: 1.5\n  condition: sel", `f = 1.5`},
		{"bool", "  sel:\n    f: true\n  condition: sel", `f = true`},
		{"quoted number is a string", "  sel:\n    f: '3306'\n  condition: sel", `f = "3306"`},
		{"contains", "  sel:\n    f|contains: abc\n  condition: sel", `f = "*abc*"`},
		{"contains keeps existing wildcard", "  sel:\n    f|contains: '*abc'\n  condition: sel", `f = "*abc*"`},
		{"contains empty", "  sel:\n    f|contains: ''\n  condition: sel", `f = "*"`},
		{"contains number", "  sel:\n    f|contains: 42\n  condition: sel", `f = "*42*"`},
		{"startswith", "  sel:\n    f|startswith: abc\n  condition: sel", `f = "abc*"`},
		{"endswith", "  sel:\n    f|endswith: abc\n  condition: sel", `f = "*abc"`},
		{"contains all", "  sel:\n    f|contains|all: [a, b]\n  condition: sel", `f = all["*a*", "*b*"]`},
		{"all", "  sel:\n    f|all: [a, b]\n  condition: sel", `f = all["a", "b"]`},
		{"cased", "  sel:\n    f|cased: Abc\n  condition: sel", `f =cased "Abc"`},
		{"contains cased", "  sel:\n    f|contains|cased: Abc\n  condition: sel", `f =cased "*Abc*"`},
		{"neq", "  sel:\n    f|neq: a\n  condition: sel", `not(f = "a")`},
		{"neq list", "  sel:\n    f|neq: [a, b]\n  condition: sel", `not(f = ["a", "b"])`},
		{"exists true", "  sel:\n    f|exists: true\n  condition: sel", `f exists`},
		{"exists false", "  sel:\n    f|exists: false\n  condition: sel", `not(f exists)`},
		{"re", "  sel:\n    f|re: '^a.*b$'\n  condition: sel", `f re "^a.\*b$"`},
		{"re i m s", "  sel:\n    f|re|i|m|s: 'a.b'\n  condition: sel", `f re/i/m/s "a.b"`},
		{"re long flags", "  sel:\n    f|re|ignorecase|dotall: 'a'\n  condition: sel", `f re/i/s "a"`},
		{"re keeps backslashes", `  sel:
    f|re: '\d+\.\*'
  condition: sel`, `f re "\\d+\\.\\\*"`},
		{"cidr", "  sel:\n    f|cidr: 10.0.0.0/8\n  condition: sel", `f cidr "10.0.0.0/8"`},
		{"cidr v6 list", "  sel:\n    f|cidr: ['10.0.0.0/8', 'fd00::/8']\n  condition: sel", `f cidr ["10.0.0.0/8", "fd00::/8"]`},
		{"gt", "  sel:\n    f|gt: 10\n  condition: sel", `f > 10`},
		{"gte", "  sel:\n    f|gte: 10\n  condition: sel", `f >= 10`},
		{"lt", "  sel:\n    f|lt: 1.5\n  condition: sel", `f < 1.5`},
		{"lte", "  sel:\n    f|lte: 0\n  condition: sel", `f <= 0`},
		{"lt number in a string", "  sel:\n    f|lt: '10'\n  condition: sel", `f < 10`},
		{"fieldref", "  sel:\n    f|fieldref: g\n  condition: sel", `f fieldref "g"`},
		{"fieldref neq", "  sel:\n    f|fieldref|neq: g\n  condition: sel", `not(f fieldref "g")`},
		{"hour", "  sel:\n    t|hour: 3\n  condition: sel", `t|hour = 3`},
		{"minute list", "  sel:\n    t|minute: [0, 30]\n  condition: sel", `t|minute = [0, 30]`},
		{"day", "  sel:\n    t|day: 1\n  condition: sel", `t|day = 1`},
		{"week", "  sel:\n    t|week: 52\n  condition: sel", `t|week = 52`},
		{"month", "  sel:\n    t|month: [1, 12]\n  condition: sel", `t|month = [1, 12]`},
		{"year", "  sel:\n    t|year: 2020\n  condition: sel", `t|year = 2020`},
		{"base64", "  sel:\n    f|base64: cmd\n  condition: sel", `f = "Y21k"`},
		{"base64 contains", "  sel:\n    f|base64|contains: cmd\n  condition: sel", `f = "*Y21k*"`},
		{"base64offset contains", "  sel:\n    f|base64offset|contains: cmd\n  condition: sel", `f = ["*Y21k*", "*NtZ*", "*jbW*"]`},
		{"base64offset longer", "  sel:\n    f|base64offset|contains: /bin/bash\n  condition: sel", `f = ["*L2Jpbi9iYXNo*", "*9iaW4vYmFza*", "*vYmluL2Jhc2*"]`},
		{"utf16le base64", "  sel:\n    f|utf16le|base64: cmd\n  condition: sel", `f = "YwBtAGQA"`},
		{"wide base64", "  sel:\n    f|wide|base64: cmd\n  condition: sel", `f = "YwBtAGQA"`},
		{"utf16be base64", "  sel:\n    f|utf16be|base64: cmd\n  condition: sel", `f = "AGMAbQBk"`},
		{"utf16 bom base64", "  sel:\n    f|utf16|base64: cmd\n  condition: sel", `f = "//5jAG0AZAA="`},
		{"wide base64offset contains", "  sel:\n    f|wide|base64offset|contains: ab\n  condition: sel", `f = ["*YQBiA*", "*EAYg*", "*hAGIA*"]`},
		{"windash", "  sel:\n    f|windash: -x\n  condition: sel", `f = ["-x", "/x", "–x", "—x", "―x"]`},
		{"windash contains", "  sel:\n    f|windash|contains: ' -a '\n  condition: sel", `f = ["* -a *", "* /a *", "* –a *", "* —a *", "* ―a *"]`},
		{"windash skips inner dash", "  sel:\n    f|windash: a-b\n  condition: sel", `f = "a-b"`},
		{"windash two sites", "  sel:\n    f|windash: -a /b\n  condition: sel", `f = ["-a -b", "-a /b", "-a –b", "-a —b", "-a ―b", "/a -b", "/a /b", "/a –b", "/a —b", "/a ―b", "–a -b", "–a /b", "–a –b", "–a —b", "–a ―b", "—a -b", "—a /b", "—a –b", "—a —b", "—a ―b", "―a -b", "―a /b", "―a –b", "―a —b", "―a ―b"]`},
		{"windash all is and of ors", "  sel:\n    f|windash|contains|all: [-a, -b]\n  condition: sel", `and(f = ["*-a*", "*/a*", "*–a*", "*—a*", "*―a*"], f = ["*-b*", "*/b*", "*–b*", "*—b*", "*―b*"])`},
		{"keywords", "  keywords:\n    - evil\n    - 'bad*'\n  condition: keywords", `<keyword> = ["evil", "bad*"]`},
		{"keywords all", "  keywords:\n    '|all':\n      - a\n      - b\n  condition: keywords", `<keyword> = all["a", "b"]`},
		{"keyword scalar", "  keywords: evil\n  condition: keywords", `<keyword> = "evil"`},
		{"keyword numbers are text", "  keywords: [42, true]\n  condition: keywords", `<keyword> = ["42", "true"]`},
		{"nested field path", "  sel:\n    requestParameters.publiclyAccessible: true\n  condition: sel", `requestParameters.publiclyAccessible = true`},
		{"field with space", "  sel:\n    'Some Field': x\n  condition: sel", `Some Field = "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ds := lowerDetection(t, tt.det, lower.Options{})
			require.False(t, ds.HasErrors(), "%v", ds)
			assert.Equal(t, tt.want, ir.Format(r.Detection))
		})
	}
}

// TestModifierErrors checks the code and position of modifier problems;
// the message text is package value's and package lower's to word.
func TestModifierErrors(t *testing.T) {
	tests := []struct{ name, det, want string }{
		{"unknown", "  sel:\n    f|contans: a\n  condition: sel", "r.yml:6:7: SF120"},
		{"unknown second", "  sel:\n    f|contains|al: [a, b]\n  condition: sel", "r.yml:6:16: SF120"},
		{"re after contains", "  sel:\n    f|contains|re: a\n  condition: sel", "r.yml:6:16: SF121"},
		{"time part then comparison", "  sel:\n    t|minute|gte: 30\n  condition: sel", "r.yml:6:14: SF121"},
		{"utf16 alone", "  sel:\n    f|utf16le: cmd\n  condition: sel", "r.yml:6:7: SF121"},
		{"cased re", "  sel:\n    f|re|cased: a\n  condition: sel", "r.yml:6:10: SF121"},
		{"twice", "  sel:\n    f|contains|contains: a\n  condition: sel", "r.yml:6:16: SF121"},
		{"all on one value", "  sel:\n    f|contains|all: a\n  condition: sel", "r.yml:6:5: SF121"},
		{"bad regex", "  sel:\n    f|re: 'a(b'\n  condition: sel", "r.yml:6:11: SF121"},
		{"bad cidr", "  sel:\n    f|cidr: 10.0.0.0\n  condition: sel", "r.yml:6:13: SF121"},
		{"gt on text", "  sel:\n    f|gt: many\n  condition: sel", "r.yml:6:11: SF121"},
		{"exists not bool", "  sel:\n    f|exists: yes\n  condition: sel", "r.yml:6:5: SF121"},
		{"keyword with re", "  kw:\n    '|re': a\n  condition: kw", "r.yml:6:5: SF121"},
		{"null with contains", "  sel:\n    f|contains: null\n  condition: sel", "r.yml:6:5: SF121"},
		{"base64 of wildcard", "  sel:\n    f|base64: 'a*'\n  condition: sel", "r.yml:6:7: SF121"},
		{"too many windash sites", "  sel:\n    f|windash: '-a -b -c -d -e -f'\n  condition: sel", "r.yml:6:7: SF121"},
		{"v1 aggregation", "  sel:\n    f: a\n  condition: sel | count() > 5", "r.yml:7:18: SF110 condition: unexpected character \"|\"; Sigma v1 aggregations"},
		{"hour out of range", "  sel:\n    t|hour: 24\n  condition: sel", "r.yml:6:13: SF121"},
		{"month zero", "  sel:\n    t|month: [1, 0]\n  condition: sel", "r.yml:6:18: SF121"},
		{"fractional minute", "  sel:\n    t|minute: 1.5\n  condition: sel", "r.yml:6:15: SF121"},
		{"unresolved placeholder", "  sel:\n    f|expand: '%nope%'\n  condition: sel", "r.yml:6:15: SF160"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := lowerDetection(t, tt.det, lower.Options{})
			require.True(t, ds.HasErrors(), "no error")
			assert.Contains(t, ds.Errors()[0].Error(), tt.want)
		})
	}
}

func TestExpand(t *testing.T) {
	opts := lower.Options{Placeholders: map[string][]string{
		"accounts": {"111111111111", "222222222222"},
		"admins":   {"root*"},
	}}
	tests := []struct{ name, det, want string }{
		{"one placeholder, two values", "  sel:\n    f|expand: '%accounts%'\n  condition: sel", `f = ["111111111111", "222222222222"]`},
		{"inside text", "  sel:\n    f|expand: 'arn:aws:iam::%accounts%:root'\n  condition: sel", `f = ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"]`},
		{"wildcard in the value", "  sel:\n    f|expand: '%admins%'\n  condition: sel", `f = "root*"`},
		{"escaped percent", `  sel:
    f|expand: '100\%%admins%'
  condition: sel`, `f = "100%root*"`},
		{"neq of a placeholder", "  sel:\n    f|expand|neq: '%accounts%'\n  condition: sel", `not(f = ["111111111111", "222222222222"])`},
		{"percent signs that are no placeholder", "  sel:\n    f|expand: '100% of %admins% at 50%'\n  condition: sel", `f = "100% of root* at 50%"`},
		{"expand without a placeholder warns and keeps the value", "  sel:\n    f|expand: 'plain'\n  condition: sel", `f = "plain"`},
		{"without expand a placeholder is text", "  sel:\n    f: '%accounts%'\n  condition: sel", `f = "%accounts%"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ds := lowerDetection(t, tt.det, opts)
			require.False(t, ds.HasErrors(), "%v", ds)
			assert.Equal(t, tt.want, ir.Format(r.Detection))
		})
	}
}

func TestConditions(t *testing.T) {
	det := `  sel1:
    a: 1
  sel2:
    b: 2
  selx:
    c: 3
  _hidden:
    h: 0
  filter:
    d: 4
`
	tests := []struct{ cond, want string }{
		{"sel1", `a = 1`},
		{"sel1 and sel2", `and(a = 1, b = 2)`},
		{"sel1 or sel2", `or(a = 1, b = 2)`},
		{"not sel1", `not(a = 1)`},
		{"sel1 and not filter", `and(a = 1, not(d = 4))`},
		{"sel1 or sel2 and selx", `or(a = 1, and(b = 2, c = 3))`},
		{"(sel1 or sel2) and selx", `and(or(a = 1, b = 2), c = 3)`},
		{"not (sel1 or sel2)", `not(or(a = 1, b = 2))`},
		{"1 of sel*", `or(a = 1, b = 2, c = 3)`},
		{"any of sel*", `or(a = 1, b = 2, c = 3)`},
		{"all of sel*", `and(a = 1, b = 2, c = 3)`},
		{"1 of them", `or(a = 1, b = 2, c = 3, d = 4)`},
		{"all of them", `and(a = 1, b = 2, c = 3, d = 4)`},
		{"1 of sel1* and not _hidden", `and(a = 1, not(h = 0))`},
		{"all of sel* and not 1 of filter*", `and(a = 1, b = 2, c = 3, not(d = 4))`},
		{"1 of _h*", `h = 0`},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			r, ds := lowerDetection(t, det+"  condition: "+tt.cond+"\n", lower.Options{})
			require.False(t, ds.HasErrors(), "%v", ds)
			assert.Equal(t, tt.want, ir.Format(r.Detection))
		})
	}
	t.Run("condition list is an or", func(t *testing.T) {
		r, ds := lowerDetection(t, det+"  condition:\n    - sel1 and sel2\n    - selx\n", lower.Options{})
		require.False(t, ds.HasErrors(), "%v", ds)
		assert.Equal(t, `or(and(a = 1, b = 2), c = 3)`, ir.Format(r.Detection))
	})
}

func TestMeta(t *testing.T) {
	tests := []struct {
		name, extra string
		risk        int
		severity    string
	}{
		{"no level", "", 21, "low"},
		{"informational", "level: informational\n", 21, "low"},
		{"medium", "level: medium\n", 47, "medium"},
		{"high", "level: high\n", 73, "high"},
		{"critical", "level: critical\n", 99, "critical"},
		{"severity overrides level", "level: low\nseverity: high\n", 73, "high"},
		{"risk score given", "level: high\nrisk_score: 50\n", 50, "high"},
		{"risk score zero", "level: high\nrisk_score: 0\n", 0, "high"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "title: t\n" + tt.extra + "logsource:\n  product: aws\ndetection:\n  sel:\n    a: 1\n  condition: sel\n"
			docs, ds := sigma.Read("r.yml", []byte(src))
			require.Empty(t, ds)
			m := lower.Meta(docs[0])
			assert.Equal(t, tt.risk, m.RiskScore)
			assert.Equal(t, tt.severity, m.Severity)
		})
	}
}

func TestItemPositions(t *testing.T) {
	r, ds := lowerDetection(t, "  sel:\n    f|contains: a\n  condition: sel\n", lower.Options{})
	require.Empty(t, ds)
	m := ir.Matches(r.Detection)[0]
	assert.Equal(t, "r.yml:6:5", m.Pos.String())
	assert.Equal(t, []string{"contains"}, m.Modifiers)
	assert.True(t, strings.HasPrefix(ir.Format(r.Detection), "f = "))
}
