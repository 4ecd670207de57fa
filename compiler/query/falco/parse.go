package falco

import (
	"errors"
	"fmt"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/sigforge/sigforge/compiler/source"
)

// The participle grammar mirrors the EBNF in libs
// userspace/libsinsp/filter/parser.h:
//
//	Expr    ::= AndExpr ('or' AndExpr)*
//	AndExpr ::= NotExpr ('and' NotExpr)*
//	NotExpr ::= ('not')* Check
//	Check   ::= '(' Expr ')' | (Field | FieldTransformer) Condition | Identifier
//
// The lexer has already classified every token (see lexer.go), so the
// grammar only arranges them.

type gOr struct {
	Pos   lexer.Position
	Left  *gAnd   `parser:"@@"`
	Right []*gAnd `parser:"( 'or' @@ )*"`
}

type gAnd struct {
	Pos   lexer.Position
	Left  *gNot   `parser:"@@"`
	Right []*gNot `parser:"( 'and' @@ )*"`
}

type gNot struct {
	Pos   lexer.Position
	Nots  []string `parser:"@'not'*"`
	Check *gCheck  `parser:"@@"`
}

type gCheck struct {
	Pos   lexer.Position
	Paren *gOr    `parser:"LParen @@ RParen"`
	Cond  *gCond  `parser:"| @@"`
	Macro *string `parser:"| @Ident"`
}

type gCond struct {
	Pos   lexer.Position
	Left  *gOperand `parser:"@@"`
	Unary string    `parser:"( @Unary"`
	Op    string    `parser:"| ( @NumOp | @StrOp | @ListOp )"`
	Mod   string    `parser:"@Modifier?"`
	Right *gRHS     `parser:"@@ )"`
}

type gOperand struct {
	Field *gField `parser:"@@"`
	Trans *gTrans `parser:"| @@"`
}

type gField struct {
	Pos  lexer.Position
	Name string  `parser:"@Field"`
	Arg  *string `parser:"@FieldArg?"`
}

type gTrans struct {
	Pos  lexer.Position
	Name string   `parser:"( @Transformer | @Val )"`
	Args []*gTArg `parser:"@@ ( Comma @@ )* RParen"`
	Arg  *string  `parser:"@FieldArg?"`
}

type gTArg struct {
	Num   *string  `parser:"@Number"`
	Str   *gString `parser:"| @@"`
	List  *gTList  `parser:"| LParen @@ RParen"`
	Trans *gTrans  `parser:"| @@"`
	Field *gField  `parser:"| @@"`
}

type gTList struct {
	Items []*gTArg `parser:"( @@ ( Comma @@ )* )?"`
}

type gString struct {
	Pos lexer.Position
	Raw string `parser:"@String"`
}

type gValue struct {
	Pos    lexer.Position
	Quoted *string `parser:"@String"`
	Bare   *string `parser:"| @Bare"`
	Num    *string `parser:"| @Number"`
}

type gRHS struct {
	List     *gList  `parser:"LParen @@ RParen"`
	Trans    *gTrans `parser:"| @@"`
	ListName *string `parser:"| @Ident"`
	Value    *gValue `parser:"| @@"`
}

type gList struct {
	Items []*gValue `parser:"( @@ ( Comma @@ )* )?"`
}

var grammar = participle.MustBuild[gOr](
	participle.Lexer(lexDef{}),
	participle.UseLookahead(2),
)

// Error is a condition that does not parse or does not load, with its
// position inside the condition text.
type Error struct {
	Pos source.Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Parse parses a condition. name is used in positions (usually the rules
// file; pass "" for none). Lists must already be expanded (see Ruleset);
// macro references stay as *MacroRef nodes.
func Parse(name, condition string) (Expr, error) {
	g, err := grammar.ParseString(name, condition)
	if err != nil {
		return nil, toError(name, err)
	}
	return convertOr(g)
}

func toError(name string, err error) error {
	var perr participle.Error
	if errors.As(err, &perr) {
		p := perr.Position()
		return &Error{Pos: source.Pos{File: name, Line: p.Line, Col: p.Column}, Msg: perr.Message()}
	}
	return &Error{Pos: source.Pos{File: name}, Msg: err.Error()}
}

func pos(p lexer.Position) source.Pos {
	return source.Pos{File: p.Filename, Line: p.Line, Col: p.Column}
}

func convertOr(g *gOr) (Expr, error) {
	first, err := convertAnd(g.Left)
	if err != nil || len(g.Right) == 0 {
		return first, err
	}
	or := &Or{Pos: pos(g.Pos), Args: []Expr{first}}
	for _, r := range g.Right {
		e, err := convertAnd(r)
		if err != nil {
			return nil, err
		}
		or.Args = append(or.Args, e)
	}
	return or, nil
}

func convertAnd(g *gAnd) (Expr, error) {
	first, err := convertNot(g.Left)
	if err != nil || len(g.Right) == 0 {
		return first, err
	}
	and := &And{Pos: pos(g.Pos), Args: []Expr{first}}
	for _, r := range g.Right {
		e, err := convertNot(r)
		if err != nil {
			return nil, err
		}
		and.Args = append(and.Args, e)
	}
	return and, nil
}

func convertNot(g *gNot) (Expr, error) {
	e, err := convertCheck(g.Check)
	if err != nil {
		return nil, err
	}
	// libsinsp folds a run of "not" into one negation or none.
	if len(g.Nots)%2 == 1 {
		return &Not{Pos: pos(g.Pos), Arg: e}, nil
	}
	return e, nil
}

func convertCheck(g *gCheck) (Expr, error) {
	switch {
	case g.Paren != nil:
		return convertOr(g.Paren)
	case g.Macro != nil:
		return &MacroRef{Pos: pos(g.Pos), Name: *g.Macro}, nil
	}
	c := g.Cond
	left, err := convertOperand(c.Left)
	if err != nil {
		return nil, err
	}
	chk := &Check{Pos: pos(c.Pos), Left: left}
	if c.Unary != "" {
		chk.Op = c.Unary
		return chk, nil
	}
	chk.Op, chk.Mod = c.Op, c.Mod
	r := c.Right
	switch {
	case r.List != nil:
		for _, it := range r.List.Items {
			v, err := convertValue(it)
			if err != nil {
				return nil, err
			}
			chk.Values = append(chk.Values, v)
		}
		if chk.Values == nil {
			chk.Values = []string{}
		}
	case r.Trans != nil:
		t, err := convertTrans(r.Trans)
		if err != nil {
			return nil, err
		}
		if t.Name == "val" {
			chk.RightField = t.Args[0]
		} else {
			chk.RightField = t
		}
	case r.ListName != nil:
		chk.ListName = *r.ListName
	default:
		v, err := convertValue(r.Value)
		if err != nil {
			return nil, err
		}
		chk.Values = []string{v}
	}
	return chk, nil
}

func convertValue(g *gValue) (string, error) {
	switch {
	case g.Quoted != nil:
		v, err := unescape(*g.Quoted)
		if err != nil {
			return "", &Error{Pos: pos(g.Pos), Msg: err.Error()}
		}
		return v, nil
	case g.Bare != nil:
		return *g.Bare, nil
	}
	return *g.Num, nil
}

func convertOperand(g *gOperand) (Operand, error) {
	if g.Field != nil {
		return convertField(g.Field), nil
	}
	return convertTrans(g.Trans)
}

func convertField(g *gField) *FieldRef {
	f := &FieldRef{Pos: pos(g.Pos), Name: g.Name}
	if g.Arg != nil {
		f.Arg, f.HasArg = *g.Arg, true
	}
	return f
}

func convertTrans(g *gTrans) (*Transform, error) {
	t := &Transform{Pos: pos(g.Pos), Name: g.Name}
	if g.Arg != nil {
		t.Arg, t.HasArg = *g.Arg, true
	}
	for _, a := range g.Args {
		op, err := convertTArg(a)
		if err != nil {
			return nil, err
		}
		t.Args = append(t.Args, op)
	}
	if t.Name == "val" && (len(t.Args) != 1 || !isField(t.Args[0])) {
		return nil, &Error{Pos: t.Pos, Msg: "expected a field within 'val' transformer"}
	}
	return t, nil
}

func isField(o Operand) bool { _, ok := o.(*FieldRef); return ok }

func convertTArg(g *gTArg) (Operand, error) {
	switch {
	case g.Num != nil:
		return &Const{Text: *g.Num}, nil
	case g.Str != nil:
		v, err := unescape(g.Str.Raw)
		if err != nil {
			return nil, &Error{Pos: pos(g.Str.Pos), Msg: err.Error()}
		}
		return &Const{Text: v}, nil
	case g.List != nil:
		l := &TransformList{}
		for _, it := range g.List.Items {
			op, err := convertTArg(it)
			if err != nil {
				return nil, err
			}
			l.Items = append(l.Items, op)
		}
		return l, nil
	case g.Trans != nil:
		return convertTrans(g.Trans)
	}
	return convertField(g.Field), nil
}

// errorf builds a positioned load error.
func errorf(p source.Pos, format string, args ...any) *Error {
	return &Error{Pos: p, Msg: fmt.Sprintf(format, args...)}
}
