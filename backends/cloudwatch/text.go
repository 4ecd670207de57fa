package cloudwatch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
	cwq "github.com/sigforge/sigforge/compiler/query/cloudwatch"
)

// A text rule (keywords over DB engine log lines) is brought to disjunctive
// normal form: an OR of clauses, each clause terms that must appear and
// terms that must not. A term is a set of alternatives (the case variants
// of a keyword), any of which counts.

type textTerm struct {
	alts []cwq.Term // each with Kind TermRequired
}

type clause struct {
	pos []textTerm
	neg []textTerm
}

const maxClauses = 64

func (t *translator) textDNF(e ir.Expr, neg bool) ([]clause, error) {
	switch n := e.(type) {
	case *ir.Not:
		return t.textDNF(n.Arg, !neg)
	case *ir.And, *ir.Or:
		var args []ir.Expr
		isAnd := false
		if a, ok := n.(*ir.And); ok {
			args, isAnd = a.Args, true
		} else {
			args = n.(*ir.Or).Args
		}
		if neg {
			isAnd = !isAnd
		}
		var out []clause
		for i, a := range args {
			d, err := t.textDNF(a, neg)
			if err != nil {
				return nil, err
			}
			switch {
			case !isAnd:
				out = append(out, d...)
			case i == 0:
				out = d
			default:
				out = crossClauses(out, d)
			}
			if len(out) > maxClauses {
				return nil, t.unsupported(e.Position(), "the condition", fmt.Sprintf("it expands to more than %d term groups", maxClauses))
			}
		}
		return out, nil
	case *ir.Match:
		return t.textMatch(n, neg)
	}
	return nil, fmt.Errorf("cloudwatch: unknown expression %T", e)
}

func crossClauses(a, b []clause) []clause {
	var out []clause
	for _, x := range a {
		for _, y := range b {
			out = append(out, clause{
				pos: append(slices.Clone(x.pos), y.pos...),
				neg: append(slices.Clone(x.neg), y.neg...),
			})
		}
	}
	return out
}

func (t *translator) textMatch(m *ir.Match, neg bool) ([]clause, error) {
	if !m.IsKeyword() && m.Field != "message" {
		return nil, t.unsupported(m.Pos, "field "+m.Field+" in a text-log rule",
			"a metric filter pattern is either JSON or text terms, never both; text-log rules take keywords (or message) only")
	}
	var terms []textTerm
	for _, v := range m.Values {
		tt, err := t.textValue(m, v)
		if err != nil {
			return nil, err
		}
		terms = append(terms, tt)
	}
	// any (or, under |all, every) value; negation flips both.
	var out []clause
	switch {
	case !m.All && !neg:
		for _, tt := range terms {
			out = append(out, clause{pos: []textTerm{tt}})
		}
	case m.All && !neg:
		out = []clause{{pos: terms}}
	case !m.All && neg:
		out = []clause{{neg: terms}}
	default:
		for _, tt := range terms {
			out = append(out, clause{neg: []textTerm{tt}})
		}
	}
	return out, nil
}

func (t *translator) textValue(m *ir.Match, v ir.Value) (textTerm, error) {
	what := fmt.Sprintf("keyword %s", v.Quoted())
	if !m.IsKeyword() {
		what = fmt.Sprintf("value %s on message", v.Quoted())
	}
	if m.Op == ir.OpRegex {
		expr, err := t.regexValue(m, v)
		if err != nil {
			return textTerm{}, err
		}
		return textTerm{alts: []cwq.Term{{Text: expr, Regex: true}}}, nil
	}
	if m.Op != ir.OpEqual || v.Kind != ir.KindString {
		return textTerm{}, t.unsupported(m.Pos, what, "text patterns match strings only")
	}
	parts := v.Parts
	if !m.IsKeyword() {
		// A message value must be a substring match: *text*.
		shape, _ := v.Shape()
		if shape != ir.ShapeContains {
			return textTerm{}, t.unsupported(m.Pos, what, "a text pattern finds terms anywhere in the line; use |contains")
		}
	}
	// Keywords are substring searches: surrounding wildcards add nothing.
	for len(parts) > 0 && parts[0].Kind == ir.AnyString {
		parts = parts[1:]
	}
	for len(parts) > 0 && parts[len(parts)-1].Kind == ir.AnyString {
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 1 || parts[0].Kind != ir.Literal || parts[0].Text == "" {
		return textTerm{}, t.unsupported(m.Pos, what, "a term cannot hold a wildcard")
	}
	text := parts[0].Text
	if strings.ContainsAny(text, "\"\\") {
		return textTerm{}, t.unsupported(m.Pos, what, `a literal '"' or '\' has no documented escape in filter patterns`)
	}
	var alts []cwq.Term
	for _, s := range t.caseVariants(text, m.Cased) {
		alts = append(alts, cwq.Term{Text: s, Quoted: true})
	}
	return textTerm{alts: alts}, nil
}

// caseVariants lists the spellings a case-sensitive term search must look
// for to stand in for a case-insensitive one: the text as written, then each
// word in lower case, UPPER case or Capitalized (every combination for up to
// three words; for longer phrases the whole phrase in each form).
func (t *translator) caseVariants(text string, cased bool) []string {
	out := []string{text}
	if cased || t.b.opts.KeywordCase == "exact" {
		return out
	}
	words := strings.Split(text, " ")
	forms := func(w string) []string {
		return []string{strings.ToLower(w), strings.ToUpper(w), capitalize(w)}
	}
	if len(words) <= 3 {
		combos := []string{""}
		for i, w := range words {
			var next []string
			for _, c := range combos {
				for _, f := range forms(w) {
					if i > 0 {
						next = append(next, c+" "+f)
					} else {
						next = append(next, f)
					}
				}
			}
			combos = next
		}
		out = append(out, combos...)
	} else {
		low := strings.ToLower(text)
		out = append(out, low, strings.ToUpper(text), capitalize(low))
		var title []string
		for _, w := range words {
			title = append(title, capitalize(strings.ToLower(w)))
		}
		out = append(out, strings.Join(title, " "))
	}
	var uniq []string
	for _, s := range out {
		if !slices.Contains(uniq, s) {
			uniq = append(uniq, s)
		}
	}
	return uniq
}

func capitalize(w string) string {
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
}

// textPatterns turns the clauses into text patterns, one per metric filter.
// When every clause is a single term that must appear, all their spellings
// go into one ?-list; otherwise each clause, for each combination of its
// terms' spellings, is a pattern of required terms and -excluded terms.
func (t *translator) textPatterns(clauses []clause) ([]*cwq.Pattern, bool, error) {
	simple := true
	for _, c := range clauses {
		if len(c.pos) != 1 || len(c.neg) != 0 {
			simple = false
		}
	}
	if simple {
		var terms []cwq.Term
		for _, c := range clauses {
			for _, a := range c.pos[0].alts {
				if !slices.ContainsFunc(terms, func(x cwq.Term) bool { return x.Text == a.Text && x.Regex == a.Regex }) {
					terms = append(terms, a)
				}
			}
		}
		if len(terms) == 1 {
			return []*cwq.Pattern{{Kind: cwq.KindText, Terms: terms}}, true, nil
		}
		for i := range terms {
			terms[i].Kind = cwq.TermOptional
		}
		return packOptional(terms), true, nil
	}
	var out []*cwq.Pattern
	for _, c := range clauses {
		if len(c.pos) == 0 {
			return nil, false, t.unsupported(t.rule.Pos, "a condition that only excludes keywords",
				"a text pattern needs a term that must appear")
		}
		var excluded []cwq.Term
		for _, n := range c.neg {
			for _, a := range n.alts {
				a.Kind = cwq.TermExcluded
				excluded = append(excluded, a)
			}
		}
		combos := [][]cwq.Term{nil}
		for _, p := range c.pos {
			var next [][]cwq.Term
			for _, combo := range combos {
				for _, a := range p.alts {
					next = append(next, append(slices.Clone(combo), a))
				}
			}
			combos = next
			if len(combos) > maxClauses {
				return nil, false, t.unsupported(t.rule.Pos, "the keyword combination",
					fmt.Sprintf("its case variants need more than %d metric filters; set keyword_case: exact or use |cased", maxClauses))
			}
		}
		for _, combo := range combos {
			out = append(out, &cwq.Pattern{Kind: cwq.KindText, Terms: append(combo, excluded...)})
		}
	}
	return out, false, nil
}

// packOptional splits a ?-list into patterns of at most 1024 characters.
func packOptional(terms []cwq.Term) []*cwq.Pattern {
	var out []*cwq.Pattern
	cur := &cwq.Pattern{Kind: cwq.KindText}
	for _, term := range terms {
		next := &cwq.Pattern{Kind: cwq.KindText, Terms: append(slices.Clone(cur.Terms), term)}
		if len(next.String()) > cwq.MaxPatternLength && len(cur.Terms) > 0 {
			out = append(out, cur)
			next = &cwq.Pattern{Kind: cwq.KindText, Terms: []cwq.Term{term}}
		}
		cur = next
	}
	return append(out, cur)
}
