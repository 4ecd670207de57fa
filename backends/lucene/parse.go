package lucene

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The query_string syntax, as Lucene's classic QueryParser (with
// Elasticsearch's extensions: _exists_, field:>=v ranges) reads it. The
// lexer makes the character-level decisions (escapes, where a term ends,
// phrases, /regex/) so that the participle grammar works on tokens.
const (
	ltEOF lexer.TokenType = lexer.EOF
	ltAnd lexer.TokenType = -(iota + 2)
	ltOr
	ltNot
	ltPlus
	ltMinus
	ltLParen
	ltRParen
	ltColon
	ltBoost
	ltRangeOpen
	ltRangeClose
	ltTo
	ltPhrase
	ltRegex
	ltTerm
)

type lexDef struct{}

// Symbols builds its map on each call (see the KQL lexer: the parser is
// built during package initialization).
func (lexDef) Symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF": ltEOF, "And": ltAnd, "Or": ltOr, "Not": ltNot, "Plus": ltPlus, "Minus": ltMinus,
		"LParen": ltLParen, "RParen": ltRParen, "Colon": ltColon, "Boost": ltBoost,
		"RangeOpen": ltRangeOpen, "RangeClose": ltRangeClose, "To": ltTo,
		"Phrase": ltPhrase, "Regex": ltRegex, "Term": ltTerm,
	}
}

func (lexDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return &qsLexer{src: string(data), file: filename}, nil
}

type qsLexer struct {
	src  string
	off  int
	file string
}

func (l *qsLexer) pos(off int) lexer.Position {
	line, col := 1, 1
	for _, r := range l.src[:off] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return lexer.Position{Filename: l.file, Offset: off, Line: line, Column: col}
}

func isTermChar(r rune) bool {
	return !unicode.IsSpace(r) && !strings.ContainsRune(`!():^[]"{}~\/`, r)
}

func (l *qsLexer) Next() (lexer.Token, error) {
	for l.off < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.off:])
		if !unicode.IsSpace(r) {
			break
		}
		l.off += size
	}
	start := l.off
	tok := func(t lexer.TokenType, n int) (lexer.Token, error) {
		l.off += n
		return lexer.Token{Type: t, Value: l.src[start:l.off], Pos: l.pos(start)}, nil
	}
	if l.off >= len(l.src) {
		return lexer.Token{Type: ltEOF, Pos: l.pos(start)}, nil
	}
	rest := l.src[l.off:]
	switch {
	case strings.HasPrefix(rest, "&&"):
		return tok(ltAnd, 2)
	case strings.HasPrefix(rest, "||"):
		return tok(ltOr, 2)
	}
	switch rest[0] {
	case '+':
		return tok(ltPlus, 1)
	case '-':
		return tok(ltMinus, 1)
	case '!':
		return tok(ltNot, 1)
	case '(':
		return tok(ltLParen, 1)
	case ')':
		return tok(ltRParen, 1)
	case ':':
		return tok(ltColon, 1)
	case '[', '{':
		return tok(ltRangeOpen, 1)
	case ']', '}':
		return tok(ltRangeClose, 1)
	case '^':
		n := 1
		for n < len(rest) && (rest[n] == '.' || (rest[n] >= '0' && rest[n] <= '9')) {
			n++
		}
		return tok(ltBoost, n)
	case '~':
		return lexer.Token{}, &lexer.Error{Msg: "fuzzy and proximity queries (~) are not supported", Pos: l.pos(start)}
	case '"':
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return tok(ltPhrase, i+1)
			}
		}
		return lexer.Token{}, &lexer.Error{Msg: "unterminated phrase", Pos: l.pos(start)}
	case '/':
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '/':
				return tok(ltRegex, i+1)
			}
		}
		return lexer.Token{}, &lexer.Error{Msg: "unterminated regular expression", Pos: l.pos(start)}
	}
	// A term: escaped characters and term characters; + and - are allowed
	// after the first character.
	i := 0
	for i < len(rest) {
		r, size := utf8.DecodeRuneInString(rest[i:])
		if r == '\\' {
			if i+1 >= len(rest) {
				return lexer.Token{}, &lexer.Error{Msg: "a query cannot end with a backslash", Pos: l.pos(start + i)}
			}
			_, esc := utf8.DecodeRuneInString(rest[i+1:])
			i += 1 + esc
			continue
		}
		if !isTermChar(r) {
			break
		}
		i += size
	}
	if i == 0 {
		return lexer.Token{}, &lexer.Error{Msg: fmt.Sprintf("unexpected %q", rest[0]), Pos: l.pos(start)}
	}
	switch rest[:i] {
	case "AND":
		return tok(ltAnd, i)
	case "OR":
		return tok(ltOr, i)
	case "NOT":
		return tok(ltNot, i)
	case "TO":
		return tok(ltTo, i)
	}
	return tok(ltTerm, i)
}

// grammar

type qsQuery struct {
	Clauses []*qsClause `parser:"@@*"`
}

type qsClause struct {
	Conj  string   `parser:"@(And | Or)?"`
	Mod   string   `parser:"@(Not | Plus | Minus)?"`
	Field *string  `parser:"( @Term Colon )?"`
	Group *qsQuery `parser:"( LParen @@ RParen"`
	Range *qsRange `parser:"| @@"`
	Value *qsValue `parser:"| @@ )"`
	Boost *string  `parser:"@Boost?"`
}

type qsRange struct {
	Open  string   `parser:"@RangeOpen"`
	From  *qsValue `parser:"@@ To"`
	To    *qsValue `parser:"@@"`
	Close string   `parser:"@RangeClose"`
}

type qsValue struct {
	Phrase *string `parser:"  @Phrase"`
	Regex  *string `parser:"| @Regex"`
	Term   *string `parser:"| @Term"`
}

var qsParser = participle.MustBuild[qsQuery](participle.Lexer(lexDef{}), participle.UseLookahead(3))
