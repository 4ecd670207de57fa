package condition

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types of the condition lexer. Words are maximal runs of identifier
// characters, so keywords are only recognised as whole words: in
// "sel and notable" the last word is the identifier "notable", never the
// keyword "not" followed by "able".
const (
	tokWord    lexer.TokenType = iota + 1 // identifier, pattern (with '*') or the quantifier "1"
	tokKeyword                            // and, or, not, of, them, any, all (lowercase only)
	tokPunct                              // ( and )
)

// keywords are reserved words; Sigma writes them in lowercase only (the
// specification's grammar and pySigma's parser both do), so "AND" is an
// identifier and a condition using it is rejected with a hint.
var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "of": true, "them": true, "any": true, "all": true,
}

// isWordByte reports whether c may appear in an identifier or pattern:
// Sigma's [A-Za-z0-9_-], '.' (accepted for field-like names), and the
// pattern wildcard '*'.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == '*'
}

// lexError is a lexing problem at an offset of the condition text.
type lexError struct {
	msg string
	pos lexer.Position
}

func (e *lexError) Error() string            { return e.msg }
func (e *lexError) Message() string          { return e.msg }
func (e *lexError) Position() lexer.Position { return e.pos }

// tokenize splits a condition into tokens, ending with an EOF token.
func tokenize(src string) ([]lexer.Token, error) {
	var toks []lexer.Token
	line, col := 1, 1
	pos := func(off int) lexer.Position { return lexer.Position{Offset: off, Line: line, Column: col} }
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			i++
			line, col = line+1, 1
		case c == ' ' || c == '\t' || c == '\r':
			i++
			col++
		case c == '(' || c == ')':
			toks = append(toks, lexer.Token{Type: tokPunct, Value: src[i : i+1], Pos: pos(i)})
			i++
			col++
		case isWordByte(c):
			j := i
			for j < len(src) && isWordByte(src[j]) {
				j++
			}
			w := src[i:j]
			typ := tokWord
			if keywords[w] {
				typ = tokKeyword
			}
			toks = append(toks, lexer.Token{Type: typ, Value: w, Pos: pos(i)})
			col += j - i
			i = j
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, &lexError{msg: fmt.Sprintf("unexpected character %q", string(r)), pos: pos(i)}
		}
	}
	toks = append(toks, lexer.EOFToken(pos(len(src))))
	return toks, nil
}

// definition adapts tokenize to participle.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{"EOF": lexer.EOF, "Word": tokWord, "Keyword": tokKeyword, "Punct": tokPunct}
}

func (d definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	var b strings.Builder
	if _, err := io.Copy(&b, r); err != nil {
		return nil, err
	}
	return d.LexString(filename, b.String())
}

func (definition) LexString(_ string, src string) (lexer.Lexer, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	return &tokenLexer{toks: toks}, nil
}

type tokenLexer struct {
	toks []lexer.Token
	i    int
}

func (l *tokenLexer) Next() (lexer.Token, error) {
	t := l.toks[l.i]
	if l.i < len(l.toks)-1 {
		l.i++
	}
	return t, nil
}
