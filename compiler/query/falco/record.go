package falco

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Record is one CloudTrail record as the cloudtrail plugin hands it to the
// engine: the decoded JSON object (numbers as json.Number) and its event
// number.
type Record struct {
	Fields map[string]any
	// Num is evt.num, the 1-based position of the event in the stream.
	Num uint64
	// Time is evt.time (the record's eventTime).
	Time time.Time
}

// NewRecord checks a record the way the cloudtrail plugin's source does
// before any rule sees it (plugins/cloudtrail/pkg/cloudtrail/source.go): a
// record with no string eventTime, an eventTime that is not RFC 3339, no
// string eventType, or eventType AwsCloudTrailInsight is dropped. The error
// says why.
func NewRecord(fields map[string]any, num uint64) (*Record, error) {
	ts, ok := fields["eventTime"].(string)
	if !ok {
		return nil, errDrop("no eventTime")
	}
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return nil, errDrop("eventTime %q is not RFC 3339", ts)
	}
	et, ok := fields["eventType"].(string)
	if !ok {
		return nil, errDrop("no eventType")
	}
	if et == "AwsCloudTrailInsight" {
		return nil, errDrop("eventType AwsCloudTrailInsight")
	}
	return &Record{Fields: fields, Num: num, Time: t}, nil
}

// DroppedError says that the cloudtrail plugin never emits a record.
type DroppedError struct{ Reason string }

func (e *DroppedError) Error() string {
	return "the cloudtrail plugin drops this record: " + e.Reason
}

func errDrop(format string, args ...any) error {
	return &DroppedError{Reason: sprintf(format, args...)}
}

// jget walks keys the way fastjson's Value.Get does: object keys, and
// decimal indexes into arrays (strconv.Atoi, so "+1" and "01" index too).
func jget(v any, keys ...string) (any, bool) {
	for _, k := range keys {
		switch x := v.(type) {
		case map[string]any:
			e, ok := x[k]
			if !ok {
				return nil, false
			}
			v = e
		case []any:
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= len(x) {
				return nil, false
			}
			v = x[n]
		default:
			return nil, false
		}
	}
	return v, true
}

// stringBytes is fastjson's GetStringBytes on a value: the string, or ""
// for any other JSON type.
func stringBytes(v any) string {
	s, _ := v.(string)
	return s
}

// jbool is fastjson's Value.Bool: true only for the JSON literal true.
func jbool(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

// compact renders a value as compact JSON, as fastjson's MarshalTo does for
// non-string values. Differences from the plugin: object keys come out
// sorted (a decoded map has no order) and strings are re-escaped by Go
// rather than kept as written in the record.
func compact(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// jsonPointer resolves json.value[arg] like the json plugin
// (plugins/json/pkg/json/json.go): one leading "/" is dropped, the rest is
// split on "/", and each segment has ~1 then ~0 unescaped. A string gives
// its text; anything else gives compact JSON.
func jsonPointer(root any, arg string) (string, bool) {
	return evalPointer(root, pointerKeys(arg))
}

// pointerKeys splits a json.value argument into keys; nil stands for the
// empty argument (the whole record).
func pointerKeys(arg string) []string {
	if arg == "" {
		return nil
	}
	keys := strings.Split(strings.TrimPrefix(arg, "/"), "/")
	for i, k := range keys {
		k = strings.ReplaceAll(k, "~1", "/")
		keys[i] = strings.ReplaceAll(k, "~0", "~")
	}
	return keys
}

func evalPointer(root any, keys []string) (string, bool) {
	v := root
	if keys != nil {
		var ok bool
		if v, ok = jget(root, keys...); !ok {
			return "", false
		}
	}
	if s, ok := v.(string); ok {
		return s, true
	}
	return compact(v), true
}
