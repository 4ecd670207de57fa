// Package mutate derives near-miss events from a rule's positive fixtures
// — candidate negative fixtures — and runs the rule on them with the native
// evaluator and with every target that can execute its output.
//
// Mutation operators (each applied to an event, or for a correlation to
// the stream, of a positive fixture that fires):
//
//   - flip: one condition that is decisive on the event (forcing it the
//     other way stops the rule firing, see compiler/condcov) is made false
//     by the smallest change to its field — the risky parameter set to a
//     harmless value, the field removed, an errorCode set where the rule
//     wants none, a negated filter's value (e.g. a trusted account) put in.
//     The mutant is kept only when the conditions on other fields keep
//     their values and the native evaluator goes quiet (a change that lets
//     another branch of the rule fire is no near miss).
//   - failed-call: errorCode and errorMessage added to a successful
//     CloudTrail write call (readOnly false; AccessDenied): the change did
//     not happen. Read calls are left alone: a denied Describe is still
//     reconnaissance, which rules may count on purpose.
//   - other-service: eventSource set to another AWS service.
//   - split-principals (correlations): each event of the burst gets its own
//     value of every group-by field.
//   - spread-window (correlations): the events are spaced more than the
//     timespan apart.
//
// Every mutant is expected to keep the rule quiet. A mutant SURVIVES when
// the native evaluator still fires on it: the rule is too loose (it fires
// on a failed call, on another service, on a burst that is not one). By
// construction a flip mutant cannot survive natively (only its condition
// changed and that condition was decisive); its use is the target check:
// a target DISAGREES when its verdict differs from the native evaluator's
// on a mutant. Flips of conditions that are not decisive are never
// generated: the rule is right to fire on them.
package mutate

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/condcov"
	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/harness"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Operators.
const (
	OpFlip            = "flip"
	OpFailedCall      = "failed-call"
	OpOtherService    = "other-service"
	OpSplitPrincipals = "split-principals"
	OpSpreadWindow    = "spread-window"
)

// Verdict is one target's verdict on a mutant.
type Verdict struct {
	Target string `json:"target"`
	Fires  bool   `json:"fires"`
	// Skipped says the target cannot express or execute the rule.
	Skipped bool   `json:"skipped,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Mutant is one derived near miss.
type Mutant struct {
	// Name is stable and file-name safe: <source fixture>__<operator>[_<n>].
	Name     string `json:"name"`
	Operator string `json:"operator"`
	// Change says what was changed, e.g. `requestParameters.publiclyAccessible: true → false`.
	Change string `json:"change"`
	// Condition is the flipped condition (flip only) and where it is written.
	Condition string `json:"condition,omitempty"`
	Pos       string `json:"pos,omitempty"`
	// From is the positive fixture the mutant was derived from.
	From    string        `json:"from"`
	Events  []event.Event `json:"-"`
	Native  bool          `json:"native_fires"`
	Targets []Verdict     `json:"targets,omitempty"`
	// Survives: the native evaluator fires on the mutant.
	Survives bool `json:"survives"`
	// Disagree lists the targets whose verdict differs from native.
	Disagree []string `json:"disagree,omitempty"`
}

// Report is the outcome for one rule.
type Report struct {
	Rule    string   `json:"rule"`
	Title   string   `json:"title,omitempty"`
	Mutants []Mutant `json:"mutants"`
}

// Survivors returns the mutants the native evaluator fires on.
func (r *Report) Survivors() []Mutant {
	var out []Mutant
	for _, m := range r.Mutants {
		if m.Survives {
			out = append(out, m)
		}
	}
	return out
}

// Disagreements returns the mutants some target disagrees on.
func (r *Report) Disagreements() []Mutant {
	var out []Mutant
	for _, m := range r.Mutants {
		if len(m.Disagree) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// Options configure Run.
type Options struct {
	// Targets run every mutant (those that are Executors); none: native only.
	Targets []backends.Backend
}

// Run derives the mutants of a rule from its positive fixtures (dir is the
// rule's fixture folder) and runs them.
func Run(r *ir.Rule, dir string, opts Options) (*Report, error) {
	fixtures, err := harness.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	rep := &Report{Rule: harness.Key(r), Title: r.Title, Mutants: []Mutant{}}
	native, err := nativeRunner(r)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	add := func(m Mutant) {
		key := m.Operator + "|" + m.Change + "|" + m.Condition
		if seen[key] {
			return // the same near miss from another fixture proves nothing new
		}
		seen[key] = true
		rep.Mutants = append(rep.Mutants, m)
	}
	for _, fx := range fixtures {
		if !fx.Positive {
			continue
		}
		var ms []Mutant
		if r.IsCorrelation() {
			ms, err = streamMutants(r, fx, native)
		} else {
			ms, err = eventMutants(r, fx, native)
		}
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			add(m)
		}
	}
	prepared := make([]prepared, len(opts.Targets))
	for i, t := range opts.Targets {
		prepared[i] = prepare(t, r)
	}
	counts := map[string]int{}
	for i := range rep.Mutants {
		m := &rep.Mutants[i]
		base := fmt.Sprintf("%s__%s", fileStem(m.From), m.Operator)
		counts[base]++
		m.Name = fmt.Sprintf("%s_%d", base, counts[base])
		m.Native = native(m.Events)
		m.Survives = m.Native
		for _, p := range prepared {
			v := p.run(m.Events)
			m.Targets = append(m.Targets, v)
			if !v.Skipped && (v.Error != "" || v.Fires != m.Native) {
				m.Disagree = append(m.Disagree, v.Target)
			}
		}
	}
	return rep, nil
}

func fileStem(path string) string {
	base := path[strings.LastIndexAny(path, `/\`)+1:]
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base
}

type runner func([]event.Event) bool

func nativeRunner(r *ir.Rule) (runner, error) {
	if r.IsCorrelation() {
		c, err := eval.CompileCorrelation(r)
		if err != nil {
			return nil, err
		}
		return func(evs []event.Event) bool { return c.Fires(sorted(evs)) }, nil
	}
	e, err := eval.Compile(r)
	if err != nil {
		return nil, err
	}
	return e.Fires, nil
}

func sorted(evs []event.Event) []event.Event {
	out := slices.Clone(evs)
	slices.SortStableFunc(out, func(a, b event.Event) int { return a.Time.Compare(b.Time) })
	return out
}

// prepared is a target's compiled and loaded rule (or why it has none).
type prepared struct {
	name    string
	q       backends.Query
	skipped bool
	err     string
}

func prepare(t backends.Backend, r *ir.Rule) prepared {
	p := prepared{name: t.Name()}
	out, err := t.Compile(r)
	if err != nil {
		var un *backends.Unsupported
		if errors.As(err, &un) {
			p.skipped = true
		} else {
			p.err = "compile: " + err.Error()
		}
		return p
	}
	ex, ok := t.(backends.Executor)
	if !ok {
		p.skipped = true
		return p
	}
	if p.q, err = ex.Prepare(out); err != nil {
		p.err = "prepare: " + err.Error()
	}
	return p
}

func (p prepared) run(evs []event.Event) Verdict {
	v := Verdict{Target: p.name, Skipped: p.skipped, Error: p.err}
	if p.q == nil {
		return v
	}
	fires, err := p.q.Fires(sorted(evs))
	if err != nil {
		v.Error = err.Error()
	}
	v.Fires = fires
	return v
}

// eventMutants derives single-event mutants from each event of a positive
// fixture that fires.
func eventMutants(r *ir.Rule, fx *harness.Fixture, native runner) ([]Mutant, error) {
	var out []Mutant
	conds := condcov.Conditions(r.Detection)
	for _, ev := range fx.Events {
		if !native([]event.Event{ev}) {
			continue
		}
		for _, c := range conds {
			m, ok, err := flip(r, c, ev)
			if err != nil {
				return nil, err
			}
			if ok {
				m.From = fx.Path
				out = append(out, m)
			}
		}
		out = append(out, domainMutants(ev, fx.Path)...)
	}
	return out, nil
}

// domainMutants are the CloudTrail near misses every CloudTrail detection
// should stay quiet on.
func domainMutants(ev event.Event, from string) []Mutant {
	var out []Mutant
	src, ok := ev.Fields["eventSource"].(string)
	if !ok {
		return nil // not a CloudTrail record
	}
	// A denied write changed nothing; a denied read is still reconnaissance
	// (rules on read calls may count failures on purpose), so the operator
	// applies to write calls only (CloudTrail's readOnly false).
	if _, failed := ev.Fields["errorCode"]; !failed && ev.Fields["readOnly"] == false {
		f := clone(ev.Fields)
		f["errorCode"] = "AccessDenied"
		f["errorMessage"] = fmt.Sprintf("User: %s is not authorized to perform: %s:%v", principal(ev.Fields), strings.TrimSuffix(src, ".amazonaws.com"), ev.Fields["eventName"])
		f["responseElements"] = nil
		out = append(out, Mutant{Operator: OpFailedCall, Change: "errorCode: AccessDenied added (the call was denied)", From: from, Events: []event.Event{withFields(ev, f)}})
	}
	other := "ec2.amazonaws.com"
	if src == other {
		other = "rds.amazonaws.com"
	}
	f := clone(ev.Fields)
	f["eventSource"] = other
	out = append(out, Mutant{Operator: OpOtherService, Change: fmt.Sprintf("eventSource: %s → %s", src, other), From: from, Events: []event.Event{withFields(ev, f)}})
	return out
}

func principal(f map[string]any) string {
	if vs, ok := event.Lookup(f, "userIdentity.arn"); ok && len(vs) > 0 {
		return fmt.Sprint(vs[0])
	}
	return "the caller"
}

func withFields(ev event.Event, f map[string]any) event.Event {
	return event.Event{Fields: f, Time: ev.Time, Origin: ev.Origin + " (mutant)"}
}

// flip makes one decisive condition go the other way on ev.
func flip(r *ir.Rule, c condcov.Condition, ev event.Event) (Mutant, bool, error) {
	forced, err := eval.CompileOverride(r, eval.Override{Node: c.Match, Force: c.Negated})
	if err != nil {
		return Mutant{}, false, err
	}
	if forced.Match(ev) {
		return Mutant{}, false, nil // not decisive here
	}
	single, err := eval.CompileExpr(c.Match)
	if err != nil {
		return Mutant{}, false, err
	}
	holds := single.Match(ev)
	if holds == c.Negated {
		return Mutant{}, false, nil // already in the state that stops the rule
	}
	whole, err := eval.Compile(r)
	if err != nil {
		return Mutant{}, false, err
	}
	others := condcov.Conditions(r.Detection)
	before := make([]bool, len(others))
	singles := make([]*eval.Evaluator, len(others))
	for i, o := range others {
		if singles[i], err = eval.CompileExpr(o.Match); err != nil {
			return Mutant{}, false, err
		}
		before[i] = singles[i].Match(ev)
	}
	for _, cand := range candidates(c, ev) {
		if single.MatchFields(cand.fields) == holds {
			continue
		}
		// Conditions on other fields keep their values; conditions on the
		// same field may change with it, but the rule must go quiet.
		clean := true
		for i, o := range others {
			if o.Match.Field != c.Match.Field && singles[i].MatchFields(cand.fields) != before[i] {
				clean = false
				break
			}
		}
		if !clean || whole.MatchFields(cand.fields) {
			continue
		}
		m := Mutant{Operator: OpFlip, Change: cand.change, Condition: conditionText(c), Pos: c.Match.Pos.String(),
			Events: []event.Event{withFields(ev, cand.fields)}}
		return m, true, nil
	}
	return Mutant{}, false, nil
}

func conditionText(c condcov.Condition) string {
	if c.Negated {
		return "not " + c.Match.String()
	}
	return c.Match.String()
}

type candidate struct {
	fields map[string]any
	change string
}

// candidates returns event changes that may flip the condition, smallest
// first.
func candidates(c condcov.Condition, ev event.Event) []candidate {
	m := c.Match
	var out []candidate
	set := func(v any, change string) {
		f := clone(ev.Fields)
		if setPath(f, m.Field, v) {
			out = append(out, candidate{f, change})
		}
	}
	remove := func() {
		f := clone(ev.Fields)
		if removePath(f, m.Field) {
			out = append(out, candidate{f, m.Field + " removed"})
		}
	}
	old := current(ev, m.Field)
	if m.IsKeyword() {
		f := clone(ev.Fields)
		changed := false
		for _, v := range m.Values {
			_, text := v.Shape()
			changed = stripText(f, text) || changed
		}
		if changed {
			out = append(out, candidate{f, "keyword text removed from the line"})
		}
		return out
	}
	if !c.Negated {
		switch m.Op {
		case ir.OpNull:
			val := "mutant"
			switch m.Field {
			case "errorCode":
				val = "AccessDenied"
			case "errorMessage":
				val = "User is not authorized to perform this operation"
			}
			set(val, fmt.Sprintf("%s: %q set (was absent)", m.Field, val))
		case ir.OpExists:
			remove()
		default:
			for _, v := range harmless(m, old) {
				set(v, fmt.Sprintf("%s: %s → %s", m.Field, show(old), show(v)))
			}
			remove()
		}
		return out
	}
	// A negated filter: put in the value it excludes.
	switch m.Op {
	case ir.OpNull:
		set("mutant", m.Field+" set")
	case ir.OpExists:
		set("mutant", m.Field+" set")
	case ir.OpEqual:
		for _, v := range m.Values {
			val := valueOf(v)
			if val == nil {
				continue
			}
			if _, isList := old.([]any); isList {
				set([]any{val}, fmt.Sprintf("%s: %s → [%s]", m.Field, show(old), show(val)))
			} else {
				set(val, fmt.Sprintf("%s: %s → %s", m.Field, show(old), show(val)))
			}
		}
	}
	return out
}

// harmless proposes values that do not match the condition: the opposite
// boolean, another number, another name.
func harmless(m *ir.Match, old any) []any {
	var out []any
	if b, ok := old.(bool); ok {
		out = append(out, !b)
	}
	for _, v := range m.Values {
		switch v.Kind {
		case ir.KindBool:
			out = append(out, !v.Bool)
		case ir.KindNumber:
			out = append(out, v.Num+7)
		}
	}
	switch m.Field {
	case "eventSource":
		out = append(out, "ec2.amazonaws.com")
	case "eventName":
		out = append(out, "DescribeDBInstances")
	}
	if s, ok := old.(string); ok {
		out = append(out, "sigforge-near-miss-"+s)
	}
	if _, ok := old.([]any); ok {
		out = append(out, []any{"sigforge-near-miss"})
	}
	return out
}

func valueOf(v ir.Value) any {
	switch v.Kind {
	case ir.KindBool:
		return v.Bool
	case ir.KindNumber:
		return v.Num
	}
	shape, text := v.Shape()
	if shape != ir.ShapeExact {
		return nil
	}
	return text
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "(absent)"
	case string:
		return fmt.Sprintf("%q", x)
	}
	return fmt.Sprint(v)
}

func current(ev event.Event, path string) any {
	vs, ok := event.Lookup(ev.Fields, path)
	if !ok || len(vs) == 0 {
		return nil
	}
	// Crossing an array gives one value per element: they share a shape,
	// and a change is applied to every element.
	return vs[0]
}

// streamMutants derives mutants of a correlation's positive stream.
func streamMutants(r *ir.Rule, fx *harness.Fixture, native runner) ([]Mutant, error) {
	if !native(fx.Events) {
		return nil, nil
	}
	c := r.Correlation
	var out []Mutant
	if len(c.GroupBy) > 0 {
		evs := make([]event.Event, len(fx.Events))
		for i, ev := range fx.Events {
			f := clone(ev.Fields)
			for _, g := range c.GroupBy {
				for _, ref := range c.Rules {
					field := c.FieldFor(g, ref)
					if vs, ok := event.Lookup(f, field); ok && len(vs) > 0 {
						setPath(f, field, fmt.Sprintf("%v-%d", vs[0], i+1))
					}
				}
			}
			evs[i] = withFields(ev, f)
		}
		out = append(out, Mutant{Operator: OpSplitPrincipals, Change: "each event gets its own " + strings.Join(c.GroupBy, ", "), From: fx.Path, Events: evs})
	}
	if c.Timespan > 0 && len(fx.Events) > 1 {
		evs := sorted(fx.Events)
		t0 := evs[0].Time
		if t0.IsZero() {
			t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		gap := c.Timespan + time.Second
		for i := range evs {
			f := clone(evs[i].Fields)
			at := t0.Add(time.Duration(i) * gap)
			for _, k := range []string{"eventTime", "@timestamp"} {
				if _, ok := f[k]; ok {
					f[k] = at.UTC().Format(time.RFC3339)
				}
			}
			evs[i] = event.Event{Fields: f, Time: at, Origin: evs[i].Origin + " (mutant)"}
		}
		out = append(out, Mutant{Operator: OpSpreadWindow, Change: fmt.Sprintf("events spaced %s apart (timespan %s)", gap, c.Timespan), From: fx.Path, Events: evs})
	}
	// Flip each decisive condition of the referenced rules in every event
	// where it is decisive for that rule.
	for _, d := range condcov.Detections(r) {
		for _, cond := range condcov.Conditions(d.Detection) {
			evs := make([]event.Event, len(fx.Events))
			flipped := 0
			change := ""
			for i, ev := range fx.Events {
				evs[i] = ev
				m, ok, err := flip(d, cond, ev)
				if err != nil {
					return nil, err
				}
				if ok {
					evs[i] = m.Events[0]
					flipped++
					change = m.Change
				}
			}
			if flipped == 0 {
				continue
			}
			out = append(out, Mutant{Operator: OpFlip, Change: fmt.Sprintf("%s (in %d events)", change, flipped), Condition: conditionText(cond), Pos: cond.Match.Pos.String(), From: fx.Path, Events: evs})
		}
	}
	slices.SortStableFunc(out, func(a, b Mutant) int { return cmp.Compare(a.Operator, b.Operator) })
	return out, nil
}
