package value

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/ir"
)

// TestSigmaHQModifiers runs every modifier chain and value of SigmaHQ's
// rules through CheckChain and Transform: all are legal Sigma, so none may
// fail, and every string value must survive the Escape round trip.
func TestSigmaHQModifiers(t *testing.T) {
	dir := corpus.Dir(t, "sigmahq-rules")
	chains := map[string]int{}
	var values int
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".yml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		for {
			var doc yaml.Node
			if dec.Decode(&doc) != nil {
				break
			}
			eachItem(&doc, func(key string, vals []*yaml.Node) {
				_, modText, _ := strings.Cut(key, "|")
				mods := chain(modText)
				chains[modText]++
				if err := CheckChain(mods); err != nil {
					t.Errorf("%s: %s: %v", path, key, err)
					return
				}
				for _, n := range vals {
					if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
						continue
					}
					values++
					v := Parse(n.Value)
					if slices.Contains(mods, "re") || slices.Contains(mods, "cidr") || slices.Contains(mods, "fieldref") {
						v = ir.Str(n.Value)
					} else if show(Parse(Escape(v))) != show(v) {
						t.Errorf("%s:%d: %q does not survive Escape", path, n.Line, n.Value)
					}
					if _, err := Transform(v, mods, nil); err != nil {
						t.Errorf("%s:%d: %s: %q: %v", path, n.Line, key, n.Value, err)
					}
				}
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d values under %d distinct modifier chains", values, len(chains))
}

// eachItem calls fn for every field of every search identifier in the
// detection section of a rule document, with the field's values.
func eachItem(doc *yaml.Node, fn func(key string, vals []*yaml.Node)) {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return
	}
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "detection" {
			continue
		}
		det := top.Content[i+1]
		for j := 0; j+1 < len(det.Content); j += 2 {
			if det.Content[j].Value == "condition" || det.Content[j].Value == "timeframe" {
				continue
			}
			search := det.Content[j+1]
			maps := []*yaml.Node{search}
			if search.Kind == yaml.SequenceNode {
				maps = search.Content
			}
			for _, m := range maps {
				if m.Kind != yaml.MappingNode {
					continue
				}
				for k := 0; k+1 < len(m.Content); k += 2 {
					vals := []*yaml.Node{m.Content[k+1]}
					if m.Content[k+1].Kind == yaml.SequenceNode {
						vals = m.Content[k+1].Content
					}
					fn(m.Content[k].Value, vals)
				}
			}
		}
	}
}
