package condition

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/compiler/corpus"
	"github.com/sigforge/sigforge/compiler/source"
)

// TestSigmaHQConditions parses every condition of SigmaHQ's rules with its
// real file position and checks that each Ident points at its own name in
// the file.
func TestSigmaHQConditions(t *testing.T) {
	dir := corpus.Dir(t, "sigmahq-rules")
	var files, conds int
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".yml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines := strings.Split(string(data), "\n")
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		for {
			var doc yaml.Node
			if dec.Decode(&doc) != nil {
				break
			}
			files++
			for _, c := range conditionNodes(&doc) {
				conds++
				base := source.Pos{File: path, Line: c.Line, Col: c.Column}
				n, err := ParseFile(data, c.Value, base, style(c))
				if err != nil {
					t.Errorf("%v", err)
					continue
				}
				Walk(n, func(n Node) bool {
					if id, ok := n.(*Ident); ok {
						l := lines[id.Pos.Line-1]
						if id.Pos.Col > len(l) || !strings.HasPrefix(l[id.Pos.Col-1:], id.Name) {
							t.Errorf("%v: %q is not at its position in %q", id.Pos, id.Name, l)
						}
					}
					return true
				})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d conditions in %d documents parsed", conds, files)
}

func style(n *yaml.Node) Style {
	switch {
	case n.Style&yaml.SingleQuotedStyle != 0:
		return SingleQuoted
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return DoubleQuoted
	case n.Style&yaml.LiteralStyle != 0:
		return Literal
	case n.Style&yaml.FoldedStyle != 0:
		return Folded
	}
	return Plain
}

// conditionNodes returns the scalar(s) of detection.condition or
// filter.condition.
func conditionNodes(doc *yaml.Node) []*yaml.Node {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	var out []*yaml.Node
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if k := top.Content[i].Value; k != "detection" && k != "filter" {
			continue
		}
		sec := top.Content[i+1]
		for j := 0; j+1 < len(sec.Content); j += 2 {
			if sec.Content[j].Value != "condition" {
				continue
			}
			c := sec.Content[j+1]
			if c.Kind == yaml.SequenceNode {
				out = append(out, c.Content...)
			} else {
				out = append(out, c)
			}
		}
	}
	return out
}
