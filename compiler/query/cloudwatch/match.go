package cloudwatch

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// LogEvent is one log event as CloudWatch sees it: the message text, and
// the message decoded as a JSON object when it is one.
type LogEvent struct {
	Message string
	// JSON is the decoded message (numbers as json.Number), or nil when the
	// message is not a JSON object.
	JSON map[string]any
}

// NewLogEvent builds a LogEvent from a message, decoding it when it is a JSON
// object.
func NewLogEvent(message string) LogEvent {
	ev := LogEvent{Message: message}
	trimmed := strings.TrimSpace(message)
	if strings.HasPrefix(trimmed, "{") {
		dec := json.NewDecoder(strings.NewReader(trimmed))
		dec.UseNumber()
		var m map[string]any
		if dec.Decode(&m) == nil && !dec.More() {
			ev.JSON = m
		}
	}
	return ev
}

// JSONLogEvent builds a LogEvent from an already decoded JSON object; the
// message is its compact JSON text.
func JSONLogEvent(fields map[string]any) LogEvent {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(fields)
	return LogEvent{Message: strings.TrimSuffix(buf.String(), "\n"), JSON: fields}
}

// Match reports whether the pattern matches the event.
func (p *Pattern) Match(ev LogEvent) bool {
	switch p.Kind {
	case KindJSON:
		if ev.JSON == nil {
			return false
		}
		return evalJSON(p.JSON, ev.JSON)
	case KindDelimited:
		return matchDelimited(p.Columns, splitFields(ev.Message))
	}
	return matchText(p.Terms, ev.Message)
}

// MatchMessage reports whether the pattern matches a raw log message.
func (p *Pattern) MatchMessage(message string) bool { return p.Match(NewLogEvent(message)) }

func matchText(terms []Term, msg string) bool {
	// The documentation's `" "` matches every event, as does the empty
	// pattern ("" or no terms).
	anyOptional, optionalHit := false, false
	for _, t := range terms {
		hit := t.matches(msg)
		switch t.Kind {
		case TermRequired:
			if !hit {
				return false
			}
		case TermExcluded:
			if hit {
				return false
			}
		case TermOptional:
			anyOptional = true
			optionalHit = optionalHit || hit
		}
	}
	return !anyOptional || optionalHit
}

func (t Term) matches(msg string) bool {
	if t.Regex {
		return t.re.MatchString(msg)
	}
	if strings.TrimSpace(t.Text) == "" && t.Quoted {
		return true
	}
	return strings.Contains(msg, t.Text)
}

func evalJSON(e Expr, doc map[string]any) bool {
	switch n := e.(type) {
	case *Or:
		for _, a := range n.Args {
			if evalJSON(a, doc) {
				return true
			}
		}
		return false
	case *And:
		for _, a := range n.Args {
			if !evalJSON(a, doc) {
				return false
			}
		}
		return true
	case *Cond:
		return n.eval(doc)
	}
	return false
}

// resolve follows the selector; found is false when a step is missing or
// crosses a value of the wrong type.
func (s Selector) resolve(doc map[string]any) (v any, found bool) {
	var cur any = doc
	for _, st := range s.Steps {
		if st.IsIndex {
			arr, ok := cur.([]any)
			if !ok || st.Index >= len(arr) {
				return nil, false
			}
			cur = arr[st.Index]
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = obj[st.Key]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

func (c *Cond) eval(doc map[string]any) bool {
	v, found := c.Selector.resolve(doc)
	switch c.Op {
	case OpNotExists:
		return !found
	case OpIsNull:
		return found && v == nil
	case OpIsTrue:
		b, ok := v.(bool)
		return found && ok && b
	case OpIsFalse:
		b, ok := v.(bool)
		return found && ok && !b
	}
	if !found {
		return false
	}
	// Only value nodes (strings and numbers) compare; anything else makes
	// = and != alike false.
	var text string
	var num json.Number
	isNum := false
	switch x := v.(type) {
	case string:
		text = x
	case json.Number:
		text, num, isNum = x.String(), x, true
	case float64:
		text = strconv.FormatFloat(x, 'f', -1, 64)
		num, isNum = json.Number(text), true
	default:
		return false
	}
	var hit bool
	switch c.Value.Kind {
	case ValNumber:
		if !isNum {
			return false
		}
		f, err := num.Float64()
		if err != nil {
			return false
		}
		switch c.Op {
		case OpEq:
			return f == c.Value.Num
		case OpNe:
			return f != c.Value.Num
		case OpLt:
			return f < c.Value.Num
		case OpLe:
			return f <= c.Value.Num
		case OpGt:
			return f > c.Value.Num
		case OpGe:
			return f >= c.Value.Num
		}
		return false
	case ValRegex:
		hit = c.Value.regexp().MatchString(text)
	default:
		hit = MatchString(c.Value.Text, text)
	}
	if c.Op == OpNe {
		return !hit
	}
	return hit
}

func (v *Value) regexp() interface{ MatchString(string) bool } {
	if v.re == nil {
		re, err := compileRegex(v.Text)
		if err != nil {
			return neverMatch{}
		}
		v.re = re
	}
	return v.re
}

type neverMatch struct{}

func (neverMatch) MatchString(string) bool { return false }

// MatchString matches a CloudWatch string value against text: the whole
// value, case-sensitively; "*" alone matches anything, a leading and/or
// trailing "*" is a wildcard, and a "*" inside the value is a literal
// character (the documentation: "Ev*ent will only match the actual string
// Ev*ent").
func MatchString(pattern, text string) bool {
	if pattern == "*" {
		return true
	}
	lead := strings.HasPrefix(pattern, "*")
	trail := len(pattern) > 1 && strings.HasSuffix(pattern, "*")
	core := pattern
	if lead {
		core = core[1:]
	}
	if trail {
		core = core[:len(core)-1]
	}
	switch {
	case lead && trail:
		return strings.Contains(text, core)
	case lead:
		return strings.HasSuffix(text, core)
	case trail:
		return strings.HasPrefix(text, core)
	}
	return text == core
}

// splitFields splits a line into space-delimited fields; characters between
// a pair of double quotes or square brackets form one field (without the
// delimiters).
func splitFields(line string) []string {
	var out []string
	i := 0
	for i < len(line) {
		c := line[i]
		if c == ' ' || c == '\t' {
			i++
			continue
		}
		var end byte
		switch c {
		case '"':
			end = '"'
		case '[':
			end = ']'
		}
		if end != 0 {
			j := strings.IndexByte(line[i+1:], end)
			if j >= 0 {
				out = append(out, line[i+1:i+1+j])
				i += j + 2
				continue
			}
		}
		j := strings.IndexAny(line[i:], " \t")
		if j < 0 {
			j = len(line) - i
		}
		out = append(out, line[i:i+j])
		i += j
	}
	return out
}

func matchDelimited(cols []Column, fields []string) bool {
	values := map[string]string{}
	ell := -1
	for i, c := range cols {
		if c.Ellipsis {
			ell = i
		}
	}
	if ell < 0 {
		if len(fields) != len(cols) {
			return false
		}
		for i, c := range cols {
			if c.Name != "" {
				values[c.Name] = fields[i]
			}
		}
	} else {
		before, after := ell, len(cols)-ell-1
		if len(fields) < before+after {
			return false
		}
		for i := 0; i < before; i++ {
			if cols[i].Name != "" {
				values[cols[i].Name] = fields[i]
			}
		}
		for k := 0; k < after; k++ {
			c := cols[ell+1+k]
			if c.Name != "" {
				values[c.Name] = fields[len(fields)-after+k]
			}
		}
	}
	for _, c := range cols {
		if c.Cond != nil && !evalDelim(c.Cond, values) {
			return false
		}
	}
	return true
}

func evalDelim(e DelimExpr, values map[string]string) bool {
	switch n := e.(type) {
	case *DelimOr:
		for _, a := range n.Args {
			if evalDelim(a, values) {
				return true
			}
		}
		return false
	case *DelimAnd:
		for _, a := range n.Args {
			if !evalDelim(a, values) {
				return false
			}
		}
		return true
	case *DelimCond:
		text, ok := values[n.Name]
		if !ok {
			return false
		}
		if n.Value.Kind == ValNumber {
			f, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return false
			}
			switch n.Op {
			case OpEq:
				return f == n.Value.Num
			case OpNe:
				return f != n.Value.Num
			case OpLt:
				return f < n.Value.Num
			case OpLe:
				return f <= n.Value.Num
			case OpGt:
				return f > n.Value.Num
			case OpGe:
				return f >= n.Value.Num
			}
			return false
		}
		var hit bool
		if n.Value.Kind == ValRegex {
			hit = n.Value.regexp().MatchString(text)
		} else {
			hit = MatchString(n.Value.Text, text)
		}
		if n.Op == OpNe {
			return !hit
		}
		return hit
	}
	return false
}
