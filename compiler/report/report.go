// Package report renders sigforge's findings for the tools that CI systems
// and code hosts already read: SARIF 2.1.0 (code scanning), JUnit XML (test
// report tabs), GitHub Actions workflow commands (pull request annotations),
// and, for `sigforge validate`, plain or coloured text and JSON.
//
// A Report is format-neutral: Findings are problems at a place, each with a
// stable problem code (SFnnn) that becomes the SARIF rule id; Cases are the
// pass/fail/skip checks a JUnit report lists. `validate` builds one from
// diagnostics (FromDiagnostics); the fixture harness builds one from its
// Summary. Output is deterministic: findings and cases keep the order they
// are given in, rule descriptors follow code order.
package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/sigforge/sigforge/compiler/source"
	"github.com/sigforge/sigforge/compiler/validate"
)

// Level is a finding's severity as SARIF names it.
type Level string

// The levels.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNote    Level = "note"
)

// LevelOf maps a diagnostic severity to a level.
func LevelOf(s source.Severity) Level {
	if s == source.Warning {
		return LevelWarning
	}
	return LevelError
}

// Finding is one problem at a place.
type Finding struct {
	Code    string // SFnnn, the SARIF rule id
	Level   Level
	Message string
	Pos     source.Pos // File may be empty when no file is involved
}

// Status is a Case's outcome.
type Status string

// The outcomes.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Case is one check of a JUnit report.
type Case struct {
	Suite   string // JUnit testsuite name
	Class   string // JUnit classname
	Name    string
	Status  Status
	Message string // why it failed or was skipped (one line)
	Detail  string // body of the failure element, or system-out of a passing case
}

// Report is what a command found.
type Report struct {
	Tool    string // sigforge
	Version string
	// Codes describes every code findings may use (the SARIF rule
	// descriptors). Only the codes findings use are written.
	Codes    []validate.Code
	Findings []Finding
	Cases    []Case
}

// Writer renders a report.
type Writer func(w io.Writer, r *Report) error

// Formats are the machine-readable formats any command's report can take.
var Formats = map[string]Writer{
	"junit":  WriteJUnit,
	"sarif":  WriteSARIF,
	"github": WriteGitHub,
}

// FromDiagnostics builds validate's report: one finding per diagnostic and
// one JUnit case per file (failing when the file has errors; warnings are
// its output).
func FromDiagnostics(files []string, ds source.Diagnostics, version string) *Report {
	r := &Report{Tool: "sigforge", Version: version, Codes: validate.Codes}
	byFile := map[string][]*source.Diagnostic{}
	for _, d := range ds {
		r.Findings = append(r.Findings, Finding{Code: d.Code, Level: LevelOf(d.Severity), Message: d.Message, Pos: d.Pos})
		byFile[d.Pos.File] = append(byFile[d.Pos.File], d)
	}
	names := slices.Clone(files)
	for f := range byFile {
		if !slices.Contains(names, f) {
			names = append(names, f)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	for _, f := range names {
		c := Case{Suite: "sigforge validate", Class: "validate", Name: cmp.Or(f, "(no file)"), Status: Pass}
		var detail []byte
		errs := 0
		for _, d := range byFile[f] {
			detail = fmt.Appendf(detail, "%s\n", d.Error())
			if d.Severity == source.Error {
				if errs == 0 {
					c.Message = d.Code + " " + d.Message
				}
				errs++
			}
		}
		if errs > 0 {
			c.Status = Fail
			if errs > 1 {
				c.Message += fmt.Sprintf(" (and %d more)", errs-1)
			}
		}
		c.Detail = string(detail)
		r.Cases = append(r.Cases, c)
	}
	return r
}

// usedCodes returns the descriptors of the codes the findings use, in code
// order, and each code's index among them. Codes missing from the table get
// a bare descriptor.
func (r *Report) usedCodes() ([]validate.Code, map[string]int) {
	used := map[string]bool{}
	for _, f := range r.Findings {
		used[f.Code] = true
	}
	var out []validate.Code
	for _, c := range r.Codes {
		if used[c.ID] {
			out = append(out, c)
			delete(used, c.ID)
		}
	}
	for id := range used {
		out = append(out, validate.Code{ID: id, Name: id})
	}
	slices.SortFunc(out, func(a, b validate.Code) int { return cmp.Compare(a.ID, b.ID) })
	index := map[string]int{}
	for i, c := range out {
		index[c.ID] = i
	}
	return out, index
}
