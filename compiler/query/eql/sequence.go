package eql

import (
	"strings"
	"time"
)

// Doc is one event as Elasticsearch stores it: the ECS document and its
// @timestamp.
type Doc struct {
	Fields map[string]any
	Time   time.Time
}

// MatchesCategory reports whether the document belongs to the event
// category: "any" matches every document; another category matches the
// values of event.category (Elasticsearch's default event_category_field).
func (e *EventQuery) MatchesCategory(doc map[string]any) bool {
	if e.Category == "any" {
		return true
	}
	for _, v := range (&Field{Path: "event.category"}).Eval(doc) {
		if text(v) == e.Category {
			return true
		}
	}
	return false
}

// Matches reports whether a document satisfies the event query.
func (e *EventQuery) Matches(doc map[string]any) bool {
	return e.MatchesCategory(doc) && Holds(e.Where, doc)
}

// Run reports whether the query finds anything in docs (in time order): an
// event query when any document matches, a sequence when some join key
// completes every step in order within maxspan.
func (q *Query) Run(docs []Doc) bool {
	if q.Event != nil {
		for _, d := range docs {
			if q.Event.Matches(d.Fields) {
				return true
			}
		}
		return false
	}
	return q.Sequence.run(docs)
}

// run keeps, per join key and step, the start time of the most recent
// partial sequence that has completed that step. Keeping the latest start
// is what Elasticsearch does (a newer match replaces an older one in the
// same state) and it is also the best choice for fitting maxspan. Steps are
// visited last to first so that one event never fills two steps.
func (s *Sequence) run(docs []Doc) bool {
	n := len(s.Steps)
	states := map[string][]*time.Time{}
	for _, d := range docs {
		if s.Until != nil && s.Until.Matches(d.Fields) {
			if key, ok := s.key(nil, d.Fields); ok {
				delete(states, key)
			}
		}
		for i := n - 1; i >= 0; i-- {
			st := s.Steps[i]
			if !st.Event.Matches(d.Fields) {
				continue
			}
			key, ok := s.key(st.By, d.Fields)
			if !ok {
				continue
			}
			slots := states[key]
			if slots == nil {
				slots = make([]*time.Time, n)
				states[key] = slots
			}
			var start time.Time
			if i == 0 {
				start = d.Time
			} else {
				prev := slots[i-1]
				if prev == nil {
					continue
				}
				if s.MaxSpan > 0 && d.Time.Sub(*prev) > s.MaxSpan {
					slots[i-1] = nil
					continue
				}
				start = *prev
				slots[i-1] = nil
			}
			if i == n-1 {
				return true
			}
			t := start
			slots[i] = &t
		}
	}
	return false
}

// key renders the join key of a document for a step: the sequence-wide
// keys followed by the step's own. A document missing a key value joins no
// sequence (assumed; docs/elastic-eql.md).
func (s *Sequence) key(stepBy []Expr, doc map[string]any) (string, bool) {
	var parts []string
	for _, k := range append(append([]Expr{}, s.By...), stepBy...) {
		vs := k.Eval(doc)
		if len(vs) == 0 {
			return "", false
		}
		parts = append(parts, text(vs[0]))
	}
	return strings.Join(parts, "\x00"), true
}
