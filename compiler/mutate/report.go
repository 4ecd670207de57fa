package mutate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText prints one line per mutant (SURVIVES / DISAGREE / quiet), with
// the change and, for disagreements, each target's verdict; then a summary.
func WriteText(w io.Writer, reps []*Report) error {
	var b strings.Builder
	var total, survivors, disagree int
	for _, rep := range reps {
		fmt.Fprintf(&b, "%s: %d mutants\n", rep.Rule, len(rep.Mutants))
		for _, m := range rep.Mutants {
			total++
			status := "quiet   "
			switch {
			case m.Survives:
				status = "SURVIVES"
				survivors++
			case len(m.Disagree) > 0:
				status = "DISAGREE"
			}
			if len(m.Disagree) > 0 {
				disagree++
			}
			fmt.Fprintf(&b, "  %s %-13s %s", status, m.Operator, m.Change)
			if m.Condition != "" {
				fmt.Fprintf(&b, " [%s at %s]", m.Condition, m.Pos)
			}
			fmt.Fprintf(&b, " (from %s)\n", m.From)
			for _, v := range m.Targets {
				if !contains(m.Disagree, v.Target) {
					continue
				}
				what := fmt.Sprintf("fires=%v", v.Fires)
				if v.Error != "" {
					what = "error: " + v.Error
				}
				fmt.Fprintf(&b, "      %s: %s (native fires=%v)\n", v.Target, what, m.Native)
			}
		}
	}
	fmt.Fprintf(&b, "%d mutants, %d surviving, %d with target disagreement\n", total, survivors, disagree)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the reports as one JSON array.
func WriteJSON(w io.Writer, reps []*Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(reps)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
