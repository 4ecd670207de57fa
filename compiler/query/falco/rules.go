package falco

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/compiler/source"
)

// Ruleset is a loaded Falco rules file.
type Ruleset struct {
	File string
	// RequiredEngine is the file's required_engine_version (zero if none).
	RequiredEngine Version
	// Plugins are the required_plugin_versions entries.
	Plugins []PluginRequirement
	Lists   []*List
	Macros  []*Macro
	Rules   []*Rule
	// Warnings are problems Falco reports without refusing the file.
	Warnings []string
}

// PluginVersions are the plugin versions whose extraction the evaluator
// reproduces.
var PluginVersions = map[string]Version{
	"cloudtrail": MustVersion("0.17.1"),
	"json":       MustVersion("0.7.4"),
}

func pluginList() string {
	var out []string
	for n, v := range PluginVersions {
		out = append(out, n+" "+v.String())
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// PluginRequirement is one required_plugin_versions entry.
type PluginRequirement struct{ Name, Version string }

// List is a list: entry.
type List struct {
	Pos   source.Pos
	Name  string
	Items []string
}

// Macro is a macro: entry, its condition parsed with lists substituted and
// earlier macros expanded.
type Macro struct {
	Pos       source.Pos
	Name      string
	Condition string
	Expr      Expr
}

// Rule is a rule: entry.
type Rule struct {
	Pos       source.Pos
	Name      string
	Desc      string
	Condition string
	Output    string
	Priority  string
	Source    string
	Tags      []string
	Enabled   bool
	// Expr is the condition with lists and macros expanded; Filter runs it.
	// Both are nil for rules of another source than aws_cloudtrail.
	Expr   Expr
	Filter *Filter
}

// Source is the event source of the cloudtrail plugin.
const Source = "aws_cloudtrail"

// Priorities are Falco's rule priorities, most severe first.
var Priorities = []string{"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFORMATIONAL", "DEBUG"}

// ErrorList holds every load error of a file.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// LoadOptions tune loading.
type LoadOptions struct {
	// Engine is the Falco engine version to emulate: features newer than it
	// are load errors. Zero accepts every feature the evaluator knows.
	Engine Version
}

type loader struct {
	rs     *Ruleset
	errs   ErrorList
	opts   LoadOptions
	lists  map[string]*List
	macros map[string]*Macro
}

// Load reads a rules file (a YAML sequence of required_engine_version,
// required_plugin_versions, list, macro and rule entries) and compiles the
// conditions of its aws_cloudtrail rules. It fails where Falco fails to load
// the file; every error carries file:line:col.
func Load(name string, data []byte, opts LoadOptions) (*Ruleset, error) {
	l := &loader{rs: &Ruleset{File: name}, opts: opts, lists: map[string]*List{}, macros: map[string]*Macro{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, ErrorList{{Pos: source.Pos{File: name}, Msg: err.Error()}}
	}
	if len(doc.Content) == 0 {
		return l.rs, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.SequenceNode {
		return nil, ErrorList{{Pos: l.pos(root), Msg: "rules content is not a sequence of entries"}}
	}
	// Lists first: Falco substitutes every list into every condition,
	// whatever the order of definition.
	for _, item := range root.Content {
		if item.Kind == yaml.MappingNode && mapGet(item, "list") != nil {
			l.list(item)
		}
	}
	for _, item := range root.Content {
		if item.Kind != yaml.MappingNode {
			l.errorf(item, "entry is not a mapping")
			continue
		}
		switch {
		case mapGet(item, "required_engine_version") != nil:
			l.engineVersion(mapGet(item, "required_engine_version"))
		case mapGet(item, "required_plugin_versions") != nil:
			l.plugins(mapGet(item, "required_plugin_versions"))
		case mapGet(item, "list") != nil:
		case mapGet(item, "macro") != nil:
			l.macro(item)
		case mapGet(item, "rule") != nil:
			l.rule(item)
		default:
			l.rs.Warnings = append(l.rs.Warnings, fmt.Sprintf("%s: unknown top level object", l.pos(item)))
		}
	}
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	return l.rs, nil
}

func (l *loader) pos(n *yaml.Node) source.Pos {
	return source.Pos{File: l.rs.File, Line: n.Line, Col: n.Column}
}

func (l *loader) errorf(n *yaml.Node, format string, args ...any) {
	l.errs = append(l.errs, &Error{Pos: l.pos(n), Msg: fmt.Sprintf(format, args...)})
}

func mapGet(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func (l *loader) scalar(m *yaml.Node, key string, required bool) (string, *yaml.Node, bool) {
	n := mapGet(m, key)
	if n == nil {
		if required {
			l.errorf(m, "item has no mapping for key '%s'", key)
		}
		return "", nil, false
	}
	if n.Kind != yaml.ScalarNode {
		l.errorf(n, "value of '%s' must be a string", key)
		return "", n, false
	}
	return n.Value, n, true
}

func (l *loader) strings(m *yaml.Node, key string) []string {
	n := mapGet(m, key)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "value of '%s' must be a sequence of strings", key)
		return nil
	}
	out := []string{}
	for _, it := range n.Content {
		if it.Kind != yaml.ScalarNode {
			l.errorf(it, "value of '%s' must be a sequence of strings", key)
			continue
		}
		out = append(out, it.Value)
	}
	return out
}

func (l *loader) unsupported(m *yaml.Node, keys ...string) bool {
	for _, k := range keys {
		if n := mapGet(m, k); n != nil {
			l.errorf(n, "'%s' is valid Falco but not supported by sigforge's Falco evaluator", k)
			return true
		}
	}
	return false
}

func (l *loader) engineVersion(n *yaml.Node) {
	v, err := ParseVersion(n.Value)
	if err != nil {
		l.errorf(n, "%v", err)
		return
	}
	l.rs.RequiredEngine = v
	if !l.opts.Engine.IsZero() && l.opts.Engine.Less(v) {
		l.errorf(n, "rules require engine version %s, but the engine version is %s", v, l.opts.Engine)
	}
}

func (l *loader) plugins(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "required_plugin_versions must be a sequence")
		return
	}
	for _, p := range n.Content {
		name, _, ok1 := l.scalar(p, "name", true)
		ver, vn, ok2 := l.scalar(p, "version", true)
		if !ok1 || !ok2 {
			continue
		}
		want, err := ParseVersion(ver)
		if err != nil {
			l.errorf(vn, "plugin %s: %v", name, err)
			continue
		}
		l.rs.Plugins = append(l.rs.Plugins, PluginRequirement{Name: name, Version: ver})
		have, ok := PluginVersions[name]
		if !ok {
			l.errorf(p, "Plugin '%s' required by this rules file is not loaded (the evaluator emulates %s)", name, pluginList())
			continue
		}
		if have.Less(want) {
			l.errorf(vn, "Plugin '%s' version %s is required, the emulated plugin is %s", name, want, have)
		}
	}
}

func (l *loader) list(m *yaml.Node) {
	name, nn, ok := l.scalar(m, "list", true)
	if !ok || l.unsupported(m, "append", "override") {
		return
	}
	if mapGet(m, "items") == nil {
		l.errorf(m, "item has no mapping for key 'items'")
		return
	}
	// Items that name an earlier list are replaced by its items.
	var items []string
	for _, it := range l.strings(m, "items") {
		if ref, ok := l.lists[it]; ok {
			items = append(items, ref.Items...)
			continue
		}
		items = append(items, it)
	}
	lst := &List{Pos: l.pos(nn), Name: name, Items: items}
	if prev, ok := l.lists[name]; ok {
		// Falco replaces an earlier definition (define_info in
		// rule_loader_collector.cpp).
		l.rs.Warnings = append(l.rs.Warnings, fmt.Sprintf("%s: list %q redefined (first at %s): the later definition replaces it", lst.Pos, name, prev.Pos))
		*prev = *lst
		return
	}
	l.lists[name] = lst
	l.rs.Lists = append(l.rs.Lists, lst)
}

func (l *loader) macro(m *yaml.Node) {
	name, nn, ok := l.scalar(m, "macro", true)
	if !ok || l.unsupported(m, "append", "override") {
		return
	}
	cond, cn, ok := l.scalar(m, "condition", true)
	if !ok {
		return
	}
	e, err := l.condition(cond, cn)
	if err != nil {
		return
	}
	mac := &Macro{Pos: l.pos(nn), Name: name, Condition: cond, Expr: e}
	if prev, ok := l.macros[name]; ok {
		l.rs.Warnings = append(l.rs.Warnings, fmt.Sprintf("%s: macro %q redefined (first at %s): the later definition replaces it", mac.Pos, name, prev.Pos))
		*prev = *mac
		return
	}
	l.macros[name] = mac
	l.rs.Macros = append(l.rs.Macros, mac)
}

func (l *loader) rule(m *yaml.Node) {
	name, nn, ok := l.scalar(m, "rule", true)
	if !ok || l.unsupported(m, "append", "override") {
		return
	}
	if len(m.Content) == 4 && mapGet(m, "enabled") != nil {
		// "rule: X" with only "enabled" switches an earlier rule on or off.
		var on bool
		if err := mapGet(m, "enabled").Decode(&on); err != nil {
			l.errorf(mapGet(m, "enabled"), "enabled must be a boolean")
			return
		}
		for _, prev := range l.rs.Rules {
			if prev.Name == name {
				prev.Enabled = on
				return
			}
		}
		l.errorf(nn, "Rule has 'enabled' key but no rule by that name already exists")
		return
	}
	r := &Rule{Pos: l.pos(nn), Name: name, Enabled: true, Source: "syscall"}
	var cn, on, pn *yaml.Node
	var okc, oko, okp bool
	r.Desc, _, _ = l.scalar(m, "desc", true)
	r.Condition, cn, okc = l.scalar(m, "condition", true)
	r.Output, on, oko = l.scalar(m, "output", true)
	r.Priority, pn, okp = l.scalar(m, "priority", true)
	if s, _, ok := l.scalar(m, "source", false); ok {
		r.Source = s
	}
	if en := mapGet(m, "enabled"); en != nil {
		var b bool
		if err := en.Decode(&b); err != nil {
			l.errorf(en, "enabled must be a boolean")
		}
		r.Enabled = b
	}
	r.Tags = l.strings(m, "tags")
	if okp && !validPriority(r.Priority) {
		l.errorf(pn, "Invalid priority level: %s", r.Priority)
	}
	replaced := false
	for i, o := range l.rs.Rules {
		if o.Name == r.Name {
			l.rs.Warnings = append(l.rs.Warnings, fmt.Sprintf("%s: rule %q redefined (first at %s): the later definition replaces it", r.Pos, r.Name, o.Pos))
			l.rs.Rules[i] = r
			replaced = true
		}
	}
	if !replaced {
		l.rs.Rules = append(l.rs.Rules, r)
	}
	if r.Source != Source {
		l.rs.Warnings = append(l.rs.Warnings, fmt.Sprintf("%s: rule %q has source %q, not %s: it never runs on CloudTrail events", r.Pos, r.Name, r.Source, Source))
		return
	}
	if oko {
		l.output(r.Output, on)
	}
	if !okc {
		return
	}
	text := r.Condition
	if ex := mapGet(m, "exceptions"); ex != nil {
		var ok bool
		if text, ok = l.exceptions(text, ex); !ok {
			return
		}
	}
	e, err := l.condition(text, cn)
	if err != nil {
		return
	}
	f, err := Compile(e, l.opts.Engine)
	if err != nil {
		l.addErr(err, cn)
		return
	}
	r.Expr, r.Filter = e, f
}

// exceptions appends a rule's exceptions to its condition text the way
// Falco's build_rule_exception_infos does (rule_loader_compiler.cpp):
// "(cond) and not (f comp (v1, v2))" for a single field, and
// "(cond) and not ((f1 = v1 and f2 in (a, b)) or ...)" for a field list.
// comps default to "in" for a single field and "=" for each field of a
// list. Values are spliced in as text, quoted only when they hold a space.
func (l *loader) exceptions(cond string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "Rule exceptions must be a sequence")
		return "", false
	}
	cond = "(" + cond + ")"
	for _, ex := range n.Content {
		if ex.Kind != yaml.MappingNode {
			l.errorf(ex, "Rule exception must be a mapping")
			return "", false
		}
		fields, comps, values := mapGet(ex, "fields"), mapGet(ex, "comps"), mapGet(ex, "values")
		if fields == nil {
			l.errorf(ex, "item has no mapping for key 'fields'")
			return "", false
		}
		var icond string
		if fields.Kind == yaml.ScalarNode {
			comp := "in"
			if comps != nil {
				if comps.Kind != yaml.ScalarNode {
					l.errorf(comps, "Fields and comps must both be strings")
					return "", false
				}
				comp = comps.Value
			}
			if comp != "in" && comp != "pmatch" && comp != "intersects" {
				l.errorf(comps, "When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)")
				return "", false
			}
			var items []string
			for _, v := range seqItems(values) {
				if v.Kind != yaml.ScalarNode {
					l.errorf(v, "Expected values array to contain a list of strings")
					return "", false
				}
				items = append(items, quoteItem(v.Value))
			}
			if len(items) > 0 {
				icond = "(" + fields.Value + " " + comp + " (" + strings.Join(items, ", ") + "))"
			}
		} else {
			var names []string
			for _, f := range seqItems(fields) {
				names = append(names, f.Value)
			}
			ops := make([]string, len(names))
			for i := range ops {
				ops[i] = "="
			}
			if comps != nil {
				cs := seqItems(comps)
				if len(cs) != len(names) {
					l.errorf(comps, "Fields and comps lists must have equal length")
					return "", false
				}
				for i, c := range cs {
					ops[i] = c.Value
				}
			}
			var alts []string
			for _, vals := range seqItems(values) {
				vs := seqItems(vals)
				if len(vs) != len(names) {
					l.errorf(vals, "Fields and values lists must have equal length")
					return "", false
				}
				var conj []string
				for k, f := range names {
					var rhs string
					if vs[k].Kind == yaml.SequenceNode {
						var items []string
						for _, it := range vs[k].Content {
							items = append(items, quoteItem(it.Value))
						}
						rhs = "(" + strings.Join(items, ", ") + ")"
					} else if isListOp(ops[k]) {
						rhs = vs[k].Value
						if !strings.HasPrefix(rhs, "(") {
							rhs = "(" + rhs + ")"
						}
					} else {
						rhs = quoteItem(vs[k].Value)
					}
					conj = append(conj, " "+f+" "+ops[k]+" "+rhs)
				}
				alts = append(alts, "("+strings.Join(conj, " and ")+")")
			}
			if len(alts) > 0 {
				icond = "(" + strings.Join(alts, " or ") + ")"
			}
		}
		if icond != "" {
			cond += " and not " + icond
		}
	}
	return cond, true
}

func seqItems(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// quoteItem is Falco's quote_item: an item with a space that does not
// start with a quote is wrapped in double quotes.
func quoteItem(s string) string {
	if strings.Contains(s, " ") && s != "" && s[0] != '"' && s[0] != '\'' {
		return `"` + s + `"`
	}
	return s
}

func validPriority(p string) bool {
	up := strings.ToUpper(p)
	if up == "INFO" {
		return true
	}
	for _, q := range Priorities {
		if up == q {
			return true
		}
	}
	return false
}

// condition substitutes lists, parses and expands the macros defined so far.
func (l *loader) condition(text string, n *yaml.Node) (Expr, error) {
	for _, lst := range l.rs.Lists {
		text = substituteList(text, lst)
	}
	e, err := Parse("", text)
	if err != nil {
		l.addErr(err, n)
		return nil, err
	}
	e, err = l.expand(e)
	if err != nil {
		l.addErr(err, n)
		return nil, err
	}
	return e, nil
}

// addErr places an error found inside a condition at its position in the
// rules file: exact on the first line of the scalar, the scalar's start plus
// a note otherwise (YAML folds multi-line scalars).
func (l *loader) addErr(err error, n *yaml.Node) {
	var list []*Error
	switch x := err.(type) {
	case *Error:
		list = []*Error{x}
	case ErrorList:
		list = x
	default:
		list = []*Error{{Msg: err.Error()}}
	}
	for _, e := range list {
		p := l.pos(n)
		msg := e.Msg
		inline := n.Style == 0 || n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle
		if e.Pos.Line == 1 && inline && !strings.Contains(n.Value, "\n") && n.Line > 0 {
			p.Col += e.Pos.Col - 1
			if n.Style != 0 {
				p.Col++
			}
		} else if e.Pos.Line > 0 {
			msg = fmt.Sprintf("%s (condition line %d, column %d)", msg, e.Pos.Line, e.Pos.Col)
		}
		l.errs = append(l.errs, &Error{Pos: p, Msg: msg})
	}
}

func (l *loader) expand(e Expr) (Expr, error) {
	switch x := e.(type) {
	case *MacroRef:
		m, ok := l.macros[x.Name]
		if !ok {
			return nil, errorf(x.Pos, "Undefined macro '%s' used in filter.", x.Name)
		}
		return m.Expr, nil
	case *And:
		args, err := l.expandAll(x.Args)
		return &And{Pos: x.Pos, Args: args}, err
	case *Or:
		args, err := l.expandAll(x.Args)
		return &Or{Pos: x.Pos, Args: args}, err
	case *Not:
		a, err := l.expand(x.Arg)
		return &Not{Pos: x.Pos, Arg: a}, err
	}
	return e, nil
}

func (l *loader) expandAll(es []Expr) ([]Expr, error) {
	out := make([]Expr, len(es))
	for i, e := range es {
		x, err := l.expand(e)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// substituteList replaces every occurrence of the list's name that stands
// between delimiters (blanks, parentheses, commas, "=" or the ends) with its
// items, as Falco's rule loader does (resolve_list in
// userspace/engine/rule_loader_compiler.cpp). Like Falco, it does this on the
// condition text, even inside quoted strings. Items holding a space are
// quoted unless they already start with a quote.
func substituteList(cnd string, lst *List) string {
	const blanks = " \t\n\r"
	const delims = blanks + "(),="
	start := strings.Index(cnd, lst.Name)
	for start >= 0 {
		end := start + len(lst.Name)
		if (start == 0 || strings.IndexByte(delims, cnd[start-1]) >= 0) &&
			(end >= len(cnd) || strings.IndexByte(delims, cnd[end]) >= 0) {
			for start > 0 && strings.IndexByte(blanks, cnd[start-1]) >= 0 {
				start--
			}
			for end < len(cnd) && strings.IndexByte(blanks, cnd[end]) >= 0 {
				end++
			}
			var sub strings.Builder
			for _, it := range lst.Items {
				if sub.Len() > 0 {
					sub.WriteString(", ")
				}
				sub.WriteString(quoteItem(it))
			}
			if sub.Len() == 0 {
				if start > 0 && cnd[start-1] == ',' {
					start--
				} else if end < len(cnd) && cnd[end] == ',' {
					end++
				}
			}
			var b strings.Builder
			if start > 0 {
				b.WriteString(cnd[:start] + " ")
			}
			b.WriteString(sub.String() + " ")
			if end <= len(cnd) {
				b.WriteString(cnd[end:])
			}
			cnd = b.String()
			start += sub.Len() + 1
		}
		next := strings.Index(cnd[min(start+1, len(cnd)):], lst.Name)
		if next < 0 {
			break
		}
		start = start + 1 + next
	}
	return cnd
}

// output checks an output format the way libsinsp's event formatter does
// (eventformatter.cpp): every "%" is followed by an optional length and a
// field, a field with [arg], or a transformer, and the format does not end
// with "%". Fields must exist and take an argument exactly when they need
// one.
func (l *loader) output(out string, n *yaml.Node) {
	for i := 0; i < len(out); i++ {
		if out[i] != '%' {
			continue
		}
		if i == len(out)-1 {
			l.errorf(n, "invalid formatting syntax: formatting cannot end with a %%")
			return
		}
		j := i + 1
		for j < len(out) && out[j] >= '0' && out[j] <= '9' {
			j++
		}
		rest := out[j:]
		if t, ok := transformerPrefix(rest); ok {
			// A transformer: its argument must be a known field.
			rest = strings.TrimLeft(rest[len(t)+1:], " \t")
		}
		name := rxFieldName.FindString(rest)
		if name == "" {
			l.errorf(n, "invalid output format: unknown filter after %% at offset %d", i)
			continue
		}
		def, ok := fields[name]
		if !ok {
			l.errorf(n, "invalid output format: unknown field %s", name)
			continue
		}
		hasArg := strings.HasPrefix(rest[len(name):], "[")
		if def.arg == argRequired && !hasArg {
			l.errorf(n, "invalid output format: field %s requires an argument", name)
		}
		if def.arg == argNone && hasArg {
			l.errorf(n, "invalid output format: field %s does not accept an argument", name)
		}
	}
}

func transformerPrefix(s string) (string, bool) {
	for _, t := range transformers {
		if strings.HasPrefix(s, t) {
			return strings.TrimSuffix(t, "("), true
		}
	}
	return "", false
}

// Match returns the names of the enabled aws_cloudtrail rules whose
// condition holds for the record, in file order.
func (rs *Ruleset) Match(r *Record) []string {
	var out []string
	for _, rule := range rs.Rules {
		if rule.Enabled && rule.Filter != nil && rule.Filter.Match(r) {
			out = append(out, rule.Name)
		}
	}
	return out
}

// ListNames returns the names of the file's lists, sorted.
func (rs *Ruleset) ListNames() []string {
	out := make([]string, 0, len(rs.Lists))
	for _, l := range rs.Lists {
		out = append(out, l.Name)
	}
	sort.Strings(out)
	return out
}
