package mutate

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// clone deep-copies decoded JSON.
func clone(f map[string]any) map[string]any {
	return cloneValue(f).(map[string]any)
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}

// normalize turns Go numbers into json.Number, as event.Decode gives them.
func normalize(v any) any {
	switch x := v.(type) {
	case float64:
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
	}
	return v
}

// setPath sets the value at a dotted path (in every element where it
// crosses an array), creating missing objects. It reports whether anything
// was set.
func setPath(f map[string]any, path string, v any) bool {
	return setIn(f, strings.Split(path, "."), normalize(v))
}

func setIn(node any, parts []string, v any) bool {
	switch x := node.(type) {
	case map[string]any:
		if len(parts) == 1 {
			x[parts[0]] = cloneValue(v)
			return true
		}
		next, ok := x[parts[0]]
		if !ok || next == nil {
			next = map[string]any{}
			x[parts[0]] = next
		}
		return setIn(next, parts[1:], v)
	case []any:
		set := false
		for _, e := range x {
			set = setIn(e, parts, v) || set
		}
		return set
	}
	return false
}

// removePath deletes the field at a dotted path (in every array element).
func removePath(f map[string]any, path string) bool {
	return removeIn(f, strings.Split(path, "."))
}

func removeIn(node any, parts []string) bool {
	switch x := node.(type) {
	case map[string]any:
		if len(parts) == 1 {
			_, ok := x[parts[0]]
			delete(x, parts[0])
			return ok
		}
		next, ok := x[parts[0]]
		if !ok {
			return false
		}
		return removeIn(next, parts[1:])
	case []any:
		removed := false
		for _, e := range x {
			removed = removeIn(e, parts) || removed
		}
		return removed
	}
	return false
}

// stripText removes every case-insensitive occurrence of text from the
// strings of the event.
func stripText(f map[string]any, text string) bool {
	if text == "" {
		return false
	}
	re := regexp.MustCompile("(?i)" + regexp.QuoteMeta(text))
	changed := false
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			if re.MatchString(x) {
				changed = true
				return re.ReplaceAllString(x, " ")
			}
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		}
		return v
	}
	walk(f)
	return changed
}
