package sigma

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/compiler/internal/yamlfast"
	"github.com/sigforge/sigforge/compiler/ir"
	"github.com/sigforge/sigforge/compiler/source"
	v "github.com/sigforge/sigforge/compiler/validate"
)

// Read reads every YAML document of a rule file. name is the path used in
// positions. Documents after a YAML syntax error are lost (YAML cannot
// resynchronise); those before it are returned.
func Read(name string, data []byte) ([]*Document, source.Diagnostics) {
	f := newFile(name, data)
	r := &reader{f: f}
	// yamlfast builds the same trees as yaml.v3, several times faster, for
	// the YAML rules are written in; on anything else (and on errors, whose
	// messages come from yaml.v3) it declines and yaml.v3 decodes. The
	// trees are borrowed: the reader must keep no node or Content slice
	// (strings are fine) once they are released for the next file.
	if roots, release, ok := yamlfast.Borrow(data); ok {
		for i, root := range roots {
			r.root(root, i)
		}
		release()
		return r.docs, r.ds
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			r.ds.Add(r.yamlErrorPos(err), v.YAMLSyntax, "%s", yamlMessage(err))
			break
		}
		r.root(&root, i)
	}
	return r.docs, r.ds
}

// root reads the i-th document of the file.
func (r *reader) root(root *yaml.Node, i int) {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return
	}
	body := root.Content[0]
	if body.Kind == yaml.ScalarNode && body.Tag == "!!null" {
		return // an empty document, e.g. after a trailing "---"
	}
	start := len(r.ds)
	if d := r.document(body, i); d != nil {
		d.Problems = slices.Clone(r.ds[start:])
		r.docs = append(r.docs, d)
	}
}

type reader struct {
	f      *file
	docs   []*Document
	ds     source.Diagnostics
	blocks blocks // of the detection being read
	// strs holds the entries of the document's string lists.
	strs block[string]
}

var (
	yamlLineRE   = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)
	yamlAnchorRE = regexp.MustCompile(`^yaml: unknown anchor '([^']*)' referenced`)
)

// parserErrors are yaml.v3's parser (not scanner) errors: it reports their
// line 0-based, and scanner errors 1-based.
var parserErrors = []string{
	"did not find expected <document start>", "did not find expected key",
	"did not find expected '-' indicator", "did not find expected node content",
	"did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"found duplicate %YAML directive", "found incompatible YAML document",
	"found undefined tag handle", "found duplicate %TAG directive",
}

// yamlErrorPos extracts the line of a yaml.v3 error ("yaml: line 7: ...");
// yaml.v3 reports no columns for syntax errors.
func (r *reader) yamlErrorPos(err error) source.Pos {
	msg := err.Error()
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil && m[1] != "" {
		line, _ = strconv.Atoi(m[1])
		for _, p := range parserErrors {
			if strings.HasSuffix(msg, p) {
				line++
				break
			}
		}
	} else if m := yamlAnchorRE.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(r.f.data, []byte("*"+m[1])); i >= 0 {
			return r.f.posAt(i)
		}
	}
	line = min(max(line, 1), len(r.f.lineStarts))
	return source.Pos{File: r.f.name, Line: line, Col: 1}
}

func yamlMessage(err error) string {
	msg := yamlLineRE.ReplaceAllString(err.Error(), "")
	return "YAML: " + strings.ReplaceAll(msg, "\n", "; ")
}

func (r *reader) pos(n *yaml.Node) source.Pos { return r.f.pos(n) }

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// pairs returns the key/value pairs of a map, reporting repeated keys. They
// are appended to buf when it has room (a caller's array on the stack).
func (r *reader) pairs(n *yaml.Node, buf [][2]*yaml.Node) [][2]*yaml.Node {
	out := buf[:0]
	if cap(out) < len(n.Content)/2 {
		out = make([][2]*yaml.Node, 0, len(n.Content)/2)
	}
	var seen map[string]bool // only for big maps; small ones are scanned
	if len(n.Content) > 32 {
		seen = make(map[string]bool, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := deref(n.Content[i]), deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			r.ds.Add(r.pos(k), v.BadField, "map key must be a scalar")
			continue
		}
		dup := seen[k.Value]
		if seen == nil {
			dup = slices.ContainsFunc(out, func(p [2]*yaml.Node) bool { return p[0].Value == k.Value })
		}
		if dup {
			r.ds.Add(r.pos(k), v.DuplicateKey, "key %q is repeated", k.Value)
			continue
		}
		if seen != nil {
			seen[k.Value] = true
		}
		out = append(out, [2]*yaml.Node{k, val})
	}
	return out
}

// str reads a scalar as a string; ok is false (and a problem reported)
// when the node is not a scalar. A null scalar gives "".
func (r *reader) str(key string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		r.ds.Add(r.pos(n), v.BadField, "%s must be a string, not a %s", key, kindName(n))
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

// strList reads a list of scalar strings and their positions. A single
// string is accepted as a list of one when single is true.
func (r *reader) strList(key string, n *yaml.Node, single bool) ([]string, []source.Pos) {
	return r.list(key, n, single, true)
}

// list is strList, with the positions only when withPos is true.
func (r *reader) list(key string, n *yaml.Node, single, withPos bool) ([]string, []source.Pos) {
	switch {
	case isNull(n):
		return nil, nil
	case n.Kind == yaml.ScalarNode && single:
		out := r.strs.take(1)
		out[0] = n.Value
		if !withPos {
			return out, nil
		}
		return out, []source.Pos{r.pos(n)}
	case n.Kind != yaml.SequenceNode:
		r.ds.Add(r.pos(n), v.BadField, "%s must be a list of strings, not a %s", key, kindName(n))
		return nil, nil
	}
	out := r.strs.take(len(n.Content))[:0]
	var pos []source.Pos
	if withPos {
		pos = make([]source.Pos, 0, len(n.Content))
	}
	for _, e := range n.Content {
		e = deref(e)
		if e.Kind != yaml.ScalarNode || isNull(e) {
			r.ds.Add(r.pos(e), v.BadField, "%s must be a list of strings; this entry is a %s", key, kindName(e))
			continue
		}
		out = append(out, e.Value)
		if withPos {
			pos = append(pos, r.pos(e))
		}
	}
	return out, pos
}

// entryPos is the position of the i-th string list reads from n.
func (r *reader) entryPos(n *yaml.Node, i int) source.Pos {
	if n.Kind == yaml.ScalarNode {
		return r.pos(n)
	}
	for _, e := range n.Content {
		if e = deref(e); e.Kind == yaml.ScalarNode && !isNull(e) {
			if i == 0 {
				return r.pos(e)
			}
			i--
		}
	}
	return r.pos(n)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "map"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		switch n.Tag {
		case "!!int", "!!float":
			return "number"
		case "!!bool":
			return "boolean"
		}
		return "string"
	}
	return "node"
}

// stringField returns the field a string key is read into, or nil.
func (d *Document) stringField(key string) *string {
	switch key {
	case "title":
		return &d.Title
	case "id":
		return &d.ID
	case "name":
		return &d.Name
	case "status":
		return &d.Status
	case "description":
		return &d.Description
	case "license":
		return &d.License
	case "author":
		return &d.Author
	case "date":
		return &d.Date
	case "modified":
		return &d.Modified
	case "taxonomy":
		return &d.Taxonomy
	case "level":
		return &d.Level
	case "severity":
		return &d.Severity
	case "investigation_guide":
		return &d.Guide
	}
	return nil
}

// listField returns the field a string-list key is read into, or nil.
func (d *Document) listField(key string) *[]string {
	switch key {
	case "references":
		return &d.References
	case "tags":
		return &d.Tags
	case "falsepositives":
		return &d.FalsePositives
	case "fields":
		return &d.Fields
	case "scope":
		return &d.Scope
	case "alert_fields":
		return &d.AlertFields
	}
	return nil
}

func (r *reader) document(n *yaml.Node, index int) *Document {
	d := &Document{File: r.f.name, Pos: r.pos(n), Index: index}
	if n.Kind != yaml.MappingNode {
		r.ds.Add(d.Pos, v.BadField, "a rule document must be a map of fields, not a %s", kindName(n))
		return nil
	}
	var buf [24][2]*yaml.Node
	pairs := r.pairs(n, buf[:])
	keys := make([]keyPositions, len(pairs))
	d.KeyPos = Positions{file: r.f.name, keys: keys}
	d.ValuePos = Positions{file: r.f.name, keys: keys, value: true}
	for i, p := range pairs {
		k, val := p[0], p[1]
		kp, vp := r.pos(k), r.pos(val)
		keys[i] = keyPositions{k.Value, int32(kp.Line), int32(kp.Col), int32(vp.Line), int32(vp.Col)}
		switch {
		case k.Value == "correlation":
			d.Kind = KindCorrelation
		case k.Value == "filter" && d.Kind == KindRule:
			d.Kind = KindFilter
		}
	}
	// One allocation for the entries of the document's string lists.
	entries := 0
	for _, p := range pairs {
		if d.listField(p[0].Value) != nil {
			entries += max(len(p[1].Content), 1)
		}
	}
	r.strs = make(block[string], 0, entries)
	for _, p := range pairs {
		k, val := p[0], p[1]
		key := k.Value
		if field := d.stringField(key); field != nil {
			if s, ok := r.str(key, val); ok {
				*field = s
			}
			continue
		}
		if field := d.listField(key); field != nil {
			// Only tags keep their entries' positions; the others are
			// found again for a duplicate.
			list, pos := r.list(key, val, key == "falsepositives" || key == "references", key == "tags")
			*field = list
			if key == "tags" {
				d.TagPos = pos
			}
			r.checkUnique(key, list, pos, val)
			continue
		}
		switch key {
		case "related":
			r.related(d, val)
		case "logsource":
			r.logsource(d, val)
		case "detection":
			if d.Kind == KindRule {
				d.Detection = r.detection(val, "detection")
			} else {
				r.ds.Add(r.pos(k), v.BadField, "a %s has no detection section", d.Kind)
			}
		case "correlation":
			d.Correlation = r.correlation(val)
		case "filter":
			if d.Kind == KindFilter {
				d.Filter = r.filter(val)
			} else {
				r.ds.Add(r.pos(k), v.BadField, "a correlation cannot also be a filter")
			}
		case "generate":
			if val.Kind != yaml.ScalarNode || val.Tag != "!!bool" {
				r.ds.Add(r.pos(val), v.BadField, "generate must be true or false")
			} else {
				d.Generate = val.Value == "true"
			}
		case "risk_score":
			n, err := strconv.Atoi(val.Value)
			if val.Kind != yaml.ScalarNode || val.Tag != "!!int" || err != nil || n < 0 || n > 100 {
				r.ds.Add(r.pos(val), v.BadRiskScore, "risk_score must be an integer from 0 to 100")
			} else {
				d.RiskScore = &n
			}
		default:
			var x any
			if val.Kind == yaml.ScalarNode && val.Tag == "!!str" {
				x = val.Value // what Decode gives a string, without reflection
			} else if err := val.Decode(&x); err != nil {
				r.ds.Add(r.pos(val), v.BadField, "custom field %s: %v", key, err)
			}
			if d.Custom == nil {
				d.Custom = map[string]any{}
			}
			d.Custom[key] = x
		}
	}
	r.checkFields(d)
	return d
}

// checkUnique reports repeated entries of a list read from n (at pos, or
// found again in n when pos is nil).
func (r *reader) checkUnique(key string, list []string, pos []source.Pos, n *yaml.Node) {
	var seen map[string]bool // only for long lists; short ones are scanned
	if len(list) > 32 {
		seen = make(map[string]bool, len(list))
	}
	for i, s := range list {
		dup := seen[s]
		if seen == nil {
			dup = slices.Contains(list[:i], s)
		} else {
			seen[s] = true
		}
		if dup {
			code := v.BadField
			switch key {
			case "tags":
				code = v.BadTag
			case "alert_fields":
				code = v.BadAlertField
			}
			var p source.Pos
			if pos != nil {
				p = pos[i]
			} else {
				p = r.entryPos(n, i)
			}
			r.ds.Add(p, code, "%s lists %q twice", key, s)
		}
	}
}

// checkFields checks the values of the document's fields, and that the
// fields its kind requires are there.
func (r *reader) checkFields(d *Document) {
	need := func(key string, present bool) {
		if !present {
			r.ds.Add(d.Pos, v.MissingField, "%s has no %s", d.Kind, key)
		}
	}
	need("title", d.Title != "")
	switch d.Kind {
	case KindRule:
		_, hasLog := d.KeyPos.Lookup("logsource")
		need("logsource", hasLog)
		need("detection", d.Detection != nil || d.KeyPos.At("detection").IsValid())
	case KindFilter:
		_, hasLog := d.KeyPos.Lookup("logsource")
		need("logsource", hasLog)
	}
	if len(d.Title) > 256 {
		r.ds.Add(d.ValuePos.At("title"), v.BadField, "title is %d characters long; at most 256", len(d.Title))
	}
	if len(d.Name) > 256 {
		r.ds.Add(d.ValuePos.At("name"), v.BadField, "name is %d characters long; at most 256", len(d.Name))
	}
	if d.ID != "" && !v.IsUUID(d.ID) {
		r.ds.Add(d.ValuePos.At("id"), v.BadID, "id %q is not a UUID", d.ID)
	}
	if d.Status != "" && !slices.Contains(v.Statuses, d.Status) {
		r.ds.Add(d.ValuePos.At("status"), v.BadStatus, "status %q is not one of %s", d.Status, strings.Join(v.Statuses, ", "))
	}
	if d.Level != "" && !slices.Contains(v.Levels, d.Level) {
		r.ds.Add(d.ValuePos.At("level"), v.BadLevel, "level %q is not one of %s", d.Level, strings.Join(v.Levels, ", "))
	}
	if d.Severity != "" && !slices.Contains(v.Severities, d.Severity) {
		r.ds.Add(d.ValuePos.At("severity"), v.BadSeverity, "severity %q is not one of %s", d.Severity, strings.Join(v.Severities, ", "))
	}
	for _, key := range []string{"date", "modified"} {
		s := *d.stringField(key)
		if s != "" && !v.IsDate(s) {
			r.ds.Add(d.ValuePos.At(key), v.BadDate, "%s %q is not a YYYY-MM-DD date", key, s)
		}
	}
	for i, t := range d.Tags {
		v.Tag(t, d.TagPos[i], &r.ds)
	}
	for _, f := range d.AlertFields {
		if !v.IsFieldPath(f) {
			r.ds.Add(d.ValuePos.At("alert_fields"), v.BadAlertField, "alert_fields entry %q is not a field path", f)
		}
	}
}

func (r *reader) related(d *Document, n *yaml.Node) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		r.ds.Add(r.pos(n), v.BadField, "related must be a list of {id, type} maps")
		return
	}
	for _, e := range n.Content {
		e = deref(e)
		if e.Kind != yaml.MappingNode {
			r.ds.Add(r.pos(e), v.BadField, "related entry must be a map with id and type")
			continue
		}
		var rel ir.Related
		var buf [4][2]*yaml.Node
		for _, p := range r.pairs(e, buf[:]) {
			switch p[0].Value {
			case "id":
				rel.ID, _ = r.str("related id", p[1])
				if !v.IsUUID(rel.ID) {
					r.ds.Add(r.pos(p[1]), v.BadID, "related id %q is not a UUID", rel.ID)
				}
			case "type":
				rel.Type, _ = r.str("related type", p[1])
				if !slices.Contains(v.RelatedTypes, rel.Type) {
					r.ds.Add(r.pos(p[1]), v.BadField, "related type %q is not one of %s", rel.Type, strings.Join(v.RelatedTypes, ", "))
				}
			default:
				r.ds.Add(r.pos(p[0]), v.BadField, "related entry has an unknown key %q", p[0].Value)
			}
		}
		if rel.ID == "" || rel.Type == "" {
			r.ds.Add(r.pos(e), v.MissingField, "related entry needs both id and type")
		}
		d.Related = append(d.Related, rel)
	}
}

func (r *reader) logsource(d *Document, n *yaml.Node) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		r.ds.Add(r.pos(n), v.BadField, "logsource must be a map with category, product and/or service")
		return
	}
	var buf [8][2]*yaml.Node
	for _, p := range r.pairs(n, buf[:]) {
		if p[1].Kind != yaml.ScalarNode {
			r.str("logsource "+p[0].Value, p[1]) // reports it
			continue
		}
		s, _ := r.str("", p[1])
		switch p[0].Value {
		case "category":
			d.Logsource.Category = s
		case "product":
			d.Logsource.Product = s
		case "service":
			d.Logsource.Service = s
		case "definition":
			d.Logsource.Definition = s
		default:
			if d.Logsource.Extra == nil {
				d.Logsource.Extra = map[string]string{}
			}
			d.Logsource.Extra[p[0].Value] = s
		}
	}
}
