package yamlfast

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// generator writes random YAML in the style of Sigma rules — nested block
// mappings and sequences, every scalar style, multi-line scalars, comments
// and blank lines anywhere, several documents — to compare yamlfast with
// yaml.v3 on far more shapes than hand-written cases cover.
// seedGen and countGen are variables so that a local run can try more.
var seedGen, countGen uint64 = 1, 10000

type generator struct {
	r *rand.Rand
	b strings.Builder
}

var (
	genWords = []string{"a", "title", "Image|endswith", "CommandLine|contains|all", "x y", "~", "null", "yes", "No", "on",
		"true", "False", "0o17", "1_000", "+1", "-.5", "1e3", ".inf", "-.Inf", ".NaN", "0x1F", "0b101", "017", "2023-01-01",
		"2023/01/01", "2001-12-14 21:59:43.10", "1.", "12:30", "http://x/a#y", "a:b", `C:\Windows\x.exe`, "x*.exe", "it's",
		`say "hi"`, "-x", "--y", ":\\ProgramData'", "?y", "é", "«ação»", "5b7e4b2a-1d2f-4c3e", "1234-56", "0", "-0", "99999999999999999999", "1e400"}
	genQuoted  = []string{"", " ", "a b", "it''s", "*\\foo", "x:y", "# not a comment", "  padded  ", "null", "1", "ü"}
	genEscaped = []string{"", `a\"b`, `\\\\server\\share`, `tab\there`, `\x41\u00e9\U0001F600`, `\0\a\b\v\f\r\e\N\_\L\P`, `\ `, "plain", "'single'"}
	genText    = []string{"Detects", "something", "odd", "C:\\x", "100%", "a:b", "- item", "'q'", "\"dq\"", "x #y", "é"}
)

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *generator) spaces(n int) string { return strings.Repeat(" ", n) }

// noise writes blank lines and full-line comments at random indentations.
func (g *generator) noise(indent int) {
	for g.r.IntN(4) == 0 {
		switch g.r.IntN(3) {
		case 0:
			g.b.WriteString("\n")
		case 1:
			g.b.WriteString(g.spaces(g.r.IntN(indent+3)) + "# comment\n")
		default:
			g.b.WriteString(g.spaces(g.r.IntN(3)) + "\n")
		}
	}
}

func (g *generator) trailing() string {
	if g.r.IntN(5) == 0 {
		return " # c"
	}
	if g.r.IntN(8) == 0 {
		return "  "
	}
	return ""
}

// scalar writes a scalar that follows "key: " or "- " on the current line;
// indent is the enclosing collection's indentation.
func (g *generator) scalar(indent int) {
	switch g.r.IntN(9) {
	case 0, 1, 2:
		g.b.WriteString(g.pick(genWords) + g.trailing() + "\n")
	case 3: // multi-line plain
		text := func() string { // a comment may only end the scalar
			if t := g.pick(genText); !strings.ContainsAny(t, "#'\"") && t[0] != '-' {
				return t
			}
			return "text"
		}
		g.b.WriteString(text())
		for n := g.r.IntN(3) + 1; n > 0; n-- {
			g.b.WriteString("\n")
			for g.r.IntN(3) == 0 {
				g.b.WriteString(g.spaces(g.r.IntN(indent+4)) + "\n")
			}
			g.b.WriteString(g.spaces(indent+1+g.r.IntN(4)) + text())
		}
		g.b.WriteString(g.trailing() + "\n")
	case 4:
		g.b.WriteString("'" + g.pick(genQuoted))
		if g.r.IntN(3) == 0 {
			g.b.WriteString(g.spaces(g.r.IntN(2)) + "\n")
			if g.r.IntN(2) == 0 {
				g.b.WriteString("\n")
			}
			g.b.WriteString(g.spaces(indent+1+g.r.IntN(3)) + g.pick(genQuoted))
		}
		g.b.WriteString("'" + g.trailing() + "\n")
	case 5:
		g.b.WriteString(`"` + g.pick(genEscaped))
		if g.r.IntN(3) == 0 {
			g.b.WriteString(g.spaces(g.r.IntN(2)) + "\n" + g.spaces(indent+1+g.r.IntN(3)) + g.pick(genEscaped))
		}
		g.b.WriteString(`"` + g.trailing() + "\n")
	case 6:
		items := []string{}
		for n := g.r.IntN(4); n > 0; n-- {
			switch g.r.IntN(3) {
			case 0:
				items = append(items, "'"+g.pick(genQuoted)+"'")
			case 1:
				items = append(items, `"`+g.pick(genEscaped)+`"`)
			default:
				items = append(items, strings.Fields(g.pick(genWords) + " x")[0])
			}
		}
		g.b.WriteString("[" + strings.Join(items, g.pick([]string{",", ", ", " , "})) + "]" + g.trailing() + "\n")
	default: // block scalar
		g.b.WriteString(g.pick([]string{"|", ">", "|-", ">-", "|+", ">+"}) + g.trailing() + "\n")
		bi := indent + 1 + g.r.IntN(4)
		for g.r.IntN(3) == 0 {
			g.b.WriteString(g.spaces(g.r.IntN(bi+1)) + "\n")
		}
		if g.r.IntN(4) > 0 {
			g.b.WriteString(g.spaces(bi) + g.pick(genText) + "\n")
		}
		for n := g.r.IntN(5); n > 0; n-- {
			switch g.r.IntN(6) {
			case 0:
				g.b.WriteString("\n")
			case 1:
				g.b.WriteString(g.spaces(bi+1+g.r.IntN(3)) + g.pick(genText) + "\n")
			case 2:
				g.b.WriteString(g.spaces(g.r.IntN(bi+2)) + "\n")
			default:
				g.b.WriteString(g.spaces(bi) + g.pick(genText) + g.trailing() + "\n")
			}
		}
	}
}

func (g *generator) key() string {
	switch g.r.IntN(6) {
	case 0:
		return "'" + g.pick(genQuoted) + "'"
	case 1:
		return `"` + g.pick(genEscaped) + `"`
	}
	k := g.pick(genWords)
	if k == "a:b" || k == "12:30" || strings.Contains(k, "#") {
		k = "k"
	}
	return k
}

// mapping writes a block mapping at indent; the first key continues the
// current line when inline.
func (g *generator) mapping(indent, depth int, inline bool) {
	for i, n := 0, g.r.IntN(4)+1; i < n; i++ {
		if i > 0 || !inline {
			g.noise(indent)
			g.b.WriteString(g.spaces(indent))
		}
		g.b.WriteString(g.key() + g.pick([]string{":", ":", " :"}))
		g.value(indent, depth)
	}
}

// value writes what follows "key:".
func (g *generator) value(indent, depth int) {
	switch r := g.r.IntN(10); {
	case r < 5 || depth > 3:
		g.b.WriteString(" ")
		g.scalar(indent)
	case r == 5:
		g.b.WriteString(g.trailing() + "\n")
	case r == 6: // indentless sequence
		g.b.WriteString(g.trailing() + "\n")
		g.sequence(indent, depth+1, false)
	case r == 7:
		g.b.WriteString(g.trailing() + "\n")
		g.sequence(indent+2+g.r.IntN(3), depth+1, false)
	default:
		g.b.WriteString(g.trailing() + "\n")
		g.mapping(indent+1+g.r.IntN(4), depth+1, false)
	}
}

// sequence writes a block sequence at col; the first dash continues the
// current line when inline.
func (g *generator) sequence(col, depth int, inline bool) {
	for i, n := 0, g.r.IntN(4)+1; i < n; i++ {
		if i > 0 || !inline {
			g.noise(col)
			g.b.WriteString(g.spaces(col))
		}
		g.b.WriteString("-")
		switch r := g.r.IntN(8); {
		case r < 4 || depth > 3:
			g.b.WriteString(" ")
			g.scalar(col)
		case r == 4:
			g.b.WriteString(g.trailing() + "\n")
		case r == 5:
			pad := 1 + g.r.IntN(3)
			g.b.WriteString(g.spaces(pad))
			g.mapping(col+1+pad, depth+1, true)
		case r == 6:
			g.b.WriteString(" ")
			g.sequence(col+2, depth+1, true)
		default:
			g.b.WriteString("\n")
			g.mapping(col+1+g.r.IntN(3), depth+1, false)
		}
	}
}

func (g *generator) document() {
	g.noise(0)
	switch g.r.IntN(12) {
	case 0, 1:
		g.sequence(0, 0, false)
	case 2:
		g.b.WriteString(g.spaces(g.r.IntN(2)))
		g.scalar(-1)
	default:
		g.mapping(0, 0, false)
	}
}

func (g *generator) stream() string {
	g.b.Reset()
	g.document()
	for g.r.IntN(5) == 0 {
		if g.r.IntN(3) == 0 {
			g.b.WriteString("...\n")
		}
		g.b.WriteString("---" + g.trailing() + "\n")
		if g.r.IntN(6) > 0 {
			g.document()
		}
	}
	return g.b.String()
}

func TestGenerated(t *testing.T) {
	g := &generator{r: rand.New(rand.NewPCG(seedGen, 2))}
	n := countGen
	handled := 0
	reasons := map[string]int{}
	for i := uint64(0); i < n; i++ {
		in := g.stream()
		if compare(t, fmt.Sprintf("generated #%d", i), []byte(in)) {
			handled++
		} else {
			_, p, reason := documents([]byte(in), false)
			p.release()
			reasons[reason]++
		}
	}
	t.Logf("handled %d of %d generated streams; declined: %v", handled, n, reasons)
	require.Greater(t, uint64(handled), n*4/5, "declined: %v", reasons)
}
