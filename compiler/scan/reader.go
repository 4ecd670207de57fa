package scan

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"

	"github.com/klauspost/compress/gzip"
)

// Record is one CloudTrail record as read from a file: its raw JSON bytes
// (valid until the next call to Next) and the raw JSON values of the wanted
// top-level keys.
type Record struct {
	Raw []byte
	// Values[k] is the raw JSON value of the k-th wanted key (nil when the
	// record has no such top-level key).
	Values [][]byte
	// EscapedKey is set when a top-level key holds a backslash escape: the
	// key might decode to a wanted name, so Values cannot be trusted.
	EscapedKey bool
	// Index is the record's 1-based position in the file; Line the 1-based
	// line it is on in lines mode (else 0).
	Line, Index int
}

// SyntaxError is a problem in a file, with its position. Fatal errors end
// the file (a cut JSON document, a broken gzip stream); others (a bad NDJSON
// line) skip one line only.
type SyntaxError struct {
	Line, Col int
	Msg       string
	Fatal     bool
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// errIncomplete says a value runs past the end of the bytes at hand.
var errIncomplete = errors.New("incomplete")

type readState int

const (
	stTop readState = iota
	stArray
	stContainerRest
	stLineArray
	stDone
)

// Reader streams the records of one CloudTrail file: a gzip stream or plain
// bytes, holding a CloudTrail document {"Records":[...]}, one record, a JSON
// array of records, or concatenated objects; in lines mode (NDJSON) one JSON
// object per line, each a record or a {"Records":[...]} document. Only the
// record being read is held in memory.
type Reader struct {
	br    *bufio.Reader
	zr    *gzip.Reader
	src   io.Reader
	lines bool
	keys  [][]byte

	buf  []byte
	r, w int
	eof  bool
	rerr error

	// position of buf[0]: newlines before it, and the offset of the first
	// byte after the last newline before it (relative to buf[0], <= 0).
	lineBase  int
	lineStart int

	state     readState
	container bool
	first     bool
	index     int

	// lines mode
	lineNo     int
	lineBuf    []byte
	linePos    int
	lineStart0 int

	escaped bool

	rec  Record
	vals [][]byte

	// Bytes counts the bytes read after decompression.
	Bytes int64
}

// NewReader reads records from src, sniffing gzip by its magic bytes. keys
// are the top-level keys whose raw values Record.Values reports. lines
// selects NDJSON mode (one object per line, a bad line skipped).
func NewReader(src io.Reader, lines bool, keys []string) (*Reader, error) {
	rd := &Reader{buf: make([]byte, 256<<10)}
	for _, k := range keys {
		rd.keys = append(rd.keys, []byte(k))
	}
	rd.vals = make([][]byte, len(keys))
	return rd, rd.Reset(src, lines)
}

// Reset makes the reader read a new file, keeping its buffers (and its gzip
// decoder) for the next file.
func (rd *Reader) Reset(src io.Reader, lines bool) error {
	// A file read into memory (*bytes.Reader) goes to the gzip decoder as
	// it is: klauspost/compress then takes its fastest input path.
	var in interface {
		io.Reader
		io.ByteReader
	}
	var magic [2]byte
	if b, ok := src.(*bytes.Reader); ok {
		in = b
		b.ReadAt(magic[:], 0)
	} else {
		if rd.br == nil {
			rd.br = bufio.NewReaderSize(src, 64<<10)
		} else {
			rd.br.Reset(src)
		}
		in = rd.br
		if m, _ := rd.br.Peek(2); len(m) == 2 {
			copy(magic[:], m)
		}
	}
	rd.src = in
	if magic[0] == 0x1f && magic[1] == 0x8b {
		var err error
		if rd.zr == nil {
			rd.zr, err = gzip.NewReader(in)
		} else {
			err = rd.zr.Reset(in)
		}
		if err != nil {
			rd.zr = nil
			rd.state = stDone
			return fmt.Errorf("gzip: %w", err)
		}
		rd.src = rd.zr
	}
	rd.lines = lines
	rd.r, rd.w, rd.eof, rd.rerr = 0, 0, false, nil
	rd.lineBase, rd.lineStart = 1, 0
	rd.state, rd.container, rd.first, rd.index = stTop, false, false, 0
	rd.lineNo, rd.lineBuf, rd.linePos, rd.lineStart0 = 0, nil, 0, 0
	rd.escaped = false
	rd.Bytes = 0
	return nil
}

// more keeps buf[keep:w], discards what is before it and reads more bytes.
// It reports false when nothing more can be read.
func (rd *Reader) more(keep int) bool {
	if rd.eof {
		return false
	}
	if keep > 0 {
		dropped := rd.buf[:keep]
		if n := bytes.Count(dropped, []byte{'\n'}); n > 0 {
			rd.lineBase += n
			rd.lineStart = bytes.LastIndexByte(dropped, '\n') + 1
		}
		rd.lineStart -= keep
		n := copy(rd.buf, rd.buf[keep:rd.w])
		rd.w = n
		rd.r -= keep
		rd.linePos -= keep
	}
	if rd.w == len(rd.buf) {
		grown := make([]byte, 2*len(rd.buf))
		copy(grown, rd.buf[:rd.w])
		rd.buf = grown
	}
	for {
		n, err := rd.src.Read(rd.buf[rd.w:])
		rd.w += n
		rd.Bytes += int64(n)
		if err != nil {
			rd.eof = true
			if err != io.EOF {
				rd.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// pos turns an offset into buf into a 1-based line and column.
func (rd *Reader) pos(off int) (int, int) {
	line := rd.lineBase
	start := rd.lineStart
	if off > rd.w {
		off = rd.w
	}
	if off > 0 {
		seg := rd.buf[:off]
		if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
			line += n
			start = bytes.LastIndexByte(seg, '\n') + 1
		}
	}
	return line, off - start + 1
}

func (rd *Reader) fatal(off int, format string, args ...any) error {
	rd.state = stDone
	if rd.rerr != nil {
		// The stream broke: point just after the last content read.
		end := rd.w
		for end > 0 && isSpace(rd.buf[end-1]) {
			end--
		}
		line, col := rd.pos(end)
		return &SyntaxError{Line: line, Col: col, Msg: rd.rerr.Error(), Fatal: true}
	}
	line, col := rd.pos(off)
	return &SyntaxError{Line: line, Col: col, Msg: fmt.Sprintf(format, args...), Fatal: true}
}

// eofError reports a document cut short (or the read error that cut it).
// The position is just after the last content, as the harness reports it.
func (rd *Reader) eofError() error {
	off := rd.w
	for off > 0 && isSpace(rd.buf[off-1]) {
		off--
	}
	return rd.fatal(off, "unexpected end of file")
}

func (rd *Reader) skipWS(i int) int {
	b := rd.buf[:rd.w]
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// Next returns the next record, io.EOF at the end, or an error. After a
// fatal *SyntaxError (or a read error) the next call returns io.EOF; after
// a non-fatal one reading goes on.
func (rd *Reader) Next() (*Record, error) {
	if rd.lines {
		return rd.nextLine()
	}
	for {
		switch rd.state {
		case stDone:
			return nil, io.EOF
		case stTop:
			i := rd.skipWS(rd.r)
			if i == rd.w {
				rd.r = i
				if !rd.more(rd.r) {
					if rd.rerr != nil {
						return nil, rd.eofError()
					}
					rd.state = stDone
					return nil, io.EOF
				}
				continue
			}
			if rd.index == 0 && i+3 <= rd.w && rd.buf[i] == 0xEF && rd.buf[i+1] == 0xBB && rd.buf[i+2] == 0xBF {
				rd.r = i + 3 // UTF-8 byte order mark
				continue
			}
			switch rd.buf[i] {
			case '[':
				rd.r, rd.state, rd.container, rd.first = i+1, stArray, false, true
				continue
			case '{':
				end, recs, err := rd.object(rd.buf[:rd.w], i, true)
				if err == errIncomplete {
					rd.r = i
					if !rd.more(rd.r) {
						return nil, rd.eofError()
					}
					continue
				}
				if err != nil {
					return nil, rd.syntax(err, i)
				}
				if recs >= 0 {
					rd.r, rd.state, rd.container, rd.first = recs+1, stArray, true, true
					continue
				}
				rd.r = end
				return rd.record(i, end), nil
			default:
				return nil, rd.fatal(i, "expected a JSON object or array, found %s", quoteByte(rd.buf[i]))
			}
		case stArray:
			i := rd.skipWS(rd.r)
			if i == rd.w {
				if !rd.more(rd.r) {
					return nil, rd.eofError()
				}
				continue
			}
			if rd.buf[i] == ']' {
				rd.r = i + 1
				if rd.container {
					rd.state = stContainerRest
				} else {
					rd.state = stTop
				}
				continue
			}
			if !rd.first {
				if rd.buf[i] != ',' {
					return nil, rd.fatal(i, "expected , or ] after a record, found %s", quoteByte(rd.buf[i]))
				}
				rd.r, rd.first = i+1, true
				continue
			}
			if rd.buf[i] != '{' {
				return nil, rd.fatal(i, "a record must be a JSON object, found %s", quoteByte(rd.buf[i]))
			}
			end, _, err := rd.object(rd.buf[:rd.w], i, false)
			if err == errIncomplete {
				rd.r = i
				if !rd.more(rd.r) {
					return nil, rd.eofError()
				}
				continue
			}
			if err != nil {
				return nil, rd.syntax(err, i)
			}
			rd.r, rd.first = end, false
			return rd.record(i, end), nil
		case stContainerRest:
			// Keys after the Records array: skip them.
			i := rd.skipWS(rd.r)
			if i == rd.w {
				if !rd.more(rd.r) {
					return nil, rd.eofError()
				}
				continue
			}
			switch rd.buf[i] {
			case '}':
				rd.r, rd.state = i+1, stTop
				continue
			case ',':
				end, err := skipMember(rd.buf[:rd.w], i+1)
				if err == errIncomplete {
					rd.r = i
					if !rd.more(rd.r) {
						return nil, rd.eofError()
					}
					continue
				}
				if err != nil {
					return nil, rd.syntax(err, i)
				}
				rd.r = end
				continue
			}
			return nil, rd.fatal(i, "expected , or } after the Records array, found %s", quoteByte(rd.buf[i]))
		}
	}
}

// nextLine is Next in lines mode.
func (rd *Reader) nextLine() (*Record, error) {
	for {
		switch rd.state {
		case stDone:
			return nil, io.EOF
		case stLineArray:
			// Records of a {"Records":[...]} line; the line stays in buf.
			if rec, err, ok := rd.lineArrayNext(); ok {
				return rec, err
			}
			rd.state = stTop
			continue
		}
		start := rd.r
		nl := bytes.IndexByte(rd.buf[start:rd.w], '\n')
		if nl < 0 && !rd.eof {
			rd.more(rd.r)
			continue
		}
		if nl < 0 && start == rd.w {
			if rd.rerr != nil {
				return nil, rd.eofError()
			}
			rd.state = stDone
			return nil, io.EOF
		}
		if nl < 0 && rd.rerr != nil {
			// A stream cut short (truncated gzip): the last line is partial.
			return nil, rd.eofError()
		}
		end := rd.w
		if nl >= 0 {
			end = start + nl
			rd.r = end + 1
		} else {
			rd.r = rd.w
		}
		rd.lineNo++
		line := rd.buf[start:end]
		lo, hi := 0, len(line)
		for lo < hi && isSpace(line[lo]) {
			lo++
		}
		for hi > lo && isSpace(line[hi-1]) {
			hi--
		}
		if rd.lineNo == 1 && bytes.HasPrefix(line[lo:hi], []byte{0xEF, 0xBB, 0xBF}) {
			lo += 3
		}
		if lo == hi {
			continue
		}
		b := rd.buf[:start+hi]
		i := start + lo
		if rd.buf[i] != '{' {
			return nil, rd.lineErr(lo+1, "expected a JSON object, found %s", quoteByte(rd.buf[i]))
		}
		objEnd, recs, err := rd.object(b, i, true)
		if err != nil {
			if err == errIncomplete {
				return nil, rd.lineErr(hi+1, "unexpected end of line")
			}
			return nil, rd.lineErr(offsetOf(err, i)-start+1, "%s", err)
		}
		if recs >= 0 {
			rd.lineBuf, rd.linePos, rd.first, rd.state = b, recs+1, true, stLineArray
			rd.lineStart0 = start
			continue
		}
		if j := skipSpaces(b, objEnd); j != len(b) {
			return nil, rd.lineErr(j-start+1, "unexpected data after the JSON object")
		}
		rec := rd.record(i, objEnd)
		rec.Line = rd.lineNo
		return rec, nil
	}
}

func (rd *Reader) lineArrayNext() (*Record, error, bool) {
	b := rd.lineBuf
	i := skipSpaces(b, rd.linePos)
	if i == len(b) {
		return nil, rd.lineErr(i-rd.lineStart0+1, "unexpected end of line"), true
	}
	if b[i] == ']' {
		return nil, nil, false
	}
	if !rd.first {
		if b[i] != ',' {
			return nil, rd.lineErr(i-rd.lineStart0+1, "expected , or ] after a record, found %s", quoteByte(b[i])), true
		}
		i = skipSpaces(b, i+1)
		if i == len(b) {
			return nil, rd.lineErr(i-rd.lineStart0+1, "unexpected end of line"), true
		}
	}
	if b[i] != '{' {
		return nil, rd.lineErr(i-rd.lineStart0+1, "a record must be a JSON object, found %s", quoteByte(b[i])), true
	}
	end, _, err := rd.object(b, i, false)
	if err != nil {
		if err == errIncomplete {
			return nil, rd.lineErr(len(b)-rd.lineStart0+1, "unexpected end of line"), true
		}
		return nil, rd.lineErr(offsetOf(err, i)-rd.lineStart0+1, "%s", err), true
	}
	rd.linePos, rd.first = end, false
	rec := rd.record(i, end)
	rec.Line = rd.lineNo
	return rec, nil, true
}

// lineErr is a non-fatal error on the current line; the rest of the line
// (and of a {"Records":[...]} line) is skipped.
func (rd *Reader) lineErr(col int, format string, args ...any) error {
	rd.state = stTop
	return &SyntaxError{Line: rd.lineNo, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (rd *Reader) syntax(err error, base int) error {
	return rd.fatal(offsetOf(err, base), "%s", err)
}

func (rd *Reader) record(start, end int) *Record {
	rd.index++
	rd.rec = Record{Raw: rd.buf[start:end], Values: rd.vals, EscapedKey: rd.escaped, Index: rd.index}
	return &rd.rec
}

// posError is a syntax error at an offset of the bytes parsed.
type posError struct {
	off int
	msg string
}

func (e *posError) Error() string { return e.msg }

func offsetOf(err error, fallback int) int {
	var pe *posError
	if errors.As(err, &pe) {
		return pe.off
	}
	return fallback
}

func errAt(off int, format string, args ...any) error {
	return &posError{off: off, msg: fmt.Sprintf(format, args...)}
}

// object walks the object at b[i] ('{') and returns its end. It records the
// raw values of the wanted keys in rd.vals. With records set, it stops at a
// top-level "Records" key holding an array and returns the offset of its
// '[' (else -1).
func (rd *Reader) object(b []byte, i int, records bool) (end, recs int, err error) {
	for k := range rd.vals {
		rd.vals[k] = nil
	}
	rd.escaped = false
	j := skipSpaces(b, i+1)
	if j >= len(b) {
		return 0, -1, errIncomplete
	}
	if b[j] == '}' {
		return j + 1, -1, nil
	}
	for {
		if b[j] != '"' {
			return 0, -1, errAt(j, "expected a string key, found %s", quoteByte(b[j]))
		}
		ke, err := skipString(b, j)
		if err != nil {
			return 0, -1, err
		}
		key := b[j+1 : ke-1]
		j = skipSpaces(b, ke)
		if j >= len(b) {
			return 0, -1, errIncomplete
		}
		if b[j] != ':' {
			return 0, -1, errAt(j, "expected : after a key, found %s", quoteByte(b[j]))
		}
		j = skipSpaces(b, j+1)
		if j >= len(b) {
			return 0, -1, errIncomplete
		}
		if records && b[j] == '[' && string(key) == "Records" {
			return 0, j, nil
		}
		ve, err := skipValue(b, j)
		if err != nil {
			return 0, -1, err
		}
		if bytes.IndexByte(key, '\\') >= 0 {
			rd.escaped = true
		}
		for k, want := range rd.keys {
			if bytes.Equal(key, want) {
				rd.vals[k] = b[j:ve]
				break
			}
		}
		j = skipSpaces(b, ve)
		if j >= len(b) {
			return 0, -1, errIncomplete
		}
		switch b[j] {
		case ',':
			j = skipSpaces(b, j+1)
			if j >= len(b) {
				return 0, -1, errIncomplete
			}
			continue
		case '}':
			return j + 1, -1, nil
		}
		return 0, -1, errAt(j, "expected , or } in an object, found %s", quoteByte(b[j]))
	}
}

// skipMember skips `"key": value` starting at or after b[i] (spaces first).
func skipMember(b []byte, i int) (int, error) {
	j := skipSpaces(b, i)
	if j >= len(b) {
		return 0, errIncomplete
	}
	if b[j] != '"' {
		return 0, errAt(j, "expected a string key, found %s", quoteByte(b[j]))
	}
	ke, err := skipString(b, j)
	if err != nil {
		return 0, err
	}
	j = skipSpaces(b, ke)
	if j >= len(b) {
		return 0, errIncomplete
	}
	if b[j] != ':' {
		return 0, errAt(j, "expected : after a key, found %s", quoteByte(b[j]))
	}
	j = skipSpaces(b, j+1)
	if j >= len(b) {
		return 0, errIncomplete
	}
	return skipValue(b, j)
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func skipSpaces(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// inString marks the bytes that end a run of plain string content;
// structural the bytes skipNested must look at outside strings.
var inString, structural [256]bool

func init() {
	inString['"'], inString['\\'] = true, true
	for _, c := range `"{}[]` {
		structural[c] = true
	}
}

// skipString returns the end of the string starting at b[i] ('"'). It
// looks at eight bytes at a time for a quote or a backslash (SWAR: a byte
// equal to c makes x^c have a zero byte, which the usual has-zero-byte
// test finds; the lowest flagged byte is exact).
func skipString(b []byte, i int) (int, error) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	const quotes, backslashes = 0x22 * ones, 0x5c * ones
	j := i + 1
	n := len(b)
	for {
		for j+8 <= n {
			x := binary.LittleEndian.Uint64(b[j:])
			q, e := x^quotes, x^backslashes
			if m := ((q - ones) &^ q & highs) | ((e - ones) &^ e & highs); m != 0 {
				j += bits.TrailingZeros64(m) / 8
				break
			}
			j += 8
		}
		for j < n && !inString[b[j]] {
			j++
		}
		if j >= n {
			return 0, errIncomplete
		}
		if b[j] == '"' {
			return j + 1, nil
		}
		j += 2 // a backslash and the byte it escapes
	}
}

// skipValue returns the end of the JSON value starting at b[i]. Nested
// values are checked structurally (strings, balanced brackets); the events
// that rules may match are decoded in full later.
func skipValue(b []byte, i int) (int, error) {
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{' || c == '[':
		return skipNested(b, i)
	case c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n':
		j := i + 1
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\n', '\t', '\r':
				if !validLiteral(b[i:j]) {
					return 0, errAt(i, "invalid value %q", b[i:j])
				}
				return j, nil
			case '"', '{', '[', ':':
				return 0, errAt(j, "unexpected %s after a value", quoteByte(b[j]))
			}
			j++
		}
		return 0, errIncomplete
	default:
		return 0, errAt(i, "expected a value, found %s", quoteByte(c))
	}
}

func validLiteral(v []byte) bool {
	switch v[0] {
	case 't':
		return string(v) == "true"
	case 'f':
		return string(v) == "false"
	case 'n':
		return string(v) == "null"
	}
	for _, c := range v {
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			return false
		}
	}
	return true
}

// skipNested skips an object or array, checking that brackets pair up (to
// a depth of 64; deeper nesting is only counted).
func skipNested(b []byte, i int) (int, error) {
	var stack uint64 // bit set: '{'
	depth := 0
	n := len(b)
	for j := i; j < n; j++ {
		for j+8 <= n && !(structural[b[j]] || structural[b[j+1]] || structural[b[j+2]] || structural[b[j+3]] ||
			structural[b[j+4]] || structural[b[j+5]] || structural[b[j+6]] || structural[b[j+7]]) {
			j += 8
		}
		for j < n && !structural[b[j]] {
			j++
		}
		if j >= n {
			break
		}
		c := b[j]
		switch c {
		case '"':
			e, err := skipString(b, j)
			if err != nil {
				return 0, err
			}
			j = e - 1
		case '{', '[':
			stack <<= 1
			if c == '{' {
				stack |= 1
			}
			depth++
		default:
			if depth <= 64 && (stack&1 == 1) != (c == '}') {
				return 0, errAt(j, "mismatched %s", quoteByte(c))
			}
			stack >>= 1
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, errIncomplete
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", string(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
