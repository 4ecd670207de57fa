package eval

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

// Correlator is a compiled correlation rule. It runs over a stream of
// events in time order (Run sorts a copy, stably, by Event.Time) with these
// semantics:
//
//   - Each referenced rule contributes "hits": the events it matches (a
//     detection rule) or the alerts it raises (a referenced correlation,
//     whose alert is seen as an event at the alert's end time carrying the
//     group-by values as fields). This is how chained correlations work.
//   - Hits are grouped by the values of the group-by fields; for each
//     referenced rule the field is Correlation.FieldFor(groupBy, rule), so
//     aliases work. A hit without a value for some group-by field is not
//     counted (as a terms aggregation ignores documents missing the field);
//     a field holding an array puts the hit in one group per element.
//     Without group-by there is one group.
//   - The window slides: after each hit, the group's window holds the hits
//     h with hit.Time - h.Time <= Timespan (both ends inclusive; a zero
//     Timespan means an unbounded window), and the condition is evaluated.
//     When it holds, an Alert is raised and the group's window is cleared,
//     so a burst raises one alert and the next alert needs new hits.
//   - event_count counts events (an event matched by several referenced
//     rules counts once); value_count counts distinct values (exact text) of
//     Condition.Field; value_sum / value_avg / value_percentile aggregate
//     its numeric values (numbers, or strings that parse as numbers; other
//     events are not counted; percentile is nearest-rank). Every comparison
//     of the Threshold must hold; no comparison means "gte 1".
//   - temporal holds when the number of distinct referenced rules with a hit
//     in the window meets the Threshold, by default all of them.
//     temporal_ordered needs all of them in the order of Correlation.Rules,
//     each step by a later event than the previous step (one event never
//     fills two steps), the first and last within Timespan.
type Correlator struct {
	rule    *ir.Rule
	corr    *ir.Correlation
	sources []corrSource
	// ruleIdx maps each source to its distinct referenced rule (a rule may
	// be listed twice); distinctRules is their number.
	ruleIdx       []int
	distinctRules int
}

type corrSource struct {
	rule   *ir.Rule
	det    *Evaluator  // detection rule
	sub    *Correlator // referenced correlation
	groups []string    // the group-by fields for this rule
	value  string      // Condition.Field for this rule
}

// Alert is one firing of a correlation rule.
type Alert struct {
	Rule *ir.Rule
	// Group holds the group-by values, in the order of Correlation.GroupBy.
	Group []GroupValue
	// Start and End are the times of the first and last hit of the window.
	Start, End time.Time
	// Value is the aggregate that met the condition: the count, distinct
	// count, sum, average or percentile; for temporal types the number of
	// referenced rules seen.
	Value float64

	seq int // stream position of the last hit, for chaining
}

// GroupValue is one group-by field and its value.
type GroupValue struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

func (a Alert) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s .. %s] value=%g", ruleName(a.Rule), a.Start.Format(time.RFC3339Nano), a.End.Format(time.RFC3339Nano), a.Value)
	for _, g := range a.Group {
		fmt.Fprintf(&b, " %s=%q", g.Field, g.Value)
	}
	return b.String()
}

// CompileCorrelation compiles a correlation rule and, recursively, the rules
// it references.
func CompileCorrelation(r *ir.Rule) (*Correlator, error) {
	return compileCorrelation(r, nil)
}

func compileCorrelation(r *ir.Rule, stack []*ir.Rule) (*Correlator, error) {
	if r == nil || r.Correlation == nil {
		return nil, fmt.Errorf("eval: not a correlation rule")
	}
	if slices.Contains(stack, r) {
		return nil, fmt.Errorf("%s: eval: correlation %q references itself", r.Pos, ruleName(r))
	}
	stack = append(stack, r)
	c := r.Correlation
	switch c.Type {
	case ir.EventCount, ir.ValueCount, ir.ValueSum, ir.ValueAvg, ir.ValuePercentile, ir.Temporal, ir.TemporalOrdered:
	default:
		return nil, fmt.Errorf("%s: eval: unknown correlation type %q", r.Pos, c.Type)
	}
	if len(c.Rules) == 0 {
		return nil, fmt.Errorf("%s: eval: correlation %q references no rules", r.Pos, ruleName(r))
	}
	needsField := c.Type == ir.ValueCount || c.Type == ir.ValueSum || c.Type == ir.ValueAvg || c.Type == ir.ValuePercentile
	if needsField && c.Condition.Field == "" {
		return nil, fmt.Errorf("%s: eval: correlation %s needs condition.field", r.Pos, c.Type)
	}
	if c.Type == ir.ValuePercentile && (c.Condition.Percentile < 0 || c.Condition.Percentile > 100) {
		return nil, fmt.Errorf("%s: eval: percentile %d is outside 0-100", r.Pos, c.Condition.Percentile)
	}
	for _, cmp := range c.Condition.Compare {
		switch cmp.Op {
		case "gt", "gte", "lt", "lte", "eq", "neq":
		default:
			return nil, fmt.Errorf("%s: eval: unknown condition operator %q", r.Pos, cmp.Op)
		}
	}
	out := &Correlator{rule: r, corr: c}
	for _, ref := range c.Rules {
		if ref == nil {
			return nil, fmt.Errorf("%s: eval: correlation %q has an unresolved rule reference", r.Pos, ruleName(r))
		}
		src := corrSource{rule: ref}
		var err error
		if ref.IsCorrelation() {
			src.sub, err = compileCorrelation(ref, stack)
		} else {
			src.det, err = Compile(ref)
		}
		if err != nil {
			return nil, err
		}
		for _, g := range c.GroupBy {
			src.groups = append(src.groups, c.FieldFor(g, ref))
		}
		if needsField {
			src.value = c.FieldFor(c.Condition.Field, ref)
		}
		out.sources = append(out.sources, src)
		idx := slices.IndexFunc(out.sources, func(s corrSource) bool { return s.rule == ref })
		if idx == len(out.sources)-1 {
			idx = out.distinctRules
			out.distinctRules++
		} else {
			idx = out.ruleIdx[idx]
		}
		out.ruleIdx = append(out.ruleIdx, idx)
	}
	return out, nil
}

// Rule returns the correlation rule.
func (c *Correlator) Rule() *ir.Rule { return c.rule }

// Fires reports whether the correlation raises at least one alert.
func (c *Correlator) Fires(events []event.Event) bool { return len(c.Run(events)) > 0 }

// Run evaluates the correlation over the events and returns its alerts in
// time order.
func (c *Correlator) Run(events []event.Event) []Alert {
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b event.Event) int { return a.Time.Compare(b.Time) })
	return c.run(sorted)
}

// hit is one event matched by (or alert raised by) a referenced rule.
type hit struct {
	t      time.Time
	seq    int // stream position: hits of one event share it
	src    int
	fields map[string]any
}

func (c *Correlator) hits(events []event.Event) []hit {
	var hs []hit
	for i, s := range c.sources {
		if s.det != nil {
			for j := range events {
				if s.det.Match(events[j]) {
					hs = append(hs, hit{t: events[j].Time, seq: j, src: i, fields: events[j].Fields})
				}
			}
			continue
		}
		for _, a := range s.sub.run(events) {
			fields := make(map[string]any, len(a.Group))
			for _, g := range a.Group {
				fields[g.Field] = g.Value
			}
			hs = append(hs, hit{t: a.End, seq: a.seq, src: i, fields: fields})
		}
	}
	slices.SortStableFunc(hs, func(a, b hit) int {
		return cmp.Or(a.t.Compare(b.t), cmp.Compare(a.seq, b.seq), cmp.Compare(a.src, b.src))
	})
	return hs
}

// windowEntry is one event in a group's window.
type windowEntry struct {
	t      time.Time
	values []string  // value_count
	nums   []float64 // value_sum / value_avg / value_percentile
}

type groupState struct {
	group    []GroupValue
	window   []windowEntry
	distinct map[string]int
	sum      float64
	n        int
	// temporal
	seen []bool
	last []time.Time
	// temporal_ordered: the latest start time of a partial sequence that
	// has completed step k.
	has  []bool
	best []time.Time
}

// reset empties the group after an alert, keeping its buffers.
func (st *groupState) reset() {
	clear(st.window)
	st.window = st.window[:0]
	clear(st.distinct)
	st.sum, st.n = 0, 0
	clear(st.seen)
	clear(st.has)
}

// batchGroup is what one event contributes to one group.
type batchGroup struct {
	st   *groupState
	srcs []int
	hits []*hit
}

// runState holds the groups and the scratch buffers of one run, so the
// per-event work does not allocate once the groups exist.
type runState struct {
	states map[string]*groupState
	bgs    []batchGroup
	vals   [][]string // per group-by field: the event's values
	idx    []int      // odometer over vals
	key    []byte
	texts  textCollector
	rules  []bool // temporal: distinct rules seen
}

func (c *Correlator) run(events []event.Event) []Alert {
	hs := c.hits(events)
	rs := &runState{
		states: map[string]*groupState{},
		vals:   make([][]string, len(c.corr.GroupBy)),
		idx:    make([]int, len(c.corr.GroupBy)),
		rules:  make([]bool, len(c.sources)),
	}
	var alerts []Alert
	for i := 0; i < len(hs); {
		j := i + 1
		for j < len(hs) && hs[j].seq == hs[i].seq && hs[j].t.Equal(hs[i].t) {
			j++
		}
		for _, bg := range c.batchGroups(rs, hs[i:j]) {
			if a, ok := c.step(rs, bg.st, bg, hs[i].t); ok {
				a.seq = hs[i].seq
				alerts = append(alerts, a)
			}
		}
		i = j
	}
	return alerts
}

// batchGroups splits the hits of one event by group, in a stable order.
func (c *Correlator) batchGroups(rs *runState, batch []hit) []batchGroup {
	rs.bgs = rs.bgs[:0]
	for k := range batch {
		h := &batch[k]
		groups := c.sources[h.src].groups
		// Collect the values of each group-by field; a field without one
		// keeps the event out of every group.
		missing := false
		for g, f := range groups {
			rs.vals[g] = rs.texts.collect(h.fields, f, rs.vals[g][:0])
			if len(rs.vals[g]) == 0 {
				missing = true
				break
			}
		}
		if missing {
			continue
		}
		clear(rs.idx)
		for {
			st := rs.group(c, groups)
			n := slices.IndexFunc(rs.bgs, func(b batchGroup) bool { return b.st == st })
			if n < 0 {
				if len(rs.bgs) < cap(rs.bgs) {
					rs.bgs = rs.bgs[:len(rs.bgs)+1]
					b := &rs.bgs[len(rs.bgs)-1]
					b.st, b.srcs, b.hits = st, b.srcs[:0], b.hits[:0]
				} else {
					rs.bgs = append(rs.bgs, batchGroup{st: st})
				}
				n = len(rs.bgs) - 1
			}
			if b := &rs.bgs[n]; !slices.Contains(b.srcs, h.src) {
				b.srcs = append(b.srcs, h.src)
				b.hits = append(b.hits, h)
			}
			if !rs.next() {
				break
			}
		}
	}
	return rs.bgs
}

// group returns the state of the group the odometer points at.
func (rs *runState) group(c *Correlator, groups []string) *groupState {
	rs.key = rs.key[:0]
	for g := range groups {
		if g > 0 {
			rs.key = append(rs.key, 0)
		}
		rs.key = append(rs.key, rs.vals[g][rs.idx[g]]...)
	}
	if st, ok := rs.states[string(rs.key)]; ok {
		return st
	}
	st := &groupState{group: make([]GroupValue, len(groups))}
	for g := range groups {
		st.group[g] = GroupValue{Field: c.corr.GroupBy[g], Value: rs.vals[g][rs.idx[g]]}
	}
	rs.states[string(rs.key)] = st
	return st
}

// next advances the odometer over the combinations of group-by values.
func (rs *runState) next() bool {
	for g := len(rs.idx) - 1; g >= 0; g-- {
		if rs.idx[g]+1 < len(rs.vals[g]) {
			rs.idx[g]++
			return true
		}
		rs.idx[g] = 0
	}
	return false
}

// textCollector gathers the distinct non-null scalar texts at a path.
type textCollector struct{ out []string }

func (tc *textCollector) test(v any) bool {
	if s, ok := scalarText(v); ok && !slices.Contains(tc.out, s) {
		tc.out = append(tc.out, s)
	}
	return false
}

func (tc *textCollector) collect(fields map[string]any, path string, buf []string) []string {
	tc.out = buf
	visitPath(fields, path, tc)
	return tc.out
}

// scalarTexts returns the distinct non-null scalar values at a path as text.
func scalarTexts(fields map[string]any, path string) []string {
	var tc textCollector
	return tc.collect(fields, path, nil)
}

func (c *Correlator) expired(t, at time.Time) bool {
	return c.corr.Timespan > 0 && at.Sub(t) > c.corr.Timespan
}

// step adds one event's hits to a group and reports an alert when the
// condition holds.
func (c *Correlator) step(rs *runState, st *groupState, bg batchGroup, at time.Time) (Alert, bool) {
	switch c.corr.Type {
	case ir.Temporal:
		return c.stepTemporal(rs, st, bg, at)
	case ir.TemporalOrdered:
		return c.stepOrdered(st, bg, at)
	}
	return c.stepAggregate(st, bg, at)
}

func (c *Correlator) stepAggregate(st *groupState, bg batchGroup, at time.Time) (Alert, bool) {
	// Evict what fell out of the window.
	drop := 0
	for drop < len(st.window) && c.expired(st.window[drop].t, at) {
		c.remove(st, st.window[drop])
		drop++
	}
	st.window = st.window[drop:]

	e := windowEntry{t: at}
	first := bg.hits[0] // an event counts once, by its first matching rule
	src := c.sources[first.src]
	switch c.corr.Type {
	case ir.ValueCount:
		e.values = scalarTexts(first.fields, src.value)
		if len(e.values) == 0 {
			return Alert{}, false
		}
	case ir.ValueSum, ir.ValueAvg, ir.ValuePercentile:
		vals, _ := event.Lookup(first.fields, src.value)
		for _, v := range vals {
			if f, ok := toNumber(v); ok && !math.IsInf(f, 0) {
				e.nums = append(e.nums, f)
			}
		}
		if len(e.nums) == 0 {
			return Alert{}, false
		}
	}
	c.add(st, e)

	var value float64
	switch c.corr.Type {
	case ir.EventCount:
		value = float64(len(st.window))
	case ir.ValueCount:
		value = float64(len(st.distinct))
	case ir.ValueSum:
		value = st.sum
	case ir.ValueAvg:
		value = st.sum / float64(st.n)
	case ir.ValuePercentile:
		value = percentile(st.window, c.corr.Condition.Percentile)
	}
	if !thresholdHolds(c.corr.Condition.Compare, value, 1) {
		return Alert{}, false
	}
	a := Alert{Rule: c.rule, Group: st.group, Start: st.window[0].t, End: at, Value: value}
	st.reset()
	return a, true
}

func (c *Correlator) add(st *groupState, e windowEntry) {
	st.window = append(st.window, e)
	for _, v := range e.values {
		if st.distinct == nil {
			st.distinct = map[string]int{}
		}
		st.distinct[v]++
	}
	for _, f := range e.nums {
		st.sum += f
		st.n++
	}
}

func (c *Correlator) remove(st *groupState, e windowEntry) {
	for _, v := range e.values {
		if st.distinct[v]--; st.distinct[v] == 0 {
			delete(st.distinct, v)
		}
	}
	for _, f := range e.nums {
		st.sum -= f
		st.n--
	}
}

// percentile is the nearest-rank p-th percentile of the window's numbers.
func percentile(window []windowEntry, p int) float64 {
	var nums []float64
	for _, e := range window {
		nums = append(nums, e.nums...)
	}
	slices.Sort(nums)
	rank := int(math.Ceil(float64(p) / 100 * float64(len(nums))))
	if rank < 1 {
		rank = 1
	}
	return nums[rank-1]
}

// thresholdHolds ANDs the comparisons; with none, value >= def.
func thresholdHolds(cmps []ir.Comparison, value float64, def float64) bool {
	if len(cmps) == 0 {
		return value >= def
	}
	for _, c := range cmps {
		n := float64(c.Value)
		var ok bool
		switch c.Op {
		case "gt":
			ok = value > n
		case "gte":
			ok = value >= n
		case "lt":
			ok = value < n
		case "lte":
			ok = value <= n
		case "eq":
			ok = value == n
		case "neq":
			ok = value != n
		}
		if !ok {
			return false
		}
	}
	return true
}

func (c *Correlator) stepTemporal(rs *runState, st *groupState, bg batchGroup, at time.Time) (Alert, bool) {
	n := len(c.sources)
	if st.seen == nil {
		st.seen, st.last = make([]bool, n), make([]time.Time, n)
	}
	for _, s := range bg.srcs {
		st.seen[s], st.last[s] = true, at
	}
	// The same rule may be listed twice; count distinct rules.
	clear(rs.rules)
	matched := 0
	start := at
	for i := range c.sources {
		if !st.seen[i] || c.expired(st.last[i], at) {
			continue
		}
		if r := c.ruleIdx[i]; !rs.rules[r] {
			rs.rules[r] = true
			matched++
		}
		if st.last[i].Before(start) {
			start = st.last[i]
		}
	}
	if !thresholdHolds(c.corr.Condition.Compare, float64(matched), float64(c.distinctRules)) {
		return Alert{}, false
	}
	a := Alert{Rule: c.rule, Group: st.group, Start: start, End: at, Value: float64(matched)}
	st.reset()
	return a, true
}

func (c *Correlator) stepOrdered(st *groupState, bg batchGroup, at time.Time) (Alert, bool) {
	n := len(c.sources)
	if st.has == nil {
		st.has, st.best = make([]bool, n), make([]time.Time, n)
	}
	// Descending steps, so this event cannot fill step k and then k+1.
	for k := n - 1; k >= 0; k-- {
		if !slices.Contains(bg.srcs, k) {
			continue
		}
		if k == 0 {
			st.has[0], st.best[0] = true, at
			continue
		}
		if !st.has[k-1] || c.expired(st.best[k-1], at) {
			continue
		}
		if !st.has[k] || st.best[k-1].After(st.best[k]) {
			st.has[k], st.best[k] = true, st.best[k-1]
		}
	}
	if !st.has[n-1] || c.expired(st.best[n-1], at) {
		return Alert{}, false
	}
	a := Alert{Rule: c.rule, Group: st.group, Start: st.best[n-1], End: at, Value: float64(n)}
	st.reset()
	return a, true
}
