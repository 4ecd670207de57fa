// Package event is the event model every evaluator runs on: one decoded JSON
// object per event, numbers kept exactly as json.Number, and helpers to
// resolve Sigma's dotted field paths through nested objects and arrays.
package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Event is one log event.
type Event struct {
	// Fields is the decoded JSON object. Text-log lines are {"message": line}.
	Fields map[string]any
	// Time is the event's time when known (CloudTrail eventTime,
	// @timestamp), else zero.
	Time time.Time
	// Origin names where the event came from, for messages (file:line or
	// file#index).
	Origin string
}

// Decode parses one JSON object, keeping numbers as json.Number.
func Decode(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON object")
	}
	if m == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	return m, nil
}

// New builds an Event from decoded fields and sets Time from the usual
// timestamp fields.
func New(fields map[string]any, origin string) Event {
	ev := Event{Fields: fields, Origin: origin}
	for _, k := range []string{"eventTime", "@timestamp", "timestamp"} {
		if s, ok := fields[k].(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				ev.Time = t
				break
			}
		}
	}
	return ev
}

// Lookup returns the values at a dotted path. When the path crosses an
// array, every element is followed, so the result may hold several values.
// A key that itself contains dots ("a.b" as one key) is found too. The
// second result reports whether the path exists at all (a JSON null counts as
// present).
func Lookup(fields map[string]any, path string) ([]any, bool) {
	var out []any
	found := lookup(fields, path, &out)
	return out, found
}

func lookup(obj map[string]any, path string, out *[]any) bool {
	if v, ok := obj[path]; ok {
		collect(v, out)
		return true
	}
	found := false
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		child, ok := obj[path[:i]]
		if !ok {
			continue
		}
		if descend(child, path[i+1:], out) {
			found = true
		}
	}
	return found
}

func descend(v any, rest string, out *[]any) bool {
	switch x := v.(type) {
	case map[string]any:
		return lookup(x, rest, out)
	case []any:
		found := false
		for _, e := range x {
			if descend(e, rest, out) {
				found = true
			}
		}
		return found
	}
	return false
}

// collect appends v, flattening arrays so that a match on any element holds.
func collect(v any, out *[]any) {
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			collect(e, out)
		}
		return
	}
	*out = append(*out, v)
}

// Strings returns every string leaf of the event (keys excluded), used by
// keyword searches.
func Strings(v any, out []string) []string {
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case map[string]any:
		for _, e := range x {
			out = Strings(e, out)
		}
	case []any:
		for _, e := range x {
			out = Strings(e, out)
		}
	}
	return out
}

// Scalar returns the text of a JSON scalar as CloudTrail wrote it: strings as
// they are, numbers as written, booleans as "true"/"false", null as "".
// ok is false for objects and arrays.
func Scalar(v any) (s string, ok bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strings.TrimSuffix(fmt.Sprintf("%v", x), ".0"), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	case nil:
		return "", true
	}
	return "", false
}
