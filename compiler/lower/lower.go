package lower

import (
	"slices"
	"strings"
	"sync"

	"github.com/sigforge/sigforge/compiler/attack"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/sigma"
	"github.com/sigforge/sigforge/compiler/sigma/condition"
	"github.com/sigforge/sigforge/compiler/sigma/value"
	"github.com/sigforge/sigforge/compiler/source"
	v "github.com/sigforge/sigforge/compiler/validate"
)

// Options configure lowering.
type Options struct {
	// Placeholders are the values of %name% placeholders for |expand.
	Placeholders map[string][]string
}

type lowerer struct {
	opts   Options
	ds     source.Diagnostics
	values value.Parser // the rule's plain values share allocations
	// The rule's matches, value lists and modifier lists share allocations.
	matches   block[ir.Match]
	valueList block[ir.Value]
	names     block[string]
	exprs     block[ir.Expr] // the ANDs and ORs of searches
}

// Rule lowers a detection rule or the metadata of a correlation rule (its
// Correlation.Rules are left for the loader to resolve). Filters are
// lowered with Detection.
func Rule(d *sigma.Document, opts Options) (*ir.Rule, source.Diagnostics) {
	l := &lowerer{opts: opts}
	r := &ir.Rule{
		Pos: d.Pos, File: d.File,
		ID: d.ID, Name: d.Name, Title: d.Title, Description: d.Description,
		Status: d.Status, Level: d.Level, Author: d.Author, License: d.License,
		Date: d.Date, Modified: d.Modified, Taxonomy: d.Taxonomy,
		References: d.References, Tags: d.Tags, FalsePositives: d.FalsePositives,
		Fields: d.Fields, Scope: d.Scope, Related: d.Related, Logsource: d.Logsource,
		Custom: d.Custom,
	}
	r.Meta = Meta(d)
	switch {
	case d.Correlation != nil:
		c := d.Correlation
		r.Correlation = &ir.Correlation{
			Type: c.Type, GroupBy: c.GroupBy, Aliases: c.Aliases,
			Timespan: c.Timespan, Condition: c.Condition, Generate: d.Generate,
		}
	case d.Detection != nil:
		r.Detection = l.detection(d.Detection)
	}
	return r, l.ds
}

// Meta is the pack metadata of a document with its defaults: severity
// from level (informational and none → low), risk score from severity,
// and the ATT&CK tree from the tags.
func Meta(d *sigma.Document) ir.Meta {
	m := ir.Meta{Severity: d.Severity, Guide: d.Guide, AlertFields: d.AlertFields}
	if m.Severity == "" {
		m.Severity = v.SeverityFromLevel(d.Level)
	}
	if d.RiskScore != nil {
		m.RiskScore = *d.RiskScore
	} else {
		m.RiskScore = v.RiskFromSeverity(m.Severity)
	}
	m.Threat = attack.Threat(d.Tags)
	return m
}

// Detection lowers a detection section (of a rule or a filter) to one
// expression; nil when it has errors.
func Detection(det *sigma.Detection, opts Options) (ir.Expr, source.Diagnostics) {
	l := &lowerer{opts: opts}
	return l.detection(det), l.ds
}

func (l *lowerer) detection(det *sigma.Detection) ir.Expr {
	errs := len(l.ds)
	l.reserve(det)
	// The lowered searches, and whether the condition uses them, by the
	// index of the search in det.Searches (nil: it had errors).
	var usedBuf [16]bool
	used := usedBuf[:0]
	if len(det.Searches) > len(usedBuf) {
		used = make([]bool, 0, len(det.Searches))
	}
	searches := &lowered{det: det, exprs: l.exprs.take(len(det.Searches)), used: used[:len(det.Searches)]}
	for i, s := range det.Searches {
		searches.exprs[i] = l.search(s)
	}
	var conds []ir.Expr
	parsed := len(det.Conditions) > 0
	for _, c := range det.Conditions {
		node, err := parseCondition(c.Value)
		if err != nil {
			parsed = false
			d, ok := err.(*source.Diagnostic)
			if !ok {
				l.ds.Add(c.Pos, v.ConditionSyntax, "condition: %v", err)
				continue
			}
			dd := *d
			dd.Pos = c.PosAtLineCol(d.Pos.Line, d.Pos.Col)
			dd.Code = v.ConditionSyntax
			if strings.Contains(c.Value, "|") {
				dd.Message += "; Sigma v1 aggregations (\"| count() …\", \"near\") are written as correlation rules in Sigma v2"
			}
			l.ds = append(l.ds, &dd)
			continue
		}
		if e := l.condition(node, c, searches); e != nil {
			conds = append(conds, e)
		}
	}
	for i, s := range det.Searches {
		if parsed && !searches.used[i] {
			l.ds.Warn(s.Pos, v.UnusedSearch, "search %q is not used by the condition", s.Name)
		}
	}
	if hasErrorsSince(l.ds, errs) {
		return nil
	}
	if len(conds) == 0 {
		return nil
	}
	return or(det.Conditions[0].Pos, conds)
}

// reserve sizes the blocks for the matches, value lists and modifier
// lists of det (|expand and |windash variants may take more).
func (l *lowerer) reserve(det *sigma.Detection) {
	items, values, mods, parts, exprs := 0, 0, 0, 0, len(det.Searches)
	for _, s := range det.Searches {
		if len(s.Alternatives) > 1 {
			exprs += len(s.Alternatives)
		}
		for _, a := range s.Alternatives {
			items += len(a.Items)
			if len(a.Items) > 1 {
				exprs += len(a.Items)
			}
			for _, it := range a.Items {
				values += len(it.Values)
				mods += len(it.Modifiers)
				wild := 0 // room for the wildcards of contains, startswith, endswith
				for _, m := range it.Modifiers {
					if m.Name == "contains" || m.Name == "startswith" || m.Name == "endswith" {
						wild = 2
					}
				}
				parts += len(it.Values) * (1 + wild)
			}
		}
	}
	l.values.Reserve(parts)
	l.matches.reserve(items)
	l.valueList.reserve(values)
	l.names.reserve(mods)
	l.exprs.reserve(exprs)
}

// conditions caches parsed conditions by their text: rule sets repeat the
// same few conditions ("selection", "selection and not filter"), and a
// parse relative to the text (positions are mapped to the file afterwards)
// depends on nothing else. The AST is never modified.
var (
	conditionsMu sync.Mutex
	conditions   = map[string]condition.Node{}
)

const maxCachedConditions = 4096

func parseCondition(text string) (condition.Node, error) {
	conditionsMu.Lock()
	n, ok := conditions[text]
	conditionsMu.Unlock()
	if ok {
		return n, nil
	}
	n, err := condition.Parse(text, source.Pos{}, condition.Plain)
	if err == nil {
		conditionsMu.Lock()
		if len(conditions) < maxCachedConditions {
			conditions[text] = n
		}
		conditionsMu.Unlock()
	}
	return n, err
}

func hasErrorsSince(ds source.Diagnostics, n int) bool {
	return ds[n:].HasErrors()
}

// lowered are the searches of a detection as lowered, for the condition.
type lowered struct {
	det   *sigma.Detection
	exprs []ir.Expr // by index in det.Searches; nil when it had errors
	used  []bool
}

// lookup returns the index of the search called name, or -1.
func (s *lowered) lookup(name string) int {
	for i, x := range s.det.Searches {
		if x.Name == name {
			return i
		}
	}
	return -1
}

// condition lowers a parsed condition; positions in it are relative to the
// condition text and are mapped to the file through c.
func (l *lowerer) condition(n condition.Node, c *sigma.Text, searches *lowered) ir.Expr {
	pos := func(p source.Pos) source.Pos { return c.PosAtLineCol(p.Line, p.Col) }
	switch n := n.(type) {
	case *condition.Ident:
		i := searches.lookup(n.Name)
		if i < 0 {
			l.ds.Add(pos(n.Pos), v.UndefinedSearch, "condition uses %q, which detection does not define", n.Name)
			return nil
		}
		searches.used[i] = true
		return searches.exprs[i]
	case *condition.Of:
		args := l.exprs.take(len(searches.det.Searches))[:0]
		matched := false
		for i, s := range searches.det.Searches {
			if condition.MatchPattern(n.Pattern, s.Name) {
				matched = true
				searches.used[i] = true
				if e := searches.exprs[i]; e != nil {
					args = append(args, e)
				}
			}
		}
		if !matched {
			l.ds.Add(pos(n.Pos), v.UndefinedSearch, "condition pattern %q matches no search identifier", n.Pattern)
			return nil
		}
		if len(args) == 0 {
			return nil
		}
		if n.All {
			return and(pos(n.Pos), args)
		}
		return or(pos(n.Pos), args)
	case *condition.And:
		args := l.conditionArgs(n.Args, c, searches)
		if args == nil {
			return nil
		}
		return and(pos(n.Pos), args)
	case *condition.Or:
		args := l.conditionArgs(n.Args, c, searches)
		if args == nil {
			return nil
		}
		return or(pos(n.Pos), args)
	case *condition.Not:
		arg := l.condition(n.Arg, c, searches)
		if arg == nil {
			return nil
		}
		return &ir.Not{Pos: pos(n.Pos), Arg: arg}
	}
	return nil
}

func (l *lowerer) conditionArgs(ns []condition.Node, c *sigma.Text, searches *lowered) []ir.Expr {
	args := l.exprs.take(len(ns))[:0]
	failed := false
	for _, a := range ns {
		e := l.condition(a, c, searches)
		if e == nil {
			failed = true
			continue
		}
		args = append(args, e)
	}
	if failed {
		return nil
	}
	return args
}

// and builds an And, flattening nested Ands; one argument stands alone.
// args is the caller's fresh slice: it becomes the And's when there is
// nothing to flatten.
func and(pos source.Pos, args []ir.Expr) ir.Expr {
	if len(args) == 1 {
		return args[0]
	}
	return &ir.And{Pos: pos, Args: flatten(args, func(e ir.Expr) ([]ir.Expr, bool) {
		x, ok := e.(*ir.And)
		if !ok {
			return nil, false
		}
		return x.Args, true
	})}
}

// or builds an Or, flattening nested Ors; one argument stands alone. args
// is the caller's fresh slice, as for and.
func or(pos source.Pos, args []ir.Expr) ir.Expr {
	if len(args) == 1 {
		return args[0]
	}
	return &ir.Or{Pos: pos, Args: flatten(args, func(e ir.Expr) ([]ir.Expr, bool) {
		x, ok := e.(*ir.Or)
		if !ok {
			return nil, false
		}
		return x.Args, true
	})}
}

// flatten splices the arguments of every nested node of the same kind
// (inner reports them) into args; it returns args itself when none is
// nested.
func flatten(args []ir.Expr, inner func(ir.Expr) ([]ir.Expr, bool)) []ir.Expr {
	n, nested := 0, false
	for _, a := range args {
		if x, ok := inner(a); ok {
			n += len(x)
			nested = true
		} else {
			n++
		}
	}
	if !nested {
		return args
	}
	out := make([]ir.Expr, 0, n)
	for _, a := range args {
		if x, ok := inner(a); ok {
			out = append(out, x...)
		} else {
			out = append(out, a)
		}
	}
	return out
}

// search lowers a search identifier: an OR of its alternatives, each an
// AND of its items.
func (l *lowerer) search(s *sigma.Search) ir.Expr {
	if len(s.Alternatives) == 1 { // the usual case: no slice for the OR
		e, ok := l.alternative(s.Alternatives[0])
		if !ok {
			return nil
		}
		return e
	}
	alts := l.exprs.take(len(s.Alternatives))[:0]
	failed := false
	for _, a := range s.Alternatives {
		e, ok := l.alternative(a)
		if !ok {
			failed = true
		} else if e != nil {
			alts = append(alts, e)
		}
	}
	if failed || len(alts) == 0 {
		return nil
	}
	return or(s.Pos, alts)
}

// alternative lowers an AND of items: ok is false when an item failed
// (each is lowered, for its problems), e nil when there is none.
func (l *lowerer) alternative(a *sigma.Alternative) (e ir.Expr, ok bool) {
	if len(a.Items) == 1 { // the usual case: no slice for the AND
		e := l.item(a.Items[0])
		return e, e != nil
	}
	items := l.exprs.take(len(a.Items))[:0]
	ok = true
	for _, it := range a.Items {
		e := l.item(it)
		if e == nil {
			ok = false
			continue
		}
		items = append(items, e)
	}
	if !ok || len(items) == 0 {
		return nil, ok
	}
	return and(a.Pos, items), true
}

// expandValues replaces %name% placeholders when the item has |expand;
// every value with placeholders becomes one value per combination of
// their configured values. "\%" is a literal percent sign.
func (l *lowerer) expandValues(it *sigma.Item, expand bool) ([]sigma.Value, bool) {
	if !expand {
		return it.Values, true
	}
	var out []sigma.Value
	ok := true
	for _, val := range it.Values {
		if val.Kind != sigma.String {
			out = append(out, val)
			continue
		}
		texts := []string{""}
		s := val.Text
		found := false
		for len(s) > 0 {
			i := strings.IndexAny(s, `%\`)
			if i < 0 {
				texts = appendAll(texts, s)
				break
			}
			if s[i] == '\\' {
				if i+1 < len(s) && s[i+1] == '%' {
					texts = appendAll(texts, s[:i]+"%")
					s = s[i+2:]
				} else {
					texts = appendAll(texts, s[:i+1])
					s = s[i+1:]
				}
				continue
			}
			j := strings.IndexByte(s[i+1:], '%')
			if j < 0 {
				texts = appendAll(texts, s)
				break
			}
			name := s[i+1 : i+1+j]
			if !isPlaceholderName(name) {
				// "100% of 50%": a percent sign, not a placeholder.
				texts = appendAll(texts, s[:i+1])
				s = s[i+1:]
				continue
			}
			found = true
			vals, known := l.opts.Placeholders[name]
			if !known || len(vals) == 0 {
				l.ds.Add(val.Pos, v.Unresolved, "placeholder %%%s%% has no value; set placeholders.%s in the configuration%s", name, name, configured(l.opts.Placeholders))
				ok = false
				break
			}
			if len(texts)*len(vals) > maxValues {
				l.ds.Add(val.Pos, v.BadModifier, "%s: the placeholders expand the value to more than %d variants", it.Key, maxValues)
				ok = false
				break
			}
			var next []string
			for _, t := range texts {
				for _, x := range vals {
					next = append(next, t+s[:i]+x)
				}
			}
			texts = next
			s = s[i+2+j:]
		}
		if !found {
			l.ds.Warn(val.Pos, v.BadModifier, "%s: expand, but the value has no %%placeholder%%", it.Key)
		}
		for _, t := range texts {
			out = append(out, sigma.Value{Pos: val.Pos, Kind: sigma.String, Text: t})
		}
	}
	return out, ok
}

// isPlaceholderName reports whether the text between two percent signs is
// a placeholder name: one or more word characters.
func isPlaceholderName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return s != ""
}

func configured(p map[string][]string) string {
	var names []string
	for k, vs := range p {
		if len(vs) > 0 {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return " (none is configured)"
	}
	slices.Sort(names)
	return " (configured: " + strings.Join(names, ", ") + ")"
}

func appendAll(texts []string, s string) []string {
	for i := range texts {
		texts[i] += s
	}
	return texts
}
