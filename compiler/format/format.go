// Package format is `sigforge fmt`: the canonical layout of Sigma rule files.
//
// A canonical file has its top-level keys in the order of the Sigma
// specification and SigmaHQ's convention (title, id, related, name,
// taxonomy, status, description, license, references, author, date,
// modified, tags, logsource, detection, correlation, filter, fields,
// falsepositives, level, scope), then sigforge's pack attributes
// (risk_score, severity, alert_fields, investigation_guide), then any
// other keys in their original order; logsource keys in the order
// category, product, service, definition; detection's condition last; four
// spaces of indentation at every level, block sequences indented under
// their key. Comments stay with the node they belong to, scalars keep their
// style (plain, quoted, literal, folded), and multi-document files stay
// multi-document. Formatting never changes what a file means: the loaded
// rules are identical before and after (see the tests), and formatting a
// canonical file changes nothing.
package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/compiler/sigma"
	"github.com/sigforge/sigforge/compiler/validate"
)

// TopLevelOrder is the canonical order of a rule document's top-level
// keys. Keys not listed follow, in their original order.
var TopLevelOrder = []string{
	"title", "id", "related", "name", "taxonomy", "status", "description", "license",
	"references", "author", "date", "modified", "tags", "logsource", "detection",
	"correlation", "filter", "fields", "falsepositives", "level", "scope",
	"risk_score", "severity", "alert_fields", "investigation_guide",
}

// LogsourceOrder is the canonical order of logsource's keys.
var LogsourceOrder = []string{"category", "product", "service", "definition"}

// Indent is the indentation width of canonical files.
const Indent = 4

// Source returns the canonical form of a rule file's bytes. A file that
// is not valid YAML is an error with its position (name:line:col).
func Source(name string, data []byte) ([]byte, error) {
	out, err := once(name, data)
	if err != nil {
		return nil, err
	}
	// yaml.v3's emitter is not always a fixed point of itself (folded
	// scalars with more-indented lines grow a blank line per pass): format
	// the output again until it is stable, as every pass keeps the values.
	for range 3 {
		next, err := once(name, out)
		if err != nil {
			return nil, fmt.Errorf("%s: formatting produced YAML that does not read back: %w", name, err)
		}
		if bytes.Equal(next, out) {
			return out, nil
		}
		out = next
	}
	return nil, fmt.Errorf("%s: no stable canonical layout (please report this file)", name)
}

// once is one formatting pass.
func once(name string, data []byte) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return []byte{}, nil // yaml.v3 rejects a stream of blank lines
	}
	if commentsOnly(data) {
		return data, nil // no document to format; yaml.v3 rejects it too
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, yamlError(name, data, err)
		}
		if isEmpty(&doc) {
			continue // an empty document, e.g. after a trailing "---"
		}
		docs = append(docs, &doc)
	}
	if len(docs) == 0 {
		return []byte{}, nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(Indent)
	for _, doc := range docs {
		canonical(doc)
		if err := enc.Encode(doc); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return []byte{}, nil // only empty documents
	}
	return buf.Bytes(), nil
}

// yamlError reports a YAML error as the Sigma reader does (its positions
// correct yaml.v3's), falling back to yaml.v3's message.
func yamlError(name string, data []byte, err error) error {
	_, ds := sigma.Read(name, data)
	for _, d := range ds {
		if d.Code == validate.YAMLSyntax {
			return d
		}
	}
	return fmt.Errorf("%s: %w", name, err)
}

func canonical(doc *yaml.Node) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return
	}
	first := root.Content[0]
	reorder(root, TopLevelOrder, nil)
	// A comment above the first key is the file's header: it stays at the
	// top when that key moves.
	if first != root.Content[0] && first.HeadComment != "" && doc.HeadComment == "" {
		doc.HeadComment, first.HeadComment = first.HeadComment, ""
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch key, val := root.Content[i].Value, root.Content[i+1]; key {
		case "logsource":
			if val.Kind == yaml.MappingNode {
				reorder(val, LogsourceOrder, nil)
			}
		case "detection":
			if val.Kind == yaml.MappingNode {
				reorder(val, nil, []string{"condition"})
			}
		}
	}
}

// reorder sorts a mapping's pairs: first the keys of first in that order,
// then unlisted keys in their original order, then the keys of last. A
// mapping with a repeated key is left alone (the validator reports it, and
// moving either copy could change which one a reader keeps).
func reorder(m *yaml.Node, first, last []string) {
	type pair struct{ k, v *yaml.Node }
	pairs := make([]pair, 0, len(m.Content)/2)
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if seen[k.Value] || k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			return
		}
		seen[k.Value] = true
		pairs = append(pairs, pair{k, m.Content[i+1]})
	}
	rank := func(key string) int {
		if i := slices.Index(first, key); i >= 0 {
			return i
		}
		if i := slices.Index(last, key); i >= 0 {
			return len(first) + 1 + i
		}
		return len(first)
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return rank(a.k.Value) - rank(b.k.Value) })
	m.Content = m.Content[:0]
	for _, p := range pairs {
		m.Content = append(m.Content, p.k, p.v)
	}
}

// Files lists the rule files among paths: files as given, and every .yml
// or .yaml file under a folder, sorted, skipping hidden files and folders
// (such as the configuration .sigforge.yml).
func Files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			hidden := path != p && strings.HasPrefix(d.Name(), ".")
			if d.IsDir() {
				if hidden {
					return filepath.SkipDir
				}
				return nil
			}
			if !hidden && (strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Result is the outcome of formatting one file.
type Result struct {
	Path      string
	Changed   bool   // the canonical form differs from the file
	Formatted []byte // the canonical form
}

// File formats the file at path without writing it.
func File(path string) (Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Result{}, err
	}
	out, err := Source(path, data)
	if err != nil {
		return Result{}, err
	}
	return Result{Path: path, Changed: !bytes.Equal(out, data), Formatted: out}, nil
}

// Write replaces the file with its canonical form, atomically (a
// temporary file in the same folder, renamed over it) and keeping its
// permissions; an unchanged file is not touched.
func (r Result) Write() error {
	if !r.Changed {
		return nil
	}
	info, err := os.Stat(r.Path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.Path), ".sigforge-fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(r.Formatted); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), r.Path)
}

func isEmpty(doc *yaml.Node) bool {
	if doc.HeadComment != "" || doc.LineComment != "" || doc.FootComment != "" || len(doc.Content) != 1 {
		return false
	}
	n := doc.Content[0]
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" &&
		n.HeadComment == "" && n.LineComment == "" && n.FootComment == ""
}

func commentsOnly(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' {
			return false
		}
	}
	return true
}
