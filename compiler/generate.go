package compiler

import "github.com/sigforge/sigforge/compiler/ir"

// Alerting returns the rules that raise alerts on their own, in their
// order: every rule except those referenced by correlation rules none of
// which sets generate: true. Sigma's correlation specification makes the
// referenced rules inputs of the correlation only, unless it says
// generate: true; the same holds for a correlation referenced by another.
// Deployment (compile, push, export) and hunting (scan, hunt) use this set;
// the fixture harness still tests every rule.
func Alerting(rules []*ir.Rule) []*ir.Rule {
	referenced := map[*ir.Rule]bool{}
	generated := map[*ir.Rule]bool{}
	for _, r := range rules {
		if !r.IsCorrelation() {
			continue
		}
		for _, ref := range r.Correlation.Rules {
			referenced[ref] = true
			if r.Correlation.Generate {
				generated[ref] = true
			}
		}
	}
	out := make([]*ir.Rule, 0, len(rules))
	for _, r := range rules {
		if referenced[r] && !generated[r] {
			continue
		}
		out = append(out, r)
	}
	return out
}
