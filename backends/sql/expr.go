package sql

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
)

// compiler turns one rule's detection into a WHERE condition. It is the one
// place where the meaning of the ir is decided; the dialect only spells
// functions.
type compiler struct {
	d    Dialect
	rule *ir.Rule
	vars int // lambda variables handed out
}

// refusal is an error the backend reports as *backends.Unsupported.
type refusal struct {
	m         *ir.Match
	construct string
	reason    string
}

func (r *refusal) Error() string { return r.construct + ": " + r.reason }

func refuse(m *ir.Match, construct, format string, args ...any) error {
	return &refusal{m: m, construct: construct, reason: fmt.Sprintf(format, args...)}
}

func (c *compiler) expr(e ir.Expr) (string, error) {
	switch e := e.(type) {
	case *ir.And:
		return c.join(e.Args, " AND ")
	case *ir.Or:
		return c.join(e.Args, " OR ")
	case *ir.Not:
		s, err := c.expr(e.Arg)
		if err != nil {
			return "", err
		}
		return "NOT " + paren(s), nil
	case *ir.Match:
		return c.match(e)
	}
	return "", fmt.Errorf("unknown expression %T", e)
}

func (c *compiler) join(args []ir.Expr, op string) (string, error) {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		s, err := c.expr(a)
		if err != nil {
			return "", err
		}
		parts = append(parts, paren(s))
	}
	return strings.Join(parts, op), nil
}

// paren wraps s in parentheses unless it is one term.
func paren(s string) string {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '\'':
			j := i + 1
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j
		case ' ':
			if depth == 0 {
				return "(" + s + ")"
			}
		}
	}
	return s
}

// access is how a field's values are read: test(pred) holds when some value
// of the field satisfies pred (a SQL predicate on the value's text, which
// is NULL when there is no scalar there).
type access struct {
	field string
	// scalar is the text of the field when it is a scalar (NULL otherwise).
	scalar string
	// anyElem, when set, tests the elements of an array at the field.
	anyElem func(pred func(string) string) string
	// chain, when set, replaces scalar: it follows a JSON path through
	// arrays at any step.
	chain func(pred func(string) string) string
	// jsonDoc/jsonPath are set for a field inside a JSON document;
	// jsonSegs are the path's keys below jsonDoc.
	jsonDoc, jsonPath string
	jsonSegs          []string
	// inArray is set when the path runs through an array of structs: null
	// and exists are refused there.
	inArray bool
}

func (a access) test(pred func(string) string) string {
	if a.chain != nil {
		return a.chain(pred)
	}
	s := pred(a.scalar)
	if a.anyElem != nil {
		s = paren(s) + " OR " + paren(a.anyElem(pred))
	}
	return s
}

// field resolves a rule field to the table.
func (c *compiler) field(m *ir.Match, name string) (access, error) {
	segs := strings.Split(name, ".")
	col, ok := lookupColumn(cloudTrailColumns, segs[0])
	if !ok {
		return access{}, refuse(m, "field "+name, "%q is not a column of the CloudTrail table (the SQL targets read CloudTrail records only)", segs[0])
	}
	_, isLake := c.d.(CloudTrailLake)
	expr := col.Name()
	if e, ok := c.d.column(col.Key); ok {
		expr = e
	}
	rest := segs[1:]
	switch col.Kind {
	case colString:
		if len(rest) > 0 {
			return access{}, refuse(m, "field "+name, "%s is a string column; it has no field %q", segs[0], strings.Join(rest, "."))
		}
		return access{field: name, scalar: expr}, nil
	case colJSON:
		for _, s := range rest {
			if !plainKey(s) {
				return access{}, refuse(m, "field "+name, "the JSON key %q needs quoting in a JSON path; only letters, digits and _ are supported", s)
			}
		}
		if isLake && len(rest) > 0 {
			// A map<string,string>: the first key is a map lookup, deeper
			// keys read the value's JSON text.
			doc := c.d.mapGet(expr, rest[0])
			if len(rest) == 1 {
				return access{field: name, scalar: doc, jsonDoc: doc, jsonPath: "$"}, nil
			}
			expr, rest = doc, rest[1:]
		}
		path := "$"
		for _, s := range rest {
			path += "." + s
		}
		a := access{field: name, scalar: c.d.jsonScalar(expr, path), jsonDoc: expr, jsonPath: path, jsonSegs: rest}
		if len(rest) > 0 {
			// Any step of the path may hold an array: every element is
			// followed, as event.Lookup does.
			a.chain = func(pred func(string) string) string { return c.chain(expr, rest, pred) }
		}
		return a, nil
	case colStruct:
		for len(rest) > 0 {
			f, ok := lookupColumn(col.Fields, rest[0])
			if !ok {
				return access{}, refuse(m, "field "+name, "%s has no field %q in the CloudTrail table", expr, rest[0])
			}
			expr += "." + structField(c.d, f)
			col, rest = f, rest[1:]
			if col.Kind == colMap && len(rest) == 1 {
				return access{field: name, scalar: c.d.mapGet(expr, rest[0])}, nil
			}
			if col.Kind == colString && len(rest) == 0 {
				return access{field: name, scalar: expr}, nil
			}
		}
		return access{}, refuse(m, "field "+name, "%s is an object (or map) in the CloudTrail table, not a value a pattern can match", name)
	case colStructArray:
		if len(rest) != 1 {
			return access{}, refuse(m, "field "+name, "%s is an array of objects; name one of its fields (%s)", segs[0], fieldKeys(col.Fields))
		}
		f, ok := lookupColumn(col.Fields, rest[0])
		if !ok {
			return access{}, refuse(m, "field "+name, "%s has no field %q (%s)", segs[0], rest[0], fieldKeys(col.Fields))
		}
		v := c.lambda()
		return access{field: name, scalar: "CAST(NULL AS VARCHAR)", inArray: true, anyElem: func(pred func(string) string) string {
			return c.d.listAny(expr, v, pred(v+"."+structField(c.d, f)))
		}}, nil
	}
	return access{}, refuse(m, "field "+name, "%s cannot be matched", name)
}

func structField(d Dialect, f column) string {
	if _, ok := d.(CloudTrailLake); ok {
		return f.Key
	}
	return f.Name()
}

func fieldKeys(cols []column) string {
	var k []string
	for _, c := range cols {
		k = append(k, c.Key)
	}
	return strings.Join(k, ", ")
}

func plainKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// chain tests the values at a JSON path below node: at every step the
// node's elements (or the node itself, when it is no array) are followed.
func (c *compiler) chain(node string, segs []string, pred func(string) string) string {
	v := c.lambda()
	var inner string
	if len(segs) == 1 {
		inner = pred(c.d.elemScalar(v))
	} else {
		inner = c.chain(v, segs[1:], pred)
	}
	return c.d.listAny(c.d.elems(c.d.jsonGet(node, segs[0])), v, inner)
}

func (c *compiler) lambda() string {
	c.vars++
	return fmt.Sprintf("x%d", c.vars)
}

// match compiles one Match. Every leaf is two-valued (COALESCE(..., FALSE)):
// SQL's NULL would otherwise make NOT drop rows whose field is absent,
// where Sigma's negation holds.
func (c *compiler) match(m *ir.Match) (string, error) {
	if m.IsKeyword() {
		return "", refuse(m, "keyword search", "the CloudTrail table has no free-text column to search; name a field")
	}
	if m.TimePart != "" {
		return "", refuse(m, "|"+m.TimePart, "time-part comparisons are not supported by the SQL targets")
	}
	a, err := c.field(m, m.Field)
	if err != nil {
		return "", err
	}
	switch m.Op {
	case ir.OpExists, ir.OpNull:
		if a.inArray {
			return "", refuse(m, "field "+m.Field+" "+m.Op.String(), "null and exists are not supported on fields inside an array of objects")
		}
		present := a.scalar + " IS NOT NULL"
		if a.jsonDoc != "" {
			// JSON null counts as present; absent is SQL NULL.
			present = c.d.jsonText(a.jsonDoc, a.jsonPath) + " IS NOT NULL"
			if m.Op == ir.OpNull {
				// Absent, JSON null or an empty array.
				return fmt.Sprintf("COALESCE(%s IN ('null', '[]'), TRUE)", c.d.jsonText(a.jsonDoc, a.jsonPath)), nil
			}
		}
		if m.Op == ir.OpNull {
			return a.scalar + " IS NULL", nil
		}
		return present, nil
	}
	var preds []func(string) string
	for _, v := range m.Values {
		p, err := c.valuePred(m, v)
		if err != nil {
			return "", err
		}
		preds = append(preds, p)
	}
	if !m.All {
		// Exact case-insensitive (or cased) strings fold into one IN list.
		preds = foldIn(m, preds)
		return "COALESCE(" + a.test(func(x string) string {
			if len(preds) == 1 {
				return preds[0](x)
			}
			var parts []string
			for _, p := range preds {
				parts = append(parts, paren(p(x)))
			}
			return strings.Join(parts, " OR ")
		}) + ", FALSE)", nil
	}
	var parts []string
	for _, p := range preds {
		parts = append(parts, "COALESCE("+a.test(p)+", FALSE)")
	}
	return strings.Join(parts, " AND "), nil
}

// foldIn replaces the exact-string predicates of a value list with one IN.
func foldIn(m *ir.Match, preds []func(string) string) []func(string) string {
	if m.Op != ir.OpEqual {
		return preds
	}
	var lits []string
	var out []func(string) string
	for i, v := range m.Values {
		if sh, _ := v.Shape(); v.Kind == ir.KindString && sh == ir.ShapeExact {
			lits = append(lits, exactText(v, m.Cased))
			continue
		}
		out = append(out, preds[i])
	}
	if len(lits) < 2 {
		return preds
	}
	var q []string
	for _, l := range lits {
		q = append(q, quote(l))
	}
	in := func(x string) string {
		return fold(x, m.Cased) + " IN (" + strings.Join(q, ", ") + ")"
	}
	return append([]func(string) string{in}, out...)
}

func exactText(v ir.Value, cased bool) string {
	s := v.Text()
	if !cased {
		s = strings.ToLower(s)
	}
	return s
}

func fold(x string, cased bool) string {
	if cased {
		return x
	}
	return "lower(" + x + ")"
}

// valuePred is the predicate one value puts on a field's text.
func (c *compiler) valuePred(m *ir.Match, v ir.Value) (func(string) string, error) {
	if v.Kind == ir.KindString && strings.IndexByte(v.Text(), 0) >= 0 {
		return nil, refuse(m, "NUL character in a value", "SQL engines end a string literal at a NUL character (DuckDB: unterminated quoted string)")
	}
	switch m.Op {
	case ir.OpEqual:
		switch v.Kind {
		case ir.KindNumber:
			n := number(v)
			return func(x string) string { return fmt.Sprintf("TRY_CAST(%s AS DOUBLE) = %s", x, n) }, nil
		case ir.KindBool:
			b := strconv.FormatBool(v.Bool)
			return func(x string) string { return fmt.Sprintf("lower(%s) = '%s'", x, b) }, nil
		}
		sh, _ := v.Shape()
		switch sh {
		case ir.ShapeExact:
			lit := quote(exactText(v, m.Cased))
			return func(x string) string { return fold(x, m.Cased) + " = " + lit }, nil
		case ir.ShapeAny:
			return func(x string) string { return x + " IS NOT NULL" }, nil
		}
		pat := quote(likePattern(v, m.Cased))
		return func(x string) string { return fold(x, m.Cased) + " LIKE " + pat + ` ESCAPE '\'` }, nil
	case ir.OpRegex:
		re := v.Text()
		flags := ""
		if m.Regex.IgnoreCase {
			flags += "i"
		}
		if m.Regex.Multiline {
			flags += "m"
		}
		if m.Regex.DotAll {
			flags += "s"
		}
		if flags != "" {
			re = "(?" + flags + ")" + re
		}
		re, err := c.d.regexFor(re)
		if err != nil {
			return nil, refuse(m, "|re "+v.Quoted(), "%v", err)
		}
		return func(x string) string { return c.d.regex(x, re) }, nil
	case ir.OpCIDR:
		lo, hi, err := ipv4Range(v.Text())
		if err != nil {
			return nil, refuse(m, "|cidr "+v.Quoted(), "%v", err)
		}
		return func(x string) string {
			return fmt.Sprintf("%s AND %s BETWEEN %d AND %d", c.d.regex(x, ipv4Regex), ipv4Number(x), lo, hi)
		}, nil
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		if v.Kind != ir.KindNumber {
			return nil, refuse(m, "|"+m.Op.String(), "needs a number, got %s", v.Quoted())
		}
		op := map[ir.Op]string{ir.OpLT: "<", ir.OpLTE: "<=", ir.OpGT: ">", ir.OpGTE: ">="}[m.Op]
		n := number(v)
		return func(x string) string { return fmt.Sprintf("TRY_CAST(%s AS DOUBLE) %s %s", x, op, n) }, nil
	case ir.OpFieldRef:
		ref, err := c.field(m, v.Text())
		if err != nil {
			return nil, err
		}
		if ref.inArray {
			return nil, refuse(m, "|fieldref "+v.Text(), "the referenced field is inside an array")
		}
		return func(x string) string { return fold(x, m.Cased) + " = " + fold(ref.scalar, m.Cased) }, nil
	}
	return nil, refuse(m, m.Op.String(), "operator not supported by the SQL targets")
}

// ipv4Regex accepts the dotted quads net/netip accepts (no leading zeros),
// so that the numeric range test below reads only valid addresses.
const ipv4Octet = `(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`

var ipv4Regex = `^` + ipv4Octet + `(\.` + ipv4Octet + `){3}$`

func ipv4Number(x string) string {
	var parts []string
	for i, mul := range []string{"16777216", "65536", "256", "1"} {
		parts = append(parts, fmt.Sprintf("TRY_CAST(split_part(%s, '.', %d) AS BIGINT) * %s", x, i+1, mul))
	}
	return "(" + strings.Join(parts, " + ") + ")"
}

// ipv4Range returns the numeric bounds of an IPv4 CIDR. IPv6 is refused:
// Trino's IPPREFIX has no DuckDB counterpart without the inet extension, so
// DuckDB could not prove the Athena text.
func ipv4Range(cidr string) (lo, hi uint32, err error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return 0, 0, fmt.Errorf("not a CIDR range: %v", err)
	}
	if !p.Addr().Is4() {
		return 0, 0, fmt.Errorf("IPv6 ranges are not supported by the SQL targets (no portable IPv6 arithmetic)")
	}
	b := p.Masked().Addr().As4()
	lo = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	hi = lo | uint32(math.MaxUint32>>uint(p.Bits()))
	if p.Bits() == 0 {
		hi = math.MaxUint32
	}
	return lo, hi, nil
}

// likePattern renders a wildcard pattern for LIKE ... ESCAPE '\': % _ and
// \ in literal text are escaped, * and ? become % and _.
func likePattern(v ir.Value, cased bool) string {
	var b strings.Builder
	for _, p := range v.Parts {
		switch p.Kind {
		case ir.AnyString:
			b.WriteByte('%')
		case ir.AnyChar:
			b.WriteByte('_')
		default:
			t := p.Text
			if !cased {
				t = strings.ToLower(t)
			}
			for _, r := range t {
				if r == '%' || r == '_' || r == '\\' {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// number renders a Number value as a SQL numeric literal.
func number(v ir.Value) string {
	if v.NumText != "" {
		if _, err := strconv.ParseFloat(v.NumText, 64); err == nil && !strings.ContainsAny(v.NumText, "xXpP_") {
			return v.NumText
		}
	}
	return strconv.FormatFloat(v.Num, 'g', -1, 64)
}
