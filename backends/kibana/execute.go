package kibana

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sigforge/sigforge/backends"
	"github.com/sigforge/sigforge/compiler/ecs"
	"github.com/sigforge/sigforge/compiler/event"
)

var _ backends.Executor = (*Backend)(nil)

// Prepare reads a compiled rule document and prepares its query with the
// executor of its language: KQL (query and threshold rules), EQL or ES|QL.
// A threshold rule counts matching events per group of its threshold
// fields in any window of its look-back (from) length, and checks the
// cardinality condition in the same window: the detection engine counts
// per run over the look-back, so this is the sliding-window reading of it.
func (b *Backend) Prepare(out backends.Output) (backends.Query, error) {
	var doc Rule
	dec := json.NewDecoder(strings.NewReader(out.Text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("kibana: %v", err)
	}
	sub := backends.Output{Rule: out.Rule, Text: doc.Query}
	switch doc.Type {
	case "query":
		return b.kqlExec.Prepare(sub)
	case "eql":
		return b.eql.Prepare(sub)
	case "esql":
		return b.esql.Prepare(sub)
	case "threshold":
		if doc.Threshold == nil {
			return nil, fmt.Errorf("kibana: threshold rule %s has no threshold", doc.RuleID)
		}
		match, err := b.kqlExec.Prepare(sub)
		if err != nil {
			return nil, err
		}
		window, err := lookback(doc.From)
		if err != nil {
			return nil, err
		}
		return &thresholdQuery{match: match, th: *doc.Threshold, window: window, ecs: b.ecsOpts}, nil
	}
	return nil, fmt.Errorf("kibana: rule type %q cannot be run", doc.Type)
}

// lookback reads "now-15m" as 15 minutes.
func lookback(from string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(from, "now-")
	if !ok {
		return 0, fmt.Errorf("kibana: from %q is not now-<duration>", from)
	}
	if d, ok := strings.CutSuffix(rest, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err != nil {
			return 0, fmt.Errorf("kibana: from %q: %v", from, err)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	dur, err := time.ParseDuration(rest)
	if err != nil {
		return 0, fmt.Errorf("kibana: from %q: %v", from, err)
	}
	return dur, nil
}

type thresholdQuery struct {
	match  backends.Query
	th     Threshold
	window time.Duration
	ecs    ecs.Options
}

type hit struct {
	at   time.Time
	card string // the cardinality field's value ("" when none)
}

// Fires groups the matching events by the threshold fields (an event
// missing one is not counted, as in a terms aggregation) and looks for a
// window holding at least value events and, when set, at least
// cardinality.value distinct values.
func (q *thresholdQuery) Fires(events []event.Event) (bool, error) {
	groups := map[string][]hit{}
	for _, ev := range events {
		ok, err := q.match.Fires([]event.Event{ev})
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		doc := q.ecs.Document(ev.Fields)
		var key []string
		complete := true
		for _, f := range q.th.Field {
			v, ok := scalar(doc, f)
			if !ok {
				complete = false
				break
			}
			key = append(key, v)
		}
		if !complete {
			continue
		}
		h := hit{at: ev.Time}
		if len(q.th.Cardinality) > 0 {
			v, ok := scalar(doc, q.th.Cardinality[0].Field)
			if !ok {
				continue
			}
			h.card = v
		}
		k := strings.Join(key, "\x00")
		groups[k] = append(groups[k], h)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if q.fires(groups[k]) {
			return true, nil
		}
	}
	return false, nil
}

func (q *thresholdQuery) fires(hits []hit) bool {
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].at.Before(hits[j].at) })
	for i := range hits {
		distinct := map[string]bool{}
		n := 0
		for j := i; j < len(hits) && hits[j].at.Sub(hits[i].at) <= q.window; j++ {
			n++
			distinct[hits[j].card] = true
		}
		if int64(n) < q.th.Value {
			continue
		}
		if len(q.th.Cardinality) == 0 || int64(len(distinct)) >= q.th.Cardinality[0].Value {
			return true
		}
	}
	return false
}

// scalar returns the single scalar value of a field of an ECS document.
func scalar(doc map[string]any, field string) (string, bool) {
	vals, _ := event.Lookup(doc, field)
	if len(vals) != 1 {
		return "", false
	}
	s, ok := event.Scalar(vals[0])
	return s, ok && vals[0] != nil
}
