// Package harness is the fixture harness behind `sigforge test`: it loads
// each rule's sample events from fixtures/<rule file name without .yml>/
// positive/ and negative/, compiles the rule for every target, runs the
// compiled output on the events where the target can execute it
// (backends.Executor), and reports per rule × target × fixture whether a
// positive fixture made the rule fire and a negative one kept it quiet.
//
// Fixture files: *.json (one event, or a CloudTrail file {"Records": [...]}),
// *.ndjson (one JSON event per line) and *.log (one text line per event,
// seen as {"message": line}). A positive file must make the rule fire (for
// a correlation rule, the file's events as one time-ordered stream); a
// negative file must not. A rule without at least one positive and one
// negative fixture fails. A target that cannot express a rule
// (*backends.Unsupported) is reported as skipped, with the reason; a target
// that cannot execute its output is checked by compiling only.
//
// Reporters (text, JSON) render a Summary; the CLI only picks one.
package harness

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Status is the outcome of a check.
type Status string

const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// FixtureResult is the outcome of one fixture file for one rule and target.
type FixtureResult struct {
	Path   string `json:"file"`
	Kind   string `json:"kind"` // positive or negative
	Events int    `json:"events"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Provenance is the fixture's sidecar, when it has one.
	Provenance *Provenance `json:"provenance,omitempty"`
}

// Result is the outcome for one rule and one target.
type Result struct {
	// Rule is the rule's key: its file name without .yml (with #name when
	// the file holds several tested rules).
	Rule     string          `json:"rule"`
	Title    string          `json:"title,omitempty"`
	ID       string          `json:"id,omitempty"`
	File     string          `json:"file,omitempty"`
	Target   string          `json:"target"`
	Status   Status          `json:"status"`
	Reason   string          `json:"reason,omitempty"`
	Fixtures []FixtureResult `json:"fixtures,omitempty"`
}

// Failures returns the fixtures that failed.
func (r *Result) Failures() []FixtureResult {
	var out []FixtureResult
	for _, f := range r.Fixtures {
		if f.Status == Fail {
			out = append(out, f)
		}
	}
	return out
}

// Summary is the outcome of a run.
type Summary struct {
	Results []Result `json:"results"`
	Passed  int      `json:"passed"`
	Failed  int      `json:"failed"`
	Skipped int      `json:"skipped"`
}

// OK reports whether nothing failed.
func (s *Summary) OK() bool { return s.Failed == 0 }

func (s *Summary) add(r Result) {
	switch r.Status {
	case Pass:
		s.Passed++
	case Fail:
		s.Failed++
	case Skip:
		s.Skipped++
	}
	s.Results = append(s.Results, r)
}

// Runner runs rules on their fixtures for a set of targets.
type Runner struct {
	// Targets are the targets to check, in report order.
	Targets []backends.Backend
	// FixturesDir is the folder holding one sub-folder per rule file.
	FixturesDir string
}

// EventMatcher is implemented by queries that can tell which events of a
// stream match (detection rules); the harness then names the event that
// made a negative fixture fire.
type EventMatcher interface {
	MatchingEvents(events []event.Event) []int
}

// Key returns the fixture folder name of a rule: its file name without
// the .yml / .yaml extension.
func Key(r *ir.Rule) string {
	base := filepath.Base(r.File)
	if r.File == "" {
		base = r.ID
	}
	for _, ext := range []string{".yml", ".yaml"} {
		if trimmed, ok := strings.CutSuffix(base, ext); ok {
			return trimmed
		}
	}
	return base
}

// Tested returns the rules the harness checks, in order: a rule that
// another rule of the same file references (the parts of a correlation) is
// checked through that rule, since the file's fixtures are the
// correlation's.
func Tested(rules []*ir.Rule) []*ir.Rule {
	referenced := map[*ir.Rule]bool{}
	for _, r := range rules {
		if r.Correlation == nil {
			continue
		}
		for _, ref := range r.Correlation.Rules {
			if ref != nil && ref.File == r.File {
				referenced[ref] = true
			}
		}
	}
	var out []*ir.Rule
	for _, r := range rules {
		if !referenced[r] {
			out = append(out, r)
		}
	}
	return out
}

// Run checks every tested rule against every target.
func (rn *Runner) Run(rules []*ir.Rule) *Summary {
	tested := Tested(rules)
	perKey := map[string]int{}
	for _, r := range tested {
		perKey[Key(r)]++
	}
	fixtures := map[string]fixtureSet{}
	s := &Summary{Results: []Result{}}
	for _, r := range tested {
		key := Key(r)
		name := key
		if perKey[key] > 1 {
			name = key + "#" + cmpOr(r.Name, r.ID, r.Title)
		}
		fs, ok := fixtures[key]
		if !ok {
			fs = loadFixtureSet(filepath.Join(rn.FixturesDir, key))
			fixtures[key] = fs
		}
		for _, t := range rn.Targets {
			res := rn.check(r, t, fs)
			res.Rule, res.Title, res.ID, res.File, res.Target = name, r.Title, r.ID, r.File, t.Name()
			s.add(res)
		}
	}
	return s
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

type fixtureSet struct {
	dir      string
	fixtures []*Fixture
	err      error
}

func loadFixtureSet(dir string) fixtureSet {
	fs, err := LoadDir(dir)
	return fixtureSet{dir: dir, fixtures: fs, err: err}
}

func (rn *Runner) check(r *ir.Rule, t backends.Backend, fs fixtureSet) Result {
	out, err := t.Compile(r)
	if err != nil {
		var un *backends.Unsupported
		if errors.As(err, &un) {
			return Result{Status: Skip, Reason: unsupportedReason(un)}
		}
		return Result{Status: Fail, Reason: "compile: " + err.Error()}
	}
	if fs.err != nil {
		return Result{Status: Fail, Reason: "fixtures: " + oneLine(fs.err)}
	}
	var missing []string
	for _, kind := range []string{"positive", "negative"} {
		if !slices.ContainsFunc(fs.fixtures, func(f *Fixture) bool { return f.Kind() == kind }) {
			missing = append(missing, filepath.Join(fs.dir, kind))
		}
	}
	if len(missing) > 0 {
		return Result{Status: Fail, Reason: "no fixture in " + strings.Join(missing, " or ")}
	}
	ex, ok := t.(backends.Executor)
	if !ok {
		return Result{Status: Pass, Reason: "compiled only; the target cannot execute its output"}
	}
	q, err := ex.Prepare(out)
	if err != nil {
		return Result{Status: Fail, Reason: "prepare: " + err.Error()}
	}
	res := Result{Status: Pass}
	for _, f := range fs.fixtures {
		fr := FixtureResult{Path: f.Path, Kind: f.Kind(), Events: len(f.Events), Status: Pass, Provenance: ReadProvenance(f.Path)}
		events := f.Events
		if r.IsCorrelation() {
			events = slices.Clone(events)
			slices.SortStableFunc(events, func(a, b event.Event) int { return a.Time.Compare(b.Time) })
		}
		fired, err := q.Fires(events)
		switch {
		case err != nil:
			fr.Status, fr.Reason = Fail, "error: "+err.Error()
		case f.Positive && !fired:
			fr.Status, fr.Reason = Fail, "positive fixture did not fire"
		case !f.Positive && fired:
			fr.Status, fr.Reason = Fail, "negative fixture fired"
			if m, ok := q.(EventMatcher); ok {
				if idx := m.MatchingEvents(events); len(idx) > 0 && events[idx[0]].Origin != f.Path {
					fr.Reason += " on " + events[idx[0]].Origin
					if len(idx) > 1 {
						fr.Reason += fmt.Sprintf(" (and %d more)", len(idx)-1)
					}
				}
			}
		}
		if fr.Status == Fail {
			res.Status = Fail
		}
		res.Fixtures = append(res.Fixtures, fr)
	}
	return res
}

func unsupportedReason(u *backends.Unsupported) string {
	msg := fmt.Sprintf("%s cannot express %s", u.Target, u.Construct)
	if u.Reason != "" {
		msg += ": " + u.Reason
	}
	return msg
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
