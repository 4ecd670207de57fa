package falco

import (
	"io"
	"regexp"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// The libsinsp filter language is context sensitive: the same text is a
// field, an identifier, a bare string or a number depending on where it
// stands (libs userspace/libsinsp/filter/parser.cpp lexes on demand while it
// parses). The lexer below therefore tracks the same contexts the libsinsp
// parser does (a check, an operator, a value, a list, transformer arguments)
// and hands participle tokens that are already classified.

// Token types.
const (
	tokEOF                    = lexer.EOF
	tokLParen lexer.TokenType = iota + 1
	tokRParen
	tokComma
	tokField       // a field name: at least one dot (ct.name, json.value)
	tokFieldArg    // the argument in [...] after a field or transformer, unescaped
	tokTransformer // tolower( toupper( b64( basename( len( join( concat( getopt( — the name only
	tokVal         // val(
	tokIdent       // identifier: a macro, a list name, and/or/not
	tokUnary       // exists
	tokNumOp       // <= < >= >
	tokStrOp       // == = != glob iglob contains icontains bcontains startswith bstartswith endswith regex
	tokListOp      // intersects in pmatch
	tokModifier    // oneof anyof allof
	tokString      // a quoted string, raw with its quotes
	tokBare        // a bare string
	tokNumber      // a number or hex number
)

var symbols = map[string]lexer.TokenType{
	"EOF": tokEOF, "LParen": tokLParen, "RParen": tokRParen, "Comma": tokComma,
	"Field": tokField, "FieldArg": tokFieldArg, "Transformer": tokTransformer, "Val": tokVal,
	"Ident": tokIdent, "Unary": tokUnary, "NumOp": tokNumOp, "StrOp": tokStrOp, "ListOp": tokListOp,
	"Modifier": tokModifier, "String": tokString, "Bare": tokBare, "Number": tokNumber,
}

// The token regular expressions of parser.cpp (RE2 POSIX, longest match),
// anchored at the cursor.
var (
	rxNotBlank   = regexp.MustCompile(`^not[ \t\n\r\f\v]+`)
	rxIdentifier = regexp.MustCompile(`^[a-zA-Z]+[a-zA-Z0-9_]*`)
	rxFieldName  = regexp.MustCompile(`^[a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+`)
	rxFieldArg   = regexp.MustCompile(`^[^\]\["' \t\n\r\f\v]+`)
	rxHexNum     = regexp.MustCompile(`^0[xX][0-9a-fA-F]+`)
	rxNumber     = regexp.MustCompile(`^[+\-]?[0-9]+\.?[0-9]*([eE][+\-][0-9]+)?`)
	rxBareStr    = regexp.MustCompile(`^[^()"' \t\n\r\f\v=,]+`)
)

func init() {
	// POSIX leftmost-longest, as RE2::POSIX in libsinsp.
	for _, rx := range []*regexp.Regexp{rxNotBlank, rxIdentifier, rxFieldName, rxFieldArg, rxHexNum, rxNumber, rxBareStr} {
		rx.Longest()
	}
}

var (
	unaryOps     = []string{"exists"}
	numOps       = []string{"<=", "<", ">=", ">"}
	strOps       = []string{"==", "=", "!=", "glob ", "iglob ", "contains ", "icontains ", "bcontains ", "startswith ", "bstartswith ", "endswith ", "regex "}
	modifierOps  = []string{"oneof ", "anyof ", "allof "}
	listOps      = []string{"intersects", "in", "pmatch"}
	transformers = []string{"tolower(", "toupper(", "b64(", "basename(", "len(", "join(", "concat(", "getopt("}
)

// lexDef implements lexer.Definition.
type lexDef struct{}

func (lexDef) Symbols() map[string]lexer.TokenType { return symbols }

func (lexDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return lexString(filename, string(b))
}

func (lexDef) LexString(filename, input string) (lexer.Lexer, error) {
	return lexString(filename, input)
}

func lexString(filename, input string) (lexer.Lexer, error) {
	s := &scanner{in: input, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}
	if err := s.run(); err != nil {
		return nil, err
	}
	return &tokenList{toks: s.toks}, nil
}

type tokenList struct {
	toks []lexer.Token
	i    int
}

func (l *tokenList) Next() (lexer.Token, error) {
	t := l.toks[l.i]
	if l.i < len(l.toks)-1 {
		l.i++
	}
	return t, nil
}

// scanner classifies the input the way libsinsp's parser does.
type scanner struct {
	in   string
	pos  lexer.Position
	toks []lexer.Token
}

func (s *scanner) rest() string { return s.in[s.pos.Offset:] }

func (s *scanner) advance(n int) {
	for _, c := range []byte(s.in[s.pos.Offset : s.pos.Offset+n]) {
		s.pos.Offset++
		if c == '\n' {
			s.pos.Line++
			s.pos.Column = 1
		} else {
			s.pos.Column++
		}
	}
}

func (s *scanner) emit(t lexer.TokenType, value string, n int) {
	s.toks = append(s.toks, lexer.Token{Type: t, Value: value, Pos: s.pos})
	s.advance(n)
}

func (s *scanner) errorf(format string, args ...any) error {
	return &lexer.Error{Msg: sprintf(format, args...), Pos: s.pos}
}

// blank skips the characters lex_blank skips and reports whether it did.
func (s *scanner) blank() bool {
	n := 0
	for n < len(s.rest()) {
		switch s.rest()[n] {
		case ' ', '\t', '\b', '\r', '\n':
			n++
			continue
		}
		break
	}
	s.advance(n)
	return n > 0
}

func (s *scanner) has(prefix string) bool { return strings.HasPrefix(s.rest(), prefix) }

// operator matches one entry of an operator list; entries ending in a blank
// need at least one blank after the word (lex_helper_operator_list).
func (s *scanner) operator(list []string) (string, int, bool) {
	for _, op := range list {
		word := strings.TrimSuffix(op, " ")
		if !s.has(word) {
			continue
		}
		if word == op {
			return word, len(word), true
		}
		if r := s.rest()[len(word):]; r != "" && strings.IndexByte(" \t\b\r\n", r[0]) >= 0 {
			return word, len(word), true
		}
	}
	return "", 0, false
}

// quoted returns the length of a quoted string at the cursor. As in
// lex_quoted_str, the string ends at the first delimiter that does not follow
// a backslash, so "a\\" is unterminated.
func (s *scanner) quoted() (int, bool) {
	r := s.rest()
	if r == "" || (r[0] != '"' && r[0] != '\'') {
		return 0, false
	}
	delim := r[0]
	for i := 1; i < len(r); i++ {
		if r[i] == delim && r[i-1] != '\\' {
			return i + 1, true
		}
	}
	return 0, false
}

func (s *scanner) match(rx *regexp.Regexp) (string, bool) {
	m := rx.FindString(s.rest())
	return m, m != ""
}

func (s *scanner) run() error {
	if s.in == "" {
		return s.errorf("filter input string is empty")
	}
	if err := s.expr(); err != nil {
		return err
	}
	s.toks = append(s.toks, lexer.EOFToken(s.pos))
	return nil
}

// expr lexes checks, parentheses and the and/or/not keywords up to the end.
func (s *scanner) expr() error {
	for {
		s.blank()
		r := s.rest()
		switch {
		case r == "":
			return nil
		case r[0] == '(':
			s.emit(tokLParen, "(", 1)
		case r[0] == ')':
			s.emit(tokRParen, ")", 1)
		default:
			if m, ok := s.match(rxNotBlank); ok {
				s.emit(tokIdent, "not", len(m))
				continue
			}
			if s.has("not(") {
				s.emit(tokIdent, "not", 3)
				continue
			}
			if m, ok := s.match(rxFieldName); ok {
				s.emit(tokField, m, len(m))
				if err := s.fieldArg(); err != nil {
					return err
				}
				if err := s.condition(); err != nil {
					return err
				}
				continue
			}
			if name, ok := s.transformer(); ok {
				s.emit(tokTransformer, name, len(name)+1)
				if err := s.transformerArgs(); err != nil {
					return err
				}
				if err := s.condition(); err != nil {
					return err
				}
				continue
			}
			if m, ok := s.match(rxIdentifier); ok {
				s.emit(tokIdent, m, len(m))
				continue
			}
			return s.errorf("expected a '(' token, a field check, or an identifier")
		}
	}
}

func (s *scanner) transformer() (string, bool) {
	for _, t := range transformers {
		if s.has(t) {
			return strings.TrimSuffix(t, "("), true
		}
	}
	return "", false
}

// fieldArg lexes an optional [arg] (parse_optional_field_arg).
func (s *scanner) fieldArg() error {
	if !s.has("[") {
		return nil
	}
	s.advance(1)
	start := s.pos
	if n, ok := s.quoted(); ok {
		raw := s.rest()[:n]
		v, err := unescape(raw)
		if err != nil {
			return &lexer.Error{Msg: err.Error(), Pos: start}
		}
		s.emit(tokFieldArg, v, n)
	} else if m, ok := s.match(rxFieldArg); ok {
		s.emit(tokFieldArg, m, len(m))
	} else {
		return s.errorf("expected a valid field argument: a quoted string or a bare string")
	}
	if !s.has("]") {
		return s.errorf("expected a ']' token")
	}
	s.advance(1)
	return nil
}

// transformerArgs lexes the arguments of a transformer whose name was just
// emitted, through its closing parenthesis and optional [arg].
func (s *scanner) transformerArgs() error {
	s.blank()
	for {
		if err := s.transformerArg(); err != nil {
			return err
		}
		s.blank()
		if s.has(",") {
			s.emit(tokComma, ",", 1)
			continue
		}
		break
	}
	s.blank()
	if !s.has(")") {
		return s.errorf("expected a ')' token closing the transformer")
	}
	s.emit(tokRParen, ")", 1)
	return s.fieldArg()
}

func (s *scanner) number() bool {
	if m, ok := s.match(rxHexNum); ok {
		s.emit(tokNumber, m, len(m))
		return true
	}
	if m, ok := s.match(rxNumber); ok {
		s.emit(tokNumber, m, len(m))
		return true
	}
	return false
}

func (s *scanner) quotedToken() bool {
	if n, ok := s.quoted(); ok {
		s.emit(tokString, s.rest()[:n], n)
		return true
	}
	return false
}

func (s *scanner) transformerArg() error {
	s.blank()
	if s.number() || s.quotedToken() {
		return nil
	}
	if s.has("(") {
		return s.transformerList()
	}
	if name, ok := s.transformer(); ok {
		s.emit(tokTransformer, name, len(name)+1)
		return s.transformerArgs()
	}
	if m, ok := s.match(rxFieldName); ok {
		s.emit(tokField, m, len(m))
		return s.fieldArg()
	}
	return s.errorf("expected field transformer argument: field, transformer, quoted string, number, or transformer list")
}

func (s *scanner) transformerList() error {
	s.emit(tokLParen, "(", 1)
	s.blank()
	if s.has(")") {
		s.emit(tokRParen, ")", 1)
		return nil
	}
	for {
		s.blank()
		switch {
		case s.quotedToken(), s.number():
		default:
			if m, ok := s.match(rxFieldName); ok {
				s.emit(tokField, m, len(m))
				if err := s.fieldArg(); err != nil {
					return err
				}
			} else if name, ok := s.transformer(); ok {
				s.emit(tokTransformer, name, len(name)+1)
				if err := s.transformerArgs(); err != nil {
					return err
				}
			} else {
				return s.errorf("expected transformer list argument: field, transformer, quoted string, or number")
			}
		}
		s.blank()
		if s.has(",") {
			s.emit(tokComma, ",", 1)
			continue
		}
		if !s.has(")") {
			return s.errorf("expected ')'")
		}
		s.emit(tokRParen, ")", 1)
		return nil
	}
}

// condition lexes the operator and right-hand side after a field or
// transformer (parse_condition).
func (s *scanner) condition() error {
	s.blank()
	if op, n, ok := s.operator(unaryOps); ok {
		s.emit(tokUnary, op, n)
		return nil
	}
	s.blank()
	if op, n, ok := s.operator(numOps); ok {
		s.emit(tokNumOp, op, n)
		s.blank()
		if ok, err := s.transformerOrVal(); ok || err != nil {
			return err
		}
		if s.number() {
			return nil
		}
		return s.errorf("expected a number value or a field with a valid transformer")
	}
	if op, n, ok := s.operator(strOps); ok {
		s.emit(tokStrOp, op, n)
		hadBlank := isAlpha(op[0])
		if s.blank() {
			hadBlank = true
		}
		if hadBlank {
			save, saveToks := s.pos, len(s.toks)
			if mod, n, ok := s.operator(modifierOps); ok {
				s.emit(tokModifier, mod, n)
				s.blank()
				if s.listFollows() && !s.boolKeywordFollows() {
					return s.listValue(false)
				}
			}
			s.pos, s.toks = save, s.toks[:saveToks]
		}
		s.blank()
		if ok, err := s.transformerOrVal(); ok || err != nil {
			return err
		}
		if s.quotedToken() {
			return nil
		}
		if m, ok := s.match(rxBareStr); ok {
			s.emit(tokBare, m, len(m))
			return nil
		}
		return s.errorf("expected a string value or a field with a valid transformer")
	}
	if op, n, ok := s.operator(listOps); ok {
		s.emit(tokListOp, op, n)
		return s.listValue(true)
	}
	return s.errorf("expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'")
}

func (s *scanner) listFollows() bool {
	if s.has("(") {
		return true
	}
	_, ok := s.match(rxIdentifier)
	return ok
}

func (s *scanner) boolKeywordFollows() bool {
	r := s.rest()
	for _, kw := range []string{"and", "or", "not"} {
		if strings.HasPrefix(r, kw) && (len(r) == len(kw) || !isAlnum(r[len(kw)])) {
			return true
		}
	}
	return false
}

// listValue lexes "(a, b)" or a list name; after a list operator a
// transformer or val() is accepted too.
func (s *scanner) listValue(transformerOK bool) error {
	s.blank()
	if s.has("(") {
		s.emit(tokLParen, "(", 1)
		s.blank()
		if !s.has(")") {
			for {
				s.blank()
				if !s.quotedToken() {
					m, ok := s.match(rxBareStr)
					if !ok {
						return s.errorf("expected a string value")
					}
					s.emit(tokBare, m, len(m))
				}
				s.blank()
				if s.has(",") {
					s.emit(tokComma, ",", 1)
					continue
				}
				break
			}
		}
		if !s.has(")") {
			return s.errorf("expected a ')' token")
		}
		s.emit(tokRParen, ")", 1)
		return nil
	}
	if transformerOK {
		if ok, err := s.transformerOrVal(); ok || err != nil {
			return err
		}
	}
	if m, ok := s.match(rxIdentifier); ok {
		s.emit(tokIdent, m, len(m))
		return nil
	}
	return s.errorf("expected a list or an identifier")
}

// transformerOrVal lexes val(field) or a transformer on the right-hand side.
func (s *scanner) transformerOrVal() (bool, error) {
	s.blank()
	if s.has("val(") {
		s.emit(tokVal, "val", 4)
		s.blank()
		m, ok := s.match(rxFieldName)
		if !ok {
			return true, s.errorf("expected a field within 'val' transformer")
		}
		s.emit(tokField, m, len(m))
		if err := s.fieldArg(); err != nil {
			return true, err
		}
		s.blank()
		if !s.has(")") {
			return true, s.errorf("expected a ')' token closing the transformer")
		}
		s.emit(tokRParen, ")", 1)
		return true, s.fieldArg()
	}
	if name, ok := s.transformer(); ok {
		s.emit(tokTransformer, name, len(name)+1)
		return true, s.transformerArgs()
	}
	return false, nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }
