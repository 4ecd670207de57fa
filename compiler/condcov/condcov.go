// Package condcov measures condition coverage of rules by their fixtures:
// for every field condition (ir.Match) and every value of a multi-value
// condition, whether some fixture event shows that it decides the verdict.
// It is MC/DC in spirit: a condition counts as covered when flipping it —
// forcing it the other way in the native evaluator (eval.CompileOverride) —
// changes the rule's verdict on a fixture event.
//
// Obligations, per rule:
//
//   - A condition that is not negated (an even number of Nots above it) is
//     covered by a positive fixture event that fires, in which the
//     condition holds and forcing it false stops the rule from firing: the
//     condition is decisive there.
//   - A negated condition (a filter under "not") is covered by a negative
//     fixture event that stays quiet, in which the condition holds and
//     forcing it false makes the rule fire: the negative fixture exercises
//     the exclusion.
//   - Each value of a condition with several values (other than the values
//     of an |expand placeholder, which are configuration, and values another
//     value of the list subsumes, which are reported as such) is covered when removing
//     just that value changes the verdict on an event: for an any-of list
//     on a positive fixture (negative for a negated list), for an |all list
//     on a negative fixture (positive for a negated one). A list value that
//     never alone decides a verdict is a value no fixture proves.
//
// For a correlation rule the obligations are the conditions of the detection
// rules it references (at any depth), and a fixture file is one event stream:
// the verdict is whether the correlation raises an alert on it.
//
// Conditions are grouped under the selection they were written in (read
// from the rule file at the condition's position); a selection is covered
// when all its conditions and values are.
package condcov

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Item kinds.
const (
	KindCondition = "condition"
	KindValue     = "value"
)

// Item is one coverage obligation.
type Item struct {
	Kind string `json:"kind"` // condition or value
	// Pos is where the condition is written (file:line:col).
	Pos string `json:"pos"`
	// Selection is the detection key the condition was written under (empty
	// when the rule file cannot be read).
	Selection string `json:"selection,omitempty"`
	// Condition is the condition, as ir.Match.String renders it.
	Condition string `json:"condition"`
	// Value is the list value, for Kind value.
	Value string `json:"value,omitempty"`
	// Negated says the condition is under an odd number of nots, so its
	// proof comes from a negative fixture.
	Negated bool `json:"negated,omitempty"`
	// Needs is the fixture kind that can cover the item: positive or negative.
	Needs   string `json:"needs"`
	Covered bool   `json:"covered"`
	// By names the fixture (and event, for detection rules) that covered it.
	By string `json:"by,omitempty"`
	// ByProvenance is the covering fixture's provenance kind (its sidecar),
	// so a reviewer sees which proofs rest on hand-written events.
	ByProvenance string `json:"by_provenance,omitempty"`
	// SubsumedBy is set on a list value that can never decide a verdict
	// because another value of the same list matches everything it matches
	// (",TRUNCATE TABLE," next to "TRUNCATE "): no fixture can cover it, so
	// it is reported and left out of the totals; the fix is in the rule.
	SubsumedBy string `json:"subsumed_by,omitempty"`
}

// Selection is a roll-up of the items written under one detection key.
type Selection struct {
	Name    string `json:"name"`
	Covered int    `json:"covered"`
	Total   int    `json:"total"`
}

// Rule is the coverage of one tested rule.
type Rule struct {
	Rule       string      `json:"rule"` // fixture folder name, as harness.Key
	Title      string      `json:"title,omitempty"`
	File       string      `json:"file,omitempty"`
	Covered    int         `json:"covered"`
	Total      int         `json:"total"`
	Percent    float64     `json:"percent"`
	Selections []Selection `json:"selections,omitempty"`
	Items      []Item      `json:"items"`
	// Subsumed are list values no fixture can cover (see Item.SubsumedBy).
	Subsumed []Item `json:"subsumed,omitempty"`
	// Error is set when the rule could not be measured (no fixtures, a
	// fixture that does not parse, a rule the evaluator rejects).
	Error string `json:"error,omitempty"`
}

// Report is the coverage of a rule set.
type Report struct {
	Rules   []Rule  `json:"rules"`
	Covered int     `json:"covered"`
	Total   int     `json:"total"`
	Percent float64 `json:"percent"`
}

// Measure computes the coverage of every tested rule (harness.Tested) by
// its fixtures under fixturesDir (fixturesDir/<rule key>/positive|negative).
func Measure(rules []*ir.Rule, fixturesDir string) *Report {
	rep := &Report{Rules: []Rule{}}
	for _, r := range harness.Tested(rules) {
		rc := measureRule(r, filepath.Join(fixturesDir, harness.Key(r)))
		rep.Rules = append(rep.Rules, rc)
		rep.Covered += rc.Covered
		rep.Total += rc.Total
	}
	rep.Percent = percent(rep.Covered, rep.Total)
	return rep
}

// Below returns the rules whose coverage is under min percent (a rule that
// could not be measured is always below).
func (r *Report) Below(min float64) []Rule {
	var out []Rule
	for _, rc := range r.Rules {
		if rc.Error != "" || rc.Percent < min {
			out = append(out, rc)
		}
	}
	return out
}

func percent(covered, total int) float64 {
	if total == 0 {
		return 100
	}
	return float64(int(float64(covered)*1000/float64(total))) / 10
}

// obligation is an Item with what it takes to check it.
type obligation struct {
	item  Item
	match *ir.Match
	ov    eval.Override
	// needTrue: for a condition, the match must hold on the event.
	needTrue bool
	positive bool
}

// verdicter runs a rule (or the rule with an override) on one fixture.
type verdicter interface {
	verdicts(fx *harness.Fixture) []bool // per event, or one per stream
}

type detVerdicter struct{ ev *eval.Evaluator }

func (d detVerdicter) verdicts(fx *harness.Fixture) []bool {
	out := make([]bool, len(fx.Events))
	for i, e := range fx.Events {
		out[i] = d.ev.Match(e)
	}
	return out
}

type corrVerdicter struct{ c *eval.Correlator }

func (c corrVerdicter) verdicts(fx *harness.Fixture) []bool {
	return []bool{c.c.Fires(fx.Events)}
}

func measureRule(r *ir.Rule, dir string) Rule {
	rc := Rule{Rule: harness.Key(r), Title: r.Title, File: r.File, Items: []Item{}}
	all := obligations(r)
	var obls []obligation
	for _, o := range all {
		if o.item.SubsumedBy != "" {
			rc.Subsumed = append(rc.Subsumed, o.item)
			continue
		}
		obls = append(obls, o)
		rc.Items = append(rc.Items, o.item)
	}
	rc.Total = len(obls)
	fail := func(err error) Rule {
		rc.Error = err.Error()
		rc.Percent = percent(0, rc.Total)
		rc.Selections = selections(rc.Items)
		return rc
	}
	fixtures, err := harness.LoadDir(dir)
	if err != nil {
		return fail(err)
	}
	if len(fixtures) == 0 {
		return fail(fmt.Errorf("no fixtures in %s", dir))
	}
	base, err := newVerdicter(r, nil)
	if err != nil {
		return fail(err)
	}
	baseline := make([][]bool, len(fixtures))
	for i, fx := range fixtures {
		baseline[i] = base.verdicts(fx)
	}
	for i := range obls {
		o := &obls[i]
		v, err := newVerdicter(r, &o.ov)
		if err != nil {
			return fail(err)
		}
		var single *eval.Evaluator
		if o.needTrue && !r.IsCorrelation() {
			if single, err = eval.CompileExpr(o.match); err != nil {
				return fail(err)
			}
		}
		for fi, fx := range fixtures {
			if fx.Positive != o.positive {
				continue
			}
			got := v.verdicts(fx)
			for ei := range got {
				if got[ei] == baseline[fi][ei] || baseline[fi][ei] != fx.Positive {
					continue
				}
				if single != nil && !single.Match(fx.Events[ei]) {
					continue
				}
				o.item.Covered = true
				o.item.By = fixtureName(fx, ei, r.IsCorrelation())
				if p := harness.ReadProvenance(fx.Path); p != nil && p.Error == "" {
					o.item.ByProvenance = p.Kind
				}
				break
			}
			if o.item.Covered {
				break
			}
		}
		rc.Items[i] = o.item
		if o.item.Covered {
			rc.Covered++
		}
	}
	rc.Percent = percent(rc.Covered, rc.Total)
	rc.Selections = selections(rc.Items)
	return rc
}

func fixtureName(fx *harness.Fixture, event int, stream bool) string {
	name := filepath.Join(filepath.Base(filepath.Dir(fx.Path)), filepath.Base(fx.Path))
	if stream || len(fx.Events) == 1 {
		return name
	}
	return fmt.Sprintf("%s#%d", name, event+1)
}

func newVerdicter(r *ir.Rule, ov *eval.Override) (verdicter, error) {
	if r.IsCorrelation() {
		var c *eval.Correlator
		var err error
		if ov == nil {
			c, err = eval.CompileCorrelation(r)
		} else {
			c, err = eval.CompileCorrelationOverride(r, *ov)
		}
		if err != nil {
			return nil, err
		}
		return corrVerdicter{c}, nil
	}
	var e *eval.Evaluator
	var err error
	if ov == nil {
		e, err = eval.Compile(r)
	} else {
		e, err = eval.CompileOverride(r, *ov)
	}
	if err != nil {
		return nil, err
	}
	return detVerdicter{e}, nil
}

// Detections returns the detection rules whose conditions decide a rule's
// verdict: the rule itself, or for a correlation the detection rules it
// references at any depth, each once, in order.
func Detections(r *ir.Rule) []*ir.Rule {
	var out []*ir.Rule
	var walk func(r *ir.Rule, stack []*ir.Rule)
	walk = func(r *ir.Rule, stack []*ir.Rule) {
		if r == nil || slices.Contains(stack, r) {
			return
		}
		if !r.IsCorrelation() {
			if r.Detection != nil && !slices.Contains(out, r) {
				out = append(out, r)
			}
			return
		}
		for _, ref := range r.Correlation.Rules {
			walk(ref, append(stack, r))
		}
	}
	walk(r, nil)
	return out
}

// Condition is a Match with its polarity.
type Condition struct {
	Match   *ir.Match
	Negated bool
}

// Conditions returns the Matches of a detection, in order, with whether each
// sits under an odd number of nots.
func Conditions(e ir.Expr) []Condition {
	var out []Condition
	var walk func(e ir.Expr, neg bool)
	walk = func(e ir.Expr, neg bool) {
		switch x := e.(type) {
		case *ir.And:
			for _, a := range x.Args {
				walk(a, neg)
			}
		case *ir.Or:
			for _, a := range x.Args {
				walk(a, neg)
			}
		case *ir.Not:
			walk(x.Arg, !neg)
		case *ir.Match:
			out = append(out, Condition{Match: x, Negated: neg})
		}
	}
	walk(e, false)
	return out
}

func obligations(r *ir.Rule) []obligation {
	var out []obligation
	lines := map[string][]string{}
	for _, d := range Detections(r) {
		for _, c := range Conditions(d.Detection) {
			m := c.Match
			sel := selectionName(lines, m.Pos.File, m.Pos.Line, m.Pos.Col)
			item := Item{Kind: KindCondition, Pos: m.Pos.String(), Selection: sel, Condition: m.String(), Negated: c.Negated}
			out = append(out, newObligation(item, m, eval.Override{Node: m, Force: false}, true, !c.Negated))
			// The values of an |expand placeholder are the deployment's
			// configuration, not the rule's logic: they are one condition.
			if len(m.Values) < 2 || slices.Contains(m.Modifiers, "expand") {
				continue
			}
			for i, v := range m.Values {
				narrower := *m
				narrower.Values = slices.Delete(slices.Clone(m.Values), i, i+1)
				vi := item
				vi.Kind, vi.Value = KindValue, valueText(v)
				// Removing an any-of value narrows the condition; removing an
				// |all value widens it, so its proof is an event it rejects.
				positive := !c.Negated != m.All
				if !m.All {
					vi.SubsumedBy = subsumer(m, i)
				}
				out = append(out, newObligation(vi, m, eval.Override{Node: m, Replace: &narrower}, false, positive))
			}
		}
	}
	return out
}

func newObligation(item Item, m *ir.Match, ov eval.Override, needTrue, positive bool) obligation {
	item.Needs = "negative"
	if positive {
		item.Needs = "positive"
	}
	return obligation{item: item, match: m, ov: ov, needTrue: needTrue, positive: positive}
}

func valueText(v ir.Value) string {
	if v.Kind == ir.KindString {
		return v.Quoted()
	}
	return v.Text()
}

// selectionName finds the detection key a condition at line:col was written
// under: the nearest line above with less indentation that ends in ":".
func selectionName(cache map[string][]string, file string, line, col int) string {
	if file == "" || line < 1 {
		return ""
	}
	ls, ok := cache[file]
	if !ok {
		data, err := os.ReadFile(file)
		if err == nil {
			ls = strings.Split(string(data), "\n")
		}
		cache[file] = ls
	}
	if line > len(ls) {
		return ""
	}
	indent := indentOf(ls[line-1])
	if col-1 < indent {
		indent = col - 1
	}
	for i := line - 2; i >= 0; i-- {
		l := strings.TrimRight(ls[i], " \t\r")
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if ind := indentOf(l); ind < indent {
			if key, ok := strings.CutSuffix(t, ":"); ok && !strings.HasPrefix(key, "- ") {
				return key
			}
			if ind == 0 {
				return ""
			}
			indent = ind
		}
	}
	return ""
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " \t")) }

func selections(items []Item) []Selection {
	var out []Selection
	for _, it := range items {
		if it.Selection == "" {
			continue
		}
		i := slices.IndexFunc(out, func(s Selection) bool { return s.Name == it.Selection })
		if i < 0 {
			out = append(out, Selection{Name: it.Selection})
			i = len(out) - 1
		}
		out[i].Total++
		if it.Covered {
			out[i].Covered++
		}
	}
	return out
}
