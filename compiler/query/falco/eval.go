package falco

import (
	"encoding/base64"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"

	"github.com/sigforge/sigforge/compiler/source"
)

// Filter is a compiled condition, ready to run on records.
type Filter struct {
	root node
}

// Match reports whether the condition holds for the record.
func (f *Filter) Match(r *Record) bool { return f.root(r) }

type node func(*Record) bool

// value is what an operand yields for one record.
type value struct {
	s    string   // a string field's value
	n    uint64   // a numeric field's value
	list []string // a list field's values
	ok   bool     // extracted
}

type operand struct {
	typ  Type
	list bool
	get  func(*Record) value
}

// compiler turns a parsed condition into a Filter, failing where libsinsp
// fails at load time: unknown fields, a missing or unexpected [arg], an
// operator the field type does not support, a value that is not a number
// for a numeric field, an invalid regex, an undefined macro, a feature newer
// than the engine version.
type compiler struct {
	engine Version
}

// Compile compiles a parsed condition whose macros have been expanded.
func Compile(e Expr, engine Version) (*Filter, error) {
	c := &compiler{engine: engine}
	n, err := c.expr(e)
	if err != nil {
		return nil, err
	}
	return &Filter{root: n}, nil
}

func (c *compiler) expr(e Expr) (node, error) {
	switch x := e.(type) {
	case *And:
		kids, err := c.exprs(x.Args)
		if err != nil {
			return nil, err
		}
		return func(r *Record) bool {
			for _, k := range kids {
				if !k(r) {
					return false
				}
			}
			return true
		}, nil
	case *Or:
		kids, err := c.exprs(x.Args)
		if err != nil {
			return nil, err
		}
		return func(r *Record) bool {
			for _, k := range kids {
				if k(r) {
					return true
				}
			}
			return false
		}, nil
	case *Not:
		k, err := c.expr(x.Arg)
		if err != nil {
			return nil, err
		}
		return func(r *Record) bool { return !k(r) }, nil
	case *MacroRef:
		return nil, errorf(x.Pos, "Undefined macro '%s' used in filter.", x.Name)
	case *Check:
		return c.check(x)
	}
	return nil, errorf(e.Position(), "unknown node %T", e)
}

func (c *compiler) exprs(es []Expr) ([]node, error) {
	out := make([]node, len(es))
	for i, e := range es {
		n, err := c.expr(e)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func (c *compiler) operand(o Operand, p source.Pos) (*operand, error) {
	switch x := o.(type) {
	case *FieldRef:
		return c.field(x)
	case *Transform:
		return c.transform(x)
	}
	return nil, errorf(p, "expected a field or a transformer")
}

func (c *compiler) field(f *FieldRef) (*operand, error) {
	def, ok := fields[f.Name]
	if !ok {
		return nil, errorf(f.Pos, "filter_check called with nonexistent field %s", f.Name)
	}
	switch def.arg {
	case argNone:
		if f.HasArg {
			return nil, errorf(f.Pos, "filter %s does not accept an argument", f.Name)
		}
	case argRequired:
		if !f.HasArg {
			return nil, errorf(f.Pos, "filter %s requires an argument", f.Name)
		}
	case argIndex:
		if f.HasArg {
			if _, err := strconv.ParseUint(f.Arg, 10, 32); err != nil {
				return nil, errorf(f.Pos, "filter %s: index argument %q is not a number", f.Name, f.Arg)
			}
		}
	}
	arg, hasArg := f.Arg, f.HasArg
	op := &operand{typ: def.typ, list: def.list && !hasArg}
	switch {
	case def.strs != nil && op.list:
		op.get = func(r *Record) value {
			vs, ok := def.strs(r, arg, hasArg)
			return value{list: vs, ok: ok}
		}
	case def.strs != nil:
		op.get = func(r *Record) value {
			vs, ok := def.strs(r, arg, hasArg)
			if !ok || len(vs) == 0 {
				return value{}
			}
			return value{s: vs[0], ok: true}
		}
	case def.arg == argRequired:
		// json.value: the pointer is split once, here.
		keys := pointerKeys(arg)
		op.get = func(r *Record) value {
			v, ok := evalPointer(r.Fields, keys)
			return value{s: v, ok: ok}
		}
	case def.u64 != nil:
		op.get = func(r *Record) value {
			v, ok := def.u64(r, arg)
			return value{n: v, ok: ok}
		}
	default:
		op.get = func(r *Record) value {
			v, ok := def.str(r, arg)
			return value{s: v, ok: ok}
		}
	}
	return op, nil
}

func (c *compiler) transform(t *Transform) (*operand, error) {
	if err := c.need(t.Pos, "field transformer "+t.Name+"()", FeatureTransformers); err != nil {
		return nil, err
	}
	var fn func(string) (string, bool)
	switch t.Name {
	case "tolower":
		fn = func(s string) (string, bool) { return asciiLower(s), true }
	case "toupper":
		fn = func(s string) (string, bool) { return asciiUpper(s), true }
	case "basename":
		fn = func(s string) (string, bool) { return s[strings.LastIndexByte(s, '/')+1:], true }
	case "b64":
		fn = func(s string) (string, bool) {
			b, err := base64.StdEncoding.DecodeString(s)
			return string(b), err == nil
		}
	case "len":
	default:
		return nil, errorf(t.Pos, "field transformer %s() is not supported by sigforge's Falco evaluator", t.Name)
	}
	if len(t.Args) != 1 {
		return nil, errorf(t.Pos, "transformer %s() takes one argument", t.Name)
	}
	in, err := c.operand(t.Args[0], t.Pos)
	if err != nil {
		return nil, err
	}
	if in.typ != TypeString {
		return nil, errorf(t.Pos, "field transformer '%s' is not supported on type '%s'", t.Name, in.typ)
	}
	if t.HasArg {
		return nil, errorf(t.Pos, "transformer %s() does not accept an argument", t.Name)
	}
	if t.Name == "len" {
		return &operand{typ: TypeUint64, get: func(r *Record) value {
			v := in.get(r)
			if !v.ok {
				return v
			}
			if in.list {
				return value{n: uint64(len(v.list)), ok: true}
			}
			return value{n: uint64(len(v.s)), ok: true}
		}}, nil
	}
	return &operand{typ: TypeString, list: in.list, get: func(r *Record) value {
		v := in.get(r)
		if !v.ok {
			return v
		}
		if !in.list {
			t, ok := fn(v.s)
			return value{s: t, ok: ok}
		}
		out := make([]string, len(v.list))
		for i, s := range v.list {
			t, ok := fn(s)
			if !ok {
				return value{}
			}
			out[i] = t
		}
		return value{list: out, ok: true}
	}}, nil
}

var stringOps = map[string]bool{
	"=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true,
	"contains": true, "in": true, "exists": true, "icontains": true, "startswith": true,
	"glob": true, "pmatch": true, "endswith": true, "intersects": true, "iglob": true, "regex": true,
}

var numericOps = map[string]bool{
	"=": true, "==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true,
	"in": true, "intersects": true, "exists": true,
}

func (c *compiler) check(x *Check) (node, error) {
	left, err := c.operand(x.Left, x.Pos)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case "iglob":
		err = c.need(x.Pos, "operator iglob", FeatureIGlob)
	case "regex":
		err = c.need(x.Pos, "operator regex", FeatureRegex)
	}
	if err == nil && x.Mod != "" {
		err = c.need(x.Pos, "operator modifier "+x.Mod, FeatureModifiers)
	}
	if err == nil && x.RightField != nil {
		err = c.need(x.Pos, "a field on the right-hand side", FeatureTransformers)
	}
	if err != nil {
		return nil, err
	}
	if left.typ == TypeString && !stringOps[x.Op] {
		return nil, errorf(x.Pos, "'%s' operator not supported for string filters", x.Op)
	}
	if left.typ == TypeUint64 && !numericOps[x.Op] {
		return nil, errorf(x.Pos, "'%s' operator not supported for numeric filters", x.Op)
	}
	if x.Op == "exists" {
		return func(r *Record) bool { return left.get(r).ok }, nil
	}
	if x.ListName != "" {
		return nil, errorf(x.Pos, "list %q is not defined", x.ListName)
	}
	if x.RightField != nil {
		return c.fieldCompare(x, left)
	}
	if left.typ == TypeUint64 {
		return c.numericCheck(x, left)
	}
	return c.stringCheck(x, left)
}

func (c *compiler) fieldCompare(x *Check, left *operand) (node, error) {
	if x.Op == "regex" || x.Op == "pmatch" {
		return nil, errorf(x.Pos, "operator '%s' doesn't support right-hand side fields", x.Op)
	}
	right, err := c.operand(x.RightField, x.Pos)
	if err != nil {
		return nil, err
	}
	if right.typ != left.typ {
		return nil, errorf(x.Pos, "the right-hand side field type %s does not match the left-hand side type %s", right.typ, left.typ)
	}
	return func(r *Record) bool {
		l, rv := left.get(r), right.get(r)
		if !l.ok || !rv.ok {
			return false
		}
		if left.typ == TypeUint64 {
			return cmpNum(x.Op, l.n, rv.n)
		}
		cmp, _ := stringComparator(x.Op, rv.s)
		return cmp(l.s)
	}, nil
}

func (c *compiler) numericCheck(x *Check, left *operand) (node, error) {
	nums := make([]uint64, len(x.Values))
	for i, v := range x.Values {
		n, err := parseUint(v)
		if err != nil {
			return nil, errorf(x.Pos, "could not parse %q as a uint64 number", v)
		}
		nums[i] = n
	}
	if len(nums) == 0 {
		return func(*Record) bool { return false }, nil
	}
	return func(r *Record) bool {
		v := left.get(r)
		if !v.ok {
			return false
		}
		switch x.Op {
		case "in", "intersects":
			for _, n := range nums {
				if v.n == n {
					return true
				}
			}
			return false
		}
		return cmpNum(x.Op, v.n, nums[0])
	}, nil
}

func parseUint(s string) (uint64, error) {
	if rxHexNum.FindString(s) == s {
		return strconv.ParseUint(s[2:], 16, 64)
	}
	return strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 64)
}

func cmpNum(op string, a, b uint64) bool {
	switch op {
	case "=", "==":
		return a == b
	case "!=":
		return a != b
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	}
	return false
}

func (c *compiler) stringCheck(x *Check, left *operand) (node, error) {
	if len(x.Values) == 0 {
		return func(*Record) bool { return false }, nil
	}
	var one func(string) bool
	switch {
	case x.Op == "in" || x.Op == "intersects":
		set := make(map[string]bool, len(x.Values))
		for _, v := range x.Values {
			set[cstr(v)] = true
		}
		if left.list {
			return func(r *Record) bool {
				v := left.get(r)
				if !v.ok {
					return false
				}
				for _, s := range v.list {
					hit := set[cstr(s)]
					if x.Op == "intersects" && hit {
						return true
					}
					if x.Op == "in" && !hit {
						return false
					}
				}
				return x.Op == "in"
			}, nil
		}
		one = func(s string) bool { return set[cstr(s)] }
	case x.Op == "pmatch":
		one = func(s string) bool {
			for _, p := range x.Values {
				if pathPrefix(p, s) {
					return true
				}
			}
			return false
		}
	case x.Mod != "":
		cmps := make([]func(string) bool, len(x.Values))
		for i, v := range x.Values {
			cmp, err := stringComparator(x.Op, v)
			if err != nil {
				return nil, errorf(x.Pos, "%s", err)
			}
			cmps[i] = cmp
		}
		one = func(s string) bool {
			n := 0
			for _, cmp := range cmps {
				if cmp(s) {
					n++
				}
			}
			switch x.Mod {
			case "oneof":
				return n == 1
			case "allof":
				return n == len(cmps)
			}
			return n > 0
		}
	default:
		if len(x.Values) != 1 {
			return nil, errorf(x.Pos, "operator %s takes one value", x.Op)
		}
		cmp, err := stringComparator(x.Op, x.Values[0])
		if err != nil {
			return nil, errorf(x.Pos, "%s", err)
		}
		one = cmp
	}
	if left.list {
		return nil, errorf(x.Pos, "operator %s is not supported on list fields by sigforge's Falco evaluator", x.Op)
	}
	return func(r *Record) bool {
		v := left.get(r)
		return v.ok && one(v.s)
	}, nil
}

// stringComparator implements flt_compare_string (libs
// userspace/libsinsp/filter_compare.cpp) for one right-hand value. Values are
// compared as C strings: a NUL byte ends them.
func stringComparator(op, rhs string) (func(string) bool, error) {
	rhs = cstr(rhs)
	switch op {
	case "=", "==":
		return func(s string) bool { return cstr(s) == rhs }, nil
	case "!=":
		return func(s string) bool { return cstr(s) != rhs }, nil
	case "contains":
		return func(s string) bool { return strings.Contains(cstr(s), rhs) }, nil
	case "icontains":
		l := asciiLower(rhs)
		return func(s string) bool { return strings.Contains(asciiLower(cstr(s)), l) }, nil
	case "startswith":
		return func(s string) bool { return strings.HasPrefix(cstr(s), rhs) }, nil
	case "endswith":
		return func(s string) bool { return strings.HasSuffix(cstr(s), rhs) }, nil
	case "glob":
		return func(s string) bool { return fnmatch(rhs, cstr(s), false) }, nil
	case "iglob":
		return func(s string) bool { return fnmatch(rhs, cstr(s), true) }, nil
	case "<":
		return func(s string) bool { return cstr(s) < rhs }, nil
	case "<=":
		return func(s string) bool { return cstr(s) <= rhs }, nil
	case ">":
		return func(s string) bool { return cstr(s) > rhs }, nil
	case ">=":
		return func(s string) bool { return cstr(s) >= rhs }, nil
	case "regex":
		re, err := CompileRegex(rhs)
		if err != nil {
			return nil, err
		}
		return re.MatchString, nil
	}
	return nil, errorf(source.Pos{}, "'%s' operator not supported for string filters", op)
}

// CompileRegex compiles a pattern the way libsinsp's regex operator does:
// RE2 with the POSIX syntax option (no Perl classes such as \d, no \b, no
// (?flags), no non-greedy operators; ^ and $ match at line breaks), matched
// against the whole value (RE2::ANCHOR_BOTH).
func CompileRegex(pattern string) (*regexp.Regexp, error) {
	tree, err := syntax.Parse(pattern, syntax.ClassNL)
	if err != nil {
		return nil, errorf(source.Pos{}, "invalid regex pattern: %v", err)
	}
	return regexp.Compile(`\A(?:` + tree.String() + `)\z`)
}

// pathPrefix reports whether path equals prefix or lies under it.
func pathPrefix(prefix, path string) bool {
	prefix = strings.TrimSuffix(prefix, "/")
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func sortStrings(s []string) { sort.Strings(s) }
