package coverage

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Navigator layer format 4.5 (MITRE's layers/spec/v4.5/layerformat.md):
// only the fields sigforge writes.
type layer struct {
	Name                    string        `json:"name"`
	Versions                layerVersions `json:"versions"`
	Domain                  string        `json:"domain"`
	Description             string        `json:"description"`
	Sorting                 int           `json:"sorting"`
	Layout                  layerLayout   `json:"layout"`
	HideDisabled            bool          `json:"hideDisabled"`
	Techniques              []layerTech   `json:"techniques"`
	Gradient                layerGradient `json:"gradient"`
	Metadata                []layerMeta   `json:"metadata"`
	ShowTacticRowBackground bool          `json:"showTacticRowBackground"`
}

type layerVersions struct {
	Attack    string `json:"attack"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

type layerLayout struct {
	Layout                string `json:"layout"`
	ShowID                bool   `json:"showID"`
	ShowName              bool   `json:"showName"`
	ExpandedSubtechniques string `json:"expandedSubtechniques"`
}

type layerTech struct {
	TechniqueID       string      `json:"techniqueID"`
	Tactic            string      `json:"tactic"`
	Score             *int        `json:"score,omitempty"`
	Comment           string      `json:"comment,omitempty"`
	Enabled           bool        `json:"enabled"`
	Metadata          []layerMeta `json:"metadata,omitempty"`
	ShowSubtechniques bool        `json:"showSubtechniques,omitempty"`
}

type layerGradient struct {
	Colors   []string `json:"colors"`
	MinValue int      `json:"minValue"`
	MaxValue int      `json:"maxValue"`
}

type layerMeta struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// NavigatorVersion is the Navigator release whose layer format (4.5) the
// layer follows; the format requires at least 4.9.0.
const NavigatorVersion = "5.1.0"

// WriteLayer writes the coverage as an ATT&CK Navigator layer: one
// technique entry per technique and tactic, scored by the number of rules,
// the rules listed in the comment and, per target, how many of them it can
// express in the metadata. Techniques shown only because sub-techniques of
// theirs are covered are unscored and expanded.
func (r *Report) WriteLayer(w io.Writer, name string) error {
	l := layer{
		Name:        name,
		Versions:    layerVersions{Attack: strings.SplitN(r.AttackVersion, ".", 2)[0], Navigator: NavigatorVersion, Layer: "4.5"},
		Domain:      "enterprise-attack",
		Description: fmt.Sprintf("ATT&CK coverage of %d sigforge rules; score = number of rules per technique (targets: %s)", r.Rules, strings.Join(r.Targets, ", ")),
		Sorting:     3,
		Layout:      layerLayout{Layout: "side", ShowID: true, ShowName: true, ExpandedSubtechniques: "annotated"},
		Techniques:  []layerTech{},
		Gradient:    layerGradient{Colors: []string{"#ffffff", "#66b1ff", "#1f4e9c"}, MinValue: 0, MaxValue: 1},
		Metadata:    []layerMeta{{Name: "generator", Value: "sigforge coverage"}, {Name: "ATT&CK", Value: "Enterprise v" + r.AttackVersion}},
	}
	for _, e := range r.Entries {
		t := layerTech{TechniqueID: e.ID, Tactic: e.Tactic, Enabled: true, ShowSubtechniques: e.Expand}
		if n := len(e.Rules); n > 0 {
			t.Score = &n
			l.Gradient.MaxValue = max(l.Gradient.MaxValue, n)
			lines := make([]string, len(e.Rules))
			for i, rule := range e.Rules {
				lines[i] = fmt.Sprintf("%s (%s)", rule.Title, rule.File)
			}
			t.Comment = fmt.Sprintf("%s: %s", plural(n, "rule"), strings.Join(lines, "; "))
			for _, target := range r.Targets {
				t.Metadata = append(t.Metadata, layerMeta{Name: target, Value: fmt.Sprintf("%d of %d rules", e.Targets[target], n)})
			}
		}
		l.Techniques = append(l.Techniques, t)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(l)
}

// WriteMarkdown writes one table per tactic: each covered technique, its
// rules, and how many of them every target can express.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# ATT&CK coverage\n\n%d rules, MITRE ATT&CK® Enterprise v%s. A target column counts the rules that target can express.\n", r.Rules, r.AttackVersion)
	header := "| Technique | Rules | " + strings.Join(r.Targets, " | ") + " |\n|---|---:|" + strings.Repeat("---:|", len(r.Targets)) + "\n"
	tactic := ""
	for _, e := range r.Entries {
		if len(e.Rules) == 0 {
			continue
		}
		if e.Tactic != tactic {
			tactic = e.Tactic
			fmt.Fprintf(&b, "\n## %s (%s)\n\n%s", e.TacticName, e.TacticID, header)
		}
		rules := make([]string, len(e.Rules))
		for i, rule := range e.Rules {
			rules[i] = mdEscape(rule.Title)
		}
		fmt.Fprintf(&b, "| %s %s | %d: %s |", e.ID, mdEscape(e.Name), len(e.Rules), strings.Join(rules, "<br>"))
		for _, t := range r.Targets {
			fmt.Fprintf(&b, " %d |", e.Targets[t])
		}
		b.WriteByte('\n')
	}
	if len(r.Untagged) > 0 {
		b.WriteString("\n## Rules without an ATT&CK technique\n\n")
		for _, u := range r.Untagged {
			fmt.Fprintf(&b, "- %s (`%s`)\n", mdEscape(u.Title), u.File)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

var mdEscaper = strings.NewReplacer("|", `\|`, "\n", " ")

func mdEscape(s string) string { return mdEscaper.Replace(s) }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
