package sigma

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
	v "github.com/sigforge/sigforge/compiler/validate"
)

// detection reads a detection section (or the body of a filter, whose
// "rules" key the caller has removed).
func (r *reader) detection(n *yaml.Node, what string) *Detection {
	d := &Detection{Pos: r.pos(n)}
	if n.Kind != yaml.MappingNode {
		r.ds.Add(r.pos(n), v.BadField, "%s must be a map of search identifiers and a condition", what)
		return d
	}
	hasCondition := false
	var buf [16][2]*yaml.Node
	pairs := r.pairs(n, buf[:])
	if searches := r.reserve(pairs); searches > 0 {
		d.Searches = make([]*Search, 0, searches)
	}
	for _, p := range pairs {
		k, val := p[0], p[1]
		switch k.Value {
		case "condition":
			hasCondition = true
			r.conditions(d, val)
		case "timeframe":
			r.ds.Warn(r.pos(k), v.BadField, "timeframe is Sigma v1 and ignored; write a correlation rule")
		case "rules":
			if what == "filter" {
				continue
			}
			fallthrough
		default:
			d.Searches = append(d.Searches, r.search(k, val))
		}
	}
	if !hasCondition {
		r.ds.Add(d.Pos, v.MissingField, "%s has no condition", what)
	}
	return d
}

func (r *reader) conditions(d *Detection, n *yaml.Node) {
	add := func(e *yaml.Node) {
		if e.Kind != yaml.ScalarNode || isNull(e) || strings.TrimSpace(e.Value) == "" {
			r.ds.Add(r.pos(e), v.MissingField, "condition must be a non-empty string")
			return
		}
		d.Conditions = append(d.Conditions, r.f.text(e))
	}
	if n.Kind == yaml.SequenceNode {
		if len(n.Content) == 0 {
			r.ds.Add(r.pos(n), v.MissingField, "condition list is empty")
		}
		for _, e := range n.Content {
			add(deref(e))
		}
		return
	}
	add(n)
}

// block hands out pieces of one allocation. Each piece has no spare
// capacity: appending to it copies.
type block[T any] []T

// take returns n zero elements, from the block while it has room (and
// never nil).
func (b *block[T]) take(n int) []T {
	if n == 0 {
		return []T{}
	}
	if cap(*b)-len(*b) < n {
		return make([]T, n)
	}
	start := len(*b)
	*b = (*b)[:start+n]
	return (*b)[start : start+n : start+n]
}

// blocks hold a detection's searches, items, values and modifiers: a few
// allocations per detection, not several per search.
type blocks struct {
	searches block[mapSearch]
	items    block[Item]
	itemPtrs block[*Item]
	values   block[Value]
	mods     block[Modifier]
}

// reserve sizes r's blocks for the searches among a detection's pairs
// (counting what a well-formed detection holds; anything more is allocated
// on its own) and returns how many there are.
func (r *reader) reserve(pairs [][2]*yaml.Node) (searches int) {
	var n struct{ maps, items, values, mods int }
	countMap := func(m *yaml.Node) {
		n.items += len(m.Content) / 2
		for i := 0; i+1 < len(m.Content); i += 2 {
			n.mods += strings.Count(m.Content[i].Value, "|")
			switch val := deref(m.Content[i+1]); val.Kind {
			case yaml.ScalarNode:
				n.values++
			case yaml.SequenceNode:
				n.values += len(val.Content)
			}
		}
	}
	for _, p := range pairs {
		if p[0].Value == "condition" {
			continue
		}
		searches++
		switch val := p[1]; val.Kind {
		case yaml.MappingNode:
			n.maps++
			countMap(val)
		case yaml.SequenceNode:
			for _, e := range val.Content {
				if e = deref(e); e.Kind == yaml.MappingNode {
					countMap(e)
				}
			}
		}
	}
	r.blocks = blocks{
		searches: make(block[mapSearch], 0, n.maps),
		items:    make(block[Item], 0, n.items),
		itemPtrs: make(block[*Item], 0, n.items),
		values:   make(block[Value], 0, n.values),
		mods:     make(block[Modifier], 0, n.mods),
	}
	return searches
}

// mapSearch is a search written as one map, in one allocation.
type mapSearch struct {
	s    Search
	alt  Alternative
	alts [1]*Alternative
}

// search reads one search identifier.
func (r *reader) search(k, n *yaml.Node) *Search {
	if n.Kind == yaml.MappingNode { // the usual case
		ms := &r.blocks.searches.take(1)[0]
		ms.s = Search{Name: k.Value, Pos: r.pos(k)}
		s := &ms.s
		if r.alternative(n, &ms.alt) {
			ms.alts[0] = &ms.alt
			s.Alternatives = ms.alts[:]
		} else {
			r.ds.Add(s.Pos, v.BadSearch, "search %q is empty", s.Name)
		}
		return s
	}
	s := &Search{Name: k.Value, Pos: r.pos(k)}
	switch n.Kind {
	case yaml.SequenceNode:
		var kw *Item
		for _, e := range n.Content {
			e = deref(e)
			switch {
			case e.Kind == yaml.MappingNode:
				kw = nil
				if a := new(Alternative); r.alternative(e, a) {
					s.Alternatives = append(s.Alternatives, a)
				}
			case e.Kind == yaml.ScalarNode && !isNull(e):
				if kw == nil {
					kw = &Item{Pos: r.pos(e), List: true}
					s.Alternatives = append(s.Alternatives, &Alternative{Pos: kw.Pos, Items: []*Item{kw}})
				}
				kw.Values = append(kw.Values, r.value(e))
			default:
				r.ds.Add(r.pos(e), v.BadSearch, "search %q: a list entry must be a map or a plain value, not a %s", s.Name, kindName(e))
			}
		}
	case yaml.ScalarNode:
		if !isNull(n) {
			kw := &Item{Pos: r.pos(n), Values: []Value{r.value(n)}}
			s.Alternatives = append(s.Alternatives, &Alternative{Pos: kw.Pos, Items: []*Item{kw}})
		}
	}
	if len(s.Alternatives) == 0 {
		r.ds.Add(s.Pos, v.BadSearch, "search %q is empty", s.Name)
	}
	return s
}

// alternative reads one map of field items into a; false when it has
// none.
func (r *reader) alternative(n *yaml.Node, a *Alternative) bool {
	a.Pos = r.pos(n)
	var buf [16][2]*yaml.Node
	pairs := r.pairs(n, buf[:])
	a.Items = r.blocks.itemPtrs.take(len(pairs))[:0]
	// The map's items, their modifiers and their single values come from
	// the detection's blocks.
	items := r.blocks.items.take(len(pairs))
	nMods, nSingle := 0, 0
	for _, p := range pairs {
		nMods += strings.Count(p[0].Value, "|")
		if p[1].Kind == yaml.ScalarNode {
			nSingle++
		}
	}
	var mods []Modifier
	if nMods > 0 {
		mods = r.blocks.mods.take(nMods)[:0]
	}
	var single []Value
	if nSingle > 0 {
		single = r.blocks.values.take(nSingle)[:0]
	}
	for i, p := range pairs {
		k, val := p[0], p[1]
		it := &items[i]
		it.Pos, it.Key = r.pos(k), k.Value
		field, chain, hasMods := strings.Cut(k.Value, "|")
		it.Field = field
		if hasMods {
			off := len(field) + 1
			if k.Style == yaml.SingleQuotedStyle || k.Style == yaml.DoubleQuotedStyle {
				off++ // the quote
			}
			start := len(mods)
			for more := true; more; {
				var m string
				m, chain, more = strings.Cut(chain, "|")
				mp := it.Pos
				mp.Col += off
				mods = append(mods, Modifier{Name: m, Pos: mp})
				off += len(m) + 1
			}
			it.Modifiers = mods[start:len(mods):len(mods)]
		}
		switch {
		case val.Kind == yaml.ScalarNode:
			single = append(single, r.value(val))
			it.Values = single[len(single)-1 : len(single) : len(single)]
		case val.Kind == yaml.SequenceNode:
			it.List = true
			if len(val.Content) == 0 {
				r.ds.Add(r.pos(val), v.BadSearch, "%s: empty value list", k.Value)
				continue
			}
			it.Values = r.blocks.values.take(len(val.Content))[:0]
			for _, e := range val.Content {
				e = deref(e)
				if e.Kind != yaml.ScalarNode {
					r.ds.Add(r.pos(e), v.BadSearch, "%s: a value must be a plain value, not a %s", k.Value, kindName(e))
					continue
				}
				if isNull(e) {
					r.ds.Add(r.pos(e), v.BadSearch, "%s: null cannot be one value of a list; write a separate selection with the field: null", k.Value)
					continue
				}
				it.Values = append(it.Values, r.value(e))
			}
			if len(it.Values) == 0 {
				continue
			}
		default:
			r.ds.Add(r.pos(val), v.BadSearch, "%s: a value must be a plain value or a list of them, not a %s", k.Value, kindName(val))
			continue
		}
		a.Items = append(a.Items, it)
	}
	return len(a.Items) > 0
}

func (r *reader) value(n *yaml.Node) Value {
	val := Value{Pos: r.pos(n), Text: n.Value}
	switch n.Tag {
	case "!!null":
		val.Kind, val.Text = Null, ""
	case "!!int":
		val.Kind = Int
	case "!!float":
		val.Kind = Float
	case "!!bool":
		val.Kind = Bool
	}
	return val
}

var timespanRE = regexp.MustCompile(`^(\d+)([smhdwMy])$`)

var timespanUnits = map[string]time.Duration{
	"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "M": 2629746 * time.Second, "y": 31556952 * time.Second,
}

// ParseTimespan parses a correlation timespan: an integer and a unit, s, m,
// h or d as the specification says, or w, M (month, 2,629,746 s) and y
// (31,556,952 s) as pySigma also accepts.
func ParseTimespan(s string) (time.Duration, bool) {
	m := timespanRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	unit := timespanUnits[m[2]]
	if err != nil || n <= 0 || n > int64(1<<62)/int64(unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

var correlationTypes = []ir.CorrelationType{ir.EventCount, ir.ValueCount, ir.Temporal, ir.TemporalOrdered, ir.ValueSum, ir.ValueAvg, ir.ValuePercentile}

var compareOps = []string{"gt", "gte", "lt", "lte", "eq", "neq"}

func (r *reader) correlation(n *yaml.Node) *Correlation {
	c := &Correlation{Pos: r.pos(n)}
	if n.Kind != yaml.MappingNode {
		r.ds.Add(c.Pos, v.BadCorrelation, "correlation must be a map with type, rules, timespan and condition")
		return c
	}
	var condNode *yaml.Node
	seen := map[string]bool{}
	for _, p := range r.pairs(n, nil) {
		k, val := p[0], p[1]
		seen[k.Value] = true
		switch k.Value {
		case "type":
			s, _ := r.str("type", val)
			c.Type = ir.CorrelationType(s)
			if !slices.Contains(correlationTypes, c.Type) {
				r.ds.Add(r.pos(val), v.BadCorrelation, "correlation type %q is not one of event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile", s)
			}
		case "rules":
			c.Rules, c.RulesPos = r.strList("rules", val, true)
			if len(c.Rules) == 0 {
				r.ds.Add(r.pos(val), v.BadCorrelation, "correlation rules must name at least one rule")
			}
		case "group-by":
			var pos []source.Pos
			c.GroupBy, pos = r.strList("group-by", val, true)
			r.checkUnique("group-by", c.GroupBy, pos, val)
		case "timespan":
			s, _ := r.str("timespan", val)
			d, ok := ParseTimespan(s)
			if !ok {
				r.ds.Add(r.pos(val), v.BadCorrelation, "timespan %q is not a positive integer with a unit s, m, h, d, w, M or y (e.g. 15m)", s)
			}
			c.Timespan = d
		case "condition":
			condNode = val
		case "aliases":
			r.aliases(c, val)
		default:
			r.ds.Add(r.pos(k), v.BadCorrelation, "correlation has an unknown key %q", k.Value)
		}
	}
	for _, key := range []string{"type", "rules", "timespan"} {
		if !seen[key] {
			r.ds.Add(c.Pos, v.MissingField, "correlation has no %s", key)
		}
	}
	temporal := c.Type == ir.Temporal || c.Type == ir.TemporalOrdered
	switch {
	case condNode != nil:
		r.threshold(c, condNode)
	case temporal:
		c.Condition.Compare = []ir.Comparison{{Op: "gte", Value: int64(len(c.Rules))}}
	case c.Type != "":
		r.ds.Add(c.Pos, v.MissingField, "correlation of type %s needs a condition", c.Type)
	}
	for alias := range c.Aliases {
		if !slices.Contains(c.GroupBy, alias) {
			r.ds.Warn(c.Pos, v.BadCorrelation, "alias %q is not used in group-by", alias)
		}
	}
	return c
}

func (r *reader) threshold(c *Correlation, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		r.ds.Add(r.pos(n), v.BadCorrelation, "correlation condition must be a map such as {gte: 10}")
		return
	}
	valueType := c.Type == ir.ValueCount || c.Type == ir.ValueSum || c.Type == ir.ValueAvg || c.Type == ir.ValuePercentile
	for _, p := range r.pairs(n, nil) {
		k, val := p[0], p[1]
		switch {
		case slices.Contains(compareOps, k.Value):
			x, err := strconv.ParseInt(val.Value, 10, 64)
			if val.Kind != yaml.ScalarNode || val.Tag != "!!int" || err != nil {
				r.ds.Add(r.pos(val), v.BadCorrelation, "condition %s must be an integer", k.Value)
				continue
			}
			c.Condition.Compare = append(c.Condition.Compare, ir.Comparison{Op: k.Value, Value: x})
		case k.Value == "field":
			fields, _ := r.strList("condition field", val, true)
			if len(fields) != 1 {
				r.ds.Add(r.pos(val), v.BadCorrelation, "condition field must name exactly one field")
				continue
			}
			c.Condition.Field = fields[0]
			if !valueType {
				r.ds.Add(r.pos(k), v.BadCorrelation, "condition field only applies to value_count, value_sum, value_avg and value_percentile")
			}
		case k.Value == "percentile":
			x, err := strconv.Atoi(val.Value)
			if val.Tag != "!!int" || err != nil || x < 1 || x > 100 {
				r.ds.Add(r.pos(val), v.BadCorrelation, "percentile must be an integer from 1 to 100")
				continue
			}
			c.Condition.Percentile = x
		default:
			r.ds.Add(r.pos(k), v.BadCorrelation, "condition key %q is not one of gt, gte, lt, lte, eq, neq, field", k.Value)
		}
	}
	if len(c.Condition.Compare) == 0 {
		r.ds.Add(r.pos(n), v.BadCorrelation, "correlation condition needs at least one of gt, gte, lt, lte, eq, neq")
	}
	if valueType && c.Condition.Field == "" {
		r.ds.Add(r.pos(n), v.BadCorrelation, "the condition of a %s correlation needs a field", c.Type)
	}
	if c.Type == ir.ValuePercentile && c.Condition.Percentile == 0 {
		r.ds.Add(r.pos(n), v.BadCorrelation, "a value_percentile correlation's condition needs a percentile")
	}
}

func (r *reader) aliases(c *Correlation, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		r.ds.Add(r.pos(n), v.BadCorrelation, "aliases must map each alias to {rule: field}")
		return
	}
	c.Aliases = map[string]map[string]string{}
	for _, p := range r.pairs(n, nil) {
		if p[1].Kind != yaml.MappingNode {
			r.ds.Add(r.pos(p[1]), v.BadCorrelation, "alias %q must map rule names to fields", p[0].Value)
			continue
		}
		m := map[string]string{}
		for _, q := range r.pairs(p[1], nil) {
			if s, ok := r.str("alias field", q[1]); ok && s != "" {
				m[q[0].Value] = s
			}
		}
		c.Aliases[p[0].Value] = m
	}
}

// filter reads a filter section. As in pySigma, rules is required: "any"
// or "all" (or an empty list) applies the filter to every rule whose
// logsource it contains; otherwise it names rules by id or name. A filter
// has exactly one condition, a string.
func (r *reader) filter(n *yaml.Node) *Filter {
	f := &Filter{Pos: r.pos(n)}
	if n.Kind != yaml.MappingNode {
		r.ds.Add(f.Pos, v.BadField, "filter must be a map with rules, search identifiers and a condition")
		return f
	}
	hasRules := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], deref(n.Content[i+1])
		switch k.Value {
		case "rules":
			hasRules = true
			if val.Kind == yaml.ScalarNode && (strings.EqualFold(val.Value, "any") || strings.EqualFold(val.Value, "all")) {
				continue
			}
			f.Rules, f.RulesPos = r.strList("filter rules", val, true)
		case "condition":
			if val.Kind != yaml.ScalarNode {
				r.ds.Add(r.pos(val), v.BadField, "a filter has exactly one condition, a string")
			}
		}
	}
	if !hasRules {
		r.ds.Add(f.Pos, v.MissingField, "filter has no rules: name rules by id or name, or write rules: any")
	}
	f.Detection = r.detection(n, "filter")
	return f
}
