package condition

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/source"
)

// tree renders a node's structure with explicit grouping, so tests can
// assert precedence independently of Format.
func tree(n Node) string {
	switch n := n.(type) {
	case *Ident:
		return n.Name
	case *Of:
		q := "any"
		if n.All {
			q = "all"
		}
		return q + "(" + n.Pattern + ")"
	case *Not:
		return "not(" + tree(n.Arg) + ")"
	case *And:
		return "and(" + trees(n.Args) + ")"
	case *Or:
		return "or(" + trees(n.Args) + ")"
	}
	return "?"
}

func trees(ns []Node) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = tree(n)
	}
	return strings.Join(s, " ")
}

func TestParseForms(t *testing.T) {
	tests := []struct {
		in, tree, format string
	}{
		{"selection", "selection", "selection"},
		{"sel-1.x_Y", "sel-1.x_Y", "sel-1.x_Y"},
		{"sel and filter", "and(sel filter)", "sel and filter"},
		{"a or b", "or(a b)", "a or b"},
		{"not filter", "not(filter)", "not filter"},
		{"not not a", "not(not(a))", "not not a"},
		{"1 of selection*", "any(selection*)", "1 of selection*"},
		{"any of selection*", "any(selection*)", "1 of selection*"},
		{"all of sel_*", "all(sel_*)", "all of sel_*"},
		{"1 of them", "any(them)", "1 of them"},
		{"any of them", "any(them)", "1 of them"},
		{"all of them", "all(them)", "all of them"},
		{"1 of sel", "any(sel)", "1 of sel"},
		// Precedence: or < and < not < x of < ( ).
		{"a or b and c", "or(a and(b c))", "a or b and c"},
		{"a and b or c", "or(and(a b) c)", "a and b or c"},
		{"not a and b", "and(not(a) b)", "not a and b"},
		{"not a or b", "or(not(a) b)", "not a or b"},
		{"not (a or b)", "not(or(a b))", "not (a or b)"},
		{"not (a and b)", "not(and(a b))", "not (a and b)"},
		{"(a or b) and c", "and(or(a b) c)", "(a or b) and c"},
		{"a and (b or c) and d", "and(a or(b c) d)", "a and (b or c) and d"},
		{"not 1 of filter*", "not(any(filter*))", "not 1 of filter*"},
		{"sel and not 1 of filter*", "and(sel not(any(filter*)))", "sel and not 1 of filter*"},
		{"1 of sel* and not all of f*", "and(any(sel*) not(all(f*)))", "1 of sel* and not all of f*"},
		// Chains and redundant parentheses are flattened.
		{"a and b and c", "and(a b c)", "a and b and c"},
		{"(a and b) and c", "and(a b c)", "a and b and c"},
		{"a or (b or c)", "or(a b c)", "a or b or c"},
		{"((a))", "a", "a"},
		{"((a)) and (b)", "and(a b)", "a and b"},
		// Whitespace and line breaks are free.
		{"  sel\tand\n  not   filter  ", "and(sel not(filter))", "sel and not filter"},
		{"(sel)and(not filter)", "and(sel not(filter))", "sel and not filter"},
		// Word boundaries: identifiers may start with a keyword.
		{"sel and notable", "and(sel notable)", "sel and notable"},
		{"order or andy", "or(order andy)", "order or andy"},
		{"them_x and all_x", "and(them_x all_x)", "them_x and all_x"},
		{"of1 or anyone", "or(of1 anyone)", "of1 or anyone"},
		// "1" is the quantifier only before "of".
		{"1 and 2", "and(1 2)", "1 and 2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := Parse(tt.in, source.Pos{}, Plain)
			require.NoError(t, err)
			assert.Equal(t, tt.tree, tree(n))
			assert.Equal(t, tt.format, Format(n))
			again, err := Parse(Format(n), source.Pos{}, Plain)
			require.NoError(t, err)
			assert.Equal(t, tree(n), tree(again))
		})
	}
}

func TestFormatHandBuilt(t *testing.T) {
	a, b, c := &Ident{Name: "a"}, &Ident{Name: "b"}, &Ident{Name: "c"}
	tests := []struct {
		n    Node
		want string
	}{
		{&Or{Args: []Node{&Or{Args: []Node{a, b}}, c}}, "(a or b) or c"},
		{&And{Args: []Node{&And{Args: []Node{a, b}}, c}}, "(a and b) and c"},
		{&And{Args: []Node{&Or{Args: []Node{a, b}}, &Not{Arg: c}}}, "(a or b) and not c"},
		{&Or{Args: []Node{&And{Args: []Node{a, b}}, c}}, "a and b or c"},
		{&Not{Arg: &Of{All: true, Pattern: "them"}}, "not all of them"},
		{&Not{Arg: &Not{Arg: a}}, "not not a"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Format(tt.n))
	}
}

func TestPositions(t *testing.T) {
	// "r.yml" line 10: `    condition: sel and not 1 of filter*` (plain, value at column 16).
	n, err := Parse("sel and not 1 of filter*", source.Pos{File: "r.yml", Line: 10, Col: 16}, Plain)
	require.NoError(t, err)
	and := n.(*And)
	assert.Equal(t, "r.yml:10:16", and.Pos.String())
	assert.Equal(t, "r.yml:10:16", and.Args[0].Position().String())
	not := and.Args[1].(*Not)
	assert.Equal(t, "r.yml:10:24", not.Pos.String())
	assert.Equal(t, "r.yml:10:28", not.Arg.Position().String())

	// Literal block: indicator on line 10, content indented to column 9.
	n, err = Parse("sel and\nnot filter\n", source.Pos{File: "r.yml", Line: 10, Col: 9}, Literal)
	require.NoError(t, err)
	and = n.(*And)
	assert.Equal(t, "r.yml:11:9", and.Args[0].Position().String())
	assert.Equal(t, "r.yml:12:9", and.Args[1].Position().String())
	assert.Equal(t, "r.yml:12:13", and.Args[1].(*Not).Arg.Position().String())

	// The same text at another place (a cached parse tree) maps afresh.
	n, err = Parse("sel and not 1 of filter*", source.Pos{File: "s.yml", Line: 3, Col: 5}, Plain)
	require.NoError(t, err)
	assert.Equal(t, "s.yml:3:13", n.(*And).Args[1].Position().String())

	// Quoted: the text starts one column after the quote.
	n, err = Parse("a or (b)", source.Pos{File: "r.yml", Line: 3, Col: 16}, DoubleQuoted)
	require.NoError(t, err)
	or := n.(*Or)
	assert.Equal(t, "r.yml:3:17", or.Pos.String())
	assert.Equal(t, "r.yml:3:23", or.Args[1].Position().String())
}

func TestParseErrors(t *testing.T) {
	const operand = `(expected identifier, "not", "(" or "1/any/all of")`
	plain := source.Pos{File: "r.yml", Line: 10, Col: 16}
	tests := []struct {
		in    string
		base  source.Pos
		style Style
		want  string
	}{
		{"", plain, Plain, `r.yml:10:16: SF110 condition: unexpected end of condition ` + operand},
		{"   ", plain, Plain, `r.yml:10:19: SF110 condition: unexpected end of condition ` + operand},
		{"and", plain, Plain, `r.yml:10:16: SF110 condition: unexpected "and" ` + operand},
		{"sel and", plain, Plain, `r.yml:10:23: SF110 condition: unexpected end of condition ` + operand},
		{"sel or or x", plain, Plain, `r.yml:10:23: SF110 condition: unexpected "or" ` + operand},
		{"not", plain, Plain, `r.yml:10:19: SF110 condition: unexpected end of condition ` + operand},
		{"sel and ()", plain, Plain, `r.yml:10:25: SF110 condition: unexpected ")" ` + operand},
		{"sel filter", plain, Plain, `r.yml:10:20: SF110 condition: unexpected "filter" (expected "and", "or" or end of condition)`},
		{"(sel", plain, Plain, `r.yml:10:20: SF110 condition: unexpected end of condition (expected "and", "or" or ")")`},
		{"(sel x)", plain, Plain, `r.yml:10:21: SF110 condition: unexpected "x" (expected "and", "or" or ")")`},
		{"sel)", plain, Plain, `r.yml:10:19: SF110 condition: unexpected ")" (expected "and", "or" or end of condition)`},
		{"1 of", plain, Plain, `r.yml:10:20: SF110 condition: unexpected end of condition (expected identifier pattern or "them")`},
		{"all of (a)", plain, Plain, `r.yml:10:23: SF110 condition: unexpected "(" (expected identifier pattern or "them")`},
		{"all sel*", plain, Plain, `r.yml:10:20: SF110 condition: unexpected "sel*" (expected "of")`},
		{"1 sel*", plain, Plain, `r.yml:10:18: SF110 condition: unexpected "sel*" (expected "of")`},
		{"sel or any", plain, Plain, `r.yml:10:26: SF110 condition: unexpected end of condition (expected "of")`},
		{"them", plain, Plain, `r.yml:10:16: SF110 condition: unexpected "them" ` + operand},
		{"sel AND filter", plain, Plain, `r.yml:10:20: SF110 condition: unexpected "AND" (expected "and", "or" or end of condition); keywords are lowercase`},
		{"Not sel", plain, Plain, `r.yml:10:20: SF110 condition: unexpected "sel" (expected "and", "or" or end of condition); keywords are lowercase`},
		{"sel | count() > 5", plain, Plain, `r.yml:10:20: SF110 condition: unexpected character "|"`},
		{"sel and é", plain, Plain, `r.yml:10:24: SF110 condition: unexpected character "é"`},
		{"sel*", plain, Plain, `r.yml:10:16: SF110 condition: pattern "sel*" needs a quantifier: "1 of sel*" or "all of sel*"`},
		{"a and not sel*", plain, Plain, `r.yml:10:26: SF110 condition: pattern "sel*" needs a quantifier: "1 of sel*" or "all of sel*"`},
		// Each style maps the same error (at text column 5) differently.
		{"sel and", source.Pos{File: "r.yml", Line: 7, Col: 16}, SingleQuoted, `r.yml:7:24: SF110 condition: unexpected end of condition ` + operand},
		{"sel filter", source.Pos{File: "r.yml", Line: 7, Col: 16}, SingleQuoted, `r.yml:7:21: SF110 condition: unexpected "filter" (expected "and", "or" or end of condition)`},
		{"sel filter", source.Pos{File: "r.yml", Line: 7, Col: 16}, DoubleQuoted, `r.yml:7:21: SF110 condition: unexpected "filter" (expected "and", "or" or end of condition)`},
		{"sel filter\n", source.Pos{File: "r.yml", Line: 7, Col: 9}, Literal, `r.yml:8:13: SF110 condition: unexpected "filter" (expected "and", "or" or end of condition)`},
		{"sel and\nnot and\n", source.Pos{File: "r.yml", Line: 7, Col: 9}, Literal, `r.yml:9:13: SF110 condition: unexpected "and" ` + operand},
		{"sel filter\n", source.Pos{File: "r.yml", Line: 7, Col: 7}, Folded, `r.yml:8:11: SF110 condition: unexpected "filter" (expected "and", "or" or end of condition)`},
		// Without a base, positions are within the text.
		{"a\nb", source.Pos{}, Plain, `2:1: SF110 condition: unexpected "b" (expected "and", "or" or end of condition)`},
	}
	for _, tt := range tests {
		t.Run(tt.style.String()+"/"+tt.in, func(t *testing.T) {
			n, err := Parse(tt.in, tt.base, tt.style)
			require.Error(t, err)
			assert.Nil(t, n)
			var d *source.Diagnostic
			require.True(t, errors.As(err, &d), "error is %T", err)
			assert.Equal(t, Code, d.Code)
			assert.Equal(t, tt.want, d.Error())
		})
	}
}

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"them", "selection", true},
		{"them", "_filt_abc_sel", false},
		{"sel*", "sel", true},
		{"sel*", "selection", true},
		{"sel*", "sel-x", true},
		{"sel*", "xsel", false},
		{"*sel", "my_sel", true},
		{"*sel", "my_sel2", false},
		{"sel_*_x", "sel_a_b_x", true},
		{"sel_*_x", "sel__x", true},
		{"sel_*_x", "sel_x", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "acb", false},
		{"*", "anything", true},
		{"*", "_hidden", false},
		{"_*", "_hidden", true},
		{"_filt_*", "_filt_1_sel", true},
		{"sel", "sel", true},
		{"sel", "Sel", false},
		{"sel", "sel2", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, MatchPattern(tt.pattern, tt.name), "%s ~ %s", tt.pattern, tt.name)
	}
}

func TestWalk(t *testing.T) {
	n, err := Parse("a and not (b or 1 of c*)", source.Pos{}, Plain)
	require.NoError(t, err)
	var seen []string
	Walk(n, func(n Node) bool {
		seen = append(seen, tree(n))
		_, isNot := n.(*Not)
		return !isNot
	})
	assert.Equal(t, []string{"and(a not(or(b any(c*))))", "a", "not(or(b any(c*)))"}, seen)
}

func TestBlockColumn(t *testing.T) {
	file := []byte("detection:\n    condition: |\n\n        sel and\n        not x\n")
	assert.Equal(t, 9, BlockColumn(file, 2))
	assert.Equal(t, 0, BlockColumn(file, 5))
}

func TestParseFile(t *testing.T) {
	const operand = `(expected identifier, "not", "(" or "1/any/all of")`
	file := "title: t\n" + // 1
		"detection:\n" + // 2
		"    plain: sel and\n" + // 3   value at col 12
		"    single: 'sel x'\n" + // 4  quote at col 13
		"    double: \"sel x\"\n" + // 5
		"    literal: |\n" + // 6   indicator at col 14
		"        sel and\n" + // 7
		"        not and\n" + // 8
		"    folded: >\n" + // 9
		"      sel\n" + // 10
		"      x\n" + // 11
		"    multi: (a and b)\n" + // 12  plain over two lines
		"           or (c and)\n" + // 13
		"    escaped: \"sel\\tx\"\n" // 14
	tests := []struct {
		name      string
		src       string
		line, col int
		style     Style
		want      string
	}{
		{"plain", "sel and", 3, 12, Plain, `r.yml:3:19: SF110 condition: unexpected end of condition ` + operand},
		{"single", "sel x", 4, 13, SingleQuoted, `r.yml:4:18: SF110 condition: unexpected "x" (expected "and", "or" or end of condition)`},
		{"double", "sel x", 5, 13, DoubleQuoted, `r.yml:5:18: SF110 condition: unexpected "x" (expected "and", "or" or end of condition)`},
		{"literal", "sel and\nnot and\n", 6, 14, Literal, `r.yml:8:13: SF110 condition: unexpected "and" ` + operand},
		{"folded", "sel x\n", 9, 13, Folded, `r.yml:11:7: SF110 condition: unexpected "x" (expected "and", "or" or end of condition)`},
		{"multi-line plain", "(a and b) or (c and)", 12, 12, Plain, `r.yml:13:21: SF110 condition: unexpected ")" ` + operand},
		// Escapes cannot be aligned: the column comes from the arithmetic.
		{"escaped", "sel\tx", 14, 14, DoubleQuoted, `r.yml:14:19: SF110 condition: unexpected "x" (expected "and", "or" or end of condition)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile([]byte(file), tt.src, source.Pos{File: "r.yml", Line: tt.line, Col: tt.col}, tt.style)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}

	ok := "detection:\n    condition: (a and b)\n               or (c and d)\n"
	n, err := ParseFile([]byte(ok), "(a and b) or (c and d)", source.Pos{File: "r.yml", Line: 2, Col: 16}, Plain)
	require.NoError(t, err)
	or := n.(*Or)
	assert.Equal(t, "r.yml:2:16", or.Pos.String())
	assert.Equal(t, "r.yml:3:20", or.Args[1].(*And).Args[0].Position().String())
}
