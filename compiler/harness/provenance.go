package harness

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ProvenanceKinds are the kinds of fixture provenance, from most to least
// trustworthy: captured from a real account, a documented example (AWS or
// engine documentation), written by hand, generated (sigforge mutate).
var ProvenanceKinds = []string{"captured", "documented", "hand-written", "generated"}

// ProvenanceSuffix is the sidecar file name's suffix: the provenance of
// fixtures/r/positive/x.json is in fixtures/r/positive/x.json.provenance.yml.
const ProvenanceSuffix = ".provenance.yml"

// Provenance says where a fixture comes from (its optional sidecar).
type Provenance struct {
	Kind   string `yaml:"kind" json:"kind"`
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
	Note   string `yaml:"note,omitempty" json:"note,omitempty"`
	// Error is set when the sidecar exists but cannot be used.
	Error string `yaml:"-" json:"error,omitempty"`
}

// String is the short form shown in reports: "hand-written, <source>".
func (p *Provenance) String() string {
	if p == nil {
		return ""
	}
	if p.Error != "" {
		return "provenance unreadable: " + p.Error
	}
	if p.Source == "" {
		return p.Kind
	}
	return p.Kind + ", " + p.Source
}

// ReadProvenance reads the sidecar of a fixture file; nil when there is
// none. A sidecar that does not parse, or names an unknown kind, gives a
// Provenance with Error set (path:line:col when known).
func ReadProvenance(fixture string) *Provenance {
	path := fixture + ProvenanceSuffix
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &Provenance{Error: err.Error()}
	}
	return parseProvenance(path, data)
}

// parseProvenance decodes a sidecar's bytes (path is for messages).
func parseProvenance(path string, data []byte) *Provenance {
	var p Provenance
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return &Provenance{Error: fmt.Sprintf("%s: %v", path, err)}
	}
	if !slices.Contains(ProvenanceKinds, p.Kind) {
		return &Provenance{Error: fmt.Sprintf("%s:1:1: kind %q is not one of %s", path, p.Kind, strings.Join(ProvenanceKinds, ", "))}
	}
	return &p
}
