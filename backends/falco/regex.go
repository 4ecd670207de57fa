package falco

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"

	"github.com/sigforge/sigforge/compiler/ir"
)

// translateRegex turns a Sigma regular expression (RE2 syntax, searched in
// the value, flags from |re|i|m|s) into a pattern for Falco's regex
// operator, which libsinsp compiles with RE2's POSIX syntax option and
// matches against the whole value. The result is written without any Perl
// extension: no (?flags), no (?:...), no \d \w \s \b \A \z, no non-greedy
// operators; case-insensitivity becomes bracket expressions ([mM]); the
// search becomes (.|\n)* on each side that is not anchored.
func translateRegex(pattern string, fl ir.RegexFlags) (string, error) {
	flags := syntax.Perl
	if fl.IgnoreCase {
		flags |= syntax.FoldCase
	}
	if fl.DotAll {
		flags |= syntax.DotNL
	}
	if fl.Multiline {
		flags &^= syntax.OneLine
	}
	re, err := syntax.Parse(pattern, flags)
	if err != nil {
		return "", fmt.Errorf("invalid regular expression: %v", err)
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	anchoredStart, anchoredEnd := false, false
	if len(subs) > 0 && subs[0].Op == syntax.OpBeginText {
		anchoredStart, subs = true, subs[1:]
	}
	if len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText {
		anchoredEnd, subs = true, subs[:len(subs)-1]
	}
	var b strings.Builder
	if !anchoredStart {
		b.WriteString(`(.|\n)*`)
	}
	var body strings.Builder
	for _, s := range subs {
		if err := writeRegex(&body, s, len(subs) > 1 || anchoredStart && anchoredEnd); err != nil {
			return "", err
		}
	}
	if anchoredStart && anchoredEnd {
		b.WriteString(body.String())
	} else if body.Len() > 0 {
		b.WriteString("(" + body.String() + ")")
	}
	if !anchoredEnd {
		b.WriteString(`(.|\n)*`)
	}
	return b.String(), nil
}

// writeRegex prints re in RE2 POSIX syntax. inConcat says whether the
// output is an element of a concatenation (alternations then need
// parentheses).
func writeRegex(b *strings.Builder, re *syntax.Regexp, inConcat bool) error {
	switch re.Op {
	case syntax.OpNoMatch:
		b.WriteString(`[^\x00-\x{10FFFF}]`)
	case syntax.OpEmptyMatch:
		b.WriteString(`()`)
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			writeLiteralRune(b, r, re.Flags&syntax.FoldCase != 0)
		}
	case syntax.OpCharClass:
		writeClass(b, re.Rune)
	case syntax.OpAnyCharNotNL:
		b.WriteString(`.`)
	case syntax.OpAnyChar:
		b.WriteString(`(.|\n)`)
	case syntax.OpBeginLine:
		b.WriteString(`^`)
	case syntax.OpEndLine:
		b.WriteString(`$`)
	case syntax.OpBeginText, syntax.OpEndText:
		return fmt.Errorf("a text anchor (^ or $ without the m flag, \\A, \\z) inside the expression has no equivalent in Falco's POSIX regex syntax")
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return fmt.Errorf(`word boundaries (\b, \B) are not part of Falco's POSIX regex syntax`)
	case syntax.OpCapture:
		b.WriteByte('(')
		if err := writeRegex(b, re.Sub[0], false); err != nil {
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
			case re.Max == -1:
				fmt.Fprintf(b, "{%d,}", re.Min)
			case re.Min == re.Max:
				fmt.Fprintf(b, "{%d}", re.Min)
			default:
				fmt.Fprintf(b, "{%d,%d}", re.Min, re.Max)
			}
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if err := writeRegex(b, s, true); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		if inConcat {
			b.WriteByte('(')
		}
		for i, s := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			if err := writeRegex(b, s, false); err != nil {
				return err
			}
		}
		if inConcat {
			b.WriteByte(')')
		}
	default:
		return fmt.Errorf("regular expression construct %v is not supported", re.Op)
	}
	return nil
}

// writeAtom prints re so that a following repetition operator applies to
// all of it.
func writeAtom(b *strings.Builder, re *syntax.Regexp) error {
	atomic := re.Op == syntax.OpCharClass || re.Op == syntax.OpAnyCharNotNL || re.Op == syntax.OpCapture ||
		re.Op == syntax.OpLiteral && len(re.Rune) == 1
	if atomic {
		return writeRegex(b, re, true)
	}
	b.WriteByte('(')
	if err := writeRegex(b, re, false); err != nil {
		return err
	}
	b.WriteByte(')')
	return nil
}

func writeLiteralRune(b *strings.Builder, r rune, fold bool) {
	if fold {
		orbit := []rune{r}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			orbit = append(orbit, f)
		}
		if len(orbit) > 1 {
			b.WriteByte('[')
			for _, o := range orbit {
				writeClassRune(b, o)
			}
			b.WriteByte(']')
			return
		}
	}
	if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
		b.WriteByte('\\')
		b.WriteRune(r)
		return
	}
	if r < ' ' || r == 0x7f {
		fmt.Fprintf(b, `\x{%x}`, r)
		return
	}
	b.WriteRune(r)
}

func writeClass(b *strings.Builder, ranges []rune) {
	if len(ranges) == 0 {
		b.WriteString(`[^\x00-\x{10FFFF}]`)
		return
	}
	b.WriteByte('[')
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		writeClassRune(b, lo)
		if hi != lo {
			if hi > lo+1 {
				b.WriteByte('-')
			}
			writeClassRune(b, hi)
		}
	}
	b.WriteByte(']')
}

// writeClassRune writes a rune inside a bracket expression; anything but a
// letter or digit is written as a hex escape so that no character is taken
// for class syntax.
func writeClassRune(b *strings.Builder, r rune) {
	if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
		b.WriteRune(r)
		return
	}
	fmt.Fprintf(b, `\x{%x}`, r)
}
