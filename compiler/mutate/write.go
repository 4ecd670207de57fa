package mutate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Write saves a mutant as a negative fixture of the rule (dir is the rule's
// fixture folder): negative/<mutant name>.json, one event or a CloudTrail
// file {"Records": [...]} for a stream, with a provenance sidecar naming
// the source fixture and the change. It never overwrites a file.
func Write(dir string, m Mutant) (string, error) {
	neg := filepath.Join(dir, "negative")
	if err := os.MkdirAll(neg, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(neg, m.Name+".json")
	var doc any
	if len(m.Events) == 1 {
		doc = m.Events[0].Fields
	} else {
		recs := make([]any, len(m.Events))
		for i, e := range m.Events {
			recs[i] = e.Fields
		}
		doc = map[string]any{"Records": recs}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	prov := fmt.Sprintf("kind: generated\nsource: %s\nnote: %q\n", filepath.ToSlash(m.From), "sigforge mutate "+m.Operator+": "+m.Change)
	for _, p := range []string{path, path + ".provenance.yml"} {
		if _, err := os.Stat(p); err == nil {
			return "", fmt.Errorf("%s already exists", p)
		}
	}
	if err := writeNew(path, buf.Bytes()); err != nil {
		return "", err
	}
	if err := writeNew(path+".provenance.yml", []byte(prov)); err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}

func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
