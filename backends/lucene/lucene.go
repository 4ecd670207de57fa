// Package lucene is the Lucene query syntax target: the query_string text
// of a Kibana rule with "language": "lucene" (or of an Elasticsearch
// query_string query). A rule's raw CloudTrail field names are first
// rewritten to ECS (compiler/ecs).
//
// Every group is parenthesized and uses one operator, and every negation is
// written (*:* AND NOT x), because Lucene's classic parser reads "a OR NOT
// b" as "a, must not b" rather than as a boolean OR. Exact values are
// phrases ("..."), which on keyword fields are exact term queries; wildcard
// patterns are terms with * and ? and every reserved character (+ - = & | !
// ( ) { } [ ] ^ " ~ * ? : \ / < > and whitespace) escaped; regular
// expressions are /…/ in Lucene's regex syntax (whole value).
//
// Keyword fields are case-sensitive. Where Sigma's case-insensitive match
// could differ (ecs.CaseFixed), the value is written as a regular
// expression with each letter as a class ([dD][bB]), which keeps the
// meaning. Refused with *backends.Unsupported: field references, time
// parts, ranges on non-numeric fields, |cidr on non-ip fields, empty values
// (the ingest pipeline drops them) and correlations.
package lucene

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/config"
	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/ir"
	eqlq "github.com/sigforge/sigforge/compiler/query/eql"
	"github.com/sigforge/sigforge/compiler/source"
)

// Name is the target name.
const Name = "lucene"

// Backend compiles rules to Lucene query syntax.
type Backend struct {
	ecs ecs.Options
}

var (
	_ backends.Backend  = (*Backend)(nil)
	_ backends.Executor = (*Backend)(nil)
)

// ipFields and numericFields are the non-keyword fields of the
// aws.cloudtrail mapping that conditions can use.
var (
	ipFields      = map[string]bool{"source.ip": true}
	numericFields = map[string]bool{"source.as.number": true}
	// textFields are analyzed: terms, wildcards and regexes apply to
	// single tokens.
	textFields = map[string]bool{"message": true}
)

// New returns the Lucene backend configured from cfg (nil for defaults):
// it reads the shared targets.elastic section (field mappings, parameter
// form).
func New(cfg *config.Config) (*Backend, error) {
	eo, err := ecs.OptionsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Backend{ecs: eo}, nil
}

// Name returns "lucene".
func (b *Backend) Name() string { return Name }

// Compile returns the rule's Lucene query, one line.
func (b *Backend) Compile(r *ir.Rule) (backends.Output, error) {
	text, err := b.query(r, "\n")
	if err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Rule: r, Text: text, Ext: ".lucene"}, nil
}

// Query returns the rule's Lucene query text (no trailing newline).
func (b *Backend) Query(r *ir.Rule) (string, error) { return b.query(r, "") }

// query returns the rule's Lucene query text followed by end.
func (b *Backend) query(r *ir.Rule, end string) (string, error) {
	if r.IsCorrelation() {
		return "", unsupported(r, r.Pos, "correlation "+string(r.Correlation.Type),
			"a Lucene query has no counting or sequences; event_count and value_count compile to Kibana threshold rules (target kibana), temporal ones to EQL sequences (target eql) and ES|QL")
	}
	if r.Detection == nil {
		return "", unsupported(r, r.Pos, "a rule without detection", "")
	}
	rw, err := b.ecs.RewriteFor(Name, r)
	if err != nil {
		return "", err
	}
	c := compiler{rule: r}
	c.out.Grow(sizeHint(rw.Detection) + len(end))
	if err := c.expr(rw.Detection, true); err != nil {
		return "", err
	}
	c.out.WriteString(end)
	return c.out.String(), nil
}

// sizeHint estimates the length of the query text of e (a folded regex
// takes up to four bytes a letter, a phrase one), so that it is built in
// one allocation or two.
func sizeHint(e ir.Expr) int {
	n := 32
	ir.Walk(e, func(x ir.Expr) bool {
		if m, ok := x.(*ir.Match); ok {
			for _, v := range m.Values {
				n += len(m.Field) + 8
				for _, p := range v.Parts {
					n += 2*len(p.Text) + 2
				}
			}
		}
		return true
	})
	return n
}

func unsupported(r *ir.Rule, pos source.Pos, construct, reason string) error {
	name := r.Title
	if name == "" {
		name = r.ID
	}
	return &backends.Unsupported{Pos: pos, Target: Name, Rule: name, Construct: construct, Reason: reason}
}

// compiler writes one rule's query to out.
type compiler struct {
	rule *ir.Rule
	out  strings.Builder
}

// expr writes e; top says whether it is the whole query (no parentheses
// needed around a top-level group).
func (c *compiler) expr(e ir.Expr, top bool) error {
	switch n := e.(type) {
	case *ir.And:
		return c.group(n.Args, " AND ", top)
	case *ir.Or:
		return c.group(n.Args, " OR ", top)
	case *ir.Not:
		c.out.WriteString("(*:* AND NOT ")
		if err := c.expr(n.Arg, false); err != nil {
			return err
		}
		c.out.WriteByte(')')
		return nil
	case *ir.Match:
		return c.match(n)
	}
	return unsupported(c.rule, e.Position(), "expression", fmt.Sprintf("unknown node %T", e))
}

func (c *compiler) group(args []ir.Expr, sep string, top bool) error {
	if len(args) == 1 {
		return c.expr(args[0], false)
	}
	if !top {
		c.out.WriteByte('(')
	}
	for i, a := range args {
		if i > 0 {
			c.out.WriteString(sep)
		}
		if err := c.expr(a, false); err != nil {
			return err
		}
	}
	if !top {
		c.out.WriteByte(')')
	}
	return nil
}

// anyOf writes one condition per value, joined as alternatives (or all of
// them, for |all).
func (c *compiler) anyOf(m *ir.Match, write func(v ir.Value) error) error {
	sep := " OR "
	if m.All {
		sep = " AND "
	}
	if len(m.Values) != 1 {
		c.out.WriteByte('(')
	}
	for i, v := range m.Values {
		if i > 0 {
			c.out.WriteString(sep)
		}
		if err := write(v); err != nil {
			return err
		}
	}
	if len(m.Values) != 1 {
		c.out.WriteByte(')')
	}
	return nil
}

func (c *compiler) match(m *ir.Match) error {
	if m.TimePart != "" {
		return unsupported(c.rule, m.Pos, "time part |"+m.TimePart+" on "+m.Field, "a Lucene query cannot extract a part of a date")
	}
	if m.IsKeyword() {
		return unsupported(c.rule, m.Pos, "keyword search",
			"a fieldless query_string query runs on every field, and on analyzed text fields (message) a wildcard or regex matches single tokens, not the line; name the field, or use the eql target with keyword_field")
	}
	field := func() { writeTerm(&c.out, m.Field); c.out.WriteByte(':') }
	if textFields[m.Field] && m.Op != ir.OpExists && m.Op != ir.OpNull {
		return unsupported(c.rule, m.Pos, "condition on text field "+m.Field,
			m.Field+" is an analyzed text field: Elasticsearch matches it token by token and case-insensitively, not as Sigma compares values; use the eql or esql target")
	}
	switch m.Op {
	case ir.OpExists:
		c.out.WriteString("_exists_:")
		writeTerm(&c.out, m.Field)
		return nil
	case ir.OpNull:
		c.out.WriteString("(*:* AND NOT _exists_:")
		writeTerm(&c.out, m.Field)
		c.out.WriteByte(')')
		return nil
	case ir.OpFieldRef:
		return unsupported(c.rule, m.Pos, "|fieldref on "+m.Field, "a Lucene query cannot compare two fields; use the esql target")
	case ir.OpCIDR:
		if !ipFields[m.Field] {
			return unsupported(c.rule, m.Pos, "|cidr on "+m.Field, m.Field+" is not an ip field; CIDR blocks match only on ip fields such as source.ip")
		}
		return c.anyOf(m, func(v ir.Value) error {
			field()
			writePhrase(&c.out, v.Text())
			return nil
		})
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		if !numericFields[m.Field] {
			return unsupported(c.rule, m.Pos, "|"+m.Op.String()+" on "+m.Field,
				"Elasticsearch compares "+m.Field+" as a string (it is not a numeric field), so a range would not compare numbers")
		}
		return c.anyOf(m, func(v ir.Value) error {
			field()
			c.out.WriteString(m.Op.String())
			c.out.WriteString(v.Text())
			return nil
		})
	case ir.OpRegex:
		return c.anyOf(m, func(v ir.Value) error {
			re := v.Text()
			if m.Regex.IgnoreCase {
				re = "(?i)" + re
			}
			lre, err := eqlq.ToLucene(re, eqlq.RegexFlags{Multiline: m.Regex.Multiline, DotAll: m.Regex.DotAll})
			if err != nil {
				return unsupported(c.rule, m.Pos, "|re "+v.Quoted()+" on "+fieldName(m), err.Error())
			}
			field()
			c.out.WriteByte('/')
			c.out.WriteString(regexBody(lre))
			c.out.WriteByte('/')
			return nil
		})
	}
	return c.anyOf(m, func(v ir.Value) error {
		field()
		return c.value(m, v)
	})
}

// value writes the pattern of one value of an equality match.
func (c *compiler) value(m *ir.Match, v ir.Value) error {
	switch v.Kind {
	case ir.KindBool, ir.KindNumber:
		writeTerm(&c.out, v.Text())
		return nil
	}
	parts := v.Parts
	if !hasWildcards(parts) && isEmpty(parts) {
		return unsupported(c.rule, m.Pos, "empty value on "+fieldName(m),
			"the ingest pipeline drops empty strings, so an empty value never matches in Elasticsearch; use null instead")
	}
	if m.Cased || ecs.CaseFixed(m.Field, v) || caseless(parts) {
		if !hasWildcards(parts) {
			writePhrase(&c.out, v.Text())
		} else {
			writeWildcard(&c.out, parts)
		}
		return nil
	}
	// A folded regex has every '/' escaped already (see writeFolded), so
	// regexBody has nothing to do.
	c.out.WriteByte('/')
	writeFolded(&c.out, parts)
	c.out.WriteByte('/')
	return nil
}

// isEmpty reports whether literal parts have no text.
func isEmpty(parts []ir.Part) bool {
	for _, p := range parts {
		if p.Text != "" {
			return false
		}
	}
	return true
}

func hasWildcards(parts []ir.Part) bool {
	for _, p := range parts {
		if p.Kind != ir.Literal {
			return true
		}
	}
	return false
}

// caseless reports whether the literal text of parts has no cased letter
// (strings.ToLower(t) == strings.ToUpper(t) for its text t).
func caseless(parts []ir.Part) bool {
	for _, p := range parts {
		for _, r := range p.Text {
			if unicode.ToLower(r) != unicode.ToUpper(r) {
				return false
			}
		}
	}
	return true
}

func fieldName(m *ir.Match) string {
	if m.IsKeyword() {
		return "a keyword search"
	}
	return m.Field
}

// reserved are the characters the query_string syntax gives a meaning.
const reserved = `+-=&|!(){}[]^"~*?:\/<>`

// Term escapes a bare term: reserved characters and whitespace get a
// backslash.
func Term(s string) string {
	var b strings.Builder
	writeTerm(&b, s)
	return b.String()
}

// reservedByte marks the ASCII bytes a term escapes: the reserved
// characters and whitespace.
var reservedByte = func() (t [utf8.RuneSelf]bool) {
	for _, c := range reserved {
		t[c] = true
	}
	for _, c := range "\t\n\v\f\r " {
		t[c] = true
	}
	return t
}()

func writeTerm(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if reservedByte[c] {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r) // U+FFFD for a byte that is not UTF-8
		i += size
	}
}

// Phrase quotes an exact value: inside a phrase only " and \ are special.
func Phrase(s string) string {
	var b strings.Builder
	writePhrase(&b, s)
	return b.String()
}

func writePhrase(b *strings.Builder, s string) {
	b.WriteByte('"')
	for {
		i := strings.IndexAny(s, `\"`)
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		b.WriteByte('\\')
		b.WriteByte(s[i])
		s = s[i+1:]
	}
	b.WriteString(s)
	b.WriteByte('"')
}

// Wildcard renders a pattern as a wildcard term (* and ?), the literal
// runs escaped.
func Wildcard(parts []ir.Part) string {
	var b strings.Builder
	writeWildcard(&b, parts)
	return b.String()
}

func writeWildcard(b *strings.Builder, parts []ir.Part) {
	for _, p := range parts {
		switch p.Kind {
		case ir.AnyString:
			b.WriteByte('*')
		case ir.AnyChar:
			b.WriteByte('?')
		default:
			writeTerm(b, p.Text)
		}
	}
}

// Field escapes a field name for the query_string syntax.
func Field(f string) string { return Term(f) }

// foldedRegex renders a pattern as a Lucene regex matching the whole value
// case-insensitively: each cased letter becomes a class of its cases.
func foldedRegex(parts []ir.Part) string {
	var b strings.Builder
	writeFolded(&b, parts)
	return b.String()
}

// writeFolded writes foldedRegex(parts). Every character but a letter, a
// digit, '_' or a control character is escaped with a backslash, '/'
// included, so the text needs no regexBody.
func writeFolded(b *strings.Builder, parts []ir.Part) {
	for _, p := range parts {
		switch p.Kind {
		case ir.AnyString:
			b.WriteString(".*")
		case ir.AnyChar:
			b.WriteString(".")
		default:
			for i, r := range p.Text {
				if c := p.Text[i]; c < utf8.RuneSelf { // what the general case gives, for ASCII
					switch {
					case c >= 'a' && c <= 'z':
						b.Write([]byte{'[', c, c - 'a' + 'A', ']'})
					case c >= 'A' && c <= 'Z':
						b.Write([]byte{'[', c - 'A' + 'a', c, ']'})
					case c >= '0' && c <= '9' || c == '_' || c < 0x20 || c == 0x7f:
						b.WriteByte(c)
					default:
						b.WriteByte('\\')
						b.WriteByte(c)
					}
					continue
				}
				if lo, up := unicode.ToLower(r), unicode.ToUpper(r); lo != up {
					b.WriteByte('[')
					eqlq.WriteLuceneRune(b, lo)
					eqlq.WriteLuceneRune(b, up)
					b.WriteByte(']')
					continue
				}
				eqlq.WriteLuceneRune(b, r)
			}
		}
	}
}

// regexBody escapes the slashes of a Lucene regex for /…/ in the
// query_string syntax (a backslash already escapes the next character).
func regexBody(re string) string {
	var b strings.Builder
	for i := 0; i < len(re); i++ {
		switch re[i] {
		case '\\':
			b.WriteByte('\\')
			if i+1 < len(re) {
				i++
				b.WriteByte(re[i])
			}
		case '/':
			b.WriteString(`\/`)
		default:
			b.WriteByte(re[i])
		}
	}
	return b.String()
}
