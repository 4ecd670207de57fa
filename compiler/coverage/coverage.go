// Package coverage measures the pack's MITRE ATT&CK® coverage: which
// techniques and sub-techniques the rules detect, under which tactics, with
// how many rules, and on which targets — a rule that a target cannot
// express (*backends.Unsupported, or any other compile error) does not
// count for that target. It renders the result as a MITRE ATT&CK Navigator
// layer (format 4.5, scored by number of rules, rules listed in comments)
// and as Markdown tables, one per tactic.
//
// A rule covers the techniques and sub-techniques its attack.* tags name,
// under the tactics its threat mapping (attack.Threat) places them: a
// sub-technique tag does not count for its parent technique, whose entry
// is then only shown expanded.
package coverage

import (
	"cmp"
	"slices"
	"strings"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/attack"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Rule names a rule.
type Rule struct {
	Title string `json:"title"`
	ID    string `json:"id,omitempty"`
	File  string `json:"file"`
}

// Entry is one technique or sub-technique under one tactic.
type Entry struct {
	TacticID     string `json:"tactic_id"`    // TA0040
	Tactic       string `json:"tactic"`       // impact
	TacticName   string `json:"tactic_name"`  // Impact
	ID           string `json:"technique_id"` // T1485 or T1578.003
	Name         string `json:"technique"`    // for sub-techniques, "Parent: Sub"
	Subtechnique bool   `json:"subtechnique"`
	Rules        []Rule `json:"rules"`
	// Targets maps each target to the number of Rules it can express.
	Targets map[string]int `json:"targets"`
	// Expand is set on a technique whose sub-techniques are covered.
	Expand bool `json:"-"`
}

// Report is the pack's coverage.
type Report struct {
	AttackVersion string   `json:"attack_version"`
	Targets       []string `json:"targets"`
	Rules         int      `json:"rules"`    // rules read
	Untagged      []Rule   `json:"untagged"` // rules without any technique tag
	// Entries in matrix order: tactics in catalog order, then technique
	// IDs (a technique before its sub-techniques).
	Entries []Entry `json:"entries"`
}

// Compute measures the coverage of rules on targets.
func Compute(rules []*ir.Rule, targets []backends.Backend) *Report {
	rep := &Report{AttackVersion: attack.Version, Rules: len(rules), Untagged: []Rule{}, Entries: []Entry{}}
	for _, t := range targets {
		rep.Targets = append(rep.Targets, t.Name())
	}
	type key struct{ tactic, tech string }
	index := map[key]int{}
	entry := func(ta ir.Tactic, id, name string, sub bool) *Entry {
		k := key{ta.ShortName, id}
		i, ok := index[k]
		if !ok {
			i = len(rep.Entries)
			index[k] = i
			rep.Entries = append(rep.Entries, Entry{
				TacticID: ta.ID, Tactic: ta.ShortName, TacticName: ta.Name, ID: id, Name: name,
				Subtechnique: sub, Rules: []Rule{}, Targets: map[string]int{},
			})
			for _, t := range rep.Targets {
				rep.Entries[i].Targets[t] = 0
			}
		}
		return &rep.Entries[i]
	}
	for _, r := range rules {
		tagged := taggedTechniques(r.Tags)
		ref := Rule{Title: r.Title, ID: r.ID, File: r.File}
		if len(tagged) == 0 {
			rep.Untagged = append(rep.Untagged, ref)
			continue
		}
		var expressible []string
		for _, t := range targets {
			// Unsupported, or failing to compile (which `sigforge test`
			// reports): either way not coverage on that target.
			if _, err := t.Compile(r); err == nil {
				expressible = append(expressible, t.Name())
			}
		}
		add := func(e *Entry) {
			if slices.ContainsFunc(e.Rules, func(x Rule) bool { return x == ref }) {
				return
			}
			e.Rules = append(e.Rules, ref)
			for _, t := range expressible {
				e.Targets[t]++
			}
		}
		for _, ta := range r.Meta.Threat {
			for _, te := range ta.Techniques {
				if tagged[te.ID] {
					add(entry(ta, te.ID, te.Name, false))
				}
				for _, st := range te.Subtechniques {
					if tagged[st.ID] {
						// entry may grow the slice: look the parent up after.
						add(entry(ta, st.ID, te.Name+": "+st.Name, true))
						entry(ta, te.ID, te.Name, false).Expand = true
					}
				}
			}
		}
	}
	order := map[string]int{}
	for i, ta := range attack.Tactics() {
		order[ta.ShortName] = i
	}
	slices.SortStableFunc(rep.Entries, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(order[a.Tactic], order[b.Tactic]), cmp.Compare(a.ID, b.ID))
	})
	for i := range rep.Entries {
		slices.SortFunc(rep.Entries[i].Rules, func(a, b Rule) int { return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Title, b.Title)) })
	}
	return rep
}

// taggedTechniques returns the current IDs of the techniques and
// sub-techniques a rule's tags name.
func taggedTechniques(tags []string) map[string]bool {
	out := map[string]bool{}
	for _, tag := range tags {
		name, ok := strings.CutPrefix(tag, "attack.")
		if !ok {
			continue
		}
		if kind, v := attack.ClassifyTag(name); kind == attack.TagTechnique {
			if t, ok := v.(*attack.Technique); ok && t != nil {
				if cur := attack.Current(t); cur != nil {
					t = cur
				}
				out[t.ID] = true
			}
		}
	}
	return out
}
