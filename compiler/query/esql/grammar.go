package esql

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar covers the processing commands sigforge emits (WHERE, EVAL,
// STATS … BY) and their expressions; keywords are case-insensitive as in
// ES|QL. The source command (FROM …) is read separately (see Parse).
var esqlLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `//[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/`},
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "RawString", Pattern: `"""[^\r\n]*?"""`},
	{Name: "String", Pattern: `"(?:\\.|[^"\\\r\n])*"`},
	{Name: "Backtick", Pattern: "`(?:``|[^`])*`"},
	{Name: "Number", Pattern: `(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?`},
	{Name: "Keyword", Pattern: `(?i)\b(?:where|eval|stats|keep|sort|limit|by|and|or|not|is|null|in|like|rlike|true|false|asc|desc|nulls|first|last)\b`},
	{Name: "Unit", Pattern: `(?i)\b(?:milliseconds?|seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b`},
	{Name: "Ident", Pattern: `[A-Za-z_@][A-Za-z0-9_]*`},
	{Name: "Op", Pattern: `==|!=|<=|>=|[<>=(),.|*+/%-]`},
})

var parser = participle.MustBuild[gPipeline](
	participle.Lexer(esqlLexer),
	participle.Elide("Comment", "Whitespace"),
	participle.CaseInsensitive("Keyword"),
	participle.CaseInsensitive("Unit"),
	participle.UseLookahead(64), // "a.b.c = …" vs "a.b.c": the name can be long
)

type gPipeline struct {
	Commands []*gCommand `parser:"( '|' @@ )*"`
}

type gCommand struct {
	Pos   lexer.Position
	Where *gOr        `parser:"  'where' @@"`
	Eval  []*gAssign  `parser:"| 'eval' @@ ( ',' @@ )*"`
	Stats *gStats     `parser:"| 'stats' @@"`
	Keep  []*gField   `parser:"| 'keep' @@ ( ',' @@ )*"`
	Sort  []*gSortKey `parser:"| 'sort' @@ ( ',' @@ )*"`
	Limit *string     `parser:"| 'limit' @Number"`
	Other string      `parser:"| @Ident ( ~'|' )*"`
}

type gAssign struct {
	Pos  lexer.Position
	Name *gField `parser:"( @@ '=' )?"`
	Expr *gOr    `parser:"@@"`
}

type gStats struct {
	Aggs []*gAssign `parser:"@@ ( ',' @@ )*"`
	By   []*gAssign `parser:"( 'by' @@ ( ',' @@ )* )?"`
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
	Not  *gNot  `parser:"  'not' @@"`
	Pred *gPred `parser:"| @@"`
}

type gPred struct {
	Pos     lexer.Position
	Left    *gOperand `parser:"@@"`
	Cmp     *gCmp     `parser:"( @@"`
	IsNull  *gIsNull  `parser:"| @@"`
	Pattern *gPattern `parser:"| @@ )?"`
}

type gCmp struct {
	Op    string    `parser:"@( '==' | '!=' | '<=' | '>=' | '<' | '>' )"`
	Right *gOperand `parser:"@@"`
}

type gIsNull struct {
	Not bool `parser:"'is' @'not'? 'null'"`
}

type gPattern struct {
	Pos  lexer.Position
	Not  bool        `parser:"@'not'?"`
	Op   string      `parser:"@( 'in' | 'like' | 'rlike' )"`
	List []*gOperand `parser:"( '(' @@ ( ',' @@ )* ')' | @@ )"`
}

type gOperand struct {
	Pos    lexer.Position
	Call   *gCall  `parser:"  @@"`
	Null   bool    `parser:"| @'null'"`
	Bool   *string `parser:"| @( 'true' | 'false' )"`
	Span   *gSpan  `parser:"| @@"`
	Number *string `parser:"| @( '-'? Number )"`
	Str    *string `parser:"| @( String | RawString )"`
	Field  *gField `parser:"| @@"`
	Sub    *gOr    `parser:"| '(' @@ ')'"`
}

type gSpan struct {
	Value string `parser:"@Number"`
	Unit  string `parser:"@Unit"`
}

type gCall struct {
	Pos  lexer.Position
	Name string `parser:"@Ident '('"`
	Star bool   `parser:"@'*'?"`
	Args []*gOr `parser:"( @@ ( ',' @@ )* )? ')'"`
}

type gField struct {
	Pos   lexer.Position
	Parts []string `parser:"@( Ident | Backtick ) ( '.' @( Ident | Backtick ) )*"`
}

type gSortKey struct {
	Expr  *gOr   `parser:"@@"`
	Order string `parser:"@( 'asc' | 'desc' )?"`
	Nulls string `parser:"( 'nulls' @( 'first' | 'last' ) )?"`
}
