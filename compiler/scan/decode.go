package scan

import (
	"encoding/json"

	"github.com/sigforge/sigforge/compiler/event"
)

// decode is event.Decode with a fast path: a record whose strings are
// plain ASCII without escapes (CloudTrail's usual case) is decoded by a
// small recursive-descent parser; anything else (an escape, a non-ASCII or
// control byte, an invalid number, any syntax problem) falls back to
// event.Decode, so the result is always exactly event.Decode's (checked by
// FuzzDecode).
func decode(raw []byte) (map[string]any, error) {
	d := fastDecoder{b: raw}
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '{' {
		if v, ok := d.object(); ok {
			d.ws()
			if d.i == len(d.b) {
				return v, nil
			}
		}
	}
	return event.Decode(raw)
}

type fastDecoder struct {
	b     []byte
	i     int
	depth int
}

// maxDepth keeps the fast path far from encoding/json's nesting limit.
const maxDepth = 1000

func (d *fastDecoder) ws() {
	for d.i < len(d.b) && isSpace(d.b[d.i]) {
		d.i++
	}
}

func (d *fastDecoder) value() (any, bool) {
	if d.i >= len(d.b) || d.depth > maxDepth {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		d.depth++
		m, ok := d.object()
		d.depth--
		return m, ok
	case c == '[':
		d.depth++
		a, ok := d.array()
		d.depth--
		return a, ok
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.lit("true")
	case c == 'f':
		return false, d.lit("false")
	case c == 'n':
		return nil, d.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, false
}

func (d *fastDecoder) lit(s string) bool {
	if len(d.b)-d.i < len(s) || string(d.b[d.i:d.i+len(s)]) != s {
		return false
	}
	d.i += len(s)
	return true
}

func (d *fastDecoder) object() (map[string]any, bool) {
	d.i++ // {
	m := make(map[string]any, 8)
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.ws()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		d.ws()
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		m[k] = v
		d.ws()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (d *fastDecoder) array() ([]any, bool) {
	d.i++ // [
	out := []any{}
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return out, true
	}
	for {
		d.ws()
		v, ok := d.value()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		d.ws()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return out, true
		default:
			return nil, false
		}
	}
}

// str reads a string of printable ASCII without escapes.
func (d *fastDecoder) str() (string, bool) {
	start := d.i + 1
	for j := start; j < len(d.b); j++ {
		c := d.b[j]
		if c == '"' {
			d.i = j + 1
			return string(d.b[start:j]), true
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			return "", false
		}
	}
	return "", false
}

// number reads a number of JSON's grammar as json.Number.
func (d *fastDecoder) number() (any, bool) {
	b, j := d.b, d.i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	default:
		return nil, false
	}
	if j < len(b) && b[j] == '.' {
		j++
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return nil, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == k {
			return nil, false
		}
	}
	n := json.Number(b[d.i:j])
	d.i = j
	return n, true
}
