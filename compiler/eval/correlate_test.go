package eval

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// kindRule matches events whose "kind" is the given value.
func kindRule(id, kind string) *ir.Rule {
	return &ir.Rule{ID: id, Name: id, Title: id, Detection: match("kind", ir.OpEqual, str(kind))}
}

// at builds an event at t0 + sec seconds.
func at(t testing.TB, sec float64, js string) event.Event {
	t.Helper()
	ev := event.Event{Fields: fields(t, js), Time: t0.Add(time.Duration(sec * float64(time.Second)))}
	ev.Origin = fmt.Sprintf("@%gs", sec)
	return ev
}

func corrRule(typ ir.CorrelationType, span time.Duration, groupBy []string, cond ir.Threshold, rules ...*ir.Rule) *ir.Rule {
	return &ir.Rule{ID: "corr-" + string(typ), Title: "corr " + string(typ), Correlation: &ir.Correlation{
		Type: typ, Rules: rules, GroupBy: groupBy, Timespan: span, Condition: cond,
	}}
}

func gte(n int64) ir.Threshold { return ir.Threshold{Compare: []ir.Comparison{{Op: "gte", Value: n}}} }

// alertSummary renders alerts compactly: "user=u1 0s..60s value=3".
func alertSummary(as []Alert) []string {
	out := []string{}
	for _, a := range as {
		s := ""
		for _, g := range a.Group {
			s += g.Field + "=" + g.Value + " "
		}
		s += fmt.Sprintf("%gs..%gs value=%g", a.Start.Sub(t0).Seconds(), a.End.Sub(t0).Seconds(), a.Value)
		out = append(out, s)
	}
	return out
}

type corrCase struct {
	name   string
	events []event.Event
	want   []string
}

func runCorr(t *testing.T, r *ir.Rule, cases []corrCase) {
	t.Helper()
	c, err := CompileCorrelation(r)
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := alertSummary(c.Run(tc.events))
			if tc.want == nil {
				tc.want = []string{}
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, len(tc.want) > 0, c.Fires(tc.events))
		})
	}
}

func TestEventCount(t *testing.T) {
	a, b := kindRule("a", "a"), kindRule("b", "b")
	r := corrRule(ir.EventCount, time.Minute, []string{"user"}, gte(3), a)
	runCorr(t, r, []corrCase{
		{"three within the window", []event.Event{
			at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 30, `{"kind":"a","user":"u1"}`), at(t, 59, `{"kind":"a","user":"u1"}`),
		}, []string{"user=u1 0s..59s value=3"}},
		{"window edge is inclusive", []event.Event{
			at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 30, `{"kind":"a","user":"u1"}`), at(t, 60, `{"kind":"a","user":"u1"}`),
		}, []string{"user=u1 0s..60s value=3"}},
		{"one nanosecond past the edge", []event.Event{
			at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 30, `{"kind":"a","user":"u1"}`), at(t, 60.000000001, `{"kind":"a","user":"u1"}`),
		}, nil},
		{"the window slides", []event.Event{
			at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 50, `{"kind":"a","user":"u1"}`), at(t, 70, `{"kind":"a","user":"u1"}`), at(t, 100, `{"kind":"a","user":"u1"}`),
		}, []string{"user=u1 50s..100s value=3"}},
		{"groups are split", []event.Event{
			at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 1, `{"kind":"a","user":"u2"}`), at(t, 2, `{"kind":"a","user":"u1"}`), at(t, 3, `{"kind":"a","user":"u2"}`),
		}, nil},
		{"two groups fire separately", []event.Event{
			at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 1, `{"kind":"a","user":"u2"}`), at(t, 2, `{"kind":"a","user":"u1"}`),
			at(t, 3, `{"kind":"a","user":"u2"}`), at(t, 4, `{"kind":"a","user":"u2"}`), at(t, 5, `{"kind":"a","user":"u1"}`),
		}, []string{"user=u2 1s..4s value=3", "user=u1 0s..5s value=3"}},
		{"group values are case-sensitive", []event.Event{
			at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 1, `{"kind":"a","user":"U1"}`), at(t, 2, `{"kind":"a","user":"u1"}`),
		}, nil},
		{"non-matching events do not count", []event.Event{
			at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 1, `{"kind":"b","user":"u1"}`), at(t, 2, `{"kind":"a","user":"u1"}`),
		}, nil},
		{"events without the group field do not count", []event.Event{
			at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 1, `{"kind":"a"}`), at(t, 2, `{"kind":"a","user":null}`), at(t, 3, `{"kind":"a","user":"u1"}`),
		}, nil},
		{"input order does not matter", []event.Event{
			at(t, 59, `{"kind":"a","user":"u1"}`), at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 30, `{"kind":"a","user":"u1"}`),
		}, []string{"user=u1 0s..59s value=3"}},
		{"a burst raises one alert per threshold crossing", []event.Event{
			at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 1, `{"kind":"a","user":"u1"}`), at(t, 2, `{"kind":"a","user":"u1"}`),
			at(t, 3, `{"kind":"a","user":"u1"}`), at(t, 4, `{"kind":"a","user":"u1"}`), at(t, 5, `{"kind":"a","user":"u1"}`),
			at(t, 6, `{"kind":"a","user":"u1"}`),
		}, []string{"user=u1 0s..2s value=3", "user=u1 3s..5s value=3"}},
		{"an array group field puts the event in each group", []event.Event{
			at(t, 0, `{"kind":"a","user":["u1","u2"]}`), at(t, 1, `{"kind":"a","user":"u1"}`), at(t, 2, `{"kind":"a","user":"u1"}`),
		}, []string{"user=u1 0s..2s value=3"}},
		{"numbers group by their text", []event.Event{
			at(t, 0, `{"kind":"a","user":7}`), at(t, 1, `{"kind":"a","user":"7"}`), at(t, 2, `{"kind":"a","user":7}`),
		}, []string{"user=7 0s..2s value=3"}},
	})

	t.Run("range condition is ANDed", func(t *testing.T) {
		r := corrRule(ir.EventCount, time.Minute, nil, ir.Threshold{Compare: []ir.Comparison{{Op: "gt", Value: 1}, {Op: "lte", Value: 2}}}, a)
		runCorr(t, r, []corrCase{
			{"two", []event.Event{at(t, 0, `{"kind":"a"}`), at(t, 1, `{"kind":"a"}`)}, []string{"0s..1s value=2"}},
			{"one", []event.Event{at(t, 0, `{"kind":"a"}`)}, nil},
		})
	})
	t.Run("eq and neq", func(t *testing.T) {
		r := corrRule(ir.EventCount, time.Minute, nil, ir.Threshold{Compare: []ir.Comparison{{Op: "eq", Value: 2}}}, a)
		runCorr(t, r, []corrCase{{"eq", []event.Event{at(t, 0, `{"kind":"a"}`), at(t, 1, `{"kind":"a"}`)}, []string{"0s..1s value=2"}}})
		r = corrRule(ir.EventCount, time.Minute, nil, ir.Threshold{Compare: []ir.Comparison{{Op: "neq", Value: 1}, {Op: "lt", Value: 3}}}, a)
		runCorr(t, r, []corrCase{{"neq", []event.Event{at(t, 0, `{"kind":"a"}`), at(t, 1, `{"kind":"a"}`)}, []string{"0s..1s value=2"}}})
	})
	t.Run("several rules, an event counts once", func(t *testing.T) {
		both := &ir.Rule{ID: "any", Title: "any", Detection: match("kind", ir.OpEqual, pat("*"))}
		r := corrRule(ir.EventCount, time.Minute, []string{"user"}, gte(2), a, both)
		runCorr(t, r, []corrCase{
			{"one event matched twice", []event.Event{at(t, 0, `{"kind":"a","user":"u1"}`)}, nil},
			{"two events", []event.Event{at(t, 0, `{"kind":"a","user":"u1"}`), at(t, 1, `{"kind":"b","user":"u1"}`)}, []string{"user=u1 0s..1s value=2"}},
		})
	})
	t.Run("no timespan is an unbounded window", func(t *testing.T) {
		r := corrRule(ir.EventCount, 0, nil, gte(2), b)
		runCorr(t, r, []corrCase{{"a year apart", []event.Event{at(t, 0, `{"kind":"b"}`), at(t, 3e7, `{"kind":"b"}`)}, []string{"0s..3e+07s value=2"}}})
	})
}

func TestValueCount(t *testing.T) {
	login := kindRule("login", "login")
	cond := gte(3)
	cond.Field = "user"
	r := corrRule(ir.ValueCount, 5*time.Minute, []string{"ip"}, cond, login)
	runCorr(t, r, []corrCase{
		{"three distinct users", []event.Event{
			at(t, 0, `{"kind":"login","ip":"1.1.1.1","user":"alice"}`),
			at(t, 10, `{"kind":"login","ip":"1.1.1.1","user":"bob"}`),
			at(t, 20, `{"kind":"login","ip":"1.1.1.1","user":"carol"}`),
		}, []string{"ip=1.1.1.1 0s..20s value=3"}},
		{"repeats are not distinct", []event.Event{
			at(t, 0, `{"kind":"login","ip":"1.1.1.1","user":"alice"}`),
			at(t, 10, `{"kind":"login","ip":"1.1.1.1","user":"alice"}`),
			at(t, 20, `{"kind":"login","ip":"1.1.1.1","user":"bob"}`),
			at(t, 30, `{"kind":"login","ip":"1.1.1.1","user":"bob"}`),
		}, nil},
		{"distinct values are case-sensitive", []event.Event{
			at(t, 0, `{"kind":"login","ip":"1.1.1.1","user":"alice"}`),
			at(t, 10, `{"kind":"login","ip":"1.1.1.1","user":"Alice"}`),
			at(t, 20, `{"kind":"login","ip":"1.1.1.1","user":"ALICE"}`),
		}, []string{"ip=1.1.1.1 0s..20s value=3"}},
		{"values leave the window", []event.Event{
			at(t, 0, `{"kind":"login","ip":"1.1.1.1","user":"alice"}`),
			at(t, 200, `{"kind":"login","ip":"1.1.1.1","user":"bob"}`),
			at(t, 301, `{"kind":"login","ip":"1.1.1.1","user":"carol"}`),
			at(t, 302, `{"kind":"login","ip":"1.1.1.1","user":"bob"}`),
		}, nil},
		{"a value still counts while a repeat of it is in the window", []event.Event{
			at(t, 0, `{"kind":"login","ip":"1.1.1.1","user":"alice"}`),
			at(t, 100, `{"kind":"login","ip":"1.1.1.1","user":"alice"}`),
			at(t, 200, `{"kind":"login","ip":"1.1.1.1","user":"bob"}`),
			at(t, 350, `{"kind":"login","ip":"1.1.1.1","user":"carol"}`),
		}, []string{"ip=1.1.1.1 100s..350s value=3"}},
		{"groups split", []event.Event{
			at(t, 0, `{"kind":"login","ip":"1.1.1.1","user":"alice"}`),
			at(t, 10, `{"kind":"login","ip":"2.2.2.2","user":"bob"}`),
			at(t, 20, `{"kind":"login","ip":"1.1.1.1","user":"carol"}`),
		}, nil},
		{"events without the value field are ignored", []event.Event{
			at(t, 0, `{"kind":"login","ip":"1.1.1.1","user":"alice"}`),
			at(t, 10, `{"kind":"login","ip":"1.1.1.1"}`),
			at(t, 20, `{"kind":"login","ip":"1.1.1.1","user":null}`),
			at(t, 30, `{"kind":"login","ip":"1.1.1.1","user":"bob"}`),
		}, nil},
	})
}

func TestValueSumAvgPercentile(t *testing.T) {
	dl := kindRule("dl", "download")
	sum := ir.Threshold{Field: "bytes", Compare: []ir.Comparison{{Op: "gt", Value: 1000}}}
	runCorr(t, corrRule(ir.ValueSum, time.Minute, []string{"user"}, sum, dl), []corrCase{
		{"sum over", []event.Event{
			at(t, 0, `{"kind":"download","user":"u","bytes":600}`), at(t, 10, `{"kind":"download","user":"u","bytes":"401"}`),
		}, []string{"user=u 0s..10s value=1001"}},
		{"sum at", []event.Event{
			at(t, 0, `{"kind":"download","user":"u","bytes":600}`), at(t, 10, `{"kind":"download","user":"u","bytes":400}`),
		}, nil},
		{"non-numbers ignored", []event.Event{
			at(t, 0, `{"kind":"download","user":"u","bytes":600}`), at(t, 5, `{"kind":"download","user":"u","bytes":"lots"}`),
			at(t, 10, `{"kind":"download","user":"u","bytes":true}`),
		}, nil},
		{"sum leaves window", []event.Event{
			at(t, 0, `{"kind":"download","user":"u","bytes":900}`), at(t, 61, `{"kind":"download","user":"u","bytes":900}`),
		}, nil},
	})
	avg := ir.Threshold{Field: "bytes", Compare: []ir.Comparison{{Op: "gte", Value: 500}}}
	runCorr(t, corrRule(ir.ValueAvg, time.Minute, []string{"user"}, avg, dl), []corrCase{
		{"avg of one", []event.Event{at(t, 0, `{"kind":"download","user":"u","bytes":500}`)}, []string{"user=u 0s..0s value=500"}},
		{"avg below", []event.Event{at(t, 0, `{"kind":"download","user":"u","bytes":100}`), at(t, 1, `{"kind":"download","user":"u","bytes":800}`)}, nil},
		{"avg reaches", []event.Event{at(t, 0, `{"kind":"download","user":"u","bytes":100}`), at(t, 1, `{"kind":"download","user":"u","bytes":900}`)}, []string{"user=u 0s..1s value=500"}},
	})
	p := ir.Threshold{Field: "ms", Percentile: 50, Compare: []ir.Comparison{{Op: "gte", Value: 100}}}
	runCorr(t, corrRule(ir.ValuePercentile, time.Minute, nil, p, dl), []corrCase{
		{"nearest-rank median reaches", []event.Event{
			at(t, 0, `{"kind":"download","ms":10}`), at(t, 1, `{"kind":"download","ms":500}`), at(t, 2, `{"kind":"download","ms":600}`),
		}, []string{"0s..2s value=500"}},
		{"median stays low", []event.Event{
			at(t, 0, `{"kind":"download","ms":10}`), at(t, 1, `{"kind":"download","ms":20}`), at(t, 2, `{"kind":"download","ms":500}`),
		}, nil},
	})
}

func TestTemporal(t *testing.T) {
	a, b := kindRule("a", "a"), kindRule("b", "b")
	r := corrRule(ir.Temporal, 10*time.Minute, []string{"user"}, ir.Threshold{}, a, b)
	runCorr(t, r, []corrCase{
		{"both in order", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 60, `{"kind":"b","user":"u"}`)}, []string{"user=u 0s..60s value=2"}},
		{"both reversed", []event.Event{at(t, 0, `{"kind":"b","user":"u"}`), at(t, 60, `{"kind":"a","user":"u"}`)}, []string{"user=u 0s..60s value=2"}},
		{"window edge inclusive", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 600, `{"kind":"b","user":"u"}`)}, []string{"user=u 0s..600s value=2"}},
		{"past the window", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 601, `{"kind":"b","user":"u"}`)}, nil},
		{"a later repeat renews", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 500, `{"kind":"a","user":"u"}`), at(t, 1000, `{"kind":"b","user":"u"}`)}, []string{"user=u 500s..1000s value=2"}},
		{"different groups", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 60, `{"kind":"b","user":"v"}`)}, nil},
		{"only one rule", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 60, `{"kind":"a","user":"u"}`)}, nil},
		{"one event matching both is enough", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`)}, nil},
	})
	t.Run("aliases", func(t *testing.T) {
		r := corrRule(ir.Temporal, 10*time.Minute, []string{"who"}, ir.Threshold{}, a, b)
		r.Correlation.Aliases = map[string]map[string]string{"who": {"a": "actor", "b": "target.user"}}
		runCorr(t, r, []corrCase{
			{"alias fields equal", []event.Event{at(t, 0, `{"kind":"a","actor":"u"}`), at(t, 1, `{"kind":"b","target":{"user":"u"}}`)}, []string{"who=u 0s..1s value=2"}},
			{"alias fields differ", []event.Event{at(t, 0, `{"kind":"a","actor":"u"}`), at(t, 1, `{"kind":"b","target":{"user":"v"}}`)}, nil},
			{"unaliased field is not used", []event.Event{at(t, 0, `{"kind":"a","who":"u"}`), at(t, 1, `{"kind":"b","who":"u"}`)}, nil},
		})
	})
	t.Run("explicit threshold of rules", func(t *testing.T) {
		c := kindRule("c", "c")
		r := corrRule(ir.Temporal, time.Minute, nil, gte(2), a, b, c)
		runCorr(t, r, []corrCase{
			{"two of three", []event.Event{at(t, 0, `{"kind":"c"}`), at(t, 5, `{"kind":"a"}`)}, []string{"0s..5s value=2"}},
			{"one of three", []event.Event{at(t, 0, `{"kind":"c"}`), at(t, 5, `{"kind":"c"}`)}, nil},
		})
	})
}

func TestTemporalOrdered(t *testing.T) {
	a, b, c := kindRule("a", "a"), kindRule("b", "b"), kindRule("c", "c")
	r := corrRule(ir.TemporalOrdered, 10*time.Second, []string{"user"}, ir.Threshold{}, a, b, c)
	runCorr(t, r, []corrCase{
		{"in order", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 1, `{"kind":"b","user":"u"}`), at(t, 2, `{"kind":"c","user":"u"}`)}, []string{"user=u 0s..2s value=3"}},
		{"out of order", []event.Event{at(t, 0, `{"kind":"b","user":"u"}`), at(t, 1, `{"kind":"a","user":"u"}`), at(t, 2, `{"kind":"c","user":"u"}`)}, nil},
		{"last two swapped", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 1, `{"kind":"c","user":"u"}`), at(t, 2, `{"kind":"b","user":"u"}`)}, nil},
		{"noise in between", []event.Event{
			at(t, 0, `{"kind":"a","user":"u"}`), at(t, 1, `{"kind":"c","user":"u"}`), at(t, 2, `{"kind":"b","user":"u"}`),
			at(t, 3, `{"kind":"x","user":"u"}`), at(t, 4, `{"kind":"c","user":"u"}`),
		}, []string{"user=u 0s..4s value=3"}},
		{"window edge inclusive", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 5, `{"kind":"b","user":"u"}`), at(t, 10, `{"kind":"c","user":"u"}`)}, []string{"user=u 0s..10s value=3"}},
		{"first to last beyond span", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 5, `{"kind":"b","user":"u"}`), at(t, 10.5, `{"kind":"c","user":"u"}`)}, nil},
		{"latest start is kept", []event.Event{
			at(t, 0, `{"kind":"a","user":"u"}`), at(t, 6, `{"kind":"a","user":"u"}`), at(t, 7, `{"kind":"b","user":"u"}`), at(t, 15, `{"kind":"c","user":"u"}`),
		}, []string{"user=u 6s..15s value=3"}},
		{"groups split", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 1, `{"kind":"b","user":"v"}`), at(t, 2, `{"kind":"c","user":"u"}`)}, nil},
		{"same time keeps stream order", []event.Event{at(t, 0, `{"kind":"a","user":"u"}`), at(t, 0, `{"kind":"b","user":"u"}`), at(t, 0, `{"kind":"c","user":"u"}`)}, []string{"user=u 0s..0s value=3"}},
	})
	t.Run("one event never fills two steps", func(t *testing.T) {
		ab := &ir.Rule{ID: "ab", Title: "ab", Detection: match("kind", ir.OpEqual, str("a"), str("b"))}
		r := corrRule(ir.TemporalOrdered, time.Minute, nil, ir.Threshold{}, a, ab)
		runCorr(t, r, []corrCase{
			{"single event", []event.Event{at(t, 0, `{"kind":"a"}`)}, nil},
			{"two events", []event.Event{at(t, 0, `{"kind":"a"}`), at(t, 1, `{"kind":"a"}`)}, []string{"0s..1s value=2"}},
		})
	})
	t.Run("the same rule twice", func(t *testing.T) {
		r := corrRule(ir.TemporalOrdered, time.Minute, nil, ir.Threshold{}, a, b, a)
		runCorr(t, r, []corrCase{
			{"a b a", []event.Event{at(t, 0, `{"kind":"a"}`), at(t, 1, `{"kind":"b"}`), at(t, 2, `{"kind":"a"}`)}, []string{"0s..2s value=3"}},
			{"a a b", []event.Event{at(t, 0, `{"kind":"a"}`), at(t, 1, `{"kind":"a"}`), at(t, 2, `{"kind":"b"}`)}, nil},
		})
	})
}

func TestChainedCorrelation(t *testing.T) {
	fail, success := kindRule("fail", "fail"), kindRule("success", "success")
	burst := corrRule(ir.EventCount, time.Minute, []string{"user"}, gte(3), fail)
	burst.ID, burst.Name = "burst", "burst"
	r := corrRule(ir.TemporalOrdered, 5*time.Minute, []string{"user"}, ir.Threshold{}, burst, success)
	runCorr(t, r, []corrCase{
		{"burst then success", []event.Event{
			at(t, 0, `{"kind":"fail","user":"u"}`), at(t, 1, `{"kind":"fail","user":"u"}`), at(t, 2, `{"kind":"fail","user":"u"}`),
			at(t, 100, `{"kind":"success","user":"u"}`),
		}, []string{"user=u 2s..100s value=2"}},
		{"success before burst", []event.Event{
			at(t, 0, `{"kind":"success","user":"u"}`),
			at(t, 1, `{"kind":"fail","user":"u"}`), at(t, 2, `{"kind":"fail","user":"u"}`), at(t, 3, `{"kind":"fail","user":"u"}`),
		}, nil},
		{"too few failures", []event.Event{
			at(t, 0, `{"kind":"fail","user":"u"}`), at(t, 1, `{"kind":"fail","user":"u"}`), at(t, 100, `{"kind":"success","user":"u"}`),
		}, nil},
		{"success of another user", []event.Event{
			at(t, 0, `{"kind":"fail","user":"u"}`), at(t, 1, `{"kind":"fail","user":"u"}`), at(t, 2, `{"kind":"fail","user":"u"}`),
			at(t, 100, `{"kind":"success","user":"v"}`),
		}, nil},
	})
}

func TestCorrelationCompileErrors(t *testing.T) {
	a := kindRule("a", "a")
	bad := &ir.Rule{ID: "bad", Title: "bad", Detection: match("x", ir.OpRegex, str("("))}
	self := corrRule(ir.EventCount, time.Minute, nil, gte(1))
	self.Correlation.Rules = []*ir.Rule{self}
	cases := []struct {
		name string
		r    *ir.Rule
		want string
	}{
		{"not a correlation", a, "not a correlation rule"},
		{"no rules", corrRule(ir.EventCount, time.Minute, nil, gte(1)), "references no rules"},
		{"unknown type", corrRule("value_median", time.Minute, nil, gte(1), a), `unknown correlation type "value_median"`},
		{"value_count without field", corrRule(ir.ValueCount, time.Minute, nil, gte(1), a), "needs condition.field"},
		{"bad operator", corrRule(ir.EventCount, time.Minute, nil, ir.Threshold{Compare: []ir.Comparison{{Op: "ge", Value: 1}}}, a), `unknown condition operator "ge"`},
		{"broken referenced rule", corrRule(ir.EventCount, time.Minute, nil, gte(1), bad), "invalid regular expression"},
		{"unresolved reference", corrRule(ir.EventCount, time.Minute, nil, gte(1), nil), "unresolved rule reference"},
		{"cycle", self, "references itself"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CompileCorrelation(tc.r)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func BenchmarkCorrelatorEventCount(b *testing.B) {
	denied := &ir.Rule{ID: "denied", Title: "denied", Detection: match("errorCode", ir.OpEqual, pat("AccessDenied*"))}
	r := corrRule(ir.EventCount, 10*time.Minute, []string{"userIdentity.arn"}, gte(10), denied)
	c, err := CompileCorrelation(r)
	if err != nil {
		b.Fatal(err)
	}
	var evs []event.Event
	for i := range 100_000 {
		f := map[string]any{
			"errorCode":    "AccessDenied",
			"userIdentity": map[string]any{"arn": fmt.Sprintf("arn:aws:iam::111122223333:user/u%d", i%100)},
		}
		evs = append(evs, event.Event{Fields: f, Time: t0.Add(time.Duration(i) * 100 * time.Millisecond)})
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(c.Run(evs)) == 0 {
			b.Fatal("no alerts")
		}
	}
	b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "events/s")
}
