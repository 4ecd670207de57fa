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
	text, err := b.Query(r)
	if err != nil {
		return backends.Output{}, err
	}
	return backends.Output{Rule: r, Text: text + "\n", Ext: ".lucene"}, nil
}

// Query returns the rule's Lucene query text (no trailing newline).
func (b *Backend) Query(r *ir.Rule) (string, error) {
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
	return c.expr(rw.Detection, true)
}

func unsupported(r *ir.Rule, pos source.Pos, construct, reason string) error {
	name := r.Title
	if name == "" {
		name = r.ID
	}
	return &backends.Unsupported{Pos: pos, Target: Name, Rule: name, Construct: construct, Reason: reason}
}

type compiler struct{ rule *ir.Rule }

// expr renders e; top says whether it is the whole query (no parentheses
// needed around a top-level group).
func (c *compiler) expr(e ir.Expr, top bool) (string, error) {
	switch n := e.(type) {
	case *ir.And:
		return c.group(n.Args, " AND ", top)
	case *ir.Or:
		return c.group(n.Args, " OR ", top)
	case *ir.Not:
		inner, err := c.expr(n.Arg, false)
		if err != nil {
			return "", err
		}
		return "(*:* AND NOT " + inner + ")", nil
	case *ir.Match:
		return c.match(n)
	}
	return "", unsupported(c.rule, e.Position(), "expression", fmt.Sprintf("unknown node %T", e))
}

func (c *compiler) group(args []ir.Expr, sep string, top bool) (string, error) {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		s, err := c.expr(a, false)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	s := strings.Join(parts, sep)
	if top {
		return s, nil
	}
	return "(" + s + ")", nil
}

// anyOf joins alternatives (or all of them, for |all).
func anyOf(parts []string, all bool) string {
	if len(parts) == 1 {
		return parts[0]
	}
	sep := " OR "
	if all {
		sep = " AND "
	}
	return "(" + strings.Join(parts, sep) + ")"
}

func (c *compiler) match(m *ir.Match) (string, error) {
	if m.TimePart != "" {
		return "", unsupported(c.rule, m.Pos, "time part |"+m.TimePart+" on "+m.Field, "a Lucene query cannot extract a part of a date")
	}
	if m.IsKeyword() {
		return "", unsupported(c.rule, m.Pos, "keyword search",
			"a fieldless query_string query runs on every field, and on analyzed text fields (message) a wildcard or regex matches single tokens, not the line; name the field, or use the eql target with keyword_field")
	}
	field := Field(m.Field) + ":"
	if textFields[m.Field] && m.Op != ir.OpExists && m.Op != ir.OpNull {
		return "", unsupported(c.rule, m.Pos, "condition on text field "+m.Field,
			m.Field+" is an analyzed text field: Elasticsearch matches it token by token and case-insensitively, not as Sigma compares values; use the eql or esql target")
	}
	switch m.Op {
	case ir.OpExists:
		return "_exists_:" + Field(m.Field), nil
	case ir.OpNull:
		return "(*:* AND NOT _exists_:" + Field(m.Field) + ")", nil
	case ir.OpFieldRef:
		return "", unsupported(c.rule, m.Pos, "|fieldref on "+m.Field, "a Lucene query cannot compare two fields; use the esql target")
	case ir.OpCIDR:
		if !ipFields[m.Field] {
			return "", unsupported(c.rule, m.Pos, "|cidr on "+m.Field, m.Field+" is not an ip field; CIDR blocks match only on ip fields such as source.ip")
		}
		var parts []string
		for _, v := range m.Values {
			parts = append(parts, field+Phrase(v.Text()))
		}
		return anyOf(parts, m.All), nil
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		if !numericFields[m.Field] {
			return "", unsupported(c.rule, m.Pos, "|"+m.Op.String()+" on "+m.Field,
				"Elasticsearch compares "+m.Field+" as a string (it is not a numeric field), so a range would not compare numbers")
		}
		var parts []string
		for _, v := range m.Values {
			parts = append(parts, field+m.Op.String()+v.Text())
		}
		return anyOf(parts, m.All), nil
	case ir.OpRegex:
		var parts []string
		for _, v := range m.Values {
			re := v.Text()
			if m.Regex.IgnoreCase {
				re = "(?i)" + re
			}
			lre, err := eqlq.ToLucene(re, eqlq.RegexFlags{Multiline: m.Regex.Multiline, DotAll: m.Regex.DotAll})
			if err != nil {
				return "", unsupported(c.rule, m.Pos, "|re "+v.Quoted()+" on "+fieldName(m), err.Error())
			}
			parts = append(parts, field+"/"+regexBody(lre)+"/")
		}
		return anyOf(parts, m.All), nil
	}
	var parts []string
	for _, v := range m.Values {
		s, err := c.value(m, v)
		if err != nil {
			return "", err
		}
		parts = append(parts, field+s)
	}
	return anyOf(parts, m.All), nil
}

func (c *compiler) value(m *ir.Match, v ir.Value) (string, error) {
	switch v.Kind {
	case ir.KindBool, ir.KindNumber:
		return Term(v.Text()), nil
	}
	if v.Text() == "" && !v.HasWildcards() {
		return "", unsupported(c.rule, m.Pos, "empty value on "+fieldName(m),
			"the ingest pipeline drops empty strings, so an empty value never matches in Elasticsearch; use null instead")
	}
	parts := v.Parts
	if m.Cased || ecs.CaseFixed(m.Field, v) || caseless(v) {
		if !hasWildcards(parts) {
			return Phrase(v.Text()), nil
		}
		return Wildcard(parts), nil
	}
	return "/" + regexBody(foldedRegex(parts)) + "/", nil
}

func hasWildcards(parts []ir.Part) bool {
	for _, p := range parts {
		if p.Kind != ir.Literal {
			return true
		}
	}
	return false
}

func caseless(v ir.Value) bool {
	t := v.Text()
	return strings.ToLower(t) == strings.ToUpper(t)
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
	for _, r := range s {
		if strings.ContainsRune(reserved, r) || unicode.IsSpace(r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Phrase quotes an exact value: inside a phrase only " and \ are special.
func Phrase(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Wildcard renders a pattern as a wildcard term (* and ?), the literal
// runs escaped.
func Wildcard(parts []ir.Part) string {
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case ir.AnyString:
			b.WriteByte('*')
		case ir.AnyChar:
			b.WriteByte('?')
		default:
			b.WriteString(Term(p.Text))
		}
	}
	return b.String()
}

// Field escapes a field name for the query_string syntax.
func Field(f string) string { return Term(f) }

// foldedRegex renders a pattern as a Lucene regex matching the whole value
// case-insensitively: each cased letter becomes a class of its cases.
func foldedRegex(parts []ir.Part) string {
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case ir.AnyString:
			b.WriteString(".*")
		case ir.AnyChar:
			b.WriteString(".")
		default:
			for _, r := range p.Text {
				if cases := foldSet(r); len(cases) > 1 {
					b.WriteByte('[')
					for _, x := range cases {
						b.WriteString(eqlq.LuceneLiteral(string(x)))
					}
					b.WriteByte(']')
					continue
				}
				b.WriteString(eqlq.LuceneLiteral(string(r)))
			}
		}
	}
	return b.String()
}

// foldSet returns the lower- and upper-case forms of r (one rune when r
// has no case).
func foldSet(r rune) []rune {
	lo, up := unicode.ToLower(r), unicode.ToUpper(r)
	if lo == up {
		return []rune{r}
	}
	return []rune{lo, up}
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
