package harness

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/sigforge/sigforge/compiler/report"
	"github.com/sigforge/sigforge/compiler/source"
	"github.com/sigforge/sigforge/compiler/validate"
)

// The codes of test failures, one per kind, so that CI annotations and
// SARIF rules can tell them apart (the front end's codes are SF1xx, a
// target's refusal SF300).
const (
	CompileFailed      = "SF400"
	FixtureUnreadable  = "SF401"
	FixtureMissing     = "SF402"
	PrepareFailed      = "SF403"
	PositiveNotFired   = "SF404"
	NegativeFired      = "SF405"
	EvaluationFailed   = "SF406"
	UnclassifiedFailed = "SF499"
)

// FailureCodes describes the test failure codes, in code order.
var FailureCodes = []validate.Code{
	{ID: CompileFailed, Name: "compile-failed", Severity: source.Error, Doc: "a target failed to compile a rule for a reason other than not being able to express it"},
	{ID: FixtureUnreadable, Name: "fixture-unreadable", Severity: source.Error, Doc: "a fixture file cannot be read or parsed (malformed or truncated JSON, not UTF-8, no events)"},
	{ID: FixtureMissing, Name: "fixture-missing", Severity: source.Error, Doc: "a rule has no positive or no negative fixture"},
	{ID: PrepareFailed, Name: "prepare-failed", Severity: source.Error, Doc: "a target's executor rejected the compiled output (it does not parse or load)"},
	{ID: PositiveNotFired, Name: "positive-not-fired", Severity: source.Error, Doc: "a positive fixture did not make the compiled rule fire"},
	{ID: NegativeFired, Name: "negative-fired", Severity: source.Error, Doc: "a negative fixture made the compiled rule fire"},
	{ID: EvaluationFailed, Name: "evaluation-failed", Severity: source.Error, Doc: "running the compiled rule on a fixture failed"},
	{ID: UnclassifiedFailed, Name: "test-failed", Severity: source.Error, Doc: "any other test failure"},
}

// FailureCode classifies a failure reason of a Result or FixtureResult.
func FailureCode(reason string) string {
	switch {
	case strings.HasPrefix(reason, "compile: "):
		return CompileFailed
	case strings.HasPrefix(reason, "fixtures: "):
		return FixtureUnreadable
	case strings.HasPrefix(reason, "no fixture in "):
		return FixtureMissing
	case strings.HasPrefix(reason, "prepare: "):
		return PrepareFailed
	case strings.HasPrefix(reason, "positive fixture did not fire"):
		return PositiveNotFired
	case strings.HasPrefix(reason, "negative fixture fired"):
		return NegativeFired
	case strings.HasPrefix(reason, "error: "):
		return EvaluationFailed
	}
	return UnclassifiedFailed
}

// Formats are the report formats of `sigforge test`.
var Formats = []string{"text", "json", "junit", "sarif", "github"}

// NewFormatReporter returns the reporter for any of Formats; color
// colours the text format (the caller decides, e.g. with
// report.ColorEnabled). version names the tool's version in SARIF.
func NewFormatReporter(format string, color bool, version string) (Reporter, error) {
	switch format {
	case "", "text":
		if color {
			return colorText{report.NewPalette(true)}, nil
		}
		return TextReporter{}, nil
	case "json":
		return JSONReporter{}, nil
	}
	if write, ok := report.Formats[format]; ok {
		return formatReporter{write: write, version: version}, nil
	}
	return nil, fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

type formatReporter struct {
	write   report.Writer
	version string
}

func (f formatReporter) Report(w io.Writer, s *Summary) error {
	return f.write(w, s.Report(f.version))
}

// colorText is TextReporter with the PASS, FAIL and SKIP words coloured.
type colorText struct{ p report.Palette }

func (c colorText) Report(w io.Writer, s *Summary) error {
	var b strings.Builder
	if err := (TextReporter{}).Report(&b, s); err != nil {
		return err
	}
	lines := strings.SplitAfter(b.String(), "\n")
	for i, l := range lines {
		for word, paint := range map[string]func(...any) string{"PASS": c.p.OK, "FAIL": c.p.Error, "SKIP": c.p.Skip} {
			if strings.HasPrefix(l, word+"  ") {
				lines[i] = paint(word) + l[len(word):]
			}
		}
	}
	_, err := io.WriteString(w, strings.Join(lines, ""))
	return err
}

// Report converts the summary for the report package's formats: one JUnit
// case per rule and target (a testsuite per target), and one finding per
// failure, coded by kind (FailureCodes) and placed on the fixture file (at
// the event's line when known) or, when no fixture is involved, on the
// rule file.
func (s *Summary) Report(version string) *report.Report {
	r := &report.Report{Tool: "sigforge", Version: version, Codes: FailureCodes}
	for i := range s.Results {
		res := &s.Results[i]
		c := report.Case{Suite: res.Target, Class: res.Target, Name: res.Rule, Message: res.Reason}
		var detail strings.Builder
		for _, f := range res.Fixtures {
			fmt.Fprintf(&detail, "%s %s %s", strings.ToUpper(string(f.Status)), f.Kind, f.Path)
			if f.Reason != "" {
				detail.WriteString(": " + f.Reason)
			}
			if f.Provenance != nil {
				detail.WriteString(" [" + f.Provenance.String() + "]")
			}
			detail.WriteByte('\n')
		}
		c.Detail = detail.String()
		switch res.Status {
		case Pass:
			c.Status = report.Pass
		case Skip:
			c.Status = report.Skip
		case Fail:
			c.Status = report.Fail
			fails := res.Failures()
			if len(fails) == 0 {
				code := FailureCode(res.Reason)
				c.Message = code + " " + res.Reason
				r.Findings = append(r.Findings, report.Finding{
					Code: code, Level: report.LevelError,
					Message: fmt.Sprintf("%s [%s]: %s", res.Rule, res.Target, res.Reason),
					Pos:     reasonPos(res.Reason, res.File),
				})
			}
			for j, f := range fails {
				code := FailureCode(f.Reason)
				if j == 0 {
					c.Message = code + " " + f.Path + ": " + f.Reason
					if len(fails) > 1 {
						c.Message += fmt.Sprintf(" (and %d more)", len(fails)-1)
					}
				}
				r.Findings = append(r.Findings, report.Finding{
					Code: code, Level: report.LevelError,
					Message: fmt.Sprintf("%s [%s]: %s: %s", res.Rule, res.Target, f.Kind, f.Reason),
					Pos:     reasonPos(f.Reason, f.Path),
				})
			}
		}
		r.Cases = append(r.Cases, c)
	}
	return r
}

// posInReason finds "path:line" or "path:line:col" in a reason, as the
// harness writes event origins and fixture parse errors.
var posInReason = regexp.MustCompile(`(?:^|[ :] ?)([^\s:;()]+\.(?:json|ndjson|jsonl|log)):(\d+)(?::(\d+))?`)

// reasonPos places a failure: at the position its reason names in a
// fixture file, else on the fallback file.
func reasonPos(reason, fallback string) source.Pos {
	if m := posInReason.FindStringSubmatch(reason); m != nil {
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		return source.Pos{File: m[1], Line: line, Col: col}
	}
	return source.Pos{File: fallback}
}
