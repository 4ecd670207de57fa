package eql

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar follows Elasticsearch's EqlBase.g4 for the subset sigforge
// emits and Elastic's AWS rules use. Keywords are lowercase only, as in
// Elasticsearch; single-quoted strings are rejected.
var eqlLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `//[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/`},
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "RawString", Pattern: `"""[^\r\n]*?"""`},
	{Name: "String", Pattern: `"(?:\\.|[^"\\\r\n])*"`},
	{Name: "SingleQuoted", Pattern: `'(?:\\.|[^'\\\r\n])*'`},
	{Name: "Backtick", Pattern: "`(?:``|[^`])*`"},
	{Name: "Number", Pattern: `(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?`},
	{Name: "Keyword", Pattern: `(?:and|or|not|where|sequence|by|with|maxspan|until|true|false|null|any)\b|(?:in|like|regex)(?:~|\b)`},
	{Name: "Ident", Pattern: `[A-Za-z_@][A-Za-z0-9_]*`},
	{Name: "Op", Pattern: `==|!=|<=|>=|[<>:~\[\](),.=?|+*/%-]`},
})

var parser = participle.MustBuild[gQuery](
	participle.Lexer(eqlLexer),
	participle.Elide("Comment", "Whitespace"),
	participle.UseLookahead(4),
)

type gQuery struct {
	Pos      lexer.Position
	Sequence *gSequence `parser:"(  @@"`
	Event    *gEvent    `parser:" | @@ )"`
	Pipe     *gPipe     `parser:"@@?"`
}

// gPipe is parsed only to reject it with a clear message.
type gPipe struct {
	Pos  lexer.Position
	Name string   `parser:"'|' @Ident"`
	Rest []string `parser:"(@Number | @Ident)*"`
}

type gSequence struct {
	Pos     lexer.Position
	By      []*gOperand `parser:"'sequence' ( 'by' @@ ( ',' @@ )* )?"`
	MaxSpan *gSpan      `parser:"( 'with' 'maxspan' '=' @@ )?"`
	Steps   []*gStep    `parser:"@@ @@+"`
	Until   *gEvent     `parser:"( 'until' '[' @@ ']' )?"`
}

type gSpan struct {
	Pos   lexer.Position
	Value string `parser:"@Number"`
	Unit  string `parser:"@Ident?"`
}

type gStep struct {
	Pos   lexer.Position
	Event *gEvent     `parser:"'[' @@ ']'"`
	By    []*gOperand `parser:"( 'by' @@ ( ',' @@ )* )?"`
}

type gEvent struct {
	Pos      lexer.Position
	Category string `parser:"( @'any' | @Ident | @String | @RawString )"`
	Where    *gOr   `parser:"'where' @@"`
}

type gOr struct {
	Left  *gAnd   `parser:"@@"`
	Right []*gAnd `parser:"( 'or' @@ )*"`
}

type gAnd struct {
	Left  *gNot   `parser:"@@"`
	Right []*gNot `parser:"( 'and' @@ )*"`
}

type gNot struct {
	Pos  lexer.Position
	Not  *gNot  `parser:"  'not' @@"`
	Pred *gPred `parser:"| @@"`
}

type gPred struct {
	Pos   lexer.Position
	Left  *gOperand `parser:"@@"`
	Cmp   *gCmp     `parser:"( @@"`
	In    *gIn      `parser:"| @@"`
	Match *gMatch   `parser:"| @@ )?"`
}

type gCmp struct {
	Pos   lexer.Position
	Op    string    `parser:"@( '==' | '!=' | '<=' | '>=' | '<' | '>' | '=' )"`
	Right *gOperand `parser:"@@"`
}

type gIn struct {
	Pos  lexer.Position
	Not  bool        `parser:"@'not'?"`
	Op   string      `parser:"@( 'in' | 'in~' )"`
	List []*gOperand `parser:"'(' @@ ( ',' @@ )* ','? ')'"`
}

type gMatch struct {
	Pos  lexer.Position
	Op   string    `parser:"@( ':' | 'like' | 'like~' | 'regex' | 'regex~' )"`
	List []*gConst `parser:"( '(' @@ ( ',' @@ )* ','? ')' | @@ )"`
}

type gConst struct {
	Pos lexer.Position
	Str string `parser:"@( String | RawString | SingleQuoted )"`
}

type gOperand struct {
	Pos    lexer.Position
	Call   *gCall  `parser:"  @@"`
	Null   bool    `parser:"| @'null'"`
	Bool   *string `parser:"| @( 'true' | 'false' )"`
	Number *string `parser:"| @( '-'? Number )"`
	Str    *string `parser:"| @( String | RawString | SingleQuoted )"`
	Field  *gField `parser:"| @@"`
	Sub    *gOr    `parser:"| '(' @@ ')'"`
}

type gCall struct {
	Pos   lexer.Position
	Name  string `parser:"@Ident"`
	Tilde bool   `parser:"@'~'?"`
	Args  []*gOr `parser:"'(' ( @@ ( ',' @@ )* )? ')'"`
}

type gField struct {
	Pos      lexer.Position
	Optional bool     `parser:"@'?'?"`
	Parts    []string `parser:"@( Ident | Backtick ) ( '.' @( Ident | Backtick ) )*"`
}
