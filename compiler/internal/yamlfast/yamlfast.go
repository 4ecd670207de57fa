// Package yamlfast reads the subset of YAML that Sigma rules are written in
// into the very same go.yaml.in/yaml/v3 node trees that yaml.v3's
// Decoder.Decode(&yaml.Node) produces, several times faster and with a
// fraction of the allocations.
//
// It exists because loading thousands of rules (SigmaHQ has over 3,000) was
// dominated by yaml.v3's general-purpose scanner, parser and per-node
// allocations. yaml.v3 remains the reference and the fallback: Documents
// declines (ok=false) everything it does not handle exactly — anchors and
// aliases, tags, directives, flow mappings, multi-line or nested flow
// sequences, complex keys, tabs outside comments, CR line ends, a byte order
// mark, block scalar indentation indicators, merge keys, rare escapes and
// any syntax error — and the caller then decodes with yaml.v3, which also
// produces the error messages. The differential tests and the fuzz target
// compare every tree it returns with yaml.v3's.
//
// Comments are skipped: the nodes carry no HeadComment, LineComment or
// FootComment.
//
// Borrow reads like Documents into node memory that is reused for the next
// file once the caller releases it, which spares a reader that is done with
// the trees after each file most of the allocation, zeroing and garbage
// collection that dominate the cost of building yaml.v3 nodes.
package yamlfast

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// maxDepth bounds nesting; rules are shallow, and deep input goes to yaml.v3.
const maxDepth = 64

// Documents returns the document node of every YAML document in data, as
// repeated yaml.v3 Decoder.Decode calls would (an empty or comment-only
// stream has none), and ok=true; or nil and ok=false when data uses YAML
// this package does not handle, or is not valid YAML.
func Documents(data []byte) ([]*yaml.Node, bool) {
	docs, p, reason := documents(data, false)
	p.release()
	return docs, reason == ""
}

// Borrow is Documents with the nodes, their Content slices and the
// document slice in memory that is reused for another file once release
// is called: the caller must call release (later calls do nothing) once it
// holds none of them any more (the strings in the nodes are not in that memory
// and stay valid). A reader that turns each file's trees into its own
// values before it reads the next file is spared allocating, zeroing and
// collecting them. release is nil when ok is false.
func Borrow(data []byte) (docs []*yaml.Node, release func(), ok bool) {
	docs, p, reason := documents(data, true)
	if reason != "" {
		p.release()
		return nil, nil, false
	}
	released := false
	return docs, func() {
		if !released { // a second Put would hand p to two callers
			released = true
			p.release()
		}
	}, true
}

// declined is the panic value that unwinds the parser when it meets
// something it does not handle; reason says what (for tests).
type declined struct{ reason string }

func decline(reason string) { panic(declined{reason}) }

// documents is Documents, or Borrow when reuse is set, with the parser to
// release and the reason for declining ("" when handled).
func documents(data []byte, reuse bool) (docs []*yaml.Node, p *parser, reason string) {
	p = parsers.Get().(*parser)
	lines, ascii, r := checkChars(data)
	if r != "" {
		return nil, p, r
	}
	p.src, p.pos, p.line, p.lineStart, p.depth, p.ascii = string(data), 0, 1, 0, 0, ascii
	p.kids = p.kids[:0]
	p.lines, p.reuse = lines, reuse
	// Sigma rules have 1.5 to 2 nodes a line (SigmaHQ: median 1.74, 99th
	// percentile 2.0). A first slab for 1.5 and small ones for the rest
	// allocate less than one sized for the worst case.
	p.newSlab(lines*3/2 + 4)
	defer func() {
		if r := recover(); r != nil {
			d, ok := r.(declined)
			if !ok {
				panic(r)
			}
			docs, reason = nil, d.reason
			p.kidsUsed = cap(p.kids)
		}
	}()
	return p.stream(), p, ""
}

// release returns p to the pool, keeping its reusable slabs and pointer
// blocks (all free again) but neither the file nor any memory it handed
// out: a slab shared by two files would chain every file's nodes to the
// previous file's. Only the part of kids used is cleared: with the GC
// running, clearing pointers costs a write barrier each.
func (p *parser) release() {
	p.src, p.slab, p.ptrs = "", nil, nil
	p.slabsUsed, p.ptrBlocksUsed = 0, 0
	clear(p.kids[:p.kidsUsed])
	p.kidsUsed = 0
	parsers.Put(p)
}

// parsers keeps parsers, with their scratch slices and reusable slabs and
// pointer blocks, between calls.
var parsers = sync.Pool{New: func() any { return new(parser) }}

// Reused slabs and pointer blocks have fixed sizes: 539 nodes (of 152
// bytes) fill an 80 KiB allocation, 4096 pointers one of 32 KiB.
const (
	reusedSlab     = 539
	reusedPtrBlock = 4096
)

// newSlab makes p.slab an empty slab for at least n nodes (n is only a
// guess, and not used when reusing).
func (p *parser) newSlab(n int) {
	if !p.reuse {
		// slices.Grow rounds the capacity up to the allocation's size
		// class, which make would leave unused.
		p.slab = slices.Grow([]yaml.Node(nil), n)
		return
	}
	if p.slabsUsed == len(p.slabs) {
		p.slabs = append(p.slabs, make([]yaml.Node, reusedSlab))
	}
	p.slab = p.slabs[p.slabsUsed][:0]
	p.slabsUsed++
}

// newPtrBlock makes p.ptrs an empty block for at least k pointers; when
// not reusing, enough for a guess at the rest of the file.
func (p *parser) newPtrBlock(k int) {
	if !p.reuse || k > reusedPtrBlock {
		p.ptrs = slices.Grow([]*yaml.Node(nil), max(k, (p.lines-p.line)*3/2+16))
		return
	}
	if p.ptrBlocksUsed == len(p.ptrBlocks) {
		p.ptrBlocks = append(p.ptrBlocks, make([]*yaml.Node, reusedPtrBlock))
	}
	p.ptrs = p.ptrBlocks[p.ptrBlocksUsed][:0]
	p.ptrBlocksUsed++
}

// checkChars declines input yaml.v3 reads differently from plain UTF-8
// text with LF line ends: a BOM, CR, NEL, LS and PS line breaks, control
// characters (which it rejects) and invalid UTF-8. Tabs are left to the
// parser, which accepts them only inside comments. It also counts the
// line ends and reports whether all characters are ASCII.
func checkChars(b []byte) (lines int, ascii bool, reason string) {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return 0, false, "byte order mark"
	}
	ascii = true
	for i := 0; i < len(b); {
		// 32 bytes at a time, then 8, then one character.
		for ; len(b)-i >= 32; i += 32 {
			w := b[i : i+32 : i+32]
			if unusualBytes(binary.LittleEndian.Uint64(w[0:]))|unusualBytes(binary.LittleEndian.Uint64(w[8:]))|
				unusualBytes(binary.LittleEndian.Uint64(w[16:]))|unusualBytes(binary.LittleEndian.Uint64(w[24:])) != 0 {
				break
			}
		}
		if len(b)-i >= 8 && unusualBytes(binary.LittleEndian.Uint64(b[i:])) == 0 {
			i += 8
			continue
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' || c == 0x7F {
				return 0, false, "control character or CR"
			}
			i++
			continue
		}
		ascii = false
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return 0, false, "invalid UTF-8"
		case r < 0xA0, r == 0x2028, r == 0x2029, r == 0xFEFF, r == 0xFFFE, r == 0xFFFF:
			return 0, false, "unusual character"
		}
		i += size
	}
	return bytes.Count(b, []byte{'\n'}), ascii, ""
}

// unusualBytes sets the high bit of the bytes of x that are not printable
// ASCII, tab or line feed: those with the high bit set, 0x7F, and those
// below 0x20 except 0x09 and 0x0A. It works on the low seven bits of each
// byte, so that no carry crosses into the next byte.
func unusualBytes(x uint64) uint64 {
	l := x & lows
	tabOrLF := (l + 0x77*ones) &^ (l + 0x75*ones) // 0x09 <= l < 0x0B
	return (x | (l + ones) | ^(l+0x60*ones)&^tabOrLF) & highs
}

// parser reads src from pos. line is the 1-based line of pos and lineStart
// the offset where that line starts. Nodes come from slab and Content
// slices from ptrs, both refilled in chunks, so a file costs a few
// allocations rather than one per node.
type parser struct {
	src       string
	pos       int
	line      int
	lineStart int
	depth     int
	ascii     bool // src has no multi-byte characters: columns are offsets

	lines    int // line feeds in src
	slab     []yaml.Node
	ptrs     []*yaml.Node
	kids     []*yaml.Node // documents and children of the collections being read, innermost last
	kidsUsed int          // the most kids held at once

	// With reuse, slabs and pointer blocks come from slabs and ptrBlocks,
	// of which the first slabsUsed and ptrBlocksUsed are in use.
	reuse                    bool
	slabs                    [][]yaml.Node
	ptrBlocks                [][]*yaml.Node
	slabsUsed, ptrBlocksUsed int
	buf                      []byte // scratch for values that need folding or unescaping
}

func (p *parser) node(kind yaml.Kind, style yaml.Style, tag, value string, line, col int) *yaml.Node {
	if len(p.slab) == cap(p.slab) {
		// Size the next slab for the lines left.
		p.newSlab(2*(p.lines-p.line) + 4)
	}
	p.slab = p.slab[:len(p.slab)+1]
	// Set the fields one by one: copying a whole Node would run the write
	// barrier over all its pointer fields. Only Content can be left from a
	// reused slab's previous file (the other fields are never set).
	n := &p.slab[len(p.slab)-1]
	n.Kind, n.Style, n.Tag, n.Value, n.Line, n.Column = kind, style, tag, value, line, col
	if n.Content != nil {
		n.Content = nil
	}
	return n
}

// take moves the children pushed since mark into a Content slice (nil when
// there are none, as yaml.v3 leaves it). Its capacity is capped so that an
// append by a caller cannot overwrite a neighbour's children.
func (p *parser) take(mark int) []*yaml.Node {
	k := len(p.kids) - mark
	if k == 0 {
		return nil
	}
	if cap(p.ptrs)-len(p.ptrs) < k {
		p.newPtrBlock(k)
	}
	p.kidsUsed = max(p.kidsUsed, len(p.kids))
	start := len(p.ptrs)
	p.ptrs = append(p.ptrs, p.kids[mark:]...)
	p.kids = p.kids[:mark]
	return p.ptrs[start:len(p.ptrs):len(p.ptrs)]
}

// col returns the 1-based column of offset i on the current line, counted
// in characters as yaml.v3 does.
func (p *parser) col(i int) int {
	if p.ascii {
		return i - p.lineStart + 1
	}
	n := 1
	for j := p.lineStart; j < i; j++ {
		if p.src[j]&0xC0 != 0x80 {
			n++
		}
	}
	return n
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

// blankz reports whether offset i is a space, a line end or the end of input.
func (p *parser) blankz(i int) bool {
	if i >= len(p.src) {
		return true
	}
	switch p.src[i] {
	case ' ', '\n':
		return true
	case '\t':
		decline("tab")
	}
	return false
}

// markerAt reports whether a document marker ("---" or "...") starts at
// offset i, which must be the start of a line.
func (p *parser) markerAt(i int, c byte) bool {
	return i+3 <= len(p.src) && p.src[i] == c && p.src[i+1] == c && p.src[i+2] == c && p.blankz(i+3)
}

// atMarker reports whether the next content is a document marker.
func (p *parser) atMarker() bool {
	return p.pos == p.lineStart && (p.markerAt(p.pos, '-') || p.markerAt(p.pos, '.'))
}

func (p *parser) newline(next int) {
	p.pos, p.line, p.lineStart = next, p.line+1, next
}

// nextContent skips spaces, comments and line ends up to the next content
// or the end of input. It must start at a line start or after a space, so
// that '#' starts a comment.
func (p *parser) nextContent() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ':
			p.pos = spacesEnd(p.src, p.pos)
		case '\n':
			p.newline(p.pos + 1)
		case '#':
			if i := strings.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
				p.pos += i
			} else {
				p.pos = len(p.src)
			}
		case '\t':
			decline("tab")
		default:
			return
		}
	}
}

// endLine skips spaces and a comment after a token and the line end. It
// reports false, leaving pos at the unexpected character, when something
// else follows on the line.
func (p *parser) endLine() bool {
	i := p.pos
	i = spacesEnd(p.src, i)
	if i < len(p.src) && p.src[i] == '#' {
		if i == p.pos && i != p.lineStart {
			decline("comment not separated by a space")
		}
		if j := strings.IndexByte(p.src[i:], '\n'); j >= 0 {
			i += j
		} else {
			i = len(p.src)
		}
	}
	switch {
	case i >= len(p.src):
		p.pos = i
	case p.src[i] == '\n':
		p.newline(i + 1)
	case p.src[i] == '\t':
		decline("tab")
	default:
		p.pos = i
		return false
	}
	return true
}

// endScalar finishes a scalar that must end its line.
func (p *parser) endScalar() {
	if !p.endLine() {
		decline("unexpected text after a scalar")
	}
	p.nextContent()
}

// stream reads the documents: an optional implicit first document, then
// documents started by "---", each optionally ended by "...".
func (p *parser) stream() []*yaml.Node {
	docs := 0
	p.nextContent()
	for !p.eof() {
		var doc *yaml.Node
		mark := len(p.kids)
		switch {
		case p.pos == p.lineStart && p.markerAt(p.pos, '-'):
			doc = p.node(yaml.DocumentNode, 0, "", "", p.line, 1)
			p.pos += 3
			if !p.endLine() {
				decline("content on the --- line")
			}
			p.nextContent()
			if p.eof() {
				// yaml.v3 puts the empty scalar at the stream end, which it
				// moves to the start of a line.
				line := p.line
				if p.lineStart < len(p.src) {
					line++
				}
				p.kids = append(p.kids, p.node(yaml.ScalarNode, 0, nullTag, "", line, 1))
			} else if p.atMarker() {
				p.kids = append(p.kids, p.node(yaml.ScalarNode, 0, nullTag, "", p.line, 1))
			} else {
				p.kids = append(p.kids, p.value(-1, false))
			}
		case docs == 0 && !p.atMarker():
			doc = p.node(yaml.DocumentNode, 0, "", "", p.line, p.col(p.pos))
			p.kids = append(p.kids, p.value(-1, false))
		default:
			decline("document structure")
		}
		doc.Content = p.take(mark)
		p.kids = append(p.kids, doc)
		docs++
		if p.atMarker() && p.src[p.pos] == '.' {
			p.pos += 3
			if !p.endLine() {
				decline("content on the ... line")
			}
			p.nextContent()
			if !p.eof() && !(p.pos == p.lineStart && p.markerAt(p.pos, '-')) {
				decline("content after ...")
			}
		} else if !p.eof() && !p.atMarker() {
			decline("content after the document")
		}
	}
	return p.take(0)
}

// value reads the node starting at pos; nextContent has positioned pos on
// its first character. indent is the indentation of the enclosing block
// collection (yaml.v3's parser.indent, -1 at the top); continuation lines of
// scalars must be indented more. afterKey says the node follows "key:" on
// the same line, where no block collection may start. value returns with
// pos at the next content.
func (p *parser) value(indent int, afterKey bool) *yaml.Node {
	p.depth++
	if p.depth > maxDepth {
		decline("nesting too deep")
	}
	n := p.valueNode(indent, afterKey)
	p.depth--
	return n
}

func (p *parser) valueNode(indent int, afterKey bool) *yaml.Node {
	line, start := p.line, p.pos
	switch c := p.src[p.pos]; c {
	case '-':
		if p.blankz(p.pos + 1) {
			if afterKey {
				decline("block sequence after a key")
			}
			return p.sequence(p.col(p.pos)-1, false)
		}
		return p.plainOrMapping(indent, afterKey)
	case '[':
		n := p.flowSequence()
		p.endScalar()
		return n
	case '|', '>':
		return p.blockScalar(indent)
	case '\'', '"':
		col := p.col(start)
		v, multiLine := p.quoted(indent)
		n := p.node(yaml.ScalarNode, quoteStyle(c), strTag, v, line, col)
		if end := p.pos; !p.endLine() {
			if multiLine || afterKey || !p.atColon() {
				decline("unexpected text after a quoted scalar")
			}
			if p.pos-end > 1000 || p.pos-start > 1000 {
				decline("long key")
			}
			return p.mapping(col-1, n)
		}
		p.nextContent()
		return n
	case '?', ':':
		// A plain scalar in block context may start with these when a
		// non-blank follows (":\ProgramData" in SigmaHQ).
		if p.blankz(p.pos + 1) {
			decline("indicator " + string(c))
		}
	case ',', ']', '{', '}', '#', '&', '*', '!', '%', '@', '`':
		decline("indicator " + string(c))
	}
	return p.plainOrMapping(indent, afterKey)
}

func quoteStyle(c byte) yaml.Style {
	if c == '\'' {
		return yaml.SingleQuotedStyle
	}
	return yaml.DoubleQuotedStyle
}

// atColon reports whether pos is at a mapping value indicator.
func (p *parser) atColon() bool {
	return p.pos < len(p.src) && p.src[p.pos] == ':' && p.blankz(p.pos+1)
}

// plainOrMapping reads a plain scalar, or a block mapping when the scalar
// on this line is followed by ": ".
func (p *parser) plainOrMapping(indent int, afterKey bool) *yaml.Node {
	line, start := p.line, p.pos
	end, next, stop := p.plainLine(start)
	if stop == stopColon {
		if afterKey {
			decline("mapping value after a key")
		}
		if next-start > 1000 {
			decline("long key")
		}
		col := p.col(start)
		p.pos = next
		return p.mapping(col-1, p.plainNode(p.src[start:end], line, col))
	}
	col := p.col(start)
	v := p.plainRest(indent, start, end, next, stop)
	n := p.plainNode(v, line, col)
	p.endScalar()
	return n
}

func (p *parser) plainNode(v string, line, col int) *yaml.Node {
	tag := plainTag(v)
	if tag == mergeTag {
		decline("merge key")
	}
	return p.node(yaml.ScalarNode, 0, tag, v, line, col)
}

// key reads a mapping key at pos (the start of a line's content) and
// leaves pos at its ':'.
func (p *parser) key() *yaml.Node {
	line, start := p.line, p.pos
	switch c := p.src[p.pos]; c {
	case '\'', '"':
		col := p.col(start)
		v, multiLine := p.quoted(-1)
		p.pos = spacesEnd(p.src, p.pos)
		if multiLine || !p.atColon() || p.pos-start > 1000 {
			decline("expected a key")
		}
		return p.node(yaml.ScalarNode, quoteStyle(c), strTag, v, line, col)
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '%', '@', '`':
		if c != '-' && c != '?' && c != ':' || p.blankz(p.pos+1) {
			decline("expected a key")
		}
	}
	end, next, stop := p.plainLine(start)
	if stop != stopColon || next-start > 1000 {
		decline("expected a key")
	}
	p.pos = next
	return p.plainNode(p.src[start:end], line, p.col(start))
}

// mapping reads a block mapping whose keys are at column col (0-based)
// and whose first key has been read, with pos at its ':'.
func (p *parser) mapping(col int, key *yaml.Node) *yaml.Node {
	m := p.node(yaml.MappingNode, 0, mapTag, "", key.Line, key.Column)
	mark := len(p.kids)
	for {
		p.kids = append(p.kids, key)
		p.kids = append(p.kids, p.mappingValue(col))
		if p.eof() || p.atMarker() {
			break
		}
		if c := p.pos - p.lineStart; c < col {
			break
		} else if c > col {
			decline("bad indentation in a mapping")
		}
		key = p.key()
	}
	m.Content = p.take(mark)
	return m
}

// mappingValue reads the value after the ':' at pos of a key at column col.
func (p *parser) mappingValue(col int) *yaml.Node {
	line, colon := p.line, p.pos
	p.pos++
	i := p.pos
	i = spacesEnd(p.src, i)
	if i < len(p.src) && p.src[i] != '\n' && p.src[i] != '#' {
		p.pos = i
		return p.value(col, true)
	}
	p.endLine()
	p.nextContent()
	if !p.eof() && !p.atMarker() {
		switch c := p.pos - p.lineStart; {
		case c > col:
			return p.value(col, false)
		case c == col && p.src[p.pos] == '-' && p.blankz(p.pos+1):
			return p.sequence(col, true)
		}
	}
	// yaml.v3 places an empty value just after the ':'.
	return p.emptyAt(line, colon+1)
}

func (p *parser) emptyAt(line, offset int) *yaml.Node {
	// offset is on line, which may no longer be the current line: count
	// back to that line's start.
	ls := strings.LastIndexByte(p.src[:offset], '\n') + 1
	saved := p.lineStart
	p.lineStart = ls
	col := p.col(offset)
	p.lineStart = saved
	return p.node(yaml.ScalarNode, 0, nullTag, "", line, col)
}

// sequence reads a block sequence whose dashes are at column col (0-based),
// with pos at the first dash. An indentless sequence (a mapping value whose
// dashes are at the key's column) ends at the next key.
func (p *parser) sequence(col int, indentless bool) *yaml.Node {
	s := p.node(yaml.SequenceNode, 0, seqTag, "", p.line, p.col(p.pos))
	mark := len(p.kids)
	for {
		line, dash := p.line, p.pos
		p.pos++
		i := p.pos
		i = spacesEnd(p.src, i)
		var item *yaml.Node
		if i < len(p.src) && p.src[i] != '\n' && p.src[i] != '#' {
			p.pos = i
			item = p.value(col, false)
		} else {
			p.endLine()
			p.nextContent()
			if !p.eof() && !p.atMarker() && p.pos-p.lineStart > col {
				item = p.value(col, false)
			} else {
				item = p.emptyAt(line, dash+1)
			}
		}
		p.kids = append(p.kids, item)
		if p.eof() || p.atMarker() {
			break
		}
		if c := p.pos - p.lineStart; c < col {
			break
		} else if c > col {
			decline("bad indentation in a sequence")
		}
		if p.src[p.pos] != '-' || !p.blankz(p.pos+1) {
			if indentless {
				break
			}
			decline("expected '-'")
		}
	}
	s.Content = p.take(mark)
	return s
}

// Why plainLine stopped.
const (
	stopEOL     = iota // at a line end or the end of input
	stopColon          // at ": " (a mapping value indicator)
	stopComment        // at " #"
)

// plainLine scans one line of a plain scalar in block context from i. It
// returns the end of the scalar's last non-blank character on the line,
// the offset where it stopped (the '\n', ':' or '#') and why.
func (p *parser) plainLine(i int) (end, next, stop int) {
	src := p.src
	end = i
	for {
		i = nextPlainStop(src, i)
		if i > end && src[i-1] != ' ' {
			end = i
		}
		if i >= len(src) {
			return end, i, stopEOL
		}
		switch src[i] {
		case '\n':
			return end, i, stopEOL
		case ' ':
			j := i + 1
			j = spacesEnd(src, j)
			if j < len(src) && src[j] == '#' {
				return end, j, stopComment
			}
			i = j
		case '\t':
			decline("tab")
		case ':':
			if p.blankz(i + 1) {
				return end, i, stopColon
			}
			i++
			end = i
		default: // unreachable after checkChars
			decline("control character")
		}
	}
}

// plainStops are the bytes plainLine must look at: ':' and everything up
// to the space (of which checkChars lets through only tab and line feed).
var plainStops = func() (t [256]bool) {
	for c := range ' ' + 1 {
		t[c] = true
	}
	t[':'] = true
	return t
}()

const ones, lows, highs = 0x0101010101010101, 0x7F7F7F7F7F7F7F7F, 0x8080808080808080

// zeroBytes sets the high bit of exactly the zero bytes of x.
func zeroBytes(x uint64) uint64 { return ^((x&lows + lows) | x | lows) }

// nextPlainStop returns the offset of the first plainStops byte in src
// from i, or len(src), looking at eight bytes at a time.
func nextPlainStop(src string, i int) int {
	for ; i+8 <= len(src); i += 8 {
		w := src[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		// Bytes up to ' ' (from the low seven bits, so that no carry
		// crosses bytes, and the high bit clear), and colons.
		m := ^(x&lows+(0x80-0x21)*ones)&^x&highs | zeroBytes(x^':'*ones)
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for i < len(src) && !plainStops[src[i]] {
		i++
	}
	return i
}

// plainRest continues a plain scalar whose first line ran from start to end
// (plainLine's result) over the following lines that are indented more than
// indent, folding line breaks as YAML does: a single break becomes a space,
// n+1 breaks become n newlines. It leaves pos after the scalar.
func (p *parser) plainRest(indent, start, end, next, stop int) string {
	value := p.src[start:end]
	built := false
	for stop == stopEOL && next < len(p.src) {
		// Look past empty lines for a continuation line.
		i, line, ls, breaks := next+1, p.line+1, next+1, 0
		for {
			i = spacesEnd(p.src, i)
			if i < len(p.src) && p.src[i] == '\n' {
				i++
				line, ls, breaks = line+1, i, breaks+1
				continue
			}
			break
		}
		if i >= len(p.src) || i-ls < indent+1 || p.src[i] == '#' || p.src[i] == '\t' ||
			i == ls && (p.markerAt(i, '-') || p.markerAt(i, '.')) {
			break
		}
		if !built {
			p.buf = append(p.buf[:0], value...)
			built = true
		}
		p.line, p.lineStart = line, ls
		var e int
		e, next, stop = p.plainLine(i)
		if e == i {
			break // stopped at once (": "): no fold, and the caller declines
		}
		if breaks == 0 {
			p.buf = append(p.buf, ' ')
		}
		for ; breaks > 0; breaks-- {
			p.buf = append(p.buf, '\n')
		}
		p.buf = append(p.buf, p.src[i:e]...)
		end = e
	}
	if stop == stopColon {
		decline("mapping value in a plain scalar")
	}
	p.pos = end
	if built {
		return string(p.buf)
	}
	return value
}

// quoted reads a single- or double-quoted scalar at pos and leaves pos after
// the closing quote. Line breaks fold as in plain scalars (spaces around
// them dropped); continuation lines must be indented more than indent.
func (p *parser) quoted(indent int) (value string, multiLine bool) {
	single := p.src[p.pos] == '\''
	i := p.pos + 1
	// Most quoted scalars are one line without escapes: the text up to
	// the closing quote.
	quote := p.src[p.pos]
	if j := strings.IndexByte(p.src[i:], quote); j >= 0 {
		text := p.src[i : i+j]
		end := i + j + 1
		if (!single || end >= len(p.src) || p.src[end] != '\'') &&
			strings.IndexByte(text, '\n') < 0 && strings.IndexByte(text, '\t') < 0 &&
			(single || strings.IndexByte(text, '\\') < 0) {
			p.pos = end
			return text, false
		}
	}
	seg := i // start of the text not yet copied to buf
	built := false
	buf := p.buf[:0]
	for {
		if i >= len(p.src) {
			decline("unterminated quoted scalar")
		}
		switch c := p.src[i]; {
		case c == '\'' && single:
			if i+1 < len(p.src) && p.src[i+1] == '\'' {
				buf = append(buf, p.src[seg:i+1]...)
				built = true
				i += 2
				seg = i
				continue
			}
		case c == '"' && !single:
		case c == '\\' && !single:
			buf = append(buf, p.src[seg:i]...)
			built = true
			i = p.escape(i, &buf)
			seg = i
			continue
		case c == '\n':
			buf = append(buf, strings.TrimRight(p.src[seg:i], " ")...)
			built, multiLine = true, true
			p.newline(i + 1)
			i = p.pos
			breaks := 0
			for {
				i = spacesEnd(p.src, i)
				if i < len(p.src) && p.src[i] == '\n' {
					breaks++
					p.newline(i + 1)
					i = p.pos
					continue
				}
				break
			}
			if i >= len(p.src) || i-p.lineStart <= indent || i == p.lineStart && (p.markerAt(i, '-') || p.markerAt(i, '.')) {
				decline("quoted scalar continuation")
			}
			if breaks == 0 {
				buf = append(buf, ' ')
			}
			for ; breaks > 0; breaks-- {
				buf = append(buf, '\n')
			}
			seg = i
			continue
		case c == '\t':
			decline("tab")
		default:
			i++
			continue
		}
		break // at the closing quote
	}
	p.pos = i + 1
	p.buf = buf
	if built {
		return string(append(buf, p.src[seg:i]...)), multiLine
	}
	return p.src[seg:i], false
}

// escape appends the character of the double-quoted escape at i to buf and
// returns the offset after the escape.
func (p *parser) escape(i int, buf *[]byte) int {
	if i+1 >= len(p.src) {
		decline("unterminated escape")
	}
	var r rune
	size := 0
	switch e := p.src[i+1]; e {
	case '0':
		r = 0
	case 'a':
		r = 7
	case 'b':
		r = 8
	case 't':
		r = 9
	case 'n':
		r = 10
	case 'v':
		r = 11
	case 'f':
		r = 12
	case 'r':
		r = 13
	case 'e':
		r = 27
	case ' ', '"', '\'', '\\':
		r = rune(e)
	case 'N':
		r = 0x85
	case '_':
		r = 0xA0
	case 'L':
		r = 0x2028
	case 'P':
		r = 0x2029
	case 'x':
		size = 2
	case 'u':
		size = 4
	case 'U':
		size = 8
	default:
		decline("unhandled escape")
	}
	i += 2
	if size > 0 {
		if i+size > len(p.src) {
			decline("short hex escape")
		}
		var v uint32 // eight hex digits fit; a rune could overflow
		for _, h := range []byte(p.src[i : i+size]) {
			var d uint32
			switch {
			case '0' <= h && h <= '9':
				d = uint32(h - '0')
			case 'a' <= h && h <= 'f':
				d = uint32(h-'a') + 10
			case 'A' <= h && h <= 'F':
				d = uint32(h-'A') + 10
			default:
				decline("bad hex escape")
			}
			v = v<<4 | d
		}
		if v >= 0xD800 && v <= 0xDFFF || v > 0x10FFFF {
			decline("bad unicode escape")
		}
		r = rune(v)
		i += size
	}
	if r < utf8.RuneSelf {
		*buf = append(*buf, byte(r))
	} else {
		*buf = utf8.AppendRune(*buf, r)
	}
	return i
}

// flowSequence reads a one-line flow sequence of plain and quoted scalars
// at pos and leaves pos after its ']'.
func (p *parser) flowSequence() *yaml.Node {
	s := p.node(yaml.SequenceNode, yaml.FlowStyle, seqTag, "", p.line, p.col(p.pos))
	mark := len(p.kids)
	p.pos++
	p.skipSpaces()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return s
	}
	for {
		if p.pos >= len(p.src) {
			decline("unterminated flow sequence")
		}
		line, start := p.line, p.pos
		switch c := p.src[p.pos]; {
		case c == '\'' || c == '"':
			v, multiLine := p.quoted(-1)
			if multiLine {
				decline("multi-line flow sequence")
			}
			p.kids = append(p.kids, p.node(yaml.ScalarNode, quoteStyle(c), strTag, v, line, p.col(start)))
		case isFlowPlainStart(c, p.src[p.pos+1:]):
			end := p.pos
			for p.pos < len(p.src) {
				c := p.src[p.pos]
				if c == ',' || c == ']' {
					break
				}
				if strings.IndexByte("[]{}?:#\t\n\"'", c) >= 0 {
					decline("unhandled flow scalar")
				}
				p.pos++
				if c != ' ' {
					end = p.pos
				}
			}
			p.kids = append(p.kids, p.plainNode(p.src[start:end], line, p.col(start)))
		default:
			decline("unhandled flow item")
		}
		p.skipSpaces()
		if p.pos >= len(p.src) {
			decline("unterminated flow sequence")
		}
		if p.src[p.pos] == ']' {
			p.pos++
			break
		}
		if p.src[p.pos] != ',' {
			decline("expected , or ]")
		}
		p.pos++
		p.skipSpaces()
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			decline("trailing comma")
		}
	}
	s.Content = p.take(mark)
	return s
}

// isFlowPlainStart reports whether c (followed by rest) starts a plain
// scalar this package reads inside a flow sequence.
func isFlowPlainStart(c byte, rest string) bool {
	if c == '-' {
		return rest != "" && (isAlnum(rest[0]) || rest[0] == '.')
	}
	return c > ' ' && strings.IndexByte("?:,[]{}#&*!|>'\"%@`", c) < 0
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func (p *parser) skipSpaces() { p.pos = spacesEnd(p.src, p.pos) }

// spacesEnd returns the offset of the first byte from i that is not a
// space, or len(src), looking at eight bytes at a time (indentation).
func spacesEnd(src string, i int) int {
	for ; i+8 <= len(src); i += 8 {
		w := src[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if x != ' '*ones {
			return i + bits.TrailingZeros64(x^' '*ones)>>3
		}
	}
	for i < len(src) && src[i] == ' ' {
		i++
	}
	return i
}

// blockScalar reads a literal (|) or folded (>) block scalar at pos,
// following yaml.v3's scanner: the indentation is that of the first
// non-empty line (or of a longer empty line before it), at least indent+1;
// chomping '-' strips the final line break, '+' keeps the trailing empty
// lines; folded scalars join lines with a space except around empty and
// more-indented lines.
func (p *parser) blockScalar(indent int) *yaml.Node {
	line, col := p.line, p.col(p.pos)
	literal := p.src[p.pos] == '|'
	p.pos++
	chomp := 0
	if p.pos < len(p.src) && (p.src[p.pos] == '-' || p.src[p.pos] == '+') {
		chomp = 1
		if p.src[p.pos] == '-' {
			chomp = -1
		}
		p.pos++
	}
	if p.pos < len(p.src) && '0' <= p.src[p.pos] && p.src[p.pos] <= '9' {
		decline("indentation indicator")
	}
	if !p.endLine() {
		decline("text after a block scalar header")
	}
	breaks, maxCol := p.blockBreaks(0)
	bi := max(maxCol, indent+1, 1)
	buf := p.buf[:0]
	leadingBreak, leadingBlank := false, false
	for p.pos < len(p.src) && p.pos-p.lineStart == bi {
		trailingBlank := p.src[p.pos] == ' '
		if !literal && !leadingBlank && !trailingBlank && leadingBreak {
			if breaks == 0 {
				buf = append(buf, ' ')
			}
		} else if leadingBreak {
			buf = append(buf, '\n')
		}
		for ; breaks > 0; breaks-- {
			buf = append(buf, '\n')
		}
		leadingBlank = trailingBlank
		end := strings.IndexByte(p.src[p.pos:], '\n')
		if end < 0 {
			end = len(p.src)
		} else {
			end += p.pos
		}
		text := p.src[p.pos:end]
		if strings.IndexByte(text, '\t') >= 0 {
			decline("tab")
		}
		buf = append(buf, text...)
		leadingBreak = end < len(p.src)
		if leadingBreak {
			p.newline(end + 1)
		} else {
			p.pos = end
		}
		breaks, _ = p.blockBreaks(bi)
	}
	if chomp != -1 && leadingBreak {
		buf = append(buf, '\n')
	}
	if chomp == 1 {
		for ; breaks > 0; breaks-- {
			buf = append(buf, '\n')
		}
	}
	p.buf = buf
	style := yaml.LiteralStyle
	if !literal {
		style = yaml.FoldedStyle
	}
	n := p.node(yaml.ScalarNode, style, strTag, string(buf), line, col)
	p.nextContent()
	return n
}

// blockBreaks skips the indentation (up to bi spaces when bi > 0) and the
// empty lines before a block scalar's next content line. It returns the
// number of line breaks skipped and the largest indentation seen.
func (p *parser) blockBreaks(bi int) (breaks, maxCol int) {
	for {
		for p.pos < len(p.src) && p.src[p.pos] == ' ' && (bi == 0 || p.pos-p.lineStart < bi) {
			p.pos++
		}
		maxCol = max(maxCol, p.pos-p.lineStart)
		if p.pos >= len(p.src) {
			return
		}
		switch p.src[p.pos] {
		case '\t':
			decline("tab")
		case '\n':
			breaks++
			p.newline(p.pos + 1)
			continue
		}
		return
	}
}
