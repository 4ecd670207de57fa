package condcov

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats are the report formats.
var Formats = []string{"text", "json"}

// Write renders the report in a format of Formats.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "text":
		return r.WriteText(w)
	case "json":
		return r.WriteJSON(w)
	}
	return fmt.Errorf("unknown coverage format %q (want %s)", format, strings.Join(Formats, " or "))
}

// WriteJSON writes the report as one indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText prints one line per rule (covered/total and percent, then each
// selection), each uncovered item with what kind of fixture would cover it,
// and a closing total.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, rc := range r.Rules {
		fmt.Fprintf(&b, "%-60s %3d/%-3d %5.1f%%", rc.Rule, rc.Covered, rc.Total, rc.Percent)
		if len(rc.Selections) > 0 {
			var parts []string
			for _, s := range rc.Selections {
				parts = append(parts, fmt.Sprintf("%s %d/%d", s.Name, s.Covered, s.Total))
			}
			fmt.Fprintf(&b, "  [%s]", strings.Join(parts, ", "))
		}
		b.WriteString("\n")
		if rc.Error != "" {
			fmt.Fprintf(&b, "    error: %s\n", rc.Error)
			continue
		}
		for _, it := range rc.Subsumed {
			fmt.Fprintf(&b, "    %s: value %s of %s can never decide: %s matches all it matches (not counted; drop it from the rule)\n", it.Pos, it.Value, it.Condition, it.SubsumedBy)
		}
		for _, it := range rc.Items {
			if it.Covered {
				continue
			}
			what := it.Condition
			if it.Kind == KindValue {
				what = fmt.Sprintf("value %s of %s", it.Value, it.Condition)
			}
			if it.Negated {
				what = "not " + what
			}
			fmt.Fprintf(&b, "    %s: uncovered %s (needs a %s fixture where it decides the verdict)\n", it.Pos, what, it.Needs)
		}
	}
	fmt.Fprintf(&b, "condition coverage: %d/%d (%.1f%%) over %d rules\n", r.Covered, r.Total, r.Percent, len(r.Rules))
	_, err := io.WriteString(w, b.String())
	return err
}
