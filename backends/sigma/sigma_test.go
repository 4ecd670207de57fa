package sigma

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/golden"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
)

func detection(id string, e ir.Expr) *ir.Rule {
	return &ir.Rule{ID: id, Name: id, Title: id, Detection: e}
}

func eq(field string, vals ...ir.Value) *ir.Match {
	return &ir.Match{Field: field, Op: ir.OpEqual, Values: vals}
}

func testRules() []*ir.Rule {
	public := detection("public_restore", &ir.And{Args: []ir.Expr{
		eq("eventSource", ir.Str("rds.amazonaws.com")),
		eq("eventName", ir.Str("RestoreDBInstanceFromDBSnapshot"), ir.Pattern("RestoreDBInstanceToPointInTime*")),
		eq("responseElements.publiclyAccessible", ir.BoolValue(true)),
		&ir.Not{Arg: &ir.Match{Field: "sourceIPAddress", Op: ir.OpCIDR, Values: []ir.Value{ir.Str("10.0.0.0/8")}}},
		&ir.Not{Arg: &ir.Match{Field: "errorCode", Op: ir.OpExists}},
	}})
	fail := detection("failed_auth", &ir.Match{Op: ir.OpRegex, Values: []ir.Value{ir.Str(`password authentication failed for user "\w+"`)}, Regex: ir.RegexFlags{IgnoreCase: true}})
	burst := &ir.Rule{ID: "burst", Name: "burst", Title: "burst", Correlation: &ir.Correlation{
		Type: ir.ValueCount, Rules: []*ir.Rule{fail}, GroupBy: []string{"host"}, Timespan: 90 * time.Minute,
		Condition: ir.Threshold{Field: "user", Compare: []ir.Comparison{{Op: "gte", Value: 5}, {Op: "lt", Value: 100}}},
	}}
	seq := &ir.Rule{ID: "seq", Title: "seq", Correlation: &ir.Correlation{
		Type: ir.TemporalOrdered, Rules: []*ir.Rule{burst, public}, GroupBy: []string{"who"}, Timespan: 24 * time.Hour,
		Aliases: map[string]map[string]string{"who": {"public_restore": "userIdentity.arn", "burst": "host"}},
	}}
	return []*ir.Rule{public, fail, burst, seq}
}

func TestCompileGolden(t *testing.T) {
	b, err := New(nil)
	require.NoError(t, err)
	assert.Equal(t, "sigma", b.Name())
	var out strings.Builder
	for _, r := range testRules() {
		o, err := b.Compile(r)
		require.NoError(t, err)
		assert.Equal(t, ".sigma", o.Ext)
		assert.Same(t, r, o.Rule)
		out.WriteString("== " + r.ID + "\n" + o.Text)
	}
	golden.Check(t, "testdata/compile.golden", []byte(out.String()))
}

func TestCompileErrors(t *testing.T) {
	b := &Backend{}
	bad := detection("bad", &ir.Match{Field: "a", Op: ir.OpRegex, Values: []ir.Value{ir.Str("(")}, Pos: source.Pos{File: "r.yml", Line: 9, Col: 11}})
	_, err := b.Compile(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "r.yml:9:11:")
	var unsupported *backends.Unsupported
	assert.NotErrorAs(t, err, &unsupported)

	_, err = b.Compile(&ir.Rule{Title: "c", Correlation: &ir.Correlation{Type: ir.EventCount}})
	assert.ErrorContains(t, err, "references no rules")
}

func TestPrepareFires(t *testing.T) {
	b := &Backend{}
	rules := testRules()
	ev := func(sec int, js string) event.Event {
		f, err := event.Decode([]byte(js))
		require.NoError(t, err)
		return event.Event{Fields: f, Time: time.Unix(int64(sec), 0)}
	}
	restore := `{"eventSource":"rds.amazonaws.com","eventName":"RestoreDBInstanceFromDBSnapshot","responseElements":{"publiclyAccessible":true},"sourceIPAddress":"203.0.113.5","userIdentity":{"arn":"db-host-1"}}`
	type fireCase struct {
		rule   *ir.Rule
		events []event.Event
		want   bool
	}
	var burst []event.Event
	for i, u := range []string{"a", "b", "c", "d", "e"} {
		burst = append(burst, ev(i, `{"host":"db-host-1","user":"`+u+`","message":"password authentication failed for user \"`+u+`\""}`))
	}
	cases := []fireCase{
		{rules[0], []event.Event{ev(0, restore)}, true},
		{rules[0], []event.Event{ev(0, strings.Replace(restore, "203.0.113.5", "10.1.1.1", 1))}, false},
		{rules[0], []event.Event{ev(0, strings.Replace(restore, `true}`, `false}`, 1))}, false},
		{rules[1], []event.Event{ev(0, `{"message":"FATAL:  PASSWORD authentication failed for user \"bob\""}`)}, true},
		{rules[1], []event.Event{ev(0, `{"message":"connection received: host=10.0.0.1"}`)}, false},
		{rules[2], burst, true},
		{rules[2], burst[:4], false},
		// burst (the last failure at 4s) then the restore by the same "who"
		{rules[3], append(slices.Clone(burst), ev(100, restore)), true},
		{rules[3], append([]event.Event{ev(-100, restore)}, burst...), false},
	}
	for _, tc := range cases {
		out, err := b.Compile(tc.rule)
		require.NoError(t, err)
		q, err := b.Prepare(out)
		require.NoError(t, err)
		got, err := q.Fires(tc.events)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%s on %d events", tc.rule.ID, len(tc.events))
	}
	_, err := b.Prepare(backends.Output{})
	assert.ErrorContains(t, err, "no rule")
}

func TestFormatTimespan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		90 * time.Minute: "90m", 2 * time.Hour: "2h", 48 * time.Hour: "2d", 30 * time.Second: "30s",
		1500 * time.Millisecond: "1.5s",
	} {
		assert.Equal(t, want, FormatTimespan(d))
	}
}
