package falco

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sigforge/sigforge/compiler/ir"
	fq "github.com/sigforge/sigforge/compiler/query/falco"
)

// cond is a Falco condition under construction.
type cond interface{ isCond() }

type (
	cAnd  []cond
	cOr   []cond
	cNot  struct{ c cond }
	cAtom string
)

func (cAnd) isCond()  {}
func (cOr) isCond()   {}
func (cNot) isCond()  {}
func (cAtom) isCond() {}

func and(cs ...cond) cond { return flatten[cAnd](cs) }

func or(cs ...cond) cond { return flatten[cOr](cs) }

// flatten joins cs into one list of kind T, splicing in the elements of
// those that already are one; a single element stands alone.
func flatten[T interface {
	~[]cond
	cond
}](cs []cond) cond {
	var out T
	for _, c := range cs {
		if x, ok := c.(T); ok {
			out = append(out, x...)
		} else {
			out = append(out, c)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

func not(c cond) cond {
	if n, ok := c.(cNot); ok {
		return n.c
	}
	return cNot{c}
}

// render prints a condition; the top-level conjuncts (or disjuncts) go on
// lines of their own.
func render(c cond) string {
	switch x := c.(type) {
	case cAnd:
		parts := make([]string, len(x))
		for i, a := range x {
			parts[i] = inner(a, false)
		}
		return strings.Join(parts, "\nand ")
	case cOr:
		parts := make([]string, len(x))
		for i, a := range x {
			parts[i] = inner(a, true)
		}
		return strings.Join(parts, "\nor ")
	}
	return inner(c, false)
}

// inner prints c inline; inOr says whether the parent is an "or".
func inner(c cond, inOr bool) string {
	switch x := c.(type) {
	case cAtom:
		return string(x)
	case cNot:
		return "not " + paren(x.c)
	case cAnd:
		parts := make([]string, len(x))
		for i, a := range x {
			parts[i] = inner(a, false)
		}
		s := strings.Join(parts, " and ")
		if inOr {
			return "(" + s + ")"
		}
		return s
	case cOr:
		parts := make([]string, len(x))
		for i, a := range x {
			parts[i] = inner(a, true)
		}
		return "(" + strings.Join(parts, " or ") + ")"
	}
	panic(fmt.Sprintf("falco: unknown condition %T", c))
}

func paren(c cond) string {
	switch c.(type) {
	case cAnd:
		return "(" + inner(c, false) + ")"
	}
	return inner(c, false)
}

// gen compiles one rule's detection.
type gen struct {
	b      *Backend
	r      *ir.Rule
	slug   string
	lists  []listDef
	macros []macroDef
	names  map[string]bool
	ct012  bool
	rds    bool
}

type listDef struct {
	name  string
	items []string
}

type macroDef struct {
	name    string
	cond    cond
	comment string
}

// fresh returns a list or macro name unique in the rule (and, through the
// rule's slug, in the pack). Falco substitutes list names textually in
// every condition, so the names must not be words a condition could hold.
func (g *gen) fresh(base string) string {
	name := g.slug + "_" + base
	for i := 2; g.names[name]; i++ {
		name = fmt.Sprintf("%s_%s_%d", g.slug, base, i)
	}
	g.names[name] = true
	return name
}

func (g *gen) expr(e ir.Expr) (cond, error) {
	switch x := e.(type) {
	case *ir.And:
		var cs []cond
		for _, a := range x.Args {
			c, err := g.expr(a)
			if err != nil {
				return nil, err
			}
			cs = append(cs, c)
		}
		return and(cs...), nil
	case *ir.Or:
		var cs []cond
		for _, a := range x.Args {
			c, err := g.expr(a)
			if err != nil {
				return nil, err
			}
			cs = append(cs, c)
		}
		return or(cs...), nil
	case *ir.Not:
		c, err := g.expr(x.Arg)
		if err != nil {
			return nil, err
		}
		return not(c), nil
	case *ir.Match:
		return g.match(x)
	}
	return nil, fmt.Errorf("falco: unknown IR node %T", e)
}

// target is where a Sigma field is read in Falco.
type target struct {
	// elems is the operand text: one entry, or one per array element.
	elems []string
	// whole is the operand for the field itself when it names an array (or
	// lies on no array): exists and null apply to it.
	whole string
	ct    *ctField
	// array is the array member the path crosses ("" if none).
	array string
}

func fieldArg(p string) string {
	if p != "" && !strings.ContainsAny(p, "[]\"' \t\n\r\f\v\b") {
		return p
	}
	return fq.Quote(p)
}

func jsonValue(segs []string) string { return "json.value[" + fieldArg(pointer(segs)) + "]" }

func (g *gen) resolve(m *ir.Match, field string) (*target, error) {
	if f, ok := ctFields[field]; ok {
		if ctFieldsSince012[f.name] {
			g.ct012 = true
		}
		return &target{elems: []string{f.name}, whole: f.name, ct: &f}, nil
	}
	segs := strings.Split(field, ".")
	at := -1
	for i := 1; i <= len(segs); i++ {
		prefix := strings.Join(segs[:i], ".")
		for _, a := range g.b.arrays {
			if a != prefix {
				continue
			}
			if at >= 0 {
				return nil, unsupported(g.r, m, "field "+field, "the path crosses two arrays (%s and %s); Falco's json.value names one element per array and the combinations cannot be enumerated", strings.Join(segs[:at], "."), prefix)
			}
			at = i
		}
	}
	t := &target{whole: jsonValue(segs)}
	if at < 0 {
		t.elems = []string{t.whole}
		return t, nil
	}
	t.array = strings.Join(segs[:at], ".")
	if at < len(segs) {
		t.whole = ""
	}
	for k := 0; k < g.b.opts.MaxArrayElements; k++ {
		p := append(append(append([]string{}, segs[:at]...), strconv.Itoa(k)), segs[at:]...)
		t.elems = append(t.elems, jsonValue(p))
	}
	return t, nil
}

func (g *gen) match(m *ir.Match) (cond, error) {
	if m.IsKeyword() {
		return nil, unsupported(g.r, m, "keyword search", "Falco has no field holding every string of a CloudTrail record (json.obj is the indented JSON text: it also matches keys and escaped characters)")
	}
	if m.TimePart != "" {
		return nil, unsupported(g.r, m, "|"+m.TimePart+" on "+m.Field, "cloudtrail fields are strings; Falco cannot take the %s of a timestamp", m.TimePart)
	}
	t, err := g.resolve(m, m.Field)
	if err != nil {
		return nil, err
	}
	if m.Field == "eventSource" {
		for _, v := range m.Values {
			if strings.EqualFold(v.Text(), "rds.amazonaws.com") {
				g.rds = true
			}
		}
	}
	switch m.Op {
	case ir.OpExists:
		if t.whole != "" {
			return cAtom(t.whole + " exists"), nil
		}
		return g.perElement(m, t, "present", func(e string) (cond, error) { return cAtom(e + " exists"), nil })
	case ir.OpNull:
		switch {
		case t.ct != nil:
			// A cloudtrail field is extracted as "" for a JSON null; CloudTrail
			// omits these keys rather than writing null.
			return not(cAtom(t.whole + " exists")), nil
		case t.whole != "":
			return or(not(cAtom(t.whole+" exists")), cAtom(t.whole+" = null")), nil
		}
		return nil, unsupported(g.r, m, "null on "+m.Field, "the path crosses the array %s; \"no element has the field\" cannot be told from \"no element exists\" with json.value", t.array)
	case ir.OpEqual:
		return g.perElement(m, t, equalName(m), func(e string) (cond, error) { return g.equal(m, t, e) })
	case ir.OpRegex:
		return g.regex(m, t)
	case ir.OpCIDR:
		return g.cidr(m, t)
	case ir.OpLT, ir.OpLTE, ir.OpGT, ir.OpGTE:
		return g.numeric(m, t)
	case ir.OpFieldRef:
		return g.fieldRef(m, t)
	}
	return nil, unsupported(g.r, m, m.Op.String(), "unknown operator")
}

// perElement applies fn to each element of an array member and ORs the
// results in a macro; a plain field gets fn of its one operand.
func (g *gen) perElement(m *ir.Match, t *target, what string, fn func(string) (cond, error)) (cond, error) {
	var cs []cond
	for _, e := range t.elems {
		c, err := fn(e)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	c := or(cs...)
	for _, md := range g.macros {
		if render(md.cond) == render(c) {
			return cAtom(md.name), nil
		}
	}
	last := m.Field[strings.LastIndexByte(m.Field, '.')+1:]
	name := g.fresh(slug(last) + "_" + what)
	g.macros = append(g.macros, macroDef{
		name: name,
		cond: c,
		comment: fmt.Sprintf("Sigma %s: any of the first %d elements of the array %s (json.value names one element).",
			m.String(), len(cs), t.array),
	})
	return cAtom(name), nil
}

// equalName names a macro by what an equality checks: present for "*",
// is_<value> for one value, in_list for several exact values, matches for
// patterns.
func equalName(m *ir.Match) string {
	if len(m.Values) == 1 {
		if sh, _ := m.Values[0].Shape(); sh == ir.ShapeAny {
			return "present"
		}
	}
	exact := true
	for _, v := range m.Values {
		if v.Kind == ir.KindString && v.HasWildcards() {
			exact = false
		}
	}
	switch {
	case !exact:
		return "matches"
	case len(m.Values) == 1:
		if s := slug(m.Values[0].Text()); s != "" && len(s) <= 24 {
			return "is_" + s
		}
		return "is_value"
	}
	return "in_list"
}

// eqGroup collects exact comparisons on one operand into an "in" list.
type eqGroup struct {
	lhs  string
	vals []string
}

func (g *gen) equal(m *ir.Match, t *target, elem string) (cond, error) {
	var groups []*eqGroup
	var parts []cond
	add := func(lhs, val string) {
		if m.All {
			parts = append(parts, cAtom(lhs+" = "+fq.Quote(val)))
			return
		}
		for _, gr := range groups {
			if gr.lhs == lhs {
				for _, v := range gr.vals {
					if v == val {
						return
					}
				}
				gr.vals = append(gr.vals, val)
				return
			}
		}
		groups = append(groups, &eqGroup{lhs: lhs, vals: []string{val}})
	}
	for _, v := range m.Values {
		c, lhs, val := g.value(m, t, elem, v)
		if c != nil {
			parts = append(parts, c)
		} else {
			add(lhs, val)
		}
	}
	groups = mergeLetterless(groups, elem)
	var cs []cond
	for _, gr := range groups {
		cs = append(cs, g.inList(gr.lhs, gr.vals, m.Field))
	}
	cs = append(cs, parts...)
	if m.All {
		return and(cs...), nil
	}
	return or(cs...), nil
}

// mergeLetterless moves the values without ASCII letters of the plain
// group of elem into its tolower() group, when both exist: tolower(f) = "0"
// holds exactly when f = "0".
func mergeLetterless(groups []*eqGroup, elem string) []*eqGroup {
	var plain, lower *eqGroup
	for _, gr := range groups {
		switch gr.lhs {
		case elem:
			plain = gr
		case "tolower(" + elem + ")":
			lower = gr
		}
	}
	if plain == nil || lower == nil {
		return groups
	}
	var keep []string
	for _, v := range plain.vals {
		if hasLetter([]ir.Part{{Kind: ir.Literal, Text: v}}) {
			keep = append(keep, v)
		} else {
			lower.vals = append(lower.vals, v)
		}
	}
	plain.vals = keep
	var out []*eqGroup
	for _, gr := range groups {
		if len(gr.vals) > 0 {
			out = append(out, gr)
		}
	}
	return out
}

// inList writes lhs = v, lhs in (v1, v2, v3), or lhs in (list) for four
// values or more.
func (g *gen) inList(lhs string, vals []string, field string) cond {
	if len(vals) == 1 {
		return cAtom(lhs + " = " + fq.Quote(vals[0]))
	}
	if len(vals) >= 4 {
		for _, l := range g.lists {
			if equalStrings(l.items, vals) {
				return cAtom(lhs + " in (" + l.name + ")")
			}
		}
		last := field[strings.LastIndexByte(field, '.')+1:]
		name := g.fresh(slug(last) + "_values")
		g.lists = append(g.lists, listDef{name: name, items: vals})
		return cAtom(lhs + " in (" + name + ")")
	}
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = fq.Quote(v)
	}
	return cAtom(lhs + " in (" + strings.Join(q, ", ") + ")")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// value returns the condition for one Sigma value on one operand: either a
// condition, or (lhs, val) for an exact comparison lhs = val that can join
// an "in" list.
func (g *gen) value(m *ir.Match, t *target, elem string, v ir.Value) (cond, string, string) {
	switch v.Kind {
	case ir.KindNumber:
		return nil, elem, numText(v)
	case ir.KindBool:
		v = ir.Str(v.Text())
	}
	parts := append([]ir.Part(nil), v.Parts...)
	fold := !m.Cased
	// A cased value is compared as written: canonical spellings only stand
	// in for Sigma's case-insensitive match.
	if t.ct != nil && t.ct.canon != canonNone && !m.Cased {
		switch t.ct.canon {
		case canonLower:
			for i := range parts {
				parts[i].Text = strings.ToLower(parts[i].Text)
			}
			fold = false
		case canonSet:
			if sh, lit := v.Shape(); sh == ir.ShapeExact {
				if spelled, ok := t.ct.set[strings.ToLower(lit)]; ok {
					parts = []ir.Part{{Kind: ir.Literal, Text: spelled}}
					fold = false
				}
			}
		}
	}
	if !hasLetter(parts) {
		fold = false
	}
	pv := ir.Value{Kind: ir.KindString, Parts: parts}
	shape, lit := pv.Shape()
	modern := !g.b.engine.Less(fq.FeatureTransformers.Since)
	switch shape {
	case ir.ShapeAny:
		return cAtom(elem + " exists"), "", ""
	case ir.ShapeExact:
		if !fold {
			return nil, elem, lit
		}
		if modern {
			return nil, "tolower(" + elem + ")", strings.ToLower(lit)
		}
		return cAtom(elem + " glob " + fq.Quote(globPattern(parts, true))), "", ""
	case ir.ShapeContains:
		if fold {
			return cAtom(elem + " icontains " + fq.Quote(lit)), "", ""
		}
		return cAtom(elem + " contains " + fq.Quote(lit)), "", ""
	case ir.ShapePrefix:
		if !fold {
			return cAtom(elem + " startswith " + fq.Quote(lit)), "", ""
		}
	case ir.ShapeSuffix:
		if !fold {
			return cAtom(elem + " endswith " + fq.Quote(lit)), "", ""
		}
	}
	switch {
	case !fold:
		return cAtom(elem + " glob " + fq.Quote(globPattern(parts, false))), "", ""
	case modern:
		return cAtom(elem + " iglob " + fq.Quote(globPattern(parts, false))), "", ""
	}
	return cAtom(elem + " glob " + fq.Quote(globPattern(parts, true))), "", ""
}

func hasLetter(parts []ir.Part) bool {
	for _, p := range parts {
		if p.Kind != ir.Literal {
			continue
		}
		for i := 0; i < len(p.Text); i++ {
			c := p.Text[i]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return true
			}
		}
	}
	return false
}

// globPattern writes a Sigma pattern as an fnmatch(3) pattern: * and ? stay
// wildcards, literal *, ?, [ and \ are escaped with a backslash; with
// classes, ASCII letters become [xX] so that glob ignores case.
func globPattern(parts []ir.Part, classes bool) string {
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case ir.AnyString:
			b.WriteByte('*')
		case ir.AnyChar:
			b.WriteByte('?')
		case ir.Literal:
			for i := 0; i < len(p.Text); i++ {
				c := p.Text[i]
				switch {
				case c == '*' || c == '?' || c == '[' || c == '\\':
					b.WriteByte('\\')
					b.WriteByte(c)
				case classes && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'):
					b.WriteByte('[')
					b.WriteByte(c &^ 0x20)
					b.WriteByte(c | 0x20)
					b.WriteByte(']')
				default:
					b.WriteByte(c)
				}
			}
		}
	}
	return b.String()
}

// numText renders a Sigma number the way CloudTrail writes an integer
// (json.value gives the number's JSON text).
func numText(v ir.Value) string {
	if v.Num == float64(int64(v.Num)) {
		return strconv.FormatInt(int64(v.Num), 10)
	}
	return strconv.FormatFloat(v.Num, 'f', -1, 64)
}

func (g *gen) regex(m *ir.Match, t *target) (cond, error) {
	if g.b.engine.Less(fq.FeatureRegex.Since) {
		return nil, unsupported(g.r, m, "|re on "+m.Field, "the regex operator needs Falco engine %s (Falco %s); targets.falco.min_engine_version is %s",
			fq.FeatureRegex.Since, fq.FeatureRegex.Falco, g.b.engine)
	}
	var pats []string
	for _, v := range m.Values {
		p, err := translateRegex(v.Text(), m.Regex)
		if err != nil {
			return nil, unsupported(g.r, m, "|re "+v.Quoted()+" on "+m.Field, "%v", err)
		}
		if _, err := fq.CompileRegex(p); err != nil {
			return nil, unsupported(g.r, m, "|re "+v.Quoted()+" on "+m.Field, "the rewritten pattern %q does not compile: %v", p, err)
		}
		pats = append(pats, p)
	}
	return g.perElement(m, t, "regex", func(e string) (cond, error) {
		var cs []cond
		for _, p := range pats {
			cs = append(cs, cAtom(e+" regex "+fq.Quote(p)))
		}
		if m.All {
			return and(cs...), nil
		}
		return or(cs...), nil
	})
}

// cidr writes an IPv4 range as prefixes of the dotted text: a /8, /16 or
// /24 is one "startswith", other lengths enumerate the octet values (at
// most 64 prefixes). Falco's cloudtrail fields are strings, not IP
// addresses, and an IPv6 range has no such textual form (zero compression).
func (g *gen) cidr(m *ir.Match, t *target) (cond, error) {
	var per [][]string // per value, the prefixes (or full addresses)
	for _, v := range m.Values {
		p, err := netip.ParsePrefix(v.Text())
		if err != nil {
			return nil, unsupported(g.r, m, "|cidr "+v.Quoted(), "not a CIDR range: %v", err)
		}
		p = p.Masked()
		if !p.Addr().Is4() {
			return nil, unsupported(g.r, m, "|cidr "+v.Quoted()+" on "+m.Field, "%s is a string field in Falco; an IPv6 range has no textual prefix form (zero compression)", t.elems[0])
		}
		bits := p.Bits()
		if bits == 32 {
			per = append(per, []string{"=" + p.Addr().String()})
			continue
		}
		octets := (bits + 7) / 8
		n := 1 << (octets*8 - bits)
		if octets == 0 {
			return nil, unsupported(g.r, m, "|cidr "+v.Quoted()+" on "+m.Field, "%s is a string field in Falco; /0 (every IPv4 address) has no text prefix", t.elems[0])
		}
		if n > 64 {
			return nil, unsupported(g.r, m, "|cidr "+v.Quoted()+" on "+m.Field, "%s is a string field in Falco; /%d would need %d text prefixes (limit 64)", t.elems[0], bits, n)
		}
		a := p.Addr().As4()
		var prefixes []string
		for i := 0; i < n; i++ {
			b := a
			b[octets-1] += byte(i)
			parts := make([]string, octets)
			for j := 0; j < octets; j++ {
				parts[j] = strconv.Itoa(int(b[j]))
			}
			prefixes = append(prefixes, strings.Join(parts, ".")+".")
		}
		per = append(per, prefixes)
	}
	return g.perElement(m, t, "in_range", func(e string) (cond, error) {
		var cs []cond
		for _, prefixes := range per {
			var alts []cond
			for _, p := range prefixes {
				if addr, ok := strings.CutPrefix(p, "="); ok {
					alts = append(alts, cAtom(e+" = "+fq.Quote(addr)))
				} else {
					alts = append(alts, cAtom(e+" startswith "+fq.Quote(p)))
				}
			}
			cs = append(cs, or(alts...))
		}
		if m.All {
			return and(cs...), nil
		}
		return or(cs...), nil
	})
}

// numeric writes lt/lte/gt/gte as an "in" list over the field's known
// domain: json.value is text, and Falco compares text with strcmp.
func (g *gen) numeric(m *ir.Match, t *target) (cond, error) {
	dom, ok := intDomains[m.Field]
	if !ok {
		return nil, unsupported(g.r, m, "|"+map[ir.Op]string{ir.OpLT: "lt", ir.OpLTE: "lte", ir.OpGT: "gt", ir.OpGTE: "gte"}[m.Op]+" on "+m.Field,
			"Falco compares %s as text (\"10\" < \"7\") and has no string-to-number transformer; the range can be enumerated only for fields with a known small domain (%s)",
			t.elems[0], strings.Join(domainNames(), ", "))
	}
	for _, v := range m.Values {
		if v.Kind != ir.KindNumber {
			return nil, unsupported(g.r, m, m.String(), "the comparison value %s is not a number", v.Quoted())
		}
	}
	var vals []string
	for _, n := range dom {
		anyHold, allHold := false, true
		for _, v := range m.Values {
			f := float64(n)
			hold := m.Op == ir.OpLT && f < v.Num || m.Op == ir.OpLTE && f <= v.Num ||
				m.Op == ir.OpGT && f > v.Num || m.Op == ir.OpGTE && f >= v.Num
			anyHold = anyHold || hold
			allHold = allHold && hold
		}
		if m.All && allHold || !m.All && anyHold {
			vals = append(vals, strconv.Itoa(n))
		}
	}
	return g.perElement(m, t, "in_range", func(e string) (cond, error) {
		if len(vals) == 0 {
			return cAtom(e + " in ()"), nil
		}
		return g.inList(e, vals, m.Field), nil
	})
}

func domainNames() []string {
	names := make([]string, 0, len(intDomains))
	for n := range intDomains {
		names = append(names, n)
	}
	sortStrings(names)
	return names
}

// fieldRef compares two fields: tolower(f) = tolower(g) for Sigma's
// case-insensitive fieldref, f = val(g) when cased. A right-hand side
// transformer is compiled by libsinsp like a left-hand one (filter.cpp
// visits it with the same compiler since libs 0.17).
func (g *gen) fieldRef(m *ir.Match, t *target) (cond, error) {
	if g.b.engine.Less(fq.FeatureTransformers.Since) {
		return nil, unsupported(g.r, m, "|fieldref on "+m.Field, "comparing two fields needs val() or tolower(), Falco engine %s (Falco %s)", fq.FeatureTransformers.Since, fq.FeatureTransformers.Falco)
	}
	var others []string
	for _, v := range m.Values {
		other, err := g.resolve(m, v.Text())
		if err != nil {
			return nil, err
		}
		if len(other.elems) != 1 {
			return nil, unsupported(g.r, m, "|fieldref "+v.Text(), "the referenced field lies in the array %s", other.array)
		}
		others = append(others, other.elems[0])
	}
	return g.perElement(m, t, "same_as_field", func(e string) (cond, error) {
		var out []cond
		for _, o := range others {
			if m.Cased {
				out = append(out, cAtom(e+" = val("+o+")"))
			} else {
				out = append(out, cAtom("tolower("+e+") = tolower("+o+")"))
			}
		}
		if m.All {
			return and(out...), nil
		}
		return or(out...), nil
	})
}
