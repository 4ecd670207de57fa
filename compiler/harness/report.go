package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Reporter renders a Summary (the OPA tester's shape: the CLI picks one).
type Reporter interface {
	Report(w io.Writer, s *Summary) error
}

// TextReporter prints one line per rule and target, naming each failing
// fixture file and why, and closes with "N passed, N failed" (plus ", N
// skipped" when some were skipped).
type TextReporter struct{}

// Report implements Reporter.
func (TextReporter) Report(w io.Writer, s *Summary) error {
	var b strings.Builder
	for i := range s.Results {
		r := &s.Results[i]
		switch r.Status {
		case Pass:
			fmt.Fprintf(&b, "PASS  %s  %s", r.Rule, r.Target)
			if n := len(r.Fixtures); n > 0 {
				fmt.Fprintf(&b, "  (%d fixtures)", n)
			} else if r.Reason != "" {
				fmt.Fprintf(&b, "  (%s)", r.Reason)
			}
		case Skip:
			fmt.Fprintf(&b, "SKIP  %s  %s  skipped (%s)", r.Rule, r.Target, r.Reason)
		case Fail:
			fmt.Fprintf(&b, "FAIL  %s  %s  ", r.Rule, r.Target)
			if fails := r.Failures(); len(fails) > 0 {
				parts := make([]string, len(fails))
				for i, f := range fails {
					parts[i] = f.Path + ": " + f.Reason
					if f.Provenance != nil {
						parts[i] += " [" + f.Provenance.String() + "]"
					}
				}
				b.WriteString(strings.Join(parts, "; "))
			} else {
				b.WriteString(r.Reason)
			}
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%d passed, %d failed", s.Passed, s.Failed)
	if s.Skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", s.Skipped)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// JSONReporter writes the Summary as one indented JSON document.
type JSONReporter struct{}

// Report implements Reporter.
func (JSONReporter) Report(w io.Writer, s *Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// NewReporter returns the reporter for a format name ("text" or "json").
func NewReporter(format string) (Reporter, error) {
	switch format {
	case "", "text":
		return TextReporter{}, nil
	case "json":
		return JSONReporter{}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want text or json)", format)
}
