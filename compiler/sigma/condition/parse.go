package condition

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/sigforge/sigforge/compiler/source"
)

// Code is the diagnostic code of every condition syntax error.
const Code = "SF110"

// Style is how the condition scalar is written in the YAML file; it decides
// how an offset in the condition text maps to a file position. The values
// correspond to go.yaml.in/yaml/v3's Node.Style: 0 (plain), SingleQuotedStyle,
// DoubleQuotedStyle, LiteralStyle and FoldedStyle.
type Style uint8

const (
	// Plain: the text starts at base, so columns add directly.
	Plain Style = iota
	// SingleQuoted: base is the opening quote; the text starts one column
	// later.
	SingleQuoted
	// DoubleQuoted: like SingleQuoted. Escape sequences (\") shift later
	// columns of that line; conditions never need them.
	DoubleQuoted
	// Literal block scalar (|). base.Line is the line of the indicator
	// (yaml.Node.Line) and base.Col is the column where the block's content
	// lines start (its indentation + 1; see BlockColumn). Line n of the text
	// is file line base.Line+n.
	Literal
	// Folded block scalar (>): like Literal. YAML folds single line breaks
	// into spaces, so after a folded break the reported line is the first
	// content line and the column runs on past its end; the text before the
	// first fold (all of a one-line condition) maps exactly.
	Folded
)

var styleNames = [...]string{"plain", "single-quoted", "double-quoted", "literal", "folded"}

func (s Style) String() string {
	if int(s) < len(styleNames) {
		return styleNames[s]
	}
	return fmt.Sprintf("Style(%d)", int(s))
}

// BlockColumn returns the 1-based column at which the content of a block
// scalar starts: the indentation of the first non-blank line after
// indicatorLine (1-based) in file, plus one. It returns 0 when there is no
// such line. The loader passes source.Pos{File, indicatorLine, BlockColumn(...)}
// as the base of a Literal or Folded condition.
func BlockColumn(file []byte, indicatorLine int) int {
	lines := strings.Split(string(file), "\n")
	for i := indicatorLine; i < len(lines); i++ { // lines[indicatorLine] is the next line
		l := strings.TrimRight(lines[i], "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		return len(l) - len(strings.TrimLeft(l, " ")) + 1
	}
	return 0
}

// Parse parses one condition. base is the position of the YAML scalar that
// holds it (yaml.Node Line/Column, with File set; for block scalars see
// Literal), and style how the scalar is written. A zero base means the text
// itself: positions are then 1-based within src.
//
// The error, when not nil, is a *source.Diagnostic with code SF110.
func Parse(src string, base source.Pos, style Style) (Node, error) {
	m := mapper{base: base, style: style}
	if !base.IsValid() {
		m.base.Line, m.base.Col, m.style = 1, 1, Plain
	}
	return parse(src, &m)
}

// ParseFile parses a condition like Parse, given also the bytes of the
// whole YAML file. base is then exactly the yaml.Node's Line and Column for
// every style (the indicator for block scalars), and every position is
// exact, also inside multi-line (folded) scalars, because the condition's
// tokens are aligned with the file text. When the text cannot be aligned
// (escape sequences in a double-quoted scalar), positions are computed as
// Parse does, with the block content column from BlockColumn.
func ParseFile(file []byte, src string, base source.Pos, style Style) (Node, error) {
	m := mapper{base: base, style: style}
	if style >= Literal {
		m.base.Col = BlockColumn(file, base.Line)
	}
	m.align(file, src)
	return parse(src, &m)
}

// align fills m.raw by walking the condition's non-blank bytes and the
// file's from where the scalar starts; blanks on either side (indentation,
// folded line breaks) are skipped. On any mismatch m.raw stays nil.
func (m *mapper) align(file []byte, src string) {
	starts := []int{0}
	for i, c := range file {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	if m.base.Line < 1 || m.base.Line > len(starts) {
		return
	}
	j := starts[m.base.Line-1] + m.base.Col - 1
	switch m.style {
	case SingleQuoted, DoubleQuoted:
		j++
	case Literal, Folded:
		if m.base.Line >= len(starts) {
			return
		}
		j = starts[m.base.Line]
	}
	raw := make(map[int]int)
	last := j
	for i := 0; i < len(src); i++ {
		if isBlank(src[i]) {
			continue
		}
		for j < len(file) && isBlank(file[j]) {
			j++
		}
		if j >= len(file) || file[j] != src[i] {
			return
		}
		raw[i] = j
		j++
		last = j
	}
	m.raw, m.lastRaw, m.lineStarts = raw, last, starts
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func parse(src string, m *mapper) (Node, error) {
	g, err := parseGrammar(src)
	if err != nil {
		return nil, m.syntaxError(src, err)
	}
	n, d := g.convert(m)
	if d != nil {
		return nil, d
	}
	return n, nil
}

// Rule sets repeat the same few conditions ("selection", "selection and
// not filter"), so parse trees of short conditions are kept: they are never
// modified, and positions are mapped afresh by each conversion. The cache
// is bounded so that arbitrary input cannot grow it without limit.
var (
	cache      sync.Map // string → *grammarOr
	cacheCount atomic.Int64
)

const (
	cacheMaxEntries = 4096
	cacheMaxLen     = 512
)

func parseGrammar(src string) (*grammarOr, error) {
	if g, ok := cache.Load(src); ok {
		return g.(*grammarOr), nil
	}
	g, err := parser.ParseString("", src)
	if err != nil {
		return nil, err
	}
	if len(src) <= cacheMaxLen && cacheCount.Load() < cacheMaxEntries {
		if _, loaded := cache.LoadOrStore(src, g); !loaded {
			cacheCount.Add(1)
		}
	}
	return g, nil
}

var parser = participle.MustBuild[grammarOr](
	participle.Lexer(definition{}),
	participle.UseLookahead(2),
)

// Private participle grammar; converted into the public AST by convert.

type grammarOr struct {
	Pos  lexer.Position
	Args []*grammarAnd `parser:"@@ ( \"or\" @@ )*"`
}

type grammarAnd struct {
	Pos  lexer.Position
	Args []*grammarNot `parser:"@@ ( \"and\" @@ )*"`
}

type grammarNot struct {
	Pos     lexer.Position
	Not     *grammarNot     `parser:"  \"not\" @@"`
	Operand *grammarOperand `parser:"| @@"`
}

type grammarOperand struct {
	Pos   lexer.Position
	Of    *grammarOf `parser:"  @@"`
	Group *grammarOr `parser:"| \"(\" @@ \")\""`
	Ident string     `parser:"| @Word"`
}

type grammarOf struct {
	Pos        lexer.Position
	Quantifier string `parser:"@( \"1\" | \"any\" | \"all\" )"`
	Pattern    string `parser:"\"of\" @( Word | \"them\" )"`
}

// mapper turns positions in the condition text into file positions.
type mapper struct {
	base  source.Pos
	style Style
	// With the file's bytes (ParseFile), raw[i] is the file offset of the
	// non-blank byte src[i], and lineStarts the offset of each file line.
	raw        map[int]int
	lastRaw    int // file offset just after the condition's last non-blank byte
	lineStarts []int
}

func (m *mapper) pos(p lexer.Position) source.Pos {
	if m.raw != nil {
		off, ok := m.raw[p.Offset]
		if !ok { // end of text or blank: just after the last token
			off = m.lastRaw
		}
		line := sort.Search(len(m.lineStarts), func(i int) bool { return m.lineStarts[i] > off })
		return source.Pos{File: m.base.File, Line: line, Col: off - m.lineStarts[line-1] + 1}
	}
	out := source.Pos{File: m.base.File}
	switch m.style {
	case Literal, Folded:
		out.Line, out.Col = m.base.Line+p.Line, m.base.Col+p.Column-1
	case SingleQuoted, DoubleQuoted:
		out.Line, out.Col = m.base.Line, m.base.Col+p.Column
	default:
		out.Line, out.Col = m.base.Line, m.base.Col+p.Column-1
	}
	if m.style < Literal && p.Line > 1 {
		// A line break inside a flow scalar: the continuation line's own
		// indentation is unknown here, so report the column in the text.
		out.Line, out.Col = m.base.Line+p.Line-1, p.Column
	}
	return out
}

func (m *mapper) errorf(p lexer.Position, format string, args ...any) *source.Diagnostic {
	return &source.Diagnostic{Pos: m.pos(p), Code: Code, Message: "condition: " + fmt.Sprintf(format, args...)}
}

func (g *grammarOr) convert(m *mapper) (Node, *source.Diagnostic) {
	var args []Node
	for _, a := range g.Args {
		n, d := a.convert(m)
		if d != nil {
			return nil, d
		}
		if or, ok := n.(*Or); ok {
			args = append(args, or.Args...)
		} else {
			args = append(args, n)
		}
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return &Or{Pos: m.pos(g.Pos), Args: args}, nil
}

func (g *grammarAnd) convert(m *mapper) (Node, *source.Diagnostic) {
	var args []Node
	for _, a := range g.Args {
		n, d := a.convert(m)
		if d != nil {
			return nil, d
		}
		if and, ok := n.(*And); ok {
			args = append(args, and.Args...)
		} else {
			args = append(args, n)
		}
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return &And{Pos: m.pos(g.Pos), Args: args}, nil
}

func (g *grammarNot) convert(m *mapper) (Node, *source.Diagnostic) {
	if g.Not != nil {
		arg, d := g.Not.convert(m)
		if d != nil {
			return nil, d
		}
		return &Not{Pos: m.pos(g.Pos), Arg: arg}, nil
	}
	return g.Operand.convert(m)
}

func (g *grammarOperand) convert(m *mapper) (Node, *source.Diagnostic) {
	switch {
	case g.Of != nil:
		return &Of{Pos: m.pos(g.Of.Pos), All: g.Of.Quantifier == "all", Pattern: g.Of.Pattern}, nil
	case g.Group != nil:
		return g.Group.convert(m)
	}
	if strings.Contains(g.Ident, "*") {
		return nil, m.errorf(g.Pos, "pattern %q needs a quantifier: \"1 of %s\" or \"all of %s\"", g.Ident, g.Ident, g.Ident)
	}
	return &Ident{Pos: m.pos(g.Pos), Name: g.Ident}, nil
}

// Expected-token descriptions, by what the parser was looking for.
const (
	expectOperand = `identifier, "not", "(" or "1/any/all of"`
	expectOf      = `"of"`
	expectPattern = `identifier pattern or "them"`
)

// syntaxError turns a participle error into an SF110 diagnostic whose
// message names the unexpected token and what may stand in its place. The
// expectation is derived from the token before the error, which names it
// more plainly than participle's grammar dump.
func (m *mapper) syntaxError(src string, err error) *source.Diagnostic {
	var le *lexError
	if errors.As(err, &le) {
		return m.errorf(le.pos, "%s", le.msg)
	}
	var pe participle.Error
	if !errors.As(err, &pe) {
		return m.errorf(lexer.Position{Line: 1, Column: 1}, "%v", err)
	}
	toks, lerr := tokenize(src)
	if lerr != nil { // cannot happen: participle lexed the same text
		return m.errorf(pe.Position(), "%s", pe.Message())
	}
	at := len(toks) - 1
	for i, t := range toks {
		if t.Pos.Offset >= pe.Position().Offset {
			at = i
			break
		}
	}
	depth := 0
	for _, t := range toks[:at] {
		switch t.Value {
		case "(":
			depth++
		case ")":
			depth--
		}
	}
	tok := toks[at]
	var expect string
	prev := ""
	if at > 0 {
		prev = toks[at-1].Value
		if toks[at-1].Type == tokWord && prev != "1" {
			prev = "word"
		}
	}
	switch {
	case prev == "" || prev == "and" || prev == "or" || prev == "not" || prev == "(":
		expect = expectOperand
	case prev == "1" && tok.Value != "and" && tok.Value != "or" && tok.Value != ")" && !tok.EOF():
		expect = expectOf
	case prev == "any" || prev == "all":
		expect = expectOf
	case prev == "of":
		expect = expectPattern
	case depth > 0:
		expect = `"and", "or" or ")"`
	default:
		expect = `"and", "or" or end of condition`
	}
	what := "end of condition"
	if !tok.EOF() {
		what = fmt.Sprintf("%q", tok.Value)
	}
	hint := ""
	if lookslikeKeyword(tok) || at > 0 && lookslikeKeyword(toks[at-1]) {
		hint = "; keywords are lowercase"
	}
	return m.errorf(tok.Pos, "unexpected %s (expected %s)%s", what, expect, hint)
}

// lookslikeKeyword reports whether t is an identifier spelled like a keyword
// in another case ("AND", "Not").
func lookslikeKeyword(t lexer.Token) bool {
	return t.Type == tokWord && keywords[strings.ToLower(t.Value)]
}
