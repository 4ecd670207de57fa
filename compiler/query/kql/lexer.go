package kql

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types of the KQL lexer. KQL's grammar is defined on characters
// (Kibana's grammar.peggy): whether "or" is a keyword or part of a value
// depends on the whitespace around it, and whitespace inside an unquoted
// value belongs to the value. The lexer makes those decisions so that the
// participle grammar works on tokens.
const (
	tokEOF lexer.TokenType = lexer.EOF
	tokOr  lexer.TokenType = -(iota + 2)
	tokAnd
	tokNot
	tokLParen
	tokRParen
	tokLBrace
	tokRBrace
	tokColon
	tokRange
	tokQuoted
	tokLiteral
)

type definition struct{}

// Symbols builds its map on each call: the parser is built during package
// initialization, possibly before other package variables are set.
func (definition) Symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF": tokEOF, "Or": tokOr, "And": tokAnd, "Not": tokNot,
		"LParen": tokLParen, "RParen": tokRParen, "LBrace": tokLBrace, "RBrace": tokRBrace,
		"Colon": tokColon, "Range": tokRange, "Quoted": tokQuoted, "Literal": tokLiteral,
	}
}

func (definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return &kqlLexer{src: string(data), file: filename, line: 1, col: 1}, nil
}

type kqlLexer struct {
	src       string
	off       int
	file      string
	line, col int
}

// isSpace is the grammar's Space: [ \t\r\n\u00A0].
func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u00a0' }

// isSpecial is the grammar's SpecialCharacter: [\\():<>"*{}].
func isSpecial(r rune) bool { return strings.ContainsRune(`\():<>"*{}`, r) }

func (l *kqlLexer) pos() lexer.Position {
	return lexer.Position{Filename: l.file, Offset: l.off, Line: l.line, Column: l.col}
}

func (l *kqlLexer) advance(n int) {
	for _, r := range l.src[l.off : l.off+n] {
		if r == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
	}
	l.off += n
}

// spacesAt returns the byte length of the run of Space at i.
func (l *kqlLexer) spacesAt(i int) int {
	n := 0
	for i+n < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[i+n:])
		if !isSpace(r) {
			break
		}
		n += size
	}
	return n
}

// wordAt reports whether the keyword word (case-insensitive) followed by at
// least one Space starts at i.
func (l *kqlLexer) wordAt(i int, word string) bool {
	end := i + len(word)
	return end <= len(l.src) && strings.EqualFold(l.src[i:end], word) && l.spacesAt(end) > 0
}

// keywordAt is the grammar's Keyword lookahead at i: Space+ ("or" | "and")
// Space+, or "not" Space+.
func (l *kqlLexer) keywordAt(i int) bool {
	if l.wordAt(i, "not") {
		return true
	}
	if n := l.spacesAt(i); n > 0 {
		return l.wordAt(i+n, "or") || l.wordAt(i+n, "and")
	}
	return false
}

func (l *kqlLexer) errorf(p lexer.Position, format string, args ...any) error {
	return &lexer.Error{Msg: fmt.Sprintf(format, args...), Pos: p}
}

func (l *kqlLexer) Next() (lexer.Token, error) {
	spaced := l.spacesAt(l.off)
	l.advance(spaced)
	start := l.pos()
	tok := func(t lexer.TokenType, n int) (lexer.Token, error) {
		v := l.src[l.off : l.off+n]
		l.advance(n)
		return lexer.Token{Type: t, Value: v, Pos: start}, nil
	}
	if l.off >= len(l.src) {
		return lexer.Token{Type: tokEOF, Pos: start}, nil
	}
	switch {
	case spaced > 0 && l.wordAt(l.off, "or"):
		return tok(tokOr, 2)
	case spaced > 0 && l.wordAt(l.off, "and"):
		return tok(tokAnd, 3)
	case l.wordAt(l.off, "not"):
		return tok(tokNot, 3)
	}
	switch c := l.src[l.off]; c {
	case '(':
		return tok(tokLParen, 1)
	case ')':
		return tok(tokRParen, 1)
	case '{':
		return tok(tokLBrace, 1)
	case '}':
		return tok(tokRBrace, 1)
	case ':':
		return tok(tokColon, 1)
	case '<', '>':
		if l.off+1 < len(l.src) && l.src[l.off+1] == '=' {
			return tok(tokRange, 2)
		}
		return tok(tokRange, 1)
	case '"':
		return l.quoted(start)
	}
	return l.literal(start)
}

// quoted scans "...": \" and \\ are escapes; any other backslash is kept
// as it is (it is decoded later).
func (l *kqlLexer) quoted(start lexer.Position) (lexer.Token, error) {
	i := l.off + 1
	for i < len(l.src) {
		switch l.src[i] {
		case '\\':
			if i+1 < len(l.src) && (l.src[i+1] == '"' || l.src[i+1] == '\\') {
				i += 2
				continue
			}
		case '"':
			v := l.src[l.off : i+1]
			l.advance(i + 1 - l.off)
			return lexer.Token{Type: tokQuoted, Value: v, Pos: start}, nil
		}
		i++
	}
	return lexer.Token{}, l.errorf(start, "unterminated quoted string")
}

// literal scans an unquoted literal: characters up to a special character,
// a keyword or the end, trailing whitespace excluded. Escapes are checked
// here and decoded later.
func (l *kqlLexer) literal(start lexer.Position) (lexer.Token, error) {
	i := l.off
	end := i // end of the last non-space character
	for i < len(l.src) {
		if i > l.off && l.keywordAt(i) {
			break
		}
		r, size := utf8.DecodeRuneInString(l.src[i:])
		if r == '\\' {
			n, err := l.escapeAt(i)
			if err != nil {
				return lexer.Token{}, err
			}
			i += n
			end = i
			continue
		}
		if isSpecial(r) && r != '*' {
			break
		}
		i += size
		if !isSpace(r) {
			end = i
		}
	}
	if end == l.off {
		r, _ := utf8.DecodeRuneInString(l.src[l.off:])
		return lexer.Token{}, l.errorf(start, "unexpected %q", r)
	}
	v := l.src[l.off:end]
	l.advance(end - l.off)
	return lexer.Token{Type: tokLiteral, Value: v, Pos: start}, nil
}

// escapeAt returns the length of the escape sequence at i (which holds a
// backslash) in an unquoted literal: \t \r \n, \uXXXX, a special character,
// or a keyword (\or \and \not).
func (l *kqlLexer) escapeAt(i int) (int, error) {
	rest := l.src[i+1:]
	switch {
	case rest == "":
	case strings.ContainsRune("trn", rune(rest[0])):
		return 2, nil
	case rest[0] == 'u' && len(rest) >= 5 && isHex(rest[1:5]):
		return 6, nil
	case isSpecial(rune(rest[0])):
		return 2, nil
	case len(rest) >= 3 && strings.EqualFold(rest[:3], "and"), len(rest) >= 3 && strings.EqualFold(rest[:3], "not"):
		return 4, nil
	case len(rest) >= 2 && strings.EqualFold(rest[:2], "or"):
		return 3, nil
	}
	p := l.pos()
	p.Offset = i
	p.Column += i - l.off
	return 0, l.errorf(p, "invalid escape sequence in an unquoted value (quote the value instead)")
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}
