// Package fieldcat is the field catalog of the CloudTrail records the pack
// reads — the record's top-level fields and the request/response parameters
// of the RDS and EC2 security-group calls, with their exact casing and JSON
// type — kept as data (catalog.yml, written from the AWS API references),
// and the field-shape lint that checks a rule's conditions against it:
//
//   - a field the catalog does not know (with the nearest known name as a
//     suggestion), or one that differs from a known field only in casing
//     (dbInstanceIdentifier → requestParameters.dBInstanceIdentifier);
//   - a boolean or number field compared with a string ('true', '0');
//   - a field CloudTrail redacts (masterUserPassword) compared with a value
//     instead of tested for presence;
//   - a call AWS retired (the EC2-Classic DB security group calls).
//
// Parameters are checked only for services the catalog describes, found
// from the rule's eventSource condition; rules on other logs (engine logs)
// are not checked.
package fieldcat

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/sigforge/sigforge/compiler/internal/editdist"

	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/compiler/ir"
)

//go:embed catalog.yml
var catalogYAML []byte

// Catalog is the parsed catalog.
type Catalog struct {
	CloudTrail map[string]string   `yaml:"cloudtrail"`
	Services   map[string]*Service `yaml:"services"`
}

// Service is one eventSource's parameters.
type Service struct {
	RequestParameters map[string]string `yaml:"requestParameters"`
	ResponseElements  map[string]string `yaml:"responseElements"`
	// Redacted maps a field path to what CloudTrail writes instead.
	Redacted map[string]string `yaml:"redacted"`
	// Retired maps an eventName to why it is retired.
	Retired map[string]string `yaml:"retired"`
}

var (
	once    sync.Once
	builtin *Catalog
	loadErr error
)

// Default returns the embedded catalog.
func Default() (*Catalog, error) {
	once.Do(func() { builtin, loadErr = Parse(catalogYAML) })
	return builtin, loadErr
}

// Parse reads a catalog.
func Parse(data []byte) (*Catalog, error) {
	var c Catalog
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("fieldcat: %w", err)
	}
	for name, s := range c.Services {
		if s == nil { // "service:" with nothing under it describes nothing
			c.Services[name] = &Service{}
		}
	}
	return &c, nil
}

// Finding kinds.
const (
	UnknownField = "unknown-field"
	FieldCasing  = "field-casing"
	FieldType    = "field-type"
	Redacted     = "redacted-field"
	RetiredAPI   = "retired-api"
)

// Finding is one problem of a rule's condition.
type Finding struct {
	Kind    string
	Match   *ir.Match
	Message string
}

// Check lints the detection of a CloudTrail rule (a rule whose logsource is
// CloudTrail; others give no findings).
func (c *Catalog) Check(r *ir.Rule) []Finding {
	if r == nil || r.Detection == nil || !isCloudTrail(r) {
		return nil
	}
	services, complete := c.servicesOf(r.Detection)
	var out []Finding
	for _, m := range ir.Matches(r.Detection) {
		if m.Field == "" {
			continue
		}
		out = append(out, c.checkMatch(m, services, complete)...)
	}
	return out
}

func isCloudTrail(r *ir.Rule) bool {
	ls := r.Logsource
	return strings.EqualFold(ls.Service, "cloudtrail") || (ls.Product == "aws" && ls.Service == "" && ls.Category == "")
}

// servicesOf returns the catalogued services the rule's eventSource
// conditions name, and whether the catalog describes every service named
// (when not, an unknown parameter may belong to the undescribed one).
func (c *Catalog) servicesOf(e ir.Expr) ([]*Service, bool) {
	var out []*Service
	complete := true
	for _, m := range ir.Matches(e) {
		if m.Field != "eventSource" || m.Op != ir.OpEqual {
			continue
		}
		for _, v := range m.Values {
			s, ok := c.Services[strings.ToLower(v.Text())]
			if !ok {
				complete = false
				continue
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out, complete
}

func (c *Catalog) checkMatch(m *ir.Match, services []*Service, complete bool) []Finding {
	var out []Finding
	add := func(kind, format string, args ...any) {
		out = append(out, Finding{Kind: kind, Match: m, Message: fmt.Sprintf(format, args...)})
	}
	typ, known := c.lookup(m.Field, services)
	if !known {
		section, _, _ := strings.Cut(m.Field, ".")
		if (section == "requestParameters" || section == "responseElements") && (len(services) == 0 || !complete) {
			return nil // parameters of a service the catalog does not describe
		}
		if fix := c.caseFix(m.Field, services); fix != "" {
			add(FieldCasing, "field %s is not in CloudTrail's casing: did you mean %s?", m.Field, fix)
		} else if near := c.nearest(m.Field, services); near != "" {
			add(UnknownField, "field %s is not a known CloudTrail field: did you mean %s?", m.Field, near)
		} else {
			add(UnknownField, "field %s is not a known CloudTrail field", m.Field)
		}
		return out
	}
	if m.Op == ir.OpEqual && (typ == "boolean" || typ == "number") {
		for _, v := range m.Values {
			if v.Kind != ir.KindString {
				continue
			}
			want := "a number"
			if typ == "boolean" {
				want = "true or false"
			}
			add(FieldType, "%s is a JSON %s but is compared with the string %s: write %s unquoted (a string never equals a %s in most targets)", m.Field, typ, v.Quoted(), want, typ)
			break
		}
	}
	for _, s := range services {
		if what, ok := s.Redacted[m.Field]; ok && m.Op != ir.OpExists && m.Op != ir.OpNull {
			add(Redacted, "CloudTrail redacts %s (%s): match on presence (%s|exists: true) instead of its value", m.Field, what, m.Field)
		}
		if m.Field == "eventName" && m.Op == ir.OpEqual {
			for _, v := range m.Values {
				if why, ok := s.Retired[v.Text()]; ok {
					add(RetiredAPI, "%s is a retired API: %s", v.Text(), why)
				}
			}
		}
	}
	return out
}

// lookup returns the type of a field, and whether the catalog knows it. A
// path below a known object or array field is accepted with type "any"
// when the catalog does not list the member.
func (c *Catalog) lookup(field string, services []*Service) (string, bool) {
	if t, ok := c.CloudTrail[field]; ok {
		return t, true
	}
	section, rest, ok := strings.Cut(field, ".")
	if ok && (section == "requestParameters" || section == "responseElements") {
		for _, s := range services {
			params := s.section(section)
			if t, ok := params[rest]; ok {
				return t, true
			}
			if parentKnown(params, rest) {
				return "any", true
			}
		}
		return "", false
	}
	if parentKnown(c.CloudTrail, field) {
		return "any", true
	}
	return "", false
}

// parentKnown reports whether some prefix of path is an object or array
// field whose members the catalog does not list.
func parentKnown(fields map[string]string, path string) bool {
	parts := strings.Split(path, ".")
	for i := len(parts) - 1; i > 0; i-- {
		prefix := strings.Join(parts[:i], ".")
		t, ok := fields[prefix]
		if !ok {
			continue
		}
		if t != "object" && t != "array" {
			return false
		}
		// Listed members mean the object is described: an unlisted one is unknown.
		for k := range fields {
			if strings.HasPrefix(k, prefix+".") {
				return false
			}
		}
		return true
	}
	return false
}

func (s *Service) section(name string) map[string]string {
	if name == "requestParameters" {
		return s.RequestParameters
	}
	return s.ResponseElements
}

// known returns every full field path the rule may name, sorted.
func (c *Catalog) known(services []*Service) []string {
	var out []string
	for k := range c.CloudTrail {
		out = append(out, k)
	}
	for _, s := range services {
		for k := range s.RequestParameters {
			out = append(out, "requestParameters."+k)
		}
		for k := range s.ResponseElements {
			out = append(out, "responseElements."+k)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// caseFix returns the known field equal to field but for case; when the
// field is a bare parameter name (dbInstanceIdentifier), the parameter
// under requestParameters.
func (c *Catalog) caseFix(field string, services []*Service) string {
	for _, k := range c.known(services) {
		if strings.EqualFold(k, field) {
			return k
		}
	}
	for _, k := range c.known(services) {
		if rest, ok := strings.CutPrefix(k, "requestParameters."); ok && strings.EqualFold(rest, field) {
			return k
		}
	}
	return ""
}

// nearest returns the known field closest to field by edit distance, when
// it is close (at most 2 edits, or 1 for short names).
func (c *Catalog) nearest(field string, services []*Service) string {
	best, bestD := "", 3
	if len(field) < 8 {
		bestD = 2
	}
	for _, k := range c.known(services) {
		if d := editdist.Levenshtein(strings.ToLower(k), strings.ToLower(field)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}
