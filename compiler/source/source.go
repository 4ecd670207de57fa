// Package source holds positions and diagnostics shared by every phase of
// sigforge: the Sigma reader, validation, lowering to the intermediate form,
// and the backends. A Pos is 1-based and prints as path:line:col; a
// Diagnostic carries a stable problem code (SFnnn) so that tests, reports and
// CI annotations key on the code, never on the prose.
package source

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Pos is a position in a file. Line and Col are 1-based; Col counts bytes.
// The zero Pos means "no position known".
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"column,omitempty"`
}

// IsValid reports whether the position names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// String renders file:line:col, file, or "-" when nothing is known.
func (p Pos) String() string {
	switch {
	case p.File != "" && p.IsValid():
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	case p.File != "":
		return p.File
	case p.IsValid():
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return "-"
}

// Severity says whether a diagnostic fails validation.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText renders the severity as "error" or "warning" in JSON reports.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diagnostic is one problem found in a file.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

// Error renders "path:line:col: SFnnn message" (warnings say so).
func (d *Diagnostic) Error() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	if d.Code != "" {
		b.WriteString(d.Code)
		b.WriteString(" ")
	}
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is a list of problems. The zero value is ready to use.
type Diagnostics []*Diagnostic

// Add appends an error diagnostic.
func (ds *Diagnostics) Add(pos Pos, code, format string, args ...any) {
	*ds = append(*ds, &Diagnostic{Pos: pos, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Warn appends a warning diagnostic.
func (ds *Diagnostics) Warn(pos Pos, code, format string, args ...any) {
	*ds = append(*ds, &Diagnostic{Pos: pos, Code: code, Severity: Warning, Message: fmt.Sprintf(format, args...)})
}

// Append adds other diagnostics.
func (ds *Diagnostics) Append(other ...*Diagnostic) { *ds = append(*ds, other...) }

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d *Diagnostic) bool { return d.Severity == Error })
}

// Errors returns only the error diagnostics.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Sort orders by file, line, column, then code, and drops exact duplicates.
func (ds *Diagnostics) Sort() {
	slices.SortStableFunc(*ds, func(a, b *Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Message, b.Message),
		)
	})
	*ds = slices.CompactFunc(*ds, func(a, b *Diagnostic) bool { return *a == *b })
}

// Err returns the list as an error when it holds at least one error, else
// nil, so callers never see a typed nil.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return ds
}

// Error renders every diagnostic on its own line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}

// Print writes one diagnostic per line.
func (ds Diagnostics) Print(w io.Writer) {
	for _, d := range ds {
		fmt.Fprintln(w, d.Error())
	}
}
