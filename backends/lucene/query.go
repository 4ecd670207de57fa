package lucene

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/ecs/indexed"
	"github.com/sigforge/sigforge/compiler/event"
	eqlq "github.com/sigforge/sigforge/compiler/query/eql"
)

// Query is a parsed query_string query, ready to run on ECS documents.
type Query struct{ root *boolQuery }

type occur int

const (
	should occur = iota
	must
	mustNot
)

type boolQuery struct{ clauses []clause }

type clause struct {
	occur occur
	q     matcher
}

type matcher interface {
	match(doc map[string]any) bool
}

// Parse parses query_string text as Lucene's classic QueryParser with
// Elasticsearch's default operator OR: AND marks both neighbours
// required, NOT and - prohibit, + requires, and a boolean query without
// required clauses needs one of its optional ones (a purely negative query
// matches everything else, as Elasticsearch makes it).
func Parse(text string) (*Query, error) {
	if !utf8.ValidString(text) {
		return nil, errors.New("1:1: the query is not valid UTF-8")
	}
	g, err := qsParser.ParseString("", text)
	if err != nil {
		var pe participle.Error
		if errors.As(err, &pe) {
			p := pe.Position()
			return nil, fmt.Errorf("%d:%d: %s", p.Line, p.Column, pe.Message())
		}
		return nil, err
	}
	root, err := build(g, "")
	if err != nil {
		return nil, err
	}
	return &Query{root: root}, nil
}

// Match reports whether the query matches an ECS document.
func (q *Query) Match(doc map[string]any) bool { return q.root.match(doc) }

func build(g *qsQuery, field string) (*boolQuery, error) {
	bq := &boolQuery{}
	for _, c := range g.Clauses {
		f := field
		if c.Field != nil {
			f = unescape(*c.Field)
		}
		var m matcher
		var err error
		switch {
		case c.Group != nil:
			m, err = build(c.Group, f)
		case c.Range != nil:
			m, err = rangeOf(f, c.Range)
		default:
			m, err = valueOf(f, c.Value)
		}
		if err != nil {
			return nil, err
		}
		if len(bq.clauses) > 0 && (c.Conj == "AND" || c.Conj == "&&") {
			if prev := &bq.clauses[len(bq.clauses)-1]; prev.occur != mustNot {
				prev.occur = must
			}
		}
		prohibited := c.Mod == "NOT" || c.Mod == "!" || c.Mod == "-"
		required := c.Mod == "+" || ((c.Conj == "AND" || c.Conj == "&&") && !prohibited)
		o := should
		switch {
		case prohibited:
			o = mustNot
		case required:
			o = must
		}
		bq.clauses = append(bq.clauses, clause{occur: o, q: m})
	}
	return bq, nil
}

func (b *boolQuery) match(doc map[string]any) bool {
	hasMust, hasShould, anyShould := false, false, false
	for _, c := range b.clauses {
		switch c.occur {
		case must:
			hasMust = true
			if !c.q.match(doc) {
				return false
			}
		case mustNot:
			if c.q.match(doc) {
				return false
			}
		case should:
			hasShould = true
			if !anyShould && c.q.match(doc) {
				anyShould = true
			}
		}
	}
	return hasMust || !hasShould || anyShould
}

// unescape removes query_string backslash escapes.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// part of a wildcard term: a literal run, "*" or "?".
type part struct {
	wild byte // 0, '*' or '?'
	text string
}

func termParts(s string) []part {
	var parts []part
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, part{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			lit.WriteByte(s[i])
		case c == '*' || c == '?':
			flush()
			parts = append(parts, part{wild: c})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts
}

type matchAll struct{}

func (matchAll) match(map[string]any) bool { return true }

type exists struct{ field string }

func (e exists) match(doc map[string]any) bool {
	for _, v := range indexed.Values(doc, e.field) {
		if m, ok := v.(map[string]any); v != nil && (!ok || len(m) > 0) {
			return true
		}
	}
	return false
}

// leafMatch tests every scalar of the field (every leaf for field "" or
// "*", Elasticsearch's default_field).
type leafMatch struct {
	field string
	test  func(field string, s string) bool
}

func (l leafMatch) match(doc map[string]any) bool {
	if l.field == "" || l.field == "*" {
		return anyLeaf(doc, "", l.test)
	}
	for _, v := range indexed.Values(doc, l.field) {
		if _, isObj := v.(map[string]any); isObj {
			continue
		}
		if s, ok := event.Scalar(v); ok && l.test(l.field, s) {
			return true
		}
	}
	return false
}

func anyLeaf(v any, path string, test func(string, string) bool) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if anyLeaf(e, p, test) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if anyLeaf(e, path, test) {
				return true
			}
		}
	case nil:
	default:
		if s, ok := event.Scalar(x); ok {
			return test(path, s)
		}
	}
	return false
}

func valueOf(field string, v *qsValue) (matcher, error) {
	switch {
	case v.Phrase != nil:
		text := unescape((*v.Phrase)[1 : len(*v.Phrase)-1])
		return leafMatch{field, func(f, s string) bool { return equalValue(f, s, text) }}, nil
	case v.Regex != nil:
		body := (*v.Regex)[1 : len(*v.Regex)-1]
		re, err := eqlq.LuceneRegexp(body, false)
		if err != nil {
			return nil, err
		}
		return leafMatch{field, func(f, s string) bool { return !ipFields[f] && re.MatchString(s) }}, nil
	}
	raw := *v.Term
	if field == "_exists_" {
		return exists{unescape(raw)}, nil
	}
	if raw == "*" && (field == "*" || field == "") {
		return matchAll{}, nil
	}
	if raw == "*" {
		return exists{field}, nil
	}
	for _, op := range []string{">=", "<=", ">", "<"} {
		if bound, ok := strings.CutPrefix(raw, op); ok && field != "" {
			b := unescape(bound)
			return leafMatch{field, func(f, s string) bool { return compare(f, s, b, op) }}, nil
		}
	}
	parts := termParts(raw)
	wild := false
	for _, p := range parts {
		if p.wild != 0 {
			wild = true
		}
	}
	if !wild {
		text := unescape(raw)
		return leafMatch{field, func(f, s string) bool { return equalValue(f, s, text) }}, nil
	}
	re := globRegexp(parts)
	return leafMatch{field, func(f, s string) bool { return !ipFields[f] && re.MatchString(s) }}, nil
}

func globRegexp(parts []part) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, p := range parts {
		switch p.wild {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(p.text))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// equalValue is a term (or phrase) query on one value: exact and
// case-sensitive on keyword fields, numeric on numeric fields, address or
// CIDR block on ip fields.
func equalValue(field, value, want string) bool {
	switch {
	case ipFields[field]:
		addr, err := netip.ParseAddr(value)
		if err != nil {
			return false
		}
		if p, err := netip.ParsePrefix(want); err == nil {
			return p.Contains(addr)
		}
		w, err := netip.ParseAddr(want)
		return err == nil && w == addr
	case numericFields[field]:
		a, ok1 := new(big.Float).SetString(value)
		b, ok2 := new(big.Float).SetString(want)
		return ok1 && ok2 && a.Cmp(b) == 0
	}
	return value == want
}

// compare is a range bound: numeric on numeric fields, else string order
// (keyword fields).
func compare(field, value, bound, op string) bool {
	var c int
	if numericFields[field] {
		a, ok1 := new(big.Float).SetString(value)
		b, ok2 := new(big.Float).SetString(bound)
		if !ok1 || !ok2 {
			return false
		}
		c = a.Cmp(b)
	} else {
		c = strings.Compare(value, bound)
	}
	switch op {
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	}
	return c <= 0
}

func rangeOf(field string, r *qsRange) (matcher, error) {
	bound := func(v *qsValue) (string, bool) {
		switch {
		case v.Phrase != nil:
			return unescape((*v.Phrase)[1 : len(*v.Phrase)-1]), true
		case v.Term != nil && *v.Term == "*":
			return "", false
		case v.Term != nil:
			return unescape(*v.Term), true
		}
		return "", false
	}
	lo, hasLo := bound(r.From)
	hi, hasHi := bound(r.To)
	loOp, hiOp := ">=", "<="
	if r.Open == "{" {
		loOp = ">"
	}
	if r.Close == "}" {
		hiOp = "<"
	}
	return leafMatch{field, func(f, s string) bool {
		return (!hasLo || compare(f, s, lo, loOp)) && (!hasHi || compare(f, s, hi, hiOp))
	}}, nil
}

// Prepare parses the compiled text; it fails where the query_string parser
// would.
func (b *Backend) Prepare(out backends.Output) (backends.Query, error) {
	q, err := Parse(strings.TrimSpace(out.Text))
	if err != nil {
		name := "lucene"
		if out.Rule != nil && out.Rule.File != "" {
			name = out.Rule.File + " (compiled lucene)"
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return fired{q, b.ecs}, nil
}

type fired struct {
	q   *Query
	ecs ecs.Options
}

// Fires maps every raw CloudTrail event to ECS and reports whether the
// query matches any of them.
func (f fired) Fires(events []event.Event) (bool, error) {
	for _, ev := range events {
		if f.q.Match(f.ecs.Document(ev.Fields)) {
			return true, nil
		}
	}
	return false, nil
}
