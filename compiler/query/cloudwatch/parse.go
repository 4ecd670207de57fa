package cloudwatch

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// MaxPatternLength is the longest filter pattern PutMetricFilter accepts.
const MaxPatternLength = 1024

// MaxRegexPerPattern is the number of %regex% a pattern may hold.
const MaxRegexPerPattern = 2

// Error is a syntax error in a filter pattern. Line and Col are 1-based; Col
// counts bytes.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// The grammars are private; Parse converts them into the public AST.

var jsonLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "Regex", Pattern: `%[^%]*%`},
	{Name: "String", Pattern: `"(?:[^"\\]|\\.)*"`},
	{Name: "Selector", Pattern: `\$(?:\.[A-Za-z0-9_\-]+|\[[0-9]+\])+`},
	{Name: "Op", Pattern: `&&|\|\||!=|<=|>=|=|<|>`},
	{Name: "Punct", Pattern: `[{}()]`},
	{Name: "Bare", Pattern: `[^ \t\r\n"(){}%&|=!<>]+`},
})

type gJSON struct {
	Expr *gOr `parser:"\"{\" @@ \"}\""`
}

type gOr struct {
	And []*gAnd `parser:"@@ ( \"||\" @@ )*"`
}

type gAnd struct {
	Terms []*gTerm `parser:"@@ ( \"&&\" @@ )*"`
}

type gTerm struct {
	Group *gOr   `parser:"\"(\" @@ \")\""`
	Cond  *gCond `parser:"| @@"`
}

type gCond struct {
	Pos       lexer.Position
	Selector  string  `parser:"@Selector"`
	Is        string  `parser:"( \"IS\" @(\"TRUE\" | \"FALSE\" | \"NULL\")"`
	NotExists bool    `parser:"| @\"NOT\" \"EXISTS\""`
	Op        string  `parser:"| @(\"=\" | \"!=\" | \"<=\" | \">=\" | \"<\" | \">\")"`
	Value     *gValue `parser:"@@ )"`
}

type gValue struct {
	Pos    lexer.Position
	Regex  *string `parser:"@Regex"`
	String *string `parser:"| @String"`
	Bare   *string `parser:"| @Bare"`
}

var jsonParser = participle.MustBuild[gJSON](
	participle.Lexer(jsonLexer),
	participle.Elide("Whitespace"),
	participle.UseLookahead(2),
)

var delimLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "Ellipsis", Pattern: `\.\.\.`},
	{Name: "Regex", Pattern: `%[^%]*%`},
	{Name: "String", Pattern: `"(?:[^"\\]|\\.)*"`},
	{Name: "Op", Pattern: `&&|\|\||!=|<=|>=|=|<|>`},
	{Name: "Punct", Pattern: `[\[\],]`},
	{Name: "Bare", Pattern: `[^ \t\r\n"\[\],%&|=!<>]+`},
})

type gDelim struct {
	Columns []*gColumn `parser:"\"[\" ( @@ ( \",\" @@ )* )? \"]\""`
}

type gColumn struct {
	Pos      lexer.Position
	Ellipsis bool      `parser:"(  @Ellipsis"`
	Cond     *gDelimOr `parser:"| @@ )?"`
}

type gDelimOr struct {
	And []*gDelimAnd `parser:"@@ ( \"||\" @@ )*"`
}

type gDelimAnd struct {
	Conds []*gDelimCond `parser:"@@ ( \"&&\" @@ )*"`
}

type gDelimCond struct {
	Pos   lexer.Position
	Name  string  `parser:"@Bare"`
	Op    string  `parser:"( @(\"=\" | \"!=\" | \"<=\" | \">=\" | \"<\" | \">\")"`
	Value *gValue `parser:"@@ )?"`
}

var delimParser = participle.MustBuild[gDelim](
	participle.Lexer(delimLexer),
	participle.Elide("Whitespace"),
	participle.UseLookahead(2),
)

var textLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "Regex", Pattern: `%[^%]*%`},
	{Name: "String", Pattern: `"(?:[^"\\]|\\.)*"`},
	{Name: "Prefix", Pattern: `[?\-]`},
	{Name: "Word", Pattern: `[^ \t\r\n"%?\-][^ \t\r\n"]*`},
})

type gText struct {
	Terms []*gTextTerm `parser:"@@*"`
}

type gTextTerm struct {
	Pos    lexer.Position
	Prefix string  `parser:"@Prefix?"`
	Regex  *string `parser:"( @Regex"`
	String *string `parser:"| @String"`
	Word   *string `parser:"| @Word )"`
}

var textParser = participle.MustBuild[gText](
	participle.Lexer(textLexer),
	participle.Elide("Whitespace"),
)

// Parse parses a filter pattern of any form. It fails the way PutMetricFilter
// would on what the AWS documentation says is invalid: a pattern over 1024
// characters, more than two regexes, a regex with characters the service
// rejects, a numeric operator without a number.
func Parse(src string) (*Pattern, error) {
	if len(src) > MaxPatternLength {
		return nil, &Error{Line: 1, Col: MaxPatternLength + 1, Msg: fmt.Sprintf("filter pattern is %d characters; the limit is %d", len(src), MaxPatternLength)}
	}
	trimmed := strings.TrimLeft(src, " \t\r\n")
	var p *Pattern
	var err error
	switch {
	case strings.HasPrefix(trimmed, "{"):
		p, err = parseJSON(src)
	case strings.HasPrefix(trimmed, "["):
		p, err = parseDelimited(src)
	default:
		p, err = parseText(src)
	}
	if err != nil {
		return nil, err
	}
	if n := p.RegexCount(); n > MaxRegexPerPattern {
		return nil, &Error{Line: 1, Col: 1, Msg: fmt.Sprintf("filter pattern holds %d regular expressions; the limit is %d", n, MaxRegexPerPattern)}
	}
	return p, nil
}

// MustParse is Parse for patterns known to be valid (tests, examples).
func MustParse(src string) *Pattern {
	p, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return p
}

func wrapErr(err error) error {
	var pe participle.Error
	if errors.As(err, &pe) {
		pos := pe.Position()
		return &Error{Line: max(pos.Line, 1), Col: max(pos.Column, 1), Msg: pe.Message()}
	}
	return &Error{Line: 1, Col: 1, Msg: err.Error()}
}

func parseJSON(src string) (*Pattern, error) {
	g, err := jsonParser.ParseString("", src)
	if err != nil {
		return nil, wrapErr(err)
	}
	e, err := convOr(g.Expr)
	if err != nil {
		return nil, err
	}
	return &Pattern{Kind: KindJSON, JSON: e}, nil
}

func convOr(g *gOr) (Expr, error) {
	var args []Expr
	for _, a := range g.And {
		e, err := convAnd(a)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return &Or{Args: args}, nil
}

func convAnd(g *gAnd) (Expr, error) {
	var args []Expr
	for _, t := range g.Terms {
		var e Expr
		var err error
		if t.Group != nil {
			e, err = convOr(t.Group)
		} else {
			e, err = convCond(t.Cond)
		}
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return &And{Args: args}, nil
}

func convCond(g *gCond) (*Cond, error) {
	c := &Cond{Selector: parseSelector(g.Selector)}
	switch {
	case g.Is == "TRUE":
		c.Op = OpIsTrue
	case g.Is == "FALSE":
		c.Op = OpIsFalse
	case g.Is == "NULL":
		c.Op = OpIsNull
	case g.NotExists:
		c.Op = OpNotExists
	default:
		c.Op = parseOp(g.Op)
		v, err := convValue(g.Value)
		if err != nil {
			return nil, err
		}
		if c.Op >= OpLt && c.Op <= OpGe && v.Kind != ValNumber {
			return nil, &Error{Line: g.Value.Pos.Line, Col: g.Value.Pos.Column, Msg: fmt.Sprintf("operator %s needs a number, not %q", c.Op, v.Text)}
		}
		c.Value = v
	}
	return c, nil
}

func parseOp(s string) Op {
	for i, t := range opText[:OpIsTrue] {
		if t == s {
			return Op(i)
		}
	}
	panic("cloudwatch: unknown operator " + s)
}

// numberRE is the NUMBER of the AWS documentation: an integer or decimal with
// an optional sign, optionally in scientific notation.
var numberRE = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

func convValue(g *gValue) (Value, error) {
	switch {
	case g.Regex != nil:
		expr := (*g.Regex)[1 : len(*g.Regex)-1]
		re, err := compileRegex(expr)
		if err != nil {
			return Value{}, &Error{Line: g.Pos.Line, Col: g.Pos.Column, Msg: err.Error()}
		}
		return Value{Kind: ValRegex, Text: expr, re: re}, nil
	case g.String != nil:
		return Value{Kind: ValString, Text: unquote(*g.String), Quoted: true}, nil
	}
	s := *g.Bare
	if numberRE.MatchString(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err == nil {
			return Value{Kind: ValNumber, Text: s, Num: f}, nil
		}
	}
	return Value{Kind: ValString, Text: s}, nil
}

// unquote removes the double quotes and the backslash escapes \" and \\.
// Any other backslash is kept as written. (The AWS documentation does not
// describe escapes; this follows the quoting of the AWS CDK's FilterPattern.)
func unquote(s string) string {
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func parseSelector(s string) Selector {
	var sel Selector
	s = strings.TrimPrefix(s, "$")
	for s != "" {
		if s[0] == '.' {
			end := strings.IndexAny(s[1:], ".[")
			if end < 0 {
				end = len(s) - 1
			}
			sel.Steps = append(sel.Steps, Step{Key: s[1 : end+1]})
			s = s[end+1:]
			continue
		}
		end := strings.IndexByte(s, ']')
		n, _ := strconv.Atoi(s[1:end])
		sel.Steps = append(sel.Steps, Step{Index: n, IsIndex: true})
		s = s[end+1:]
	}
	return sel
}

func parseIndex(p string) (int, bool) {
	if len(p) < 3 || p[0] != '[' || p[len(p)-1] != ']' {
		return 0, false
	}
	n, err := strconv.Atoi(p[1 : len(p)-1])
	return n, err == nil && n >= 0
}

func parseDelimited(src string) (*Pattern, error) {
	g, err := delimParser.ParseString("", src)
	if err != nil {
		return nil, wrapErr(err)
	}
	p := &Pattern{Kind: KindDelimited}
	names := map[string]bool{}
	ellipses := 0
	for _, gc := range g.Columns {
		col := Column{}
		switch {
		case gc.Ellipsis:
			col.Ellipsis = true
			ellipses++
		case gc.Cond != nil:
			col.Name = gc.Cond.And[0].Conds[0].Name
			e, err := convDelimOr(gc.Cond)
			if err != nil {
				return nil, err
			}
			col.Cond = e
		}
		if col.Name != "" {
			if names[col.Name] {
				return nil, &Error{Line: gc.Pos.Line, Col: gc.Pos.Column, Msg: fmt.Sprintf("column %q is named twice", col.Name)}
			}
			names[col.Name] = true
		}
		p.Columns = append(p.Columns, col)
	}
	if ellipses > 1 {
		return nil, &Error{Line: 1, Col: 1, Msg: `"..." may appear only once`}
	}
	// A condition may name another column (the AWS example
	// "status_code = 4* && bytes > 1000" does); a name that is no column
	// makes its condition false.
	return p, nil
}

func convDelimOr(g *gDelimOr) (DelimExpr, error) {
	var args []DelimExpr
	for _, a := range g.And {
		var conds []DelimExpr
		for _, c := range a.Conds {
			if c.Value == nil {
				// A bare name: the column exists. It adds no condition.
				continue
			}
			v, err := convValue(c.Value)
			if err != nil {
				return nil, err
			}
			op := parseOp(c.Op)
			if op >= OpLt && op <= OpGe && v.Kind != ValNumber {
				return nil, &Error{Line: c.Value.Pos.Line, Col: c.Value.Pos.Column, Msg: fmt.Sprintf("operator %s needs a number, not %q", op, v.Text)}
			}
			conds = append(conds, &DelimCond{Name: c.Name, Op: op, Value: v})
		}
		switch len(conds) {
		case 0:
		case 1:
			args = append(args, conds[0])
		default:
			args = append(args, &DelimAnd{Args: conds})
		}
	}
	switch len(args) {
	case 0:
		return nil, nil
	case 1:
		return args[0], nil
	}
	if len(args) != len(g.And) {
		// "a || b = 1": a bare name in an OR would make the whole OR true.
		return nil, &Error{Line: 1, Col: 1, Msg: "a column name without a condition cannot be an operand of ||"}
	}
	return &DelimOr{Args: args}, nil
}

func parseText(src string) (*Pattern, error) {
	g, err := textParser.ParseString("", src)
	if err != nil {
		return nil, wrapErr(err)
	}
	p := &Pattern{Kind: KindText}
	for _, gt := range g.Terms {
		t := Term{}
		switch gt.Prefix {
		case "?":
			t.Kind = TermOptional
		case "-":
			t.Kind = TermExcluded
		}
		switch {
		case gt.Regex != nil:
			t.Regex = true
			t.Text = (*gt.Regex)[1 : len(*gt.Regex)-1]
			re, err := compileRegex(t.Text)
			if err != nil {
				return nil, &Error{Line: gt.Pos.Line, Col: gt.Pos.Column, Msg: err.Error()}
			}
			t.re = re
		case gt.String != nil:
			t.Quoted = true
			t.Text = unquote(*gt.String)
		default:
			t.Text = *gt.Word
		}
		p.Terms = append(p.Terms, t)
	}
	return p, nil
}

// RegexCount returns the number of %regex% in the pattern.
func (p *Pattern) RegexCount() int {
	n := 0
	switch p.Kind {
	case KindText:
		for _, t := range p.Terms {
			if t.Regex {
				n++
			}
		}
	case KindJSON:
		walkJSON(p.JSON, func(c *Cond) {
			if !c.Op.Unary() && c.Value.Kind == ValRegex {
				n++
			}
		})
	case KindDelimited:
		for _, c := range p.Columns {
			walkDelim(c.Cond, func(d *DelimCond) {
				if d.Value.Kind == ValRegex {
					n++
				}
			})
		}
	}
	return n
}

func walkJSON(e Expr, fn func(*Cond)) {
	switch n := e.(type) {
	case *Or:
		for _, a := range n.Args {
			walkJSON(a, fn)
		}
	case *And:
		for _, a := range n.Args {
			walkJSON(a, fn)
		}
	case *Cond:
		fn(n)
	}
}

func walkDelim(e DelimExpr, fn func(*DelimCond)) {
	switch n := e.(type) {
	case *DelimOr:
		for _, a := range n.Args {
			walkDelim(a, fn)
		}
	case *DelimAnd:
		for _, a := range n.Args {
			walkDelim(a, fn)
		}
	case *DelimCond:
		fn(n)
	}
}
