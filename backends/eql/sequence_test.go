package eql

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sigforge/sigforge/compiler/eval"
	"github.com/sigforge/sigforge/compiler/event"
	"github.com/sigforge/sigforge/compiler/ir"
	eqlq "github.com/sigforge/sigforge/compiler/query/eql"
)

// TestSequenceAgreesWithEval runs random event streams through a
// temporal_ordered correlation of three rules: the compiled EQL sequence
// (our evaluator, Elasticsearch's matching) must fire exactly when
// compiler/eval's correlator does.
func TestSequenceAgreesWithEval(t *testing.T) {
	step := func(id, action string) *ir.Rule {
		return &ir.Rule{ID: id, Title: id, Detection: match("event.action", ir.OpEqual, ir.Str(action))}
	}
	corr := &ir.Rule{Title: "seq", Correlation: &ir.Correlation{
		Type:     ir.TemporalOrdered,
		Rules:    []*ir.Rule{step("a", "A"), step("b", "B"), step("c", "C")},
		GroupBy:  []string{"user.name"},
		Timespan: 10 * time.Minute,
	}}
	b, err := onECS()
	require.NoError(t, err)
	out, err := b.Compile(corr)
	require.NoError(t, err)
	q, err := eqlq.Parse("seq", out.Text)
	require.NoError(t, err)
	native, err := eval.CompileCorrelation(corr)
	require.NoError(t, err)

	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fired := 0
	for i := range 3000 {
		var events []event.Event
		var docs []eqlq.Doc
		at := start
		for range 2 + rng.IntN(7) {
			at = at.Add(time.Duration(1+rng.IntN(6)) * time.Minute)
			fields, err := event.Decode(fmt.Appendf(nil, `{"event":{"action":%q},"user":{"name":%q}}`,
				[]string{"A", "B", "C", "D"}[rng.IntN(4)], []string{"u", "v"}[rng.IntN(2)]))
			require.NoError(t, err)
			events = append(events, event.Event{Fields: fields, Time: at})
			docs = append(docs, eqlq.Doc{Fields: fields, Time: at})
		}
		want := native.Fires(events)
		if want {
			fired++
		}
		if got := q.Run(docs); got != want {
			var trace string
			for _, e := range events {
				trace += fmt.Sprintf("\n  %s %v %v", e.Time.Format("15:04"), e.Fields["event"], e.Fields["user"])
			}
			t.Fatalf("stream %d: eval %v, eql %v%s", i, want, got, trace)
		}
	}
	require.Greater(t, fired, 50, "the streams must exercise firing sequences")
}
