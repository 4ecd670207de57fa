package eql

import (
	"encoding/json"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sigforge/sigforge/compiler/ecs/indexed"
)

// Kind is the type of an EQL value.
type Kind int

const (
	NullKind Kind = iota
	StringKind
	NumberKind
	BoolKind
)

// Value is one EQL value.
type Value struct {
	Kind Kind
	Str  string
	Num  float64
	Bool bool
}

// Expr is a node of a condition. Eval returns the node's values on a
// document: a field yields one value per element (none when missing), a
// boolean node exactly one BoolKind value.
type Expr interface {
	Eval(doc map[string]any) []Value
	String() string
}

// And, Or and Not are the boolean operators.
type (
	And struct{ Args []Expr }
	Or  struct{ Args []Expr }
	Not struct{ Arg Expr }
)

// Compare is `left op right` with op one of == != < <= > >=.
type Compare struct {
	Op          string
	Left, Right Expr
}

// In is `left [not] in[~] (list…)`.
type In struct {
	Left        Expr
	List        []Expr
	Negate      bool
	Insensitive bool
}

// Pattern is `left : p`, `left like[~] p` or `left regex[~] p` with one
// pattern or a list.
type Pattern struct {
	Op       string
	Left     Expr
	Patterns []string
	compiled []*regexp.Regexp
}

// Call is a function call; Insensitive is the `~` form.
type Call struct {
	Name        string
	Insensitive bool
	Args        []Expr
	prefixes    []netip.Prefix
	needle      *regexp.Regexp // stringContains with a constant needle
}

// Field is a field reference; Optional is the `?field` form.
type Field struct {
	Path     string
	Optional bool
}

// Literal is a constant; Text keeps a number as written.
type Literal struct {
	Value Value
	Text  string
}

var (
	trueV  = []Value{{Kind: BoolKind, Bool: true}}
	falseV = []Value{{Kind: BoolKind, Bool: false}}
)

func boolV(b bool) []Value {
	if b {
		return trueV
	}
	return falseV
}

// Truthy reports whether a condition's values hold.
func Truthy(vs []Value) bool {
	for _, v := range vs {
		if v.Kind == BoolKind && v.Bool {
			return true
		}
	}
	return false
}

// Holds evaluates a condition on a document.
func Holds(e Expr, doc map[string]any) bool { return Truthy(e.Eval(doc)) }

func (n *And) Eval(doc map[string]any) []Value {
	for _, a := range n.Args {
		if !Holds(a, doc) {
			return falseV
		}
	}
	return trueV
}

func (n *Or) Eval(doc map[string]any) []Value {
	for _, a := range n.Args {
		if Holds(a, doc) {
			return trueV
		}
	}
	return falseV
}

func (n *Not) Eval(doc map[string]any) []Value { return boolV(!Holds(n.Arg, doc)) }

func (n *Literal) Eval(map[string]any) []Value {
	if n.Value.Kind == NullKind {
		return nil
	}
	return []Value{n.Value}
}

// Eval returns the field's indexed values: a value over the field's
// ignore_above is not found (EQL filters through queries and doc values).
func (n *Field) Eval(doc map[string]any) []Value {
	raw := indexed.Values(doc, n.Path)
	out := make([]Value, 0, len(raw))
	for _, r := range raw {
		switch x := r.(type) {
		case nil:
		case string:
			out = append(out, Value{Kind: StringKind, Str: x})
		case bool:
			out = append(out, Value{Kind: BoolKind, Bool: x})
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				out = append(out, Value{Kind: StringKind, Str: x.String()})
			} else {
				out = append(out, Value{Kind: NumberKind, Num: f})
			}
		case float64:
			out = append(out, Value{Kind: NumberKind, Num: x})
		case int:
			out = append(out, Value{Kind: NumberKind, Num: float64(x)})
		case int64:
			out = append(out, Value{Kind: NumberKind, Num: float64(x)})
		}
		// Objects are not values: comparing them matches nothing.
	}
	return out
}

// text renders a value as Elasticsearch would index it in a keyword field.
func text(v Value) string {
	switch v.Kind {
	case StringKind:
		return v.Str
	case NumberKind:
		return strconv.FormatFloat(v.Num, 'f', -1, 64)
	case BoolKind:
		return strconv.FormatBool(v.Bool)
	}
	return ""
}

func number(v Value) (float64, bool) {
	switch v.Kind {
	case NumberKind:
		return v.Num, true
	case StringKind:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

// equal compares two non-null values. Numbers compare by value (a string
// holding a number equals that number, as a keyword/long coercion would);
// everything else compares as text.
func equal(a, b Value, insensitive bool) bool {
	if a.Kind == NumberKind || b.Kind == NumberKind {
		x, ok1 := number(a)
		y, ok2 := number(b)
		if ok1 && ok2 {
			return x == y
		}
	}
	if insensitive {
		return strings.EqualFold(text(a), text(b))
	}
	return text(a) == text(b)
}

// order compares two values for < <= > >=: numerically when either is a
// number (a string that is not a number is then not comparable: it could not
// be stored in a numeric field), else as strings (a range on a keyword).
func order(a, b Value) (int, bool) {
	x, ok1 := number(a)
	y, ok2 := number(b)
	if (a.Kind == NumberKind || b.Kind == NumberKind) && !(ok1 && ok2) {
		return 0, false
	}
	if ok1 && ok2 {
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	if a.Kind == BoolKind || b.Kind == BoolKind {
		return 0, false
	}
	return strings.Compare(text(a), text(b)), true
}

func (n *Compare) Eval(doc map[string]any) []Value {
	l, r := n.Left.Eval(doc), n.Right.Eval(doc)
	switch n.Op {
	case "==":
		return boolV(eq(l, r))
	case "!=":
		// Elasticsearch translates != to must_not(term): a missing field
		// matches.
		return boolV(!eq(l, r))
	}
	for _, a := range l {
		for _, b := range r {
			c, ok := order(a, b)
			if !ok {
				continue
			}
			if (n.Op == "<" && c < 0) || (n.Op == "<=" && c <= 0) || (n.Op == ">" && c > 0) || (n.Op == ">=" && c >= 0) {
				return trueV
			}
		}
	}
	return falseV
}

func eq(l, r []Value) bool {
	if len(l) == 0 || len(r) == 0 {
		return len(l) == 0 && len(r) == 0
	}
	for _, a := range l {
		for _, b := range r {
			if equal(a, b, false) {
				return true
			}
		}
	}
	return false
}

func (n *In) Eval(doc map[string]any) []Value {
	l := n.Left.Eval(doc)
	found := false
outer:
	for _, item := range n.List {
		for _, b := range item.Eval(doc) {
			for _, a := range l {
				if equal(a, b, n.Insensitive) {
					found = true
					break outer
				}
			}
		}
	}
	return boolV(found != n.Negate)
}

func (n *Pattern) Eval(doc map[string]any) []Value {
	for _, v := range n.Left.Eval(doc) {
		s := text(v)
		for _, re := range n.compiled {
			if re.MatchString(s) {
				return trueV
			}
		}
	}
	return falseV
}

func (n *Call) Eval(doc map[string]any) []Value {
	args := make([][]Value, len(n.Args))
	for i, a := range n.Args {
		args[i] = a.Eval(doc)
	}
	switch n.Name {
	case "stringContains", "startsWith", "endsWith":
		return boolV(n.stringTest(args[0], args[1]))
	case "cidrMatch":
		for _, v := range args[0] {
			ip, err := netip.ParseAddr(text(v))
			if err != nil {
				continue
			}
			for _, p := range n.prefixes {
				if p.Contains(ip.Unmap()) || p.Contains(ip) {
					return trueV
				}
			}
		}
		return falseV
	case "length":
		var out []Value
		for _, v := range args[0] {
			out = append(out, Value{Kind: NumberKind, Num: float64(len([]rune(text(v))))})
		}
		return out
	case "string":
		var out []Value
		for _, v := range args[0] {
			out = append(out, Value{Kind: StringKind, Str: text(v)})
		}
		return out
	case "number":
		var out []Value
		for _, v := range args[0] {
			s := strings.TrimSpace(text(v))
			base := 10
			if len(args) > 1 && len(args[1]) > 0 {
				if b, ok := number(args[1][0]); ok {
					base = int(b)
				}
			}
			if base == 10 {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					out = append(out, Value{Kind: NumberKind, Num: f})
				}
			} else if i, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(s), "0x"), base, 64); err == nil {
				out = append(out, Value{Kind: NumberKind, Num: float64(i)})
			}
		}
		return out
	case "concat":
		var b strings.Builder
		for _, a := range args {
			if len(a) == 0 {
				return nil // concat with a null is null
			}
			b.WriteString(text(a[0]))
		}
		return []Value{{Kind: StringKind, Str: b.String()}}
	}
	return nil
}

// stringTest runs stringContains / startsWith / endsWith. stringContains
// treats * and ? in its second argument as wildcards: Elasticsearch
// translates it to a wildcard query (elastic/elasticsearch#61314) and
// Elastic's rules rely on it ("masterUserPassword=*"). This is inferred, not
// confirmed against a live cluster (docs/elastic-eql.md).
func (n *Call) stringTest(hay, needle []Value) bool {
	for _, h := range hay {
		hs := text(h)
		for _, nv := range needle {
			ns := text(nv)
			switch n.Name {
			case "stringContains":
				if n.needle != nil {
					if n.needle.MatchString(hs) {
						return true
					}
					continue
				}
				if wildcardRegexp("*"+ns+"*", n.Insensitive).MatchString(hs) {
					return true
				}
			case "startsWith":
				if n.Insensitive {
					if len(hs) >= len(ns) && strings.EqualFold(hs[:len(ns)], ns) {
						return true
					}
				} else if strings.HasPrefix(hs, ns) {
					return true
				}
			case "endsWith":
				if n.Insensitive {
					if len(hs) >= len(ns) && strings.EqualFold(hs[len(hs)-len(ns):], ns) {
						return true
					}
				} else if strings.HasSuffix(hs, ns) {
					return true
				}
			}
		}
	}
	return false
}

// wildcardRegexp compiles an EQL wildcard pattern (* any run, ? one
// character, everything else literal) matched against the whole value.
func wildcardRegexp(p string, insensitive bool) *regexp.Regexp {
	key := p
	if insensitive {
		key = "i" + p
	} else {
		key = "s" + p
	}
	if re, ok := wildcardCache.Load(key); ok {
		return re.(*regexp.Regexp)
	}
	re := compileWildcard(p, insensitive)
	if wildcardCacheSize.Add(1) > 4096 {
		// Bounded: start over rather than grow without limit.
		wildcardCache.Clear()
		wildcardCacheSize.Store(0)
	}
	wildcardCache.Store(key, re)
	return re
}

// wildcardCache holds compiled wildcard patterns: the same few patterns
// are compiled again and again when many rules are prepared.
var (
	wildcardCache     sync.Map
	wildcardCacheSize atomic.Int64
)

func compileWildcard(p string, insensitive bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)")
	if insensitive {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
