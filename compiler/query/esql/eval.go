package esql

import (
	"encoding/json"
	"math"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sigforge/sigforge/compiler/event"
)

// Kind is the type of a value.
type Kind int

const (
	NullKind Kind = iota
	StringKind
	NumberKind
	BoolKind
	TimeKind
	SpanKind
	// MultiKind is a multi-valued result (VALUES); like a multi-valued
	// field it reads as null in comparisons and functions.
	MultiKind
)

// Value is one ES|QL value.
type Value struct {
	Kind Kind
	Str  string
	Num  float64
	Bool bool
	Time time.Time
	Span time.Duration
	// Multi holds the values of a MultiKind value.
	Multi []Value
}

var null = Value{}

func boolean(b bool) Value { return Value{Kind: BoolKind, Bool: b} }

// Row is one row: the document, its time and the computed columns.
type Row struct {
	Doc  map[string]any
	Time time.Time
	Cols map[string]Value
}

// Expr is an expression evaluated on a row.
type Expr interface{ Eval(r *Row) Value }

type (
	// And, Or and Not use three-valued logic.
	And struct{ Args []Expr }
	Or  struct{ Args []Expr }
	Not struct{ Arg Expr }
	// Compare is == != < <= > >=.
	Compare struct {
		Op          string
		Left, Right Expr
	}
	// IsNull is IS [NOT] NULL.
	IsNull struct {
		Arg Expr
		Not bool
	}
	// In is [NOT] IN (…).
	In struct {
		Arg  Expr
		List []Expr
		Not  bool
	}
	// Match is [NOT] LIKE / RLIKE with one pattern or a list.
	Match struct {
		Arg      Expr
		Patterns []string
		RLike    bool
		Not      bool
		compiled []*regexp.Regexp
	}
	// Call is a function call (aggregates are evaluated by STATS).
	Call struct {
		Name     string
		Star     bool
		Args     []Expr
		prefixes []netip.Prefix
	}
	// Field reads a column or a document field.
	Field struct{ Path string }
	// Literal is a constant (null when zero).
	Literal struct{ Value Value }
)

func (n *Literal) Eval(*Row) Value { return n.Value }

// Eval reads a computed column, else the document field. A missing field,
// a JSON null, an object and a multi-valued field read as null.
func (n *Field) Eval(r *Row) Value {
	if v, ok := r.Cols[n.Path]; ok {
		return v
	}
	vals, _ := event.Lookup(r.Doc, n.Path)
	if len(vals) != 1 {
		if len(vals) == 0 && n.Path == "@timestamp" && !r.Time.IsZero() {
			return Value{Kind: TimeKind, Time: r.Time}
		}
		return null
	}
	switch x := vals[0].(type) {
	case string:
		if n.Path == "@timestamp" {
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return Value{Kind: TimeKind, Time: t}
			}
		}
		return Value{Kind: StringKind, Str: x}
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return null
		}
		return Value{Kind: NumberKind, Num: f}
	case float64:
		return Value{Kind: NumberKind, Num: x}
	case bool:
		return boolean(x)
	}
	return null
}

func (n *And) Eval(r *Row) Value {
	sawNull := false
	for _, a := range n.Args {
		v := a.Eval(r)
		switch {
		case v.Kind == NullKind:
			sawNull = true
		case v.Kind == BoolKind && !v.Bool:
			return boolean(false)
		}
	}
	if sawNull {
		return null
	}
	return boolean(true)
}

func (n *Or) Eval(r *Row) Value {
	sawNull := false
	for _, a := range n.Args {
		v := a.Eval(r)
		switch {
		case v.Kind == NullKind:
			sawNull = true
		case v.Kind == BoolKind && v.Bool:
			return boolean(true)
		}
	}
	if sawNull {
		return null
	}
	return boolean(false)
}

func (n *Not) Eval(r *Row) Value {
	v := n.Arg.Eval(r)
	if v.Kind != BoolKind {
		return null
	}
	return boolean(!v.Bool)
}

func (n *IsNull) Eval(r *Row) Value { return boolean((n.Arg.Eval(r).Kind == NullKind) != n.Not) }

// compare orders two non-null values of comparable kinds.
func compare(a, b Value) (int, bool) {
	switch {
	case a.Kind == NumberKind && b.Kind == NumberKind:
		return cmpFloat(a.Num, b.Num), true
	case a.Kind == StringKind && b.Kind == StringKind:
		return strings.Compare(a.Str, b.Str), true
	case a.Kind == BoolKind && b.Kind == BoolKind:
		if a.Bool == b.Bool {
			return 0, true
		}
		if !a.Bool {
			return -1, true
		}
		return 1, true
	case a.Kind == TimeKind && b.Kind == TimeKind:
		return a.Time.Compare(b.Time), true
	case a.Kind == TimeKind && b.Kind == StringKind, a.Kind == StringKind && b.Kind == TimeKind:
		// ES|QL converts a string literal compared with a date.
		x, y := a, b
		if x.Kind == StringKind {
			t, err := time.Parse(time.RFC3339Nano, x.Str)
			if err != nil {
				return 0, false
			}
			x = Value{Kind: TimeKind, Time: t}
		}
		if y.Kind == StringKind {
			t, err := time.Parse(time.RFC3339Nano, y.Str)
			if err != nil {
				return 0, false
			}
			y = Value{Kind: TimeKind, Time: t}
		}
		return x.Time.Compare(y.Time), true
	}
	return 0, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (n *Compare) Eval(r *Row) Value {
	a, b := n.Left.Eval(r), n.Right.Eval(r)
	if a.Kind == NullKind || b.Kind == NullKind {
		return null
	}
	c, ok := compare(a, b)
	if !ok {
		// Mismatched types are a verification error in ES|QL; here the
		// comparison is unknown.
		return null
	}
	switch n.Op {
	case "==":
		return boolean(c == 0)
	case "!=":
		return boolean(c != 0)
	case "<":
		return boolean(c < 0)
	case "<=":
		return boolean(c <= 0)
	case ">":
		return boolean(c > 0)
	}
	return boolean(c >= 0)
}

func (n *In) Eval(r *Row) Value {
	a := n.Arg.Eval(r)
	if a.Kind == NullKind {
		return null
	}
	sawNull := false
	for _, e := range n.List {
		b := e.Eval(r)
		if b.Kind == NullKind {
			sawNull = true
			continue
		}
		if c, ok := compare(a, b); ok && c == 0 {
			return boolean(!n.Not)
		}
	}
	if sawNull {
		return null
	}
	return boolean(n.Not)
}

func (n *Match) Eval(r *Row) Value {
	a := n.Arg.Eval(r)
	if a.Kind != StringKind {
		return null
	}
	for _, re := range n.compiled {
		if re.MatchString(a.Str) {
			return boolean(!n.Not)
		}
	}
	return boolean(n.Not)
}

func (n *Call) Eval(r *Row) Value {
	arg := func(i int) Value { return n.Args[i].Eval(r) }
	switch n.Name {
	case "TO_LOWER", "TO_UPPER":
		v := arg(0)
		if v.Kind != StringKind {
			return null
		}
		if n.Name == "TO_LOWER" {
			return Value{Kind: StringKind, Str: strings.ToLower(v.Str)}
		}
		return Value{Kind: StringKind, Str: strings.ToUpper(v.Str)}
	case "CIDR_MATCH":
		v := arg(0)
		if v.Kind != StringKind {
			return null
		}
		ip, err := netip.ParseAddr(v.Str)
		if err != nil {
			return null
		}
		for _, p := range n.prefixes {
			if p.Contains(ip) || p.Contains(ip.Unmap()) {
				return boolean(true)
			}
		}
		return boolean(false)
	case "DATE_TRUNC":
		span, t := arg(0), arg(1)
		if span.Kind != SpanKind || t.Kind != TimeKind || span.Span <= 0 {
			return null
		}
		ms := t.Time.UnixMilli()
		step := span.Span.Milliseconds()
		ms -= ((ms % step) + step) % step
		return Value{Kind: TimeKind, Time: time.UnixMilli(ms).UTC()}
	case "DATE_EXTRACT":
		part, t := arg(0), arg(1)
		if part.Kind != StringKind || t.Kind != TimeKind {
			return null
		}
		tt := t.Time.UTC()
		var x int
		switch strings.ToLower(part.Str) {
		case "minute_of_hour":
			x = tt.Minute()
		case "hour_of_day":
			x = tt.Hour()
		case "day_of_month":
			x = tt.Day()
		case "month_of_year":
			x = int(tt.Month())
		case "year":
			x = tt.Year()
		default:
			return null
		}
		return Value{Kind: NumberKind, Num: float64(x)}
	case "CASE":
		i := 0
		for ; i+1 < len(n.Args); i += 2 {
			if c := arg(i); c.Kind == BoolKind && c.Bool {
				return arg(i + 1)
			}
		}
		if i < len(n.Args) {
			return arg(i)
		}
		return null
	case "STARTS_WITH", "ENDS_WITH":
		a, b := arg(0), arg(1)
		if a.Kind != StringKind || b.Kind != StringKind {
			return null
		}
		if n.Name == "STARTS_WITH" {
			return boolean(strings.HasPrefix(a.Str, b.Str))
		}
		return boolean(strings.HasSuffix(a.Str, b.Str))
	case "LENGTH":
		a := arg(0)
		if a.Kind != StringKind {
			return null
		}
		return Value{Kind: NumberKind, Num: float64(len([]rune(a.Str)))}
	case "COALESCE":
		for i := range n.Args {
			if v := arg(i); v.Kind != NullKind {
				return v
			}
		}
		return null
	}
	return null // aggregates outside STATS are refused by the parser
}

// key renders a value for grouping and distinct counting.
func key(v Value) string {
	switch v.Kind {
	case StringKind:
		return "s" + v.Str
	case NumberKind:
		return "n" + strconv.FormatFloat(v.Num, 'g', -1, 64)
	case BoolKind:
		return "b" + strconv.FormatBool(v.Bool)
	case TimeKind:
		return "t" + v.Time.UTC().Format(time.RFC3339Nano)
	case SpanKind:
		return "d" + v.Span.String()
	}
	return "null"
}

// aggregate computes one aggregate over a group's rows.
func aggregate(c *Call, rows []*Row) Value {
	if c.Star {
		return Value{Kind: NumberKind, Num: float64(len(rows))}
	}
	var vals []Value
	for _, r := range rows {
		if v := c.Args[0].Eval(r); v.Kind != NullKind {
			vals = append(vals, v)
		}
	}
	switch c.Name {
	case "COUNT":
		return Value{Kind: NumberKind, Num: float64(len(vals))}
	case "VALUES":
		seen := map[string]bool{}
		var multi []Value
		for _, v := range vals {
			if !seen[key(v)] {
				seen[key(v)] = true
				multi = append(multi, v)
			}
		}
		if len(multi) == 0 {
			return null
		}
		if len(multi) == 1 {
			return multi[0]
		}
		return Value{Kind: MultiKind, Multi: multi}
	case "COUNT_DISTINCT":
		seen := map[string]bool{}
		for _, v := range vals {
			seen[key(v)] = true
		}
		return Value{Kind: NumberKind, Num: float64(len(seen))}
	}
	if len(vals) == 0 {
		return null
	}
	switch c.Name {
	case "MIN", "MAX":
		best := vals[0]
		for _, v := range vals[1:] {
			if cmp, ok := compare(v, best); ok && ((c.Name == "MIN" && cmp < 0) || (c.Name == "MAX" && cmp > 0)) {
				best = v
			}
		}
		return best
	}
	var nums []float64
	for _, v := range vals {
		if v.Kind == NumberKind {
			nums = append(nums, v.Num)
		}
	}
	if len(nums) == 0 {
		return null
	}
	switch c.Name {
	case "SUM", "AVG":
		s := 0.0
		for _, x := range nums {
			s += x
		}
		if c.Name == "AVG" {
			s /= float64(len(nums))
		}
		return Value{Kind: NumberKind, Num: s}
	case "PERCENTILE":
		p := c.Args[1].Eval(rows[0])
		if p.Kind != NumberKind {
			return null
		}
		sort.Float64s(nums)
		rank := p.Num / 100 * float64(len(nums)-1)
		lo := math.Floor(rank)
		hi := math.Ceil(rank)
		v := nums[int(lo)] + (nums[int(hi)]-nums[int(lo)])*(rank-lo)
		return Value{Kind: NumberKind, Num: v}
	}
	return null
}

// Doc is one document with its time.
type Doc struct {
	Fields map[string]any
	Time   time.Time
}

// Run runs the query's commands on the documents and returns the rows that
// remain.
func (q *Query) Run(docs []Doc) []*Row {
	rows := make([]*Row, len(docs))
	for i, d := range docs {
		rows[i] = &Row{Doc: d.Fields, Time: d.Time, Cols: map[string]Value{}}
	}
	for _, cmd := range q.Commands {
		switch c := cmd.(type) {
		case *Where:
			var kept []*Row
			for _, r := range rows {
				if v := c.Cond.Eval(r); v.Kind == BoolKind && v.Bool {
					kept = append(kept, r)
				}
			}
			rows = kept
		case *Eval:
			for _, r := range rows {
				for _, col := range c.Columns {
					r.Cols[col.Name] = col.Expr.Eval(r)
				}
			}
		case *Stats:
			rows = stats(c, rows)
		case *Keep:
			for _, r := range rows {
				cols := map[string]Value{}
				for _, name := range c.Names {
					cols[name] = (&Field{Path: name}).Eval(r)
				}
				r.Doc, r.Cols = nil, cols
			}
		case *Limit:
			if len(rows) > c.N {
				rows = rows[:c.N]
			}
		case *Sort:
		}
	}
	return rows
}

func stats(s *Stats, rows []*Row) []*Row {
	type group struct {
		by   []Value
		rows []*Row
	}
	var order []string
	groups := map[string]*group{}
	for _, r := range rows {
		var by []Value
		var k strings.Builder
		for _, b := range s.By {
			v := b.Expr.Eval(r)
			by = append(by, v)
			k.WriteString(key(v) + "\x00")
		}
		g, ok := groups[k.String()]
		if !ok {
			g = &group{by: by}
			groups[k.String()] = g
			order = append(order, k.String())
		}
		g.rows = append(g.rows, r)
	}
	if len(s.By) == 0 && len(groups) == 0 {
		groups[""] = &group{}
		order = append(order, "")
	}
	var out []*Row
	for _, k := range order {
		g := groups[k]
		row := &Row{Cols: map[string]Value{}}
		for _, a := range s.Aggs {
			row.Cols[a.Name] = aggregate(a.Expr.(*Call), g.rows)
		}
		for i, b := range s.By {
			row.Cols[b.Name] = g.by[i]
		}
		out = append(out, row)
	}
	return out
}

// String renders a value for messages.
func (v Value) String() string {
	switch v.Kind {
	case StringKind:
		return strconv.Quote(v.Str)
	case NumberKind:
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	case BoolKind:
		return strconv.FormatBool(v.Bool)
	case TimeKind:
		return v.Time.UTC().Format(time.RFC3339Nano)
	case SpanKind:
		return v.Span.String()
	}
	return "null"
}
