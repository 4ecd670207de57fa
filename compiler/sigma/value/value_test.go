package value

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/ir"
)

// show renders a value's parts: literals quoted, wildcards bare.
func show(v ir.Value) string {
	if v.Kind != ir.KindString {
		return "<" + v.Text() + ">"
	}
	s := make([]string, len(v.Parts))
	for i, p := range v.Parts {
		switch p.Kind {
		case ir.AnyString:
			s[i] = "*"
		case ir.AnyChar:
			s[i] = "?"
		default:
			s[i] = strconv.Quote(p.Text)
		}
	}
	return strings.Join(s, " ")
}

func shows(vs []ir.Value) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = show(v)
	}
	return out
}

// TestParse covers every escaping example of the specification (§5.2) and
// pySigma's SigmaString behaviour.
func TestParse(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`abc`, `"abc"`},
		{``, `""`},
		{`*`, `*`},
		{`?`, `?`},
		{`**`, `* *`},
		{`a*b?c`, `"a" * "b" ? "c"`},
		{`*\cmd.exe`, `* "\\cmd.exe"`},
		{`adm*`, `"adm" *`},
		// \* and \? are literals.
		{`\*`, `"*"`},
		{`\?`, `"?"`},
		{`lit\*star\?q`, `"lit*star?q"`},
		// \\* is a literal backslash followed by a wildcard.
		{`\\*`, `"\\" *`},
		{`\\?`, `"\\" ?`},
		// \\\* is a literal backslash followed by a literal *.
		{`\\\*`, `"\\*"`},
		// A plain \ not before a wildcard stays: \ and \\ both mean one.
		{`\`, `"\\"`},
		{`\\`, `"\\"`},
		{`C:\Windows\x`, `"C:\\Windows\\x"`},
		{`C:\\Windows\\x`, `"C:\\Windows\\x"`},
		{`a\`, `"a\\"`},
		{`\a`, `"\\a"`},
		// Three or four backslashes mean two.
		{`\\\`, `"\\\\"`},
		{`\\\\`, `"\\\\"`},
		{`\\\x`, `"\\\\x"`},
		{`\\\\*`, `"\\\\" *`},
		// Percent signs are literal until |expand.
		{`%Workstations%`, `"%Workstations%"`},
		{`\%a%`, `"\\%a%"`},
		{`é*ü\?`, `"é" * "ü?"`},
		{`\é`, `"\\é"`},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			v := Parse(tt.raw)
			assert.Equal(t, ir.KindString, v.Kind)
			assert.Equal(t, tt.want, show(v))
			assert.Equal(t, show(v), show(Parse(Escape(v))), "round trip via %q", Escape(v))
		})
	}
}

func TestEscape(t *testing.T) {
	tests := []struct {
		v    ir.Value
		want string
	}{
		{ir.Pattern("a*b?"), `a*b?`},
		{ir.Str("a*b?"), `a\*b\?`},
		{ir.Str(`C:\x`), `C:\\x`},
		{ir.Value{Kind: ir.KindString, Parts: []ir.Part{{Text: `\`}, {Kind: ir.AnyString}}}, `\\*`},
		{ir.Str(""), ``},
		{ir.NumValue(3306), `3306`},
		{ir.BoolValue(true), `true`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Escape(tt.v))
	}
}

func TestContainsStartsEnds(t *testing.T) {
	tests := []struct {
		raw                       string
		contains, starts, endsWth string
	}{
		{`abc`, `* "abc" *`, `"abc" *`, `* "abc"`},
		{`*abc`, `* "abc" *`, `* "abc" *`, `* "abc"`},
		{`abc*`, `* "abc" *`, `"abc" *`, `* "abc" *`},
		{`*abc*`, `* "abc" *`, `* "abc" *`, `* "abc" *`},
		{`?abc?`, `* ? "abc" ? *`, `? "abc" ? *`, `* ? "abc" ?`},
		{`\*abc\*`, `* "*abc*" *`, `"*abc*" *`, `* "*abc*"`},
		{``, `*`, `*`, `*`},
		{`*`, `*`, `*`, `*`},
		{`a\\*`, `* "a\\" *`, `"a\\" *`, `* "a\\" *`},
	}
	for _, tt := range tests {
		v := Parse(tt.raw)
		assert.Equal(t, tt.contains, show(Contains(v)), "contains %q", tt.raw)
		assert.Equal(t, tt.starts, show(StartsWith(v)), "startswith %q", tt.raw)
		assert.Equal(t, tt.endsWth, show(EndsWith(v)), "endswith %q", tt.raw)
	}
	// Numbers and booleans are matched through their text.
	assert.Equal(t, `* "3306" *`, show(Contains(ir.NumValue(3306))))
	assert.Equal(t, `"true" *`, show(StartsWith(ir.BoolValue(true))))
	// The input is not modified.
	v := Parse("abc")
	_ = Contains(v)
	assert.Equal(t, `"abc"`, show(v))
}

// Expected base64 strings were computed with `printf … | base64` and
// Python's base64.b64encode with pySigma's slicing.
func TestBase64(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`cmd`, `Y21k`},
		{`http://`, `aHR0cDovLw==`},
		{`IEX (`, `SUVYICg=`},
		{``, ``},
		{`C:\Windows`, `QzpcV2luZG93cw==`},
		{`a\*b`, `YSpi`}, // the literal text "a*b"
	}
	for _, tt := range tests {
		got, err := Base64(Parse(tt.raw))
		require.NoError(t, err)
		assert.Equal(t, `"`+tt.want+`"`, show(got), tt.raw)
	}
	_, err := Base64(Parse("a*b"))
	assert.ErrorIs(t, err, ErrWildcard)
	got, err := Base64(ir.NumValue(42))
	require.NoError(t, err)
	assert.Equal(t, `"NDI="`, show(got))
}

func TestBase64Offset(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{`http://`, []string{`"aHR0cDovL"`, `"h0dHA6Ly"`, `"odHRwOi8v"`}},
		{`cmd`, []string{`"Y21k"`, `"NtZ"`, `"jbW"`}},
		{`abc`, []string{`"YWJj"`, `"FiY"`, `"hYm"`}},
		{`ab`, []string{`"YW"`, `"Fi"`, `"hY"`}},
		{`IEX (`, []string{`"SUVYIC"`, `"lFWCAo"`, `"JRVggK"`}},
		// pySigma's offset-1 form of a one-byte value is empty: dropped.
		{`a`, []string{`"Y"`, `"h"`}},
	}
	for _, tt := range tests {
		got, err := Base64Offset(Parse(tt.raw))
		require.NoError(t, err)
		assert.Equal(t, tt.want, shows(got), tt.raw)
	}
	_, err := Base64Offset(Parse("*x"))
	assert.ErrorIs(t, err, ErrWildcard)
	_, err = Base64Offset(Parse(""))
	assert.ErrorIs(t, err, ErrEmptyOffset)
}

func TestUTF16(t *testing.T) {
	tests := []struct {
		name string
		f    func(ir.Value) ir.Value
		raw  string
		want string
	}{
		{"utf16le", UTF16LE, `cmd`, `"c\x00m\x00d\x00"`},
		{"wide", Wide, `cmd`, `"c\x00m\x00d\x00"`},
		{"utf16be", UTF16BE, `cmd`, `"\x00c\x00m\x00d"`},
		{"utf16", UTF16, `cmd`, `"\xff\xfec\x00m\x00d\x00"`},
		{"wildcards stay", UTF16LE, `a*b`, `"a\x00" * "b\x00"`},
		{"bom before a wildcard", UTF16, `*a`, `"\xff\xfe" * "a\x00"`},
		{"non-ascii", UTF16LE, `é`, `"\xe9\x00"`},
		{"non-ascii be", UTF16BE, `€`, `" \xac"`}, // 20 AC
		{"surrogate pair", UTF16LE, "\U0001F600", `"=\xd8\x00\xde"`},
		{"empty", UTF16LE, ``, `""`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, show(tt.f(Parse(tt.raw))), tt.name)
	}
}

func TestWindash(t *testing.T) {
	forms := func(prefix, suffix string) []string {
		var out []string
		for _, f := range []string{"-", "/", "–", "—", "―"} {
			out = append(out, strconv.Quote(prefix+f+suffix))
		}
		return out
	}
	tests := []struct {
		raw  string
		want []string
	}{
		{`-enc`, forms("", "enc")},
		{`/c`, forms("", "c")},
		{` -nop `, forms(" ", "nop ")},
		{`a-b`, []string{`"a-b"`}},   // inside a word: kept
		{`foo-`, []string{`"foo-"`}}, // no word after it
		{`- x`, []string{`"- x"`}},   // no word right after it
		{`é-x`, []string{`"é-x"`}},   // é is a word character
		{`--x`, forms("-", "x")},     // only the dash before the word
		{`-_x`, forms("", "_x")},     // _ is a word character
		{`plain`, []string{`"plain"`}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, shows(Windash(Parse(tt.raw))), tt.raw)
	}

	// Two dashes: 25 combinations, the first dash varying slowest.
	got := shows(Windash(Parse(`cmd -a -b`)))
	require.Len(t, got, 25)
	assert.Equal(t, `"cmd -a -b"`, got[0])
	assert.Equal(t, `"cmd -a /b"`, got[1])
	assert.Equal(t, `"cmd -a ―b"`, got[4])
	assert.Equal(t, `"cmd /a -b"`, got[5])
	assert.Equal(t, `"cmd ―a ―b"`, got[24])

	// Wildcards split parts; a dash at the start of a part follows pySigma.
	assert.Equal(t, []string{`* "-x"`, `* "/x"`, `* "–x"`, `* "—x"`, `* "―x"`}, shows(Windash(Parse(`*-x`))))
	assert.Equal(t, []string{`* " -x" *`, `* " /x" *`, `* " –x" *`, `* " —x" *`, `* " ―x" *`}, shows(Windash(Contains(Parse(` -x`)))))
}

func TestExpand(t *testing.T) {
	vals := map[string][]string{
		"Workstations": {"ws1", "ws2*"},
		"a":            {"1", "2"},
		"b":            {"x", "y"},
		"Empty":        {},
	}
	tests := []struct {
		raw  string
		want []string
	}{
		{`%Workstations%`, []string{`"ws1"`, `"ws2" *`}},
		{`pre-%a%-%b%`, []string{`"pre-1-x"`, `"pre-1-y"`, `"pre-2-x"`, `"pre-2-y"`}},
		{`*%a%*`, []string{`* "1" *`, `* "2" *`}},
		{`%a%%b%`, []string{`"1x"`, `"1y"`, `"2x"`, `"2y"`}},
		{`\%a%`, []string{`"%a%"`}},
		{`100%`, []string{`"100%"`}},
		{`%a b%`, []string{`"%a b%"`}},
		{`%%`, []string{`"%%"`}},
		{`50% %a%`, []string{`"50% 1"`, `"50% 2"`}},
		{`none`, []string{`"none"`}},
	}
	for _, tt := range tests {
		got, err := Expand(Parse(tt.raw), vals)
		require.NoError(t, err, tt.raw)
		assert.Equal(t, tt.want, shows(got), tt.raw)
	}
	assert.Equal(t, []string{"a", "b", "a"}, Placeholders(Parse(`%a%-%b%-%a%-\%c%`)))

	_, err := Expand(Parse(`%Servers%`), vals)
	var pe *UnknownPlaceholderError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "Servers", pe.Name)
	assert.EqualError(t, err, "placeholder %Servers% has no values (configured: Workstations, a, b)")
	_, err = Expand(Parse(`%Empty%`), vals)
	assert.EqualError(t, err, "placeholder %Empty% has no values (configured: Workstations, a, b)")
	_, err = Expand(Parse(`%x%`), nil)
	assert.EqualError(t, err, "placeholder %x% has no values (no placeholders are configured)")
}
