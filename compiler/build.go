package compiler

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/lower"
	"github.com/sigforge/sigforge/compiler/sigma"
	"github.com/sigforge/sigforge/compiler/source"
	v "github.com/sigforge/sigforge/compiler/validate"
)

// entry is one document of the loaded set on its way to the intermediate
// form.
type entry struct {
	doc    *sigma.Document
	rule   *ir.Rule // rules and correlations
	filter ir.Expr  // filters
	ds     source.Diagnostics
}

func (e *entry) failed(strict bool) bool {
	if strict {
		return len(e.ds) > 0
	}
	return e.ds.HasErrors()
}

// buildStream reads and lowers the files whose paths arrive on paths, on up
// to GOMAXPROCS goroutines (files share nothing until linking), while the
// caller is still finding them, and links them in path order, so the
// output does not depend on the scheduling.
func buildStream(paths <-chan string, opts Options) (*Set, source.Diagnostics) {
	lopts := lowerOptions(opts)
	var mu sync.Mutex
	var files []fileResult
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var mine []fileResult
			for p := range paths {
				mine = append(mine, buildPath(p, opts, lopts))
			}
			mu.Lock()
			files = append(files, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.SortFunc(files, func(a, b fileResult) int { return strings.Compare(a.name, b.name) })
	return link(files, opts)
}

func lowerOptions(opts Options) lower.Options {
	if opts.Config != nil {
		return lower.Options{Placeholders: opts.Config.Placeholders}
	}
	return lower.Options{}
}

// link checks and links the documents of the files, in their order.
func link(files []fileResult, opts Options) (*Set, source.Diagnostics) {
	var ds source.Diagnostics
	set := &Set{Rules: []*ir.Rule{}}
	var entries []*entry
	for _, f := range files {
		if !f.unreadable {
			set.Files = append(set.Files, f.name)
		}
		ds = append(ds, f.ds...)
		entries = append(entries, f.entries...)
	}
	l := &linker{entries: entries, strict: opts.Strict}
	l.duplicates()
	l.filters()
	l.correlations()
	ds = append(ds, l.ds...)
	for _, e := range entries {
		if e.rule != nil && !e.failed(opts.Strict) {
			set.Rules = append(set.Rules, e.rule)
		}
	}
	return set, ds
}

// fileResult is one input file read and lowered.
type fileResult struct {
	name       string
	entries    []*entry
	ds         source.Diagnostics
	unreadable bool // not listed in Set.Files
}

// buildPath reads the file at path and builds it; an unreadable file is a
// problem, and not listed in Set.Files.
func buildPath(path string, opts Options, lopts lower.Options) fileResult {
	data, err := readFile(path)
	if err != nil {
		res := fileResult{name: path, unreadable: true}
		res.ds.Add(source.Pos{File: path}, v.YAMLSyntax, "cannot read: %v", unwrapPathError(err))
		return res
	}
	return buildFile(path, data, opts, lopts)
}

// buildFile reads one file's documents and lowers each.
func buildFile(name string, data []byte, opts Options, lopts lower.Options) fileResult {
	res := fileResult{name: name}
	docs, fileDS := sigma.Read(name, data)
	res.ds = append(res.ds, fileDS...)
	if len(docs) == 0 && len(fileDS) == 0 {
		res.ds.Warn(source.Pos{File: name, Line: 1, Col: 1}, v.MissingField, "the file holds no rule")
	}
	for _, d := range docs {
		e := &entry{doc: d, ds: d.Problems}
		var more source.Diagnostics
		switch d.Kind {
		case sigma.KindFilter:
			if d.Filter != nil && d.Filter.Detection != nil {
				e.filter, more = lower.Detection(d.Filter.Detection, lopts)
			}
		default:
			e.rule, more = lower.Rule(d, lopts)
			more = append(more, fieldChecks(e.rule, opts)...)
		}
		e.ds = append(e.ds, more...)
		res.ds = append(res.ds, more...)
		if d.Kind != sigma.KindFilter && opts.Strict {
			more = strictChecks(d)
			e.ds = append(e.ds, more...)
			res.ds = append(res.ds, more...)
		}
		res.entries = append(res.entries, e)
	}
	return res
}

// linker checks and links documents across the loaded set.
type linker struct {
	entries []*entry
	strict  bool
	ds      source.Diagnostics
}

func (l *linker) report(e *entry, d *source.Diagnostic) {
	e.ds = append(e.ds, d)
	l.ds = append(l.ds, d)
}

// duplicates reports ids and names used by more than one document; the
// first (in path order) keeps them.
func (l *linker) duplicates() {
	ids := make(map[string]*entry, len(l.entries)) // nearly every document has an id
	var names map[string]*entry                    // few have a name
	for _, e := range l.entries {
		d := e.doc
		if d.ID != "" {
			if first, ok := ids[d.ID]; ok {
				l.report(e, &source.Diagnostic{Pos: d.ValuePos.At("id"), Code: v.DuplicateID,
					Message: fmt.Sprintf("id %s is also the id of %q (%s)", d.ID, first.doc.Title, first.doc.Pos)})
			} else {
				ids[d.ID] = e
			}
		}
		if d.Name != "" {
			if first, ok := names[d.Name]; ok {
				l.report(e, &source.Diagnostic{Pos: d.ValuePos.At("name"), Code: v.DuplicateID,
					Message: fmt.Sprintf("name %q is also the name of %q (%s)", d.Name, first.doc.Title, first.doc.Pos)})
			} else {
				if names == nil {
					names = map[string]*entry{}
				}
				names[d.Name] = e
			}
		}
	}
}

// lookup finds a rule or correlation by id or name.
func (l *linker) lookup(ref string) *entry {
	for _, e := range l.entries {
		if e.doc.Kind != sigma.KindFilter && (e.doc.ID == ref || e.doc.Name == ref) {
			return e
		}
	}
	return nil
}

// filters applies every filter to the rules it selects.
func (l *linker) filters() {
	for _, f := range l.entries {
		if f.doc.Kind != sigma.KindFilter || f.filter == nil || f.failed(l.strict) {
			continue
		}
		fd := f.doc.Filter
		targets := map[*entry]bool{}
		for i, ref := range fd.Rules {
			t := l.lookup(ref)
			if t == nil {
				l.report(f, &source.Diagnostic{Pos: fd.RulesPos[i], Code: v.FilterNoMatch, Severity: source.Warning,
					Message: fmt.Sprintf("filter names rule %q, which is not loaded", ref)})
				continue
			}
			targets[t] = true
		}
		for _, e := range l.entries {
			if e.rule == nil || e.rule.IsCorrelation() || e.rule.Detection == nil {
				continue
			}
			if len(fd.Rules) > 0 && !targets[e] {
				continue
			}
			if !logsourceContains(f.doc.Logsource, e.doc.Logsource) {
				continue
			}
			and := &ir.And{Pos: e.rule.Detection.Position()}
			if x, ok := e.rule.Detection.(*ir.And); ok {
				and.Args = append(and.Args, x.Args...)
			} else {
				and.Args = append(and.Args, e.rule.Detection)
			}
			e.rule.Detection = &ir.And{Pos: and.Pos, Args: append(and.Args, f.filter)}
		}
	}
}

// logsourceContains reports whether a rule's logsource is contained in a
// filter's: every category, product and service the filter names is the
// rule's too.
func logsourceContains(filter, rule ir.Logsource) bool {
	eq := func(f, r string) bool { return f == "" || f == r }
	return eq(filter.Category, rule.Category) && eq(filter.Product, rule.Product) && eq(filter.Service, rule.Service)
}

// correlations resolves the rules every correlation references.
func (l *linker) correlations() {
	if !slices.ContainsFunc(l.entries, func(e *entry) bool { return e.rule != nil && e.rule.IsCorrelation() }) {
		return // nothing below applies
	}
	for _, e := range l.entries {
		if e.rule == nil || !e.rule.IsCorrelation() || e.doc.Correlation == nil {
			continue
		}
		c := e.doc.Correlation
		refs := map[string]*entry{}
		for i, ref := range c.Rules {
			t := l.lookup(ref)
			switch {
			case t == nil:
				l.report(e, &source.Diagnostic{Pos: c.RulesPos[i], Code: v.UnknownRuleRef,
					Message: fmt.Sprintf("correlation references rule %q, which is not loaded (rules are named by id or name)", ref)})
			case t == e:
				l.report(e, &source.Diagnostic{Pos: c.RulesPos[i], Code: v.BadCorrelation,
					Message: "a correlation cannot reference itself"})
			case t.failed(l.strict):
				l.report(e, &source.Diagnostic{Pos: c.RulesPos[i], Code: v.UnknownRuleRef,
					Message: fmt.Sprintf("correlation references rule %q, which has errors", ref)})
			default:
				e.rule.Correlation.Rules = append(e.rule.Correlation.Rules, t.rule)
				refs[t.doc.ID] = t
				refs[t.doc.Name] = t
			}
		}
		for alias, m := range c.Aliases {
			for ref := range m {
				if refs[ref] == nil && !contains(c.Rules, ref) {
					l.report(e, &source.Diagnostic{Pos: c.Pos, Code: v.BadCorrelation,
						Message: fmt.Sprintf("alias %q maps rule %q, which the correlation does not reference", alias, ref)})
				}
			}
		}
	}
	// A chain of correlations must not loop.
	for _, e := range l.entries {
		if e.rule != nil && e.rule.IsCorrelation() && loops(e.rule, e.rule, nil) {
			l.report(e, &source.Diagnostic{Pos: e.doc.Correlation.Pos, Code: v.BadCorrelation,
				Message: "correlation chain references itself"})
		}
	}
	// A correlation that references a correlation that failed fails too,
	// through chains of any length.
	byRule := map[*ir.Rule]*entry{}
	for _, e := range l.entries {
		if e.rule != nil {
			byRule[e.rule] = e
		}
	}
	for changed := true; changed; {
		changed = false
		for _, e := range l.entries {
			if e.rule == nil || !e.rule.IsCorrelation() || e.failed(l.strict) {
				continue
			}
			for _, x := range e.rule.Correlation.Rules {
				if t := byRule[x]; t.failed(l.strict) {
					l.report(e, &source.Diagnostic{Pos: e.doc.Correlation.Pos, Code: v.UnknownRuleRef,
						Message: fmt.Sprintf("correlation references rule %q, which has errors", x.Title)})
					changed = true
					break
				}
			}
		}
	}
}

// loops reports whether the correlation chain from r reaches start again.
func loops(start, r *ir.Rule, seen map[*ir.Rule]bool) bool {
	if seen == nil {
		seen = map[*ir.Rule]bool{}
	}
	for _, x := range r.Correlation.Rules {
		if x == start {
			return true
		}
		if x.IsCorrelation() && !seen[x] {
			seen[x] = true
			if loops(start, x, seen) {
				return true
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
