// Package schematest validates sigforge's machine-readable reports against
// the standard schemas their consumers use: SARIF 2.1.0 (OASIS JSON schema),
// JUnit XML (the Jenkins xUnit plugin's XSD) and the MITRE ATT&CK Navigator
// layer format 4.5. The schemas are committed under testdata/ with their
// sources and licences (see testdata/README.md); tests never download them.
//
// No XSD validator is available as a Go module here, so ValidateXML
// interprets the subset of XML Schema that the JUnit XSD uses: global and
// local element declarations, element references, named and inline complex
// types, mixed content, sequence and choice particles with minOccurs and
// maxOccurs, attributes (declared, required) and string simple types
// restricted by a pattern.
package schematest

import (
	"bytes"
	"embed"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The committed schemas.
const (
	SARIF          = "sarif-schema-2.1.0.json"
	NavigatorLayer = "navigator-layer-4.5.schema.json"
	JUnit          = "junit-10.xsd"
)

//go:embed testdata/*.json testdata/*.xsd
var schemas embed.FS

var (
	compiled   = map[string]*jsonschema.Schema{}
	compiledMu sync.Mutex
)

// ValidateJSON checks a JSON document against one of the committed JSON
// schemas, with format assertions on.
func ValidateJSON(schema string, doc []byte) error {
	sch, err := jsonSchema(schema)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return sch.Validate(inst)
}

func jsonSchema(name string) (*jsonschema.Schema, error) {
	compiledMu.Lock()
	defer compiledMu.Unlock()
	if s, ok := compiled[name]; ok {
		return s, nil
	}
	data, err := schemas.ReadFile("testdata/" + name)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(name, doc); err != nil {
		return nil, err
	}
	s, err := c.Compile(name)
	if err != nil {
		return nil, err
	}
	compiled[name] = s
	return s, nil
}

// ValidateXML checks an XML document against one of the committed XSDs.
func ValidateXML(xsdName string, doc []byte) error {
	data, err := schemas.ReadFile("testdata/" + xsdName)
	if err != nil {
		return err
	}
	xsd, err := parseTree(data)
	if err != nil {
		return fmt.Errorf("%s: %w", xsdName, err)
	}
	s := newSchema(xsd)
	root, err := parseTree(doc)
	if err != nil {
		return fmt.Errorf("not XML: %w", err)
	}
	decl, ok := s.elements[root.name]
	if !ok {
		return fmt.Errorf("root element <%s> is not declared by %s", root.name, xsdName)
	}
	return s.validate(root, decl, "/"+root.name)
}

// node is a parsed XML element.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
	text     strings.Builder
}

func parseTree(data []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

type schema struct {
	elements     map[string]*node // global xs:element by name
	complexTypes map[string]*node
	patterns     map[string]*regexp.Regexp // simple types restricted by a pattern
}

func newSchema(root *node) *schema {
	s := &schema{elements: map[string]*node{}, complexTypes: map[string]*node{}, patterns: map[string]*regexp.Regexp{}}
	for _, c := range root.children {
		switch c.name {
		case "element":
			s.elements[c.attrs["name"]] = c
		case "complexType":
			s.complexTypes[c.attrs["name"]] = c
		case "simpleType":
			for _, r := range c.children {
				for _, p := range r.children {
					if p.name == "pattern" {
						// XSD patterns match the whole value.
						s.patterns[c.attrs["name"]] = regexp.MustCompile(`^(?:` + p.attrs["value"] + `)$`)
					}
				}
			}
		}
	}
	return s
}

// complexType returns the complex type of an element declaration, or nil
// for a simple (text-only) element.
func (s *schema) complexType(decl *node) *node {
	if t, ok := decl.attrs["type"]; ok {
		return s.complexTypes[t]
	}
	for _, c := range decl.children {
		if c.name == "complexType" {
			return c
		}
	}
	return nil
}

func (s *schema) validate(el, decl *node, path string) error {
	ct := s.complexType(decl)
	if ct == nil {
		if len(el.children) > 0 {
			return fmt.Errorf("%s: <%s> is a text element, it holds <%s>", path, el.name, el.children[0].name)
		}
		for a := range el.attrs {
			return fmt.Errorf("%s: attribute %q is not declared", path, a)
		}
		return s.checkSimple(decl.attrs["type"], el.text.String(), path)
	}
	// Attributes.
	declared := map[string]*node{}
	var particle *node
	for _, c := range ct.children {
		switch c.name {
		case "attribute":
			declared[c.attrs["name"]] = c
		case "sequence", "choice":
			particle = c
		}
	}
	for name, v := range el.attrs {
		a, ok := declared[name]
		if !ok {
			return fmt.Errorf("%s: attribute %q is not declared", path, name)
		}
		if err := s.checkSimple(a.attrs["type"], v, path+"/@"+name); err != nil {
			return err
		}
	}
	for name, a := range declared {
		if _, ok := el.attrs[name]; !ok && a.attrs["use"] == "required" {
			return fmt.Errorf("%s: required attribute %q is missing", path, name)
		}
	}
	if ct.attrs["mixed"] != "true" && strings.TrimSpace(el.text.String()) != "" {
		return fmt.Errorf("%s: <%s> may not hold text", path, el.name)
	}
	// Content model.
	var ends []int
	if particle == nil {
		ends = []int{0}
	} else {
		ends = s.match(particle, el.children, 0)
	}
	complete := false
	for _, e := range ends {
		complete = complete || e == len(el.children)
	}
	if !complete {
		names := make([]string, len(el.children))
		for i, c := range el.children {
			names[i] = c.name
		}
		return fmt.Errorf("%s: children [%s] do not match the content model of <%s>", path, strings.Join(names, " "), el.name)
	}
	for i, c := range el.children {
		d := s.declFor(particle, c.name)
		if d == nil {
			return fmt.Errorf("%s: <%s> is not allowed here", path, c.name)
		}
		if err := s.validate(c, d, fmt.Sprintf("%s/%s[%d]", path, c.name, i)); err != nil {
			return err
		}
	}
	return nil
}

func (s *schema) checkSimple(typ, value, path string) error {
	if re, ok := s.patterns[typ]; ok && !re.MatchString(value) {
		return fmt.Errorf("%s: %q is not a valid %s", path, value, typ)
	}
	return nil
}

// declFor finds the declaration a child element name resolves to inside a
// particle.
func (s *schema) declFor(p *node, name string) *node {
	if p == nil {
		return nil
	}
	for _, c := range p.children {
		switch c.name {
		case "element":
			if ref, ok := c.attrs["ref"]; ok {
				if ref == name {
					return s.elements[ref]
				}
			} else if c.attrs["name"] == name {
				return c
			}
		case "sequence", "choice":
			if d := s.declFor(c, name); d != nil {
				return d
			}
		}
	}
	return nil
}

func occurs(p *node) (lo, hi int) {
	lo, hi = 1, 1
	if v, ok := p.attrs["minOccurs"]; ok {
		lo, _ = strconv.Atoi(v)
	}
	if v, ok := p.attrs["maxOccurs"]; ok {
		if v == "unbounded" {
			hi = -1
		} else {
			hi, _ = strconv.Atoi(v)
		}
	}
	return lo, hi
}

// match returns every position at which particle p, repeated within its
// occurrence bounds, can stop after consuming children from i.
func (s *schema) match(p *node, children []*node, i int) []int {
	lo, hi := occurs(p)
	var out []int
	seen := map[int]bool{}
	frontier := []int{i}
	for n := 0; len(frontier) > 0; n++ {
		if n >= lo {
			for _, f := range frontier {
				if !seen[f] {
					seen[f] = true
					out = append(out, f)
				}
			}
		}
		if hi >= 0 && n >= hi {
			break
		}
		next := map[int]bool{}
		for _, f := range frontier {
			for _, e := range s.matchOnce(p, children, f) {
				if e > f || n < lo { // an empty repetition only counts towards minOccurs
					next[e] = true
				}
			}
		}
		frontier = frontier[:0]
		for e := range next {
			if n+1 < lo || !seen[e] {
				frontier = append(frontier, e)
			}
		}
		if n > len(children)+lo+1 {
			break
		}
	}
	return out
}

// matchOnce matches one occurrence of p.
func (s *schema) matchOnce(p *node, children []*node, i int) []int {
	switch p.name {
	case "element":
		name := p.attrs["ref"]
		if name == "" {
			name = p.attrs["name"]
		}
		if i < len(children) && children[i].name == name {
			return []int{i + 1}
		}
		return nil
	case "sequence":
		pos := []int{i}
		for _, c := range p.children {
			if c.name != "element" && c.name != "sequence" && c.name != "choice" {
				continue
			}
			var next []int
			for _, at := range pos {
				next = append(next, s.match(c, children, at)...)
			}
			pos = dedupe(next)
			if len(pos) == 0 {
				return nil
			}
		}
		return pos
	case "choice":
		var out []int
		for _, c := range p.children {
			if c.name != "element" && c.name != "sequence" && c.name != "choice" {
				continue
			}
			out = append(out, s.match(c, children, i)...)
		}
		return dedupe(out)
	}
	return nil
}

func dedupe(xs []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
