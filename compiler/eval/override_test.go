package eval

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
)

func TestCompileOverride(t *testing.T) {
	source := match("eventSource", ir.OpEqual, str("rds.amazonaws.com"))
	name := match("eventName", ir.OpEqual, str("DeleteDBInstance"), str("DeleteDBCluster"))
	failed := match("errorCode", ir.OpExists)
	rule := &ir.Rule{Title: "t", Detection: and(source, name, not(failed))}
	hit := `{"eventSource":"rds.amazonaws.com","eventName":"DeleteDBInstance"}`
	denied := `{"eventSource":"rds.amazonaws.com","eventName":"DeleteDBInstance","errorCode":"AccessDenied"}`
	cases := []struct {
		name  string
		ov    Override
		event string
		want  bool
	}{
		{"source forced false stops a hit", Override{Node: source, Force: false}, hit, false},
		{"source forced true keeps a hit", Override{Node: source, Force: true}, hit, true},
		{"negated condition forced false fires on the denied call", Override{Node: failed, Force: false}, denied, true},
		{"the Not node itself can be forced", Override{Node: rule.Detection.(*ir.And).Args[2], Force: true}, denied, true},
		{"replacing a list by a narrower one", Override{Node: name, Replace: match("eventName", ir.OpEqual, str("DeleteDBCluster"))}, hit, false},
		{"a node outside the rule changes nothing", Override{Node: match("x", ir.OpExists), Force: false}, hit, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := CompileOverride(rule, tc.ov)
			require.NoError(t, err)
			assert.Equal(t, tc.want, e.MatchFields(fields(t, tc.event)))
		})
	}
	plain, err := Compile(rule)
	require.NoError(t, err)
	assert.False(t, plain.MatchFields(fields(t, denied)), "the normal path is not affected")

	_, err = CompileOverride(rule, Override{})
	require.Error(t, err)
	_, err = CompileOverride(rule, Override{Node: name, Replace: &ir.Match{Field: "x", Op: ir.OpRegex, Values: []ir.Value{str("(")}}})
	require.Error(t, err, "a replacement is compiled like any expression")
}

func TestCompileCorrelationOverride(t *testing.T) {
	denied := match("errorCode", ir.OpEqual, pat("AccessDenied*"))
	base := &ir.Rule{ID: "base", Title: "base", Detection: denied}
	corr := &ir.Rule{ID: "burst", Title: "burst", Correlation: &ir.Correlation{
		Type: ir.EventCount, Rules: []*ir.Rule{base}, GroupBy: []string{"user"}, Timespan: time.Minute,
		Condition: ir.Threshold{Compare: []ir.Comparison{{Op: "gte", Value: 2}}},
	}}
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	stream := []event.Event{
		{Fields: fields(t, `{"user":"a","errorCode":"AccessDenied"}`), Time: t0},
		{Fields: fields(t, `{"user":"a","errorCode":"AccessDenied"}`), Time: t0.Add(time.Second)},
	}
	c, err := CompileCorrelation(corr)
	require.NoError(t, err)
	require.True(t, c.Fires(stream))
	forced, err := CompileCorrelationOverride(corr, Override{Node: denied, Force: false})
	require.NoError(t, err)
	assert.False(t, forced.Fires(stream))
	assert.True(t, c.Fires(stream), "the original correlator is unchanged")
}
