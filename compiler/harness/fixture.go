package harness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sigforge/sigforge/compiler/event"
)

// Fixture is one fixture file and its events, in file order.
type Fixture struct {
	Path     string
	Positive bool
	Events   []event.Event
}

// Kind returns "positive" or "negative".
func (f *Fixture) Kind() string {
	if f.Positive {
		return "positive"
	}
	return "negative"
}

// Extensions are the fixture file extensions the harness reads.
var Extensions = []string{".json", ".ndjson", ".jsonl", ".log"}

// ReadFile reads one fixture file.
func ReadFile(path string) ([]event.Event, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes a fixture by its extension: .json is one event or a
// CloudTrail file {"Records": [...]}; .ndjson (or .jsonl) is one JSON
// object per line; .log is one text line per event, seen as
// {"message": line}. Errors name path:line:col. A file without events is an
// error: it could not prove anything.
func Parse(path string, data []byte) ([]event.Event, error) {
	var evs []event.Event
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		evs, err = parseJSON(path, data)
	case ".ndjson", ".jsonl":
		evs, err = parseNDJSON(path, data)
	case ".log":
		evs, err = parseLog(path, data)
	default:
		return nil, fmt.Errorf("%s: unknown fixture type (want %s)", path, strings.Join(Extensions, ", "))
	}
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("%s: no events in fixture", path)
	}
	return evs, nil
}

func parseJSON(path string, data []byte) ([]event.Event, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(path, data, 0, dec.InputOffset(), err)
	}
	rest := data[dec.InputOffset():]
	if trimmed := bytes.TrimLeft(rest, " \t\r\n"); len(trimmed) > 0 {
		line, col := lineCol(data, len(data)-len(trimmed))
		return nil, fmt.Errorf("%s:%d:%d: unexpected data after the JSON value (use .ndjson for one event per line)", path, line, col)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s:1:1: a fixture must be a JSON object (one event or {\"Records\": [...]})", path)
	}
	records, isTrail := obj["Records"].([]any)
	if !isTrail {
		return []event.Event{event.New(obj, path)}, nil
	}
	evs := make([]event.Event, 0, len(records))
	for i, r := range records {
		rec, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: Records[%d] is not a JSON object", path, i)
		}
		evs = append(evs, event.New(rec, fmt.Sprintf("%s#%d", path, i)))
	}
	return evs, nil
}

func parseNDJSON(path string, data []byte) ([]event.Event, error) {
	var evs []event.Event
	err := eachLine(path, data, func(n int, line []byte) error {
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		fields, err := event.Decode(line)
		if err != nil {
			return jsonError(path, line, n-1, -1, err)
		}
		evs = append(evs, event.New(fields, fmt.Sprintf("%s:%d", path, n)))
		return nil
	})
	return evs, err
}

func parseLog(path string, data []byte) ([]event.Event, error) {
	var evs []event.Event
	err := eachLine(path, data, func(n int, line []byte) error {
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		if !utf8.Valid(line) {
			return fmt.Errorf("%s:%d: not UTF-8 text (a binary or truncated file?)", path, n)
		}
		evs = append(evs, event.New(map[string]any{"message": string(line)}, fmt.Sprintf("%s:%d", path, n)))
		return nil
	})
	return evs, err
}

// eachLine calls fn with every line (1-based number, without its line end).
func eachLine(path string, data []byte, fn func(n int, line []byte) error) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(n, bytes.TrimSuffix(sc.Bytes(), []byte("\r"))); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %v", path, n+1, err)
	}
	return nil
}

// jsonError renders a decoding error at its line and column. lineBase is
// added to the line (for NDJSON lines); off is the decoder's offset, or -1.
func jsonError(path string, data []byte, lineBase int, off int64, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	msg := err.Error()
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
		if off > 0 {
			off-- // Offset is just after the offending byte
		}
	case errors.As(err, &typ):
		off = max(typ.Offset-1, 0)
		msg = "not a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		// Point just after the last content, not at trailing blank lines.
		off = int64(len(bytes.TrimRight(data, " \t\r\n")))
		msg = "unexpected end of JSON (truncated file?)"
		if len(bytes.TrimSpace(data)) == 0 {
			msg = "empty JSON document"
		}
	}
	if off < 0 {
		off = 0
	}
	line, col := lineCol(data, int(off))
	return fmt.Errorf("%s:%d:%d: invalid JSON: %s", path, line+lineBase, col, msg)
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int) (int, int) {
	off = min(off, len(data))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - bytes.LastIndexByte(before, '\n')
	return line, col
}

// LoadDir reads every fixture file of a rule's fixture folder
// (dir/positive and dir/negative), sorted by path. Missing folders give no
// fixtures; unreadable or malformed files are errors (all of them, joined).
func LoadDir(dir string) ([]*Fixture, error) {
	var out []*Fixture
	var errs []error
	for _, kind := range []string{"positive", "negative"} {
		sub := filepath.Join(dir, kind)
		entries, err := os.ReadDir(sub)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || strings.HasPrefix(name, ".") || !slices.Contains(Extensions, strings.ToLower(filepath.Ext(name))) {
				continue
			}
			path := filepath.Join(sub, name)
			evs, err := ReadFile(path)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, &Fixture{Path: path, Positive: kind == "positive", Events: evs})
		}
	}
	return out, errors.Join(errs...)
}
