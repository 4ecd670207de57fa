package sigma

import (
	"bytes"
	"encoding/binary"
	"sort"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/sigforge/sigforge/compiler/source"
)

// file is a rule file being read: its bytes and where its lines start.
type file struct {
	name       string
	data       []byte
	lineStarts []int
	ascii      bool // columns in characters are columns in bytes
}

func newFile(name string, data []byte) *file {
	starts := make([]int, 1, bytes.Count(data, []byte{'\n'})+1)
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		starts = append(starts, i)
	}
	return &file{name: name, data: data, lineStarts: starts, ascii: isASCII(data)}
}

// isASCII reports whether data has no byte of a multi-byte character,
// eight bytes at a time.
func isASCII(data []byte) bool {
	i := 0
	for ; i+8 <= len(data); i += 8 {
		if binary.LittleEndian.Uint64(data[i:])&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(data); i++ {
		if data[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// offset converts a YAML line and column (1-based, column in characters)
// into a byte offset.
func (f *file) offset(line, col int) int {
	if line < 1 || line > len(f.lineStarts) {
		return len(f.data)
	}
	off := f.lineStarts[line-1]
	for i := 1; i < col && off < len(f.data) && f.data[off] != '\n'; i++ {
		if f.data[off] < utf8.RuneSelf {
			off++
			continue
		}
		_, w := utf8.DecodeRune(f.data[off:])
		off += w
	}
	return off
}

// posAt converts a byte offset into a position (column in bytes).
func (f *file) posAt(off int) source.Pos {
	off = min(max(off, 0), len(f.data))
	i := sort.Search(len(f.lineStarts), func(i int) bool { return f.lineStarts[i] > off }) - 1
	return source.Pos{File: f.name, Line: i + 1, Col: off - f.lineStarts[i] + 1}
}

// pos is the position of a node: posAt(offset(line, column)), without the
// search for the line, which offset never leaves.
func (f *file) pos(n *yaml.Node) source.Pos {
	if n.Line == 0 {
		return source.Pos{File: f.name, Line: 1, Col: 1}
	}
	if n.Line > len(f.lineStarts) {
		return f.posAt(len(f.data))
	}
	start := f.lineStarts[n.Line-1]
	if f.ascii {
		// offset's walk, which stops at the end of the line.
		end := len(f.data)
		if n.Line < len(f.lineStarts) {
			end = f.lineStarts[n.Line] - 1
		}
		return source.Pos{File: f.name, Line: n.Line, Col: min(start+max(n.Column, 1)-1, end) - start + 1}
	}
	return source.Pos{File: f.name, Line: n.Line, Col: f.offset(n.Line, n.Column) - start + 1}
}

// Text is a string scalar together with what is needed to map an offset
// in the string back to the file, whatever its YAML style (plain, quoted,
// literal or folded block, over several lines).
type Text struct {
	Value string
	Pos   source.Pos // the scalar (its quote or block indicator)

	file    *file
	start   int // byte offset of the scalar in the file
	style   yaml.Style
	offsets []int
}

func (f *file) text(n *yaml.Node) *Text {
	return &Text{Value: n.Value, Pos: f.pos(n), file: f, start: f.offset(n.Line, n.Column), style: n.Style}
}

// PosAt returns the file position of byte offset off in Value (off may be
// len(Value): the position just past the text).
func (t *Text) PosAt(off int) source.Pos {
	if t.file == nil {
		return t.Pos
	}
	if t.offsets == nil {
		t.align()
	}
	off = min(max(off, 0), len(t.Value))
	return t.file.posAt(t.offsets[off])
}

// PosAtLineCol maps a 1-based line and byte column within Value (as a
// parser of the text reports them) to the file.
func (t *Text) PosAtLineCol(line, col int) source.Pos {
	off := 0
	for l := 1; l < line && off < len(t.Value); off++ {
		if t.Value[off] == '\n' {
			l++
		}
	}
	return t.PosAt(off + col - 1)
}

// align walks the value and the file bytes together. Every byte of the
// value appears in the file in order, except that YAML folds line breaks
// (and their indentation) into spaces and resolves escapes, so a
// non-space byte skips ahead to its next occurrence and a space matches at
// most one whitespace byte.
func (t *Text) align() {
	src := t.file.data
	sp := t.start
	switch t.style {
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		sp++
	case yaml.LiteralStyle, yaml.FoldedStyle:
		for sp < len(src) && src[sp] != '\n' {
			sp++
		}
		sp++
	}
	v := t.Value
	t.offsets = make([]int, len(v)+1)
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\n' || c == '\t' {
			t.offsets[i] = min(sp, len(src))
			if sp < len(src) && (src[sp] == ' ' || src[sp] == '\n' || src[sp] == '\t' || src[sp] == '\r') {
				sp++
			}
			continue
		}
		for sp < len(src) && src[sp] != c {
			sp++
		}
		t.offsets[i] = min(sp, len(src))
		if sp < len(src) {
			sp++
		}
	}
	t.offsets[len(v)] = min(sp, len(src))
}
