package eql

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lucene regular expressions are what Elasticsearch's EQL `regex` and
// ES|QL's RLIKE run: the pattern matches the whole value (it is implicitly
// anchored), `.` matches any character, there are no anchors, no lazy
// quantifiers and no escapes such as \d; `\c` always means the character c.
// Elasticsearch builds the regexp query with all optional operators on, so
// `~ & @ # < > "` are special and must be escaped when meant literally.

// LuceneRegexp compiles a Lucene regular expression into an equivalent Go
// regexp anchored on both ends. Complement (~), intersection (&), numeric
// intervals (<n-m>) and named automata (<name>) are refused: sigforge never
// emits them and Go's engine cannot run them.
func LuceneRegexp(pattern string, insensitive bool) (*regexp.Regexp, error) {
	p := &luceneParser{src: []rune(pattern)}
	body, err := p.union()
	if err == nil && p.i < len(p.src) {
		err = p.errorf("unexpected %q", p.src[p.i])
	}
	if err != nil {
		return nil, fmt.Errorf("invalid regex %q: %w", pattern, err)
	}
	flags := "(?s)"
	if insensitive {
		flags = "(?si)"
	}
	re, err := regexp.Compile(flags + "^(?:" + body + ")$")
	if err != nil {
		return nil, fmt.Errorf("invalid regex %q: %w", pattern, err)
	}
	return re, nil
}

type luceneParser struct {
	src []rune
	i   int
}

func (p *luceneParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *luceneParser) peek() (rune, bool) {
	if p.i < len(p.src) {
		return p.src[p.i], true
	}
	return 0, false
}

func (p *luceneParser) union() (string, error) {
	var alts []string
	for {
		s, err := p.concat()
		if err != nil {
			return "", err
		}
		alts = append(alts, s)
		if r, ok := p.peek(); ok && r == '|' {
			p.i++
			continue
		}
		return strings.Join(alts, "|"), nil
	}
}

func (p *luceneParser) concat() (string, error) {
	var b strings.Builder
	for {
		r, ok := p.peek()
		if !ok || r == '|' || r == ')' {
			return b.String(), nil
		}
		atom, err := p.repeat()
		if err != nil {
			return "", err
		}
		b.WriteString(atom)
	}
}

func (p *luceneParser) repeat() (string, error) {
	atom, err := p.simple()
	if err != nil {
		return "", err
	}
	for {
		r, ok := p.peek()
		if !ok {
			return atom, nil
		}
		switch r {
		case '*', '+', '?':
			p.i++
			atom = "(?:" + atom + ")" + string(r)
		case '{':
			end := p.i + 1
			for end < len(p.src) && p.src[end] != '}' {
				end++
			}
			if end >= len(p.src) {
				return "", p.errorf("unterminated {")
			}
			spec := string(p.src[p.i+1 : end])
			lo, hi, ok := strings.Cut(spec, ",")
			if _, err := strconv.Atoi(lo); err != nil {
				return "", p.errorf("bad repetition {%s}", spec)
			}
			if ok && hi != "" {
				if _, err := strconv.Atoi(hi); err != nil {
					return "", p.errorf("bad repetition {%s}", spec)
				}
			}
			p.i = end + 1
			atom = "(?:" + atom + "){" + spec + "}"
		case '&':
			return "", p.errorf("intersection (&) is not supported")
		default:
			return atom, nil
		}
	}
}

func quoteRune(r rune) string { return regexp.QuoteMeta(string(r)) }

func (p *luceneParser) simple() (string, error) {
	r, _ := p.peek()
	p.i++
	switch r {
	case '.':
		return ".", nil
	case '@':
		return ".*", nil
	case '#':
		return `[^\x00-\x{10FFFF}]`, nil
	case '~':
		return "", p.errorf("complement (~) is not supported")
	case '<':
		return "", p.errorf("intervals and named automata (<…>) are not supported")
	case '*', '+', '?', '{', '}', ']', '>', '&':
		return "", p.errorf("unexpected %q (escape it with \\)", r)
	case '"':
		end := p.i
		for end < len(p.src) && p.src[end] != '"' {
			end++
		}
		if end >= len(p.src) {
			return "", p.errorf("unterminated quoted string")
		}
		s := regexp.QuoteMeta(string(p.src[p.i:end]))
		p.i = end + 1
		return "(?:" + s + ")", nil
	case '(':
		inner, err := p.union()
		if err != nil {
			return "", err
		}
		if r, ok := p.peek(); !ok || r != ')' {
			return "", p.errorf("missing )")
		}
		p.i++
		return "(?:" + inner + ")", nil
	case '[':
		return p.class()
	case '\\':
		c, ok := p.peek()
		if !ok {
			return "", p.errorf("trailing backslash")
		}
		p.i++
		if cls, ok := luceneShorthand[c]; ok {
			return cls, nil
		}
		return quoteRune(c), nil
	}
	return quoteRune(r), nil
}

// luceneShorthand are the character classes Lucene 9's RegExp knows (\d \s
// \w and their negations); sigforge never emits them but Elastic's rules
// may use them.
var luceneShorthand = map[rune]string{
	'd': `[0-9]`, 'D': `[^0-9]`,
	's': `[ \t\n\r\f\v]`, 'S': `[^ \t\n\r\f\v]`,
	'w': `[a-zA-Z0-9_]`, 'W': `[^a-zA-Z0-9_]`,
}

func (p *luceneParser) class() (string, error) {
	var b strings.Builder
	b.WriteByte('[')
	if r, ok := p.peek(); ok && r == '^' {
		b.WriteByte('^')
		p.i++
	}
	n := 0
	for {
		r, ok := p.peek()
		if !ok {
			return "", p.errorf("unterminated [")
		}
		if r == ']' && n > 0 {
			p.i++
			break
		}
		lo, err := p.classChar()
		if err != nil {
			return "", err
		}
		n++
		b.WriteString(classRune(lo))
		if r, ok := p.peek(); ok && r == '-' && p.i+1 < len(p.src) && p.src[p.i+1] != ']' {
			p.i++
			hi, err := p.classChar()
			if err != nil {
				return "", err
			}
			if hi < lo {
				return "", p.errorf("invalid range %q-%q", lo, hi)
			}
			b.WriteByte('-')
			b.WriteString(classRune(hi))
		}
	}
	b.WriteByte(']')
	return b.String(), nil
}

func (p *luceneParser) classChar() (rune, error) {
	r, _ := p.peek()
	p.i++
	if r == '\\' {
		c, ok := p.peek()
		if !ok {
			return 0, p.errorf("trailing backslash")
		}
		p.i++
		return c, nil
	}
	return r, nil
}

func classRune(r rune) string { return fmt.Sprintf(`\x{%x}`, r) }

// RegexFlags say how a Sigma regex is to be read.
type RegexFlags struct {
	IgnoreCase bool // handled by the caller (regex~ / TO_LOWER); not folded here
	Multiline  bool
	DotAll     bool
}

// ToLucene translates a Sigma (RE2-compatible) regular expression, which
// is searched in the value, into a Lucene regular expression that matches
// the whole value. The implied ".*" on each side is pushed into the
// pattern: it is dropped where ^ or $ anchors that side, also inside groups
// and alternatives at the edges ("(^a|b)" becomes "(a|.*b)"). Constructs
// Lucene lacks are rewritten (\d → [0-9], (?:…) → (…), lazy quantifiers →
// greedy, case-folded literals under an inline (?i) → [aA]) or refused
// (anchors away from the edges, \b, anchors under |m). Without DotAll, "."
// becomes [^\n] to keep RE2's meaning.
func ToLucene(re string, f RegexFlags) (string, error) {
	flags := syntax.Perl
	if f.DotAll {
		flags |= syntax.DotNL
	}
	if f.Multiline {
		flags &^= syntax.OneLine
	}
	tree, err := syntax.Parse(re, flags)
	if err != nil {
		return "", fmt.Errorf("invalid regular expression: %w", err)
	}
	var b strings.Builder
	if err := writeEdges(&b, tree, true, true, f.Multiline); err != nil {
		return "", err
	}
	return b.String(), nil
}

func isBegin(r *syntax.Regexp) bool { return r.Op == syntax.OpBeginText || r.Op == syntax.OpBeginLine }
func isEnd(r *syntax.Regexp) bool   { return r.Op == syntax.OpEndText || r.Op == syntax.OpEndLine }

// writeEdges writes re, which sits at the start of the whole pattern when
// start is set and at its end when end is set; an unanchored edge gets
// ".*".
func writeEdges(b *strings.Builder, re *syntax.Regexp, start, end, multiline bool) error {
	if !start && !end {
		return writeLucene(b, re, false)
	}
	if multiline && (isBegin(re) || isEnd(re)) {
		return fmt.Errorf("^ and $ in multiline mode (|m) cannot be expressed as a Lucene regex")
	}
	switch re.Op {
	case syntax.OpBeginText, syntax.OpBeginLine:
		if !start {
			return writeLucene(b, re, false) // refuses
		}
		if end {
			b.WriteString(".*")
		}
		return nil
	case syntax.OpEndText, syntax.OpEndLine:
		if !end {
			return writeLucene(b, re, false)
		}
		if start {
			b.WriteString(".*")
		}
		return nil
	case syntax.OpCapture:
		b.WriteByte('(')
		if err := writeEdges(b, re.Sub[0], start, end, multiline); err != nil {
			return err
		}
		b.WriteByte(')')
		return nil
	case syntax.OpAlternate:
		b.WriteByte('(')
		for i, sub := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			var alt strings.Builder
			if err := writeEdges(&alt, sub, start, end, multiline); err != nil {
				return err
			}
			if alt.Len() == 0 {
				alt.WriteString("()")
			}
			b.WriteString(alt.String())
		}
		b.WriteByte(')')
		return nil
	case syntax.OpConcat:
		subs := re.Sub
		if len(subs) == 0 {
			return writeEdges(b, &syntax.Regexp{Op: syntax.OpEmptyMatch}, start, end, multiline)
		}
		if len(subs) == 1 {
			return writeEdges(b, subs[0], start, end, multiline)
		}
		var body strings.Builder
		if err := writeEdges(&body, subs[0], start, false, multiline); err != nil {
			return err
		}
		for _, sub := range subs[1 : len(subs)-1] {
			if err := writeLucene(&body, sub, false); err != nil {
				return err
			}
		}
		if err := writeEdges(&body, subs[len(subs)-1], false, end, multiline); err != nil {
			return err
		}
		if body.Len() == 0 {
			body.WriteString("()")
		}
		b.WriteString(body.String())
		return nil
	case syntax.OpEmptyMatch:
		if start || end {
			b.WriteString(".*")
		}
		return nil
	}
	if start {
		b.WriteString(".*")
	}
	if err := writeLucene(b, re, false); err != nil {
		return err
	}
	if end {
		b.WriteString(".*")
	}
	return nil
}

// luceneLiteral escapes a rune for a Lucene regex: letters and digits stay,
// everything else is backslash-escaped (\c is always the literal c).
func luceneLiteral(b *strings.Builder, r rune) {
	if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
		b.WriteRune(r)
		return
	}
	if r < 0x20 || r == 0x7f {
		// A control character cannot follow a backslash readably; write it
		// raw (the query's string quoting escapes it).
		b.WriteRune(r)
		return
	}
	b.WriteByte('\\')
	b.WriteRune(r)
}

func writeLucene(b *strings.Builder, re *syntax.Regexp, top bool) error {
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString("#")
	case syntax.OpEmptyMatch:
		b.WriteString("()")
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && unicode.SimpleFold(r) != r {
				b.WriteByte('[')
				for f := r; ; {
					luceneLiteral(b, f)
					f = unicode.SimpleFold(f)
					if f == r {
						break
					}
				}
				b.WriteByte(']')
				continue
			}
			luceneLiteral(b, r)
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			b.WriteString("#")
			return nil
		}
		b.WriteByte('[')
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			classLiteral(b, lo)
			if hi != lo {
				b.WriteByte('-')
				classLiteral(b, hi)
			}
		}
		b.WriteByte(']')
	case syntax.OpAnyCharNotNL:
		b.WriteString("[^\n]")
	case syntax.OpAnyChar:
		b.WriteString(".")
	case syntax.OpBeginLine, syntax.OpBeginText, syntax.OpEndLine, syntax.OpEndText:
		return fmt.Errorf("an anchor (^, $, \\A, \\z) inside the pattern cannot be expressed as a Lucene regex")
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return fmt.Errorf("word boundaries (\\b, \\B) cannot be expressed as a Lucene regex")
	case syntax.OpCapture:
		b.WriteByte('(')
		if err := writeLucene(b, re.Sub[0], true); err != nil {
			return err
		}
		b.WriteByte(')')
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		if err := writeAtom(b, re.Sub[0]); err != nil {
			return err
		}
		switch re.Op {
		case syntax.OpStar:
			b.WriteByte('*')
		case syntax.OpPlus:
			b.WriteByte('+')
		case syntax.OpQuest:
			b.WriteByte('?')
		default:
			switch {
			case re.Max == re.Min:
				fmt.Fprintf(b, "{%d}", re.Min)
			case re.Max < 0:
				fmt.Fprintf(b, "{%d,}", re.Min)
			default:
				fmt.Fprintf(b, "{%d,%d}", re.Min, re.Max)
			}
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if s.Op == syntax.OpAlternate {
				if err := writeAtom(b, s); err != nil {
					return err
				}
				continue
			}
			if err := writeLucene(b, s, false); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		if !top {
			return writeAtom(b, re)
		}
		for i, s := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			if err := writeLucene(b, s, true); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("regex construct %v cannot be expressed as a Lucene regex", re.Op)
	}
	return nil
}

// writeAtom writes re so that a following quantifier applies to all of it.
func writeAtom(b *strings.Builder, re *syntax.Regexp) error {
	single := re.Op == syntax.OpCharClass || re.Op == syntax.OpAnyChar || re.Op == syntax.OpAnyCharNotNL ||
		re.Op == syntax.OpCapture || (re.Op == syntax.OpLiteral && len(re.Rune) == 1)
	if single {
		return writeLucene(b, re, true)
	}
	b.WriteByte('(')
	if err := writeLucene(b, re, true); err != nil {
		return err
	}
	b.WriteByte(')')
	return nil
}

func classLiteral(b *strings.Builder, r rune) {
	if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		b.WriteRune(r)
		return
	}
	if r < 0x20 || r == 0x7f {
		b.WriteRune(r)
		return
	}
	b.WriteByte('\\')
	b.WriteRune(r)
}

// LuceneLiteral escapes literal text for a Lucene regular expression.
func LuceneLiteral(s string) string {
	var b strings.Builder
	WriteLuceneLiteral(&b, s)
	return b.String()
}

// WriteLuceneLiteral writes LuceneLiteral(s) to b.
func WriteLuceneLiteral(b *strings.Builder, s string) {
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			luceneLiteral(b, r)
			i += size - 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c < 0x20 || c == 0x7f:
			b.WriteByte(c)
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
}

// WriteLuceneRune writes LuceneLiteral(string(r)) to b.
func WriteLuceneRune(b *strings.Builder, r rune) { luceneLiteral(b, r) }

// AppendQuotedLucene appends LuceneLiteral(s) as Quote writes it between
// its quotes, in one pass: the escapes of the regex, then those of the
// string.
func AppendQuotedLucene(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			dst = append(dst, `\\`...)
			dst = utf8.AppendRune(dst, r)
			i += size - 1
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_':
			dst = append(dst, c)
		case c < 0x20 || c == 0x7f:
			// Written raw in the regex; the string escapes some.
			dst = appendQuotedByte(dst, c)
		default:
			dst = append(dst, `\\`...)
			dst = appendQuotedByte(dst, c)
		}
	}
	return dst
}
