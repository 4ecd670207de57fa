// Package kql parses Kibana Query Language text and evaluates it on ECS
// documents with the semantics Kibana and Elasticsearch give it, so that the
// fixture harness can run the KQL that backends/kql emits (and Elastic's own
// rule queries) on mapped CloudTrail events.
//
// The grammar follows Kibana's kuery grammar (grammar.peggy in
// @kbn/es-query), checked against Kibana 8.9's parser (npm kbn-es-query
// 1.0.7): not > and > or, keywords case-insensitive and delimited by
// whitespace, whitespace inside an unquoted value belongs to the value,
// unquoted escapes \\ \( \) \: \< \> \" \* \{ \} \t \r \n \uXXXX \or \and
// \not, quoted strings with \" \\ \t \r \n \uXXXX (other backslashes kept),
// "*" a wildcard only when unquoted, field:* exists, ranges < <= > >=, value
// lists field:(a or b and not c), nested field:{...}, and bare values as
// free text.
//
// Evaluation (Eval) follows the detection engine on the ECS mapping of the
// aws.cloudtrail data stream: keyword fields match exactly and
// case-sensitively, wildcards match as globs (case-sensitive), ip fields
// accept an address or a CIDR, date fields compare instants, range queries
// on keyword fields compare strings (as Elasticsearch does), and a field
// holding an array matches when any element does.
package kql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Node is a parsed KQL query.
type Node interface {
	String() string
	node()
}

// And holds when every Arg does.
type And struct{ Args []Node }

// Or holds when any Arg does.
type Or struct{ Args []Node }

// Not holds when Arg does not.
type Not struct{ Arg Node }

// Is is field:value; Field == "" is a free-text search over all fields.
type Is struct {
	Field string
	Value Value
}

// Exists is field:*.
type Exists struct{ Field string }

// MatchAll is the empty query and *:*.
type MatchAll struct{}

// Range is field < value (Op one of < <= > >=).
type Range struct {
	Field string
	Op    string
	Value Value
}

// Nested is path:{ query }.
type Nested struct {
	Path  string
	Query Node
}

// Value is a KQL value: its text, split into literal runs and wildcards.
type Value struct {
	Parts  []Part
	Quoted bool
}

// Part is a literal run (Wildcard false) or a "*" wildcard.
type Part struct {
	Wildcard bool
	Text     string
}

// HasWildcard reports whether the value has a wildcard.
func (v Value) HasWildcard() bool {
	for _, p := range v.Parts {
		if p.Wildcard {
			return true
		}
	}
	return false
}

// Text returns the value with wildcards as "*".
func (v Value) Text() string {
	var b strings.Builder
	for _, p := range v.Parts {
		if p.Wildcard {
			b.WriteByte('*')
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func (*And) node()      {}
func (*Or) node()       {}
func (*Not) node()      {}
func (*Is) node()       {}
func (*Exists) node()   {}
func (*MatchAll) node() {}
func (*Range) node()    {}
func (*Nested) node()   {}

func join(args []Node, op string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	return op + "(" + strings.Join(parts, ", ") + ")"
}

func (n *And) String() string      { return join(n.Args, "and") }
func (n *Or) String() string       { return join(n.Args, "or") }
func (n *Not) String() string      { return "not(" + n.Arg.String() + ")" }
func (n *Is) String() string       { return fieldName(n.Field) + " is " + n.Value.String() }
func (n *Exists) String() string   { return n.Field + " exists" }
func (n *MatchAll) String() string { return "match_all" }
func (n *Range) String() string    { return n.Field + " " + n.Op + " " + n.Value.String() }
func (n *Nested) String() string   { return n.Path + " nested " + n.Query.String() }

func fieldName(f string) string {
	if f == "" {
		return "<any>"
	}
	return f
}

// String renders the value: quoted values as Go strings, unquoted ones
// with wildcards as * and literal stars escaped.
func (v Value) String() string {
	if v.Quoted {
		return strconv.Quote(v.Text())
	}
	var b strings.Builder
	for _, p := range v.Parts {
		if p.Wildcard {
			b.WriteByte('*')
		} else {
			b.WriteString(strings.ReplaceAll(p.Text, "*", `\*`))
		}
	}
	return b.String()
}

// Error is a syntax error with its position (1-based line and column).
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// grammar (unexported; converted to the public Node form).
type query struct {
	Or *orQuery `parser:"@@?"`
}

type orQuery struct {
	And []*andQuery `parser:"@@ ( Or @@ )*"`
}

type andQuery struct {
	Not []*notQuery `parser:"@@ ( And @@ )*"`
}

type notQuery struct {
	Not bool      `parser:"@Not?"`
	Sub *subQuery `parser:"@@"`
}

type subQuery struct {
	Group  *orQuery   `parser:"  LParen @@ RParen"`
	Nested *nested    `parser:"| @@"`
	Range  *rangeExpr `parser:"| @@"`
	Field  *fieldExpr `parser:"| @@"`
	Value  *value     `parser:"| @@"`
}

type nested struct {
	Path  *value   `parser:"@@ Colon LBrace"`
	Query *orQuery `parser:"@@ RBrace"`
}

type rangeExpr struct {
	Field *value `parser:"@@"`
	Op    string `parser:"@Range"`
	Value *value `parser:"@@"`
}

type fieldExpr struct {
	Field *value     `parser:"@@ Colon"`
	List  *listValue `parser:"@@"`
}

type listValue struct {
	Group *orList `parser:"  LParen @@ RParen"`
	Value *value  `parser:"| @@"`
}

type orList struct {
	And []*andList `parser:"@@ ( Or @@ )*"`
}

type andList struct {
	Not []*notList `parser:"@@ ( And @@ )*"`
}

type notList struct {
	Not bool       `parser:"@Not?"`
	Sub *listValue `parser:"@@"`
}

type value struct {
	Pos     lexer.Position
	Quoted  *string `parser:"  @Quoted"`
	Literal *string `parser:"| @Literal"`
}

var parser = participle.MustBuild[query](
	participle.Lexer(definition{}),
	participle.UseLookahead(4),
)

// Parse parses a KQL query.
func Parse(src string) (Node, error) {
	if !utf8.ValidString(src) {
		return nil, &Error{Line: 1, Col: 1, Msg: "the query is not valid UTF-8"}
	}
	q, err := parser.ParseString("", src)
	if err != nil {
		return nil, toError(err)
	}
	if q.Or == nil {
		return &MatchAll{}, nil
	}
	return convertOr(q.Or)
}

func toError(err error) error {
	if pe, ok := err.(participle.Error); ok {
		p := pe.Position()
		return &Error{Line: p.Line, Col: p.Column, Msg: pe.Message()}
	}
	return err
}

func convertOr(q *orQuery) (Node, error) {
	args := make([]Node, 0, len(q.And))
	for _, a := range q.And {
		n, err := convertAnd(a)
		if err != nil {
			return nil, err
		}
		args = append(args, n)
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return &Or{Args: args}, nil
}

func convertAnd(q *andQuery) (Node, error) {
	args := make([]Node, 0, len(q.Not))
	for _, a := range q.Not {
		n, err := convertSub(a.Sub)
		if err != nil {
			return nil, err
		}
		if a.Not {
			n = &Not{Arg: n}
		}
		args = append(args, n)
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return &And{Args: args}, nil
}

func convertSub(s *subQuery) (Node, error) {
	switch {
	case s.Group != nil:
		return convertOr(s.Group)
	case s.Nested != nil:
		path, err := s.Nested.Path.field()
		if err != nil {
			return nil, err
		}
		inner, err := convertOr(s.Nested.Query)
		if err != nil {
			return nil, err
		}
		return &Nested{Path: path, Query: prefixFields(inner, path)}, nil
	case s.Range != nil:
		f, err := s.Range.Field.field()
		if err != nil {
			return nil, err
		}
		v, err := s.Range.Value.decode()
		if err != nil {
			return nil, err
		}
		return &Range{Field: f, Op: s.Range.Op, Value: v}, nil
	case s.Field != nil:
		f, err := s.Field.Field.field()
		if err != nil {
			return nil, err
		}
		return convertList(f, s.Field.List)
	}
	v, err := s.Value.decode()
	if err != nil {
		return nil, err
	}
	return &Is{Value: v}, nil
}

func convertList(field string, l *listValue) (Node, error) {
	if l.Value != nil {
		v, err := l.Value.decode()
		if err != nil {
			return nil, err
		}
		return is(field, v), nil
	}
	ors := make([]Node, 0, len(l.Group.And))
	for _, a := range l.Group.And {
		ands := make([]Node, 0, len(a.Not))
		for _, nl := range a.Not {
			n, err := convertList(field, nl.Sub)
			if err != nil {
				return nil, err
			}
			if nl.Not {
				n = &Not{Arg: n}
			}
			ands = append(ands, n)
		}
		if len(ands) == 1 {
			ors = append(ors, ands[0])
		} else {
			ors = append(ors, &And{Args: ands})
		}
	}
	if len(ors) == 1 {
		return ors[0], nil
	}
	return &Or{Args: ors}, nil
}

// is builds field:value, with Kibana's special cases: field:* is exists,
// *:* matches everything.
func is(field string, v Value) Node {
	if !v.Quoted && len(v.Parts) == 1 && v.Parts[0].Wildcard {
		if field == "*" {
			return &MatchAll{}
		}
		return &Exists{Field: field}
	}
	return &Is{Field: field, Value: v}
}

func prefixFields(n Node, path string) Node {
	switch x := n.(type) {
	case *And:
		for i, a := range x.Args {
			x.Args[i] = prefixFields(a, path)
		}
	case *Or:
		for i, a := range x.Args {
			x.Args[i] = prefixFields(a, path)
		}
	case *Not:
		x.Arg = prefixFields(x.Arg, path)
	case *Is:
		if x.Field != "" {
			x.Field = path + "." + x.Field
		}
	case *Exists:
		x.Field = path + "." + x.Field
	case *Range:
		x.Field = path + "." + x.Field
	case *Nested:
		x.Path = path + "." + x.Path
	}
	return n
}

// field decodes a field name (wildcards are kept as "*").
func (v *value) field() (string, error) {
	d, err := v.decode()
	if err != nil {
		return "", err
	}
	return d.Text(), nil
}

func (v *value) decode() (Value, error) {
	if v.Quoted != nil {
		s := *v.Quoted
		text, err := unquote(s[1 : len(s)-1])
		if err != nil {
			return Value{}, &Error{Line: v.Pos.Line, Col: v.Pos.Column, Msg: err.Error()}
		}
		return Value{Quoted: true, Parts: []Part{{Text: text}}}, nil
	}
	parts, err := unescapeLiteral(*v.Literal)
	if err != nil {
		return Value{}, &Error{Line: v.Pos.Line, Col: v.Pos.Column, Msg: err.Error()}
	}
	if len(parts) == 0 {
		// Only characters Kibana trims (such as \f): an empty value, which
		// means the same as "".
		return Value{Quoted: true, Parts: []Part{{Text: ""}}}, nil
	}
	return Value{Parts: parts}, nil
}

// unquote decodes the inside of a quoted string.
func unquote(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch n := s[i+1]; n {
		case '"', '\\':
			b.WriteByte(n)
			i++
		case 't':
			b.WriteByte('\t')
			i++
		case 'r':
			b.WriteByte('\r')
			i++
		case 'n':
			b.WriteByte('\n')
			i++
		case 'u':
			if i+6 <= len(s) && isHex(s[i+2:i+6]) {
				r, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
				b.WriteRune(rune(r))
				i += 5
			} else {
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c) // a lone backslash is kept
		}
	}
	return b.String(), nil
}

// unescapeLiteral decodes an unquoted literal into literal runs and
// wildcards.
func unescapeLiteral(s string) ([]Part, error) {
	var parts []Part
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, Part{Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '*':
			flush()
			parts = append(parts, Part{Wildcard: true})
			i++
		case c == '\\' && i+1 < len(s):
			n := s[i+1]
			switch {
			case n == 't':
				lit.WriteByte('\t')
				i += 2
			case n == 'r':
				lit.WriteByte('\r')
				i += 2
			case n == 'n':
				lit.WriteByte('\n')
				i += 2
			case n == 'u' && i+6 <= len(s) && isHex(s[i+2:i+6]):
				r, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
				lit.WriteRune(rune(r))
				i += 6
			case isSpecial(rune(n)):
				lit.WriteByte(n)
				i += 2
			case i+4 <= len(s) && (strings.EqualFold(s[i+1:i+4], "and") || strings.EqualFold(s[i+1:i+4], "not")):
				lit.WriteString(s[i+1 : i+4])
				i += 4
			case i+3 <= len(s) && strings.EqualFold(s[i+1:i+3], "or"):
				lit.WriteString(s[i+1 : i+3])
				i += 3
			default:
				return nil, fmt.Errorf("invalid escape sequence %q", s[i:i+2])
			}
		case c == '\\':
			return nil, fmt.Errorf("trailing backslash")
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			lit.WriteRune(r)
			i += size
		}
	}
	flush()
	return trimParts(parts), nil
}

// jsSpace is the whitespace JavaScript's String.prototype.trim removes.
func jsSpace(r rune) bool { return r == '\uFEFF' || (unicode.IsSpace(r) && r != '\u0085') }

// trimParts trims the value as Kibana does (chars.join(”).trim()): escaped
// whitespace at the ends goes too.
func trimParts(parts []Part) []Part {
	if n := len(parts); n > 0 && !parts[0].Wildcard {
		parts[0].Text = strings.TrimLeftFunc(parts[0].Text, jsSpace)
	}
	if n := len(parts); n > 0 && !parts[n-1].Wildcard {
		parts[n-1].Text = strings.TrimRightFunc(parts[n-1].Text, jsSpace)
	}
	out := parts[:0]
	for _, p := range parts {
		if p.Wildcard || p.Text != "" {
			out = append(out, p)
		}
	}
	return out
}
