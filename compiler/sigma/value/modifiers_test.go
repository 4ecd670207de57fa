package value

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/ir"
)

func chain(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

func TestCheckChainLegal(t *testing.T) {
	for _, c := range []string{
		"", "contains", "startswith", "endswith", "all", "contains|all", "all|contains",
		"contains|windash", "windash|contains", "contains|all|windash", "endswith|windash",
		"base64", "base64offset|contains", "base64|contains", "wide|base64offset|contains",
		"utf16le|base64offset|contains", "utf16be|base64", "utf16|base64offset|contains",
		"windash|wide|base64offset|contains", "expand", "contains|expand", "expand|base64offset|contains",
		"re", "re|i", "re|i|m|s", "re|ignorecase|multiline|dotall", "re|contains", "re|expand", "all|re",
		"cidr", "cidr|all", "neq", "contains|neq", "cased", "contains|cased", "cased|contains",
		"base64offset|contains|cased", "exists", "lt", "lte", "gt", "gte", "gt|neq",
		"fieldref", "fieldref|neq", "fieldref|startswith", "minute", "hour", "day", "week", "month", "year",
	} {
		assert.NoError(t, CheckChain(chain(c)), c)
	}
}

func TestCheckChainErrors(t *testing.T) {
	tests := []struct {
		chain   string
		index   int
		unknown bool
		want    string
	}{
		{"contans", 0, true, `unknown modifier "contans" (did you mean "contains"?)`},
		{"contains|Contains", 1, true, `unknown modifier "Contains" (did you mean "contains"?)`},
		{"startwith", 0, true, `unknown modifier "startwith" (did you mean "startswith"?)`},
		{"base64ofset", 0, true, `unknown modifier "base64ofset" (did you mean "base64offset"?)`},
		{"x", 0, true, `unknown modifier "x"`},
		{"regex", 0, true, `unknown modifier "regex"`},
		{"contains|", 1, false, `empty modifier (a field name ends with "|" or has "||")`},
		{"contains|contains", 1, false, `modifier "contains" repeats "contains"`},
		{"re|i|ignorecase", 2, false, `modifier "ignorecase" repeats "i"`},
		{"wide|utf16le|base64", 1, false, `modifier "utf16le" repeats "wide"`},
		{"exists|all", 0, false, `modifier "exists" takes no other modifier`},
		{"neq|exists", 1, false, `modifier "exists" takes no other modifier`},
		{"contains|re", 1, false, `modifier "re" cannot follow "contains": it reads the value as written`},
		{"windash|cidr", 1, false, `modifier "cidr" cannot follow "windash": it reads the value as written`},
		{"contains|fieldref", 1, false, `modifier "fieldref" cannot follow "contains": it reads the value as written`},
		{"gt|lt", 1, false, `modifier "lt" cannot follow "gt": it reads the value as written`},
		{"hour|gte", 1, false, `modifier "gte" cannot follow "hour": it reads the value as written`},
		{"i", 0, false, `modifier "i" needs "re" before it`},
		{"contains|m", 1, false, `modifier "m" needs "re" before it`},
		{"re|cased", 1, false, `modifier "cased" does not apply to a regular expression ("re" is case-sensitive unless "i" is given)`},
		{"re|base64", 1, false, `modifier "base64" does not apply to a regular expression (from "re")`},
		{"cidr|contains", 1, false, `modifier "contains" does not apply to a CIDR network (from "cidr")`},
		{"gt|contains", 1, false, `modifier "contains" does not apply to a numeric comparison (from "gt")`},
		{"fieldref|cased", 1, false, `modifier "cased" does not apply to a field reference (from "fieldref")`},
		{"day|windash", 1, false, `modifier "windash" does not apply to a time part (from "day")`},
		{"contains|base64offset", 1, false, `modifier "base64offset" cannot follow "contains": a value with wildcards cannot be base64-encoded (write "base64offset" first)`},
		{"startswith|wide|base64", 2, false, `modifier "base64" cannot follow "startswith": a value with wildcards cannot be base64-encoded (write "base64" first)`},
		{"base64|base64offset", 1, false, `modifier "base64offset" cannot follow "base64": the value is already base64-encoded`},
		{"base64offset|windash", 1, false, `modifier "windash" cannot follow "base64offset": the value is already base64-encoded`},
		{"base64|wide", 1, false, `modifier "wide" cannot follow "base64": the value is already base64-encoded`},
		{"wide|utf16be|base64", 1, false, `modifier "utf16be" cannot follow "wide": the value is already UTF-16-encoded`},
		{"wide|windash|base64", 1, false, `modifier "windash" cannot follow "wide": the value is already UTF-16-encoded`},
		{"wide", 0, false, `modifier "wide" must be followed by "base64" or "base64offset" (UTF-16 encodings are only used with base64)`},
		{"utf16|contains", 0, false, `modifier "utf16" must be followed by "base64" or "base64offset" (UTF-16 encodings are only used with base64)`},
	}
	for _, tt := range tests {
		t.Run(tt.chain, func(t *testing.T) {
			err := CheckChain(chain(tt.chain))
			var ce *ChainError
			require.True(t, errors.As(err, &ce), "got %v", err)
			assert.Equal(t, tt.want, ce.Error())
			assert.Equal(t, tt.index, ce.Index)
			assert.Equal(t, chain(tt.chain)[tt.index], ce.Modifier)
			assert.Equal(t, tt.unknown, ce.Unknown)
		})
	}
}

func TestCheckValues(t *testing.T) {
	assert.NoError(t, CheckValues(chain("contains|all"), 2))
	assert.NoError(t, CheckValues(chain("contains"), 1))
	assert.EqualError(t, CheckValues(chain("contains|all"), 1), `modifier "all" needs a list of at least two values`)
}

func TestModifiers(t *testing.T) {
	names := map[string]bool{}
	for _, m := range Modifiers() {
		names[m.Name] = true
		assert.NotEmpty(t, m.Doc, m.Name)
		if m.Alias != "" {
			_, ok := Lookup(m.Alias)
			assert.True(t, ok, "alias target of %s", m.Name)
		}
	}
	// Every modifier the issue and the specification name is known.
	for _, n := range strings.Fields("contains startswith endswith all base64 base64offset utf16le utf16be utf16 wide windash re i m s cidr exists expand fieldref gt gte lt lte cased neq minute hour day week month year") {
		assert.True(t, names[n], n)
	}
	m, ok := Lookup("wide")
	require.True(t, ok)
	assert.Equal(t, "utf16le", m.Alias)
	assert.Equal(t, Transformation, m.Class)
	m, _ = Lookup("re")
	assert.Equal(t, Type, m.Class)
}

func TestTransform(t *testing.T) {
	tests := []struct {
		raw   string
		chain string
		want  []string
	}{
		{`abc`, ``, []string{`"abc"`}},
		{`abc`, `contains|all`, []string{`* "abc" *`}},
		{`a*`, `startswith|cased`, []string{`"a" *`}},
		{`http://`, `base64offset|contains`, []string{`* "aHR0cDovL" *`, `* "h0dHA6Ly" *`, `* "odHRwOi8v" *`}},
		{`cmd`, `base64`, []string{`"Y21k"`}},
		{`cmd`, `wide|base64`, []string{`"YwBtAGQA"`}},
		{`cmd`, `utf16be|base64`, []string{`"AGMAbQBk"`}},
		{`cmd`, `utf16|base64`, []string{`"//5jAG0AZAA="`}},
		{`cmd`, `wide|base64offset|contains`, []string{`* "YwBtAGQA" *`, `* "MAbQBkA" *`, `* "jAG0AZA" *`}},
		{`IEX (`, `utf16|base64offset|contains`, []string{`* "//5JAEUAWAAgACgA" *`, `* "/+SQBFAFgAIAAoA" *`, `* "//kkARQBYACAAKA" *`}},
		{` -x`, `contains|windash`, []string{`* " -x" *`, `* " /x" *`, `* " –x" *`, `* " —x" *`, `* " ―x" *`}},
		{`%a%`, `expand|contains`, []string{`* "1" *`, `* "2*3" *`}},
		// re, cidr and fieldref values pass through as written.
		{`^a.*b$`, `re|i|contains`, []string{`"^a.*b$"`}},
		{`10.0.0.0/8`, `cidr`, []string{`"10.0.0.0/8"`}},
		{`x%a%`, `re|expand`, []string{`"x1"`, `"x2\\*3"`}},
	}
	vals := map[string][]string{"a": {"1", `2\*3`}}
	for _, tt := range tests {
		t.Run(tt.chain+"/"+tt.raw, func(t *testing.T) {
			v := Parse(tt.raw)
			if strings.Contains(tt.chain, "re") && !strings.Contains(tt.chain, "base64") || strings.Contains(tt.chain, "cidr") {
				v = ir.Str(tt.raw)
			}
			got, err := Transform(v, chain(tt.chain), vals)
			require.NoError(t, err)
			assert.Equal(t, tt.want, shows(got))
		})
	}

	for _, tt := range []struct{ raw, chain, want string }{
		{`a`, `contans`, `unknown modifier "contans" (did you mean "contains"?)`},
		{`a*`, `base64`, `modifier "base64": base64 encoding of a value with wildcards is not possible`},
		{`%nope%`, `expand`, `modifier "expand": placeholder %nope% has no values (configured: a)`},
		{`f`, `fieldref|contains`, `modifier "contains" with "fieldref" is not supported: a field reference compares whole values`},
	} {
		_, err := Transform(Parse(tt.raw), chain(tt.chain), vals)
		assert.EqualError(t, err, tt.want, tt.chain)
	}
}

// TestSigmaHQWideOffsets checks wide|base64offset against the UTF-16LE
// forms SigmaHQ's authors wrote out by hand beside base64offset selections
// (proc_creation_win_powershell_base64_iex.yml and _frombase64string.yml):
// the three forms must be exactly theirs, in offset order.
func TestSigmaHQWideOffsets(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{`IEX ([`, []string{"SQBFAFgAIAAoAFsA", "kARQBYACAAKABbA", "JAEUAWAAgACgAWw"}},
		{`iex ([`, []string{"aQBlAHgAIAAoAFsA", "kAZQB4ACAAKABbA", "pAGUAeAAgACgAWw"}},
		{`iex (New`, []string{"aQBlAHgAIAAoAE4AZQB3A", "kAZQB4ACAAKABOAGUAdw", "pAGUAeAAgACgATgBlAHcA"}},
		{`IEX (New`, []string{"SQBFAFgAIAAoAE4AZQB3A", "kARQBYACAAKABOAGUAdw", "JAEUAWAAgACgATgBlAHcA"}},
		{`::FromBase64String`, []string{"OgA6AEYAcgBvAG0AQgBhAHMAZQA2ADQAUwB0AHIAaQBuAGcA", "oAOgBGAHIAbwBtAEIAYQBzAGUANgA0AFMAdAByAGkAbgBnA", "6ADoARgByAG8AbQBCAGEAcwBlADYANABTAHQAcgBpAG4AZw"}},
	}
	for _, tt := range tests {
		got, err := Transform(Parse(tt.raw), chain("wide|base64offset"), nil)
		require.NoError(t, err)
		var forms []string
		for _, v := range got {
			s, ok := literalText(v)
			require.True(t, ok)
			forms = append(forms, s)
		}
		assert.Equal(t, tt.want, forms, tt.raw)
	}
}
