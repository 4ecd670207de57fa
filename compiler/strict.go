package compiler

import (
	"strings"

	"github.com/sigforge/sigforge/compiler/attack"
	"github.com/sigforge/sigforge/compiler/sigma"
	"github.com/sigforge/sigforge/compiler/source"
	v "github.com/sigforge/sigforge/compiler/validate"
)

// strictChecks are the pack's requirements on top of Sigma (strict mode):
// every metadata field a detection engineer needs at triage time.
func strictChecks(d *sigma.Document) source.Diagnostics {
	var ds source.Diagnostics
	need := func(key string, present bool) {
		if !present {
			ds.Add(d.Pos, v.MissingPackField, "strict: %s has no %s", d.Kind, key)
		}
	}
	need("id", d.ID != "")
	need("status", d.Status != "")
	need("description", strings.TrimSpace(d.Description) != "")
	need("author", d.Author != "")
	need("date", d.Date != "")
	need("level", d.Level != "")
	need("references", len(d.References) > 0)
	need("falsepositives", len(d.FalsePositives) > 0)
	_, hasRisk := d.KeyPos.Lookup("risk_score") // a bad value is reported as such
	need("risk_score", hasRisk)
	need("investigation_guide", strings.TrimSpace(d.Guide) != "")
	need("alert_fields", len(d.AlertFields) > 0)
	var tactic, technique bool
	for _, t := range d.Tags {
		name, ok := strings.CutPrefix(t, "attack.")
		if !ok {
			continue
		}
		switch kind, _ := attack.ClassifyTag(name); kind {
		case attack.TagTactic:
			tactic = true
		case attack.TagTechnique:
			technique = true
		}
	}
	if !tactic || !technique {
		var missing []string
		if !tactic {
			missing = append(missing, "tactic (attack.<tactic-short-name>)")
		}
		if !technique {
			missing = append(missing, "technique (attack.tNNNN[.NNN])")
		}
		pos := d.Pos
		if p, ok := d.ValuePos.Lookup("tags"); ok {
			pos = p
		}
		ds.Add(pos, v.MissingAttackTags, "strict: the tags have no ATT&CK %s", strings.Join(missing, " and no "))
	}
	return ds
}
