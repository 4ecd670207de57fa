package falco

import (
	"strings"

	"github.com/sigforge/sigforge/compiler/source"
)

// Expr is a node of a parsed condition: *And, *Or, *Not, *Check or *MacroRef.
type Expr interface {
	Position() source.Pos
	String() string
	exprNode()
}

// And holds when every Arg holds.
type And struct {
	Pos  source.Pos
	Args []Expr
}

// Or holds when one Arg holds.
type Or struct {
	Pos  source.Pos
	Args []Expr
}

// Not negates Arg.
type Not struct {
	Pos source.Pos
	Arg Expr
}

// MacroRef is a bare identifier: a reference to a macro.
type MacroRef struct {
	Pos  source.Pos
	Name string
}

// Check compares a field (or transformed field) with values.
type Check struct {
	Pos source.Pos
	// Left is a *FieldRef or a *Transform.
	Left Operand
	// Op is the operator as written ("=", "icontains", "in", "exists", ...).
	Op string
	// Mod is the string-operator modifier (oneof, anyof, allof) or "".
	Mod string
	// Values are the constant right-hand side values (unescaped): one for a
	// plain operator, the items of a list for list operators.
	Values []string
	// ListName is set when the right-hand side is a bare list name.
	ListName string
	// RightField is set when the right-hand side is val(field) or a
	// transformer.
	RightField Operand
}

// Operand is a *FieldRef or a *Transform.
type Operand interface {
	String() string
	operand()
}

// FieldRef names a field, with its [arg] when present.
type FieldRef struct {
	Pos    source.Pos
	Name   string
	Arg    string
	HasArg bool
}

// Transform applies a transformer (tolower, toupper, b64, basename, len,
// join, concat, getopt, or val on the right-hand side) to its arguments.
type Transform struct {
	Pos  source.Pos
	Name string
	// Args are fields, transformers, *Const and *TransformList values.
	Args   []Operand
	Arg    string
	HasArg bool
}

// Const is a constant transformer argument.
type Const struct {
	Text string
}

// TransformList is a parenthesised transformer argument list.
type TransformList struct {
	Items []Operand
}

func (*And) exprNode()      {}
func (*Or) exprNode()       {}
func (*Not) exprNode()      {}
func (*MacroRef) exprNode() {}
func (*Check) exprNode()    {}

func (*FieldRef) operand()      {}
func (*Transform) operand()     {}
func (*Const) operand()         {}
func (*TransformList) operand() {}

// Position returns where the node starts.
func (e *And) Position() source.Pos      { return e.Pos }
func (e *Or) Position() source.Pos       { return e.Pos }
func (e *Not) Position() source.Pos      { return e.Pos }
func (e *MacroRef) Position() source.Pos { return e.Pos }
func (e *Check) Position() source.Pos    { return e.Pos }

// String renders the condition in a canonical form that parses back to the
// same tree.
func (e *And) String() string { return joinExprs(e, e.Args, " and ") }
func (e *Or) String() string  { return joinExprs(e, e.Args, " or ") }
func (e *Not) String() string { return "not " + paren(e.Arg) }
func (e *MacroRef) String() string {
	return e.Name
}

func (e *Check) String() string {
	var b strings.Builder
	b.WriteString(e.Left.String())
	b.WriteByte(' ')
	b.WriteString(e.Op)
	if e.Op == "exists" {
		return b.String()
	}
	b.WriteByte(' ')
	if e.Mod != "" {
		b.WriteString(e.Mod + " ")
	}
	switch {
	case e.RightField != nil:
		if f, ok := e.RightField.(*FieldRef); ok {
			b.WriteString("val(" + f.String() + ")")
		} else {
			b.WriteString(e.RightField.String())
		}
	case e.ListName != "":
		b.WriteString(e.ListName)
	case isListOp(e.Op) || e.Mod != "":
		b.WriteByte('(')
		for i, v := range e.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(Quote(v))
		}
		b.WriteByte(')')
	case isNumOp(e.Op):
		b.WriteString(e.Values[0])
	default:
		b.WriteString(Quote(e.Values[0]))
	}
	return b.String()
}

func (f *FieldRef) String() string {
	if f.HasArg {
		return f.Name + "[" + argText(f.Arg) + "]"
	}
	return f.Name
}

func (t *Transform) String() string {
	var b strings.Builder
	b.WriteString(t.Name + "(")
	for i, a := range t.Args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.String())
	}
	b.WriteByte(')')
	if t.HasArg {
		b.WriteString("[" + argText(t.Arg) + "]")
	}
	return b.String()
}

func (c *Const) String() string {
	if rxNumber.FindString(c.Text) == c.Text || rxHexNum.FindString(c.Text) == c.Text {
		return c.Text
	}
	return Quote(c.Text)
}

func (l *TransformList) String() string {
	parts := make([]string, len(l.Items))
	for i, it := range l.Items {
		parts[i] = it.String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func argText(a string) string {
	if a != "" && rxFieldArg.FindString(a) == a {
		return a
	}
	return Quote(a)
}

// joinExprs renders the operands of an and/or; an operand of the same
// kind needs no parentheses since both are associative.
func joinExprs(parent Expr, args []Expr, sep string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		_, andInAnd := a.(*And)
		_, orInOr := a.(*Or)
		_, parentAnd := parent.(*And)
		if andInAnd && parentAnd || orInOr && !parentAnd {
			parts[i] = a.String()
			continue
		}
		parts[i] = paren(a)
	}
	return strings.Join(parts, sep)
}

func paren(e Expr) string {
	switch e.(type) {
	case *Check, *MacroRef, *Not:
		return e.String()
	}
	return "(" + e.String() + ")"
}

func isNumOp(op string) bool { return op == "<" || op == "<=" || op == ">" || op == ">=" }

func isListOp(op string) bool { return op == "in" || op == "intersects" || op == "pmatch" }
