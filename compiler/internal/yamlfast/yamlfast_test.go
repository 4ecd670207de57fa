package yamlfast

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"golang.org/x/tools/txtar"

	"github.com/sigforge/sigforge/compiler/corpus"
)

// reference decodes data the way compiler/sigma did before this package:
// yaml.v3 Decoder.Decode(&yaml.Node) until io.EOF.
func reference(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
}

// diff returns the first difference between two node trees (comments
// ignored), or "".
func diff(path string, want, got *yaml.Node) string {
	switch {
	case want == nil && got == nil:
		return ""
	case want == nil || got == nil:
		return fmt.Sprintf("%s: want %v, got %v", path, want, got)
	}
	describe := func(n *yaml.Node) string {
		return fmt.Sprintf("kind=%d style=%d tag=%q value=%q at %d:%d anchor=%q alias=%v children=%d",
			n.Kind, n.Style, n.Tag, n.Value, n.Line, n.Column, n.Anchor, n.Alias != nil, len(n.Content))
	}
	if w, g := describe(want), describe(got); w != g {
		return fmt.Sprintf("%s:\n  yaml.v3:  %s\n  yamlfast: %s", path, w, g)
	}
	for i := range want.Content {
		if d := diff(fmt.Sprintf("%s/%d", path, i), want.Content[i], got.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// compare checks one input: when Documents handles it, yaml.v3 must accept
// it and produce the same trees, and so must Borrow, in memory that held
// the trees of the inputs compared before. It reports whether Documents
// handled it.
func compare(t testing.TB, name string, data []byte) bool {
	t.Helper()
	got, p, reason := documents(data, false)
	p.release()
	if reason != "" {
		return false
	}
	want, err := reference(data)
	if err != nil {
		t.Fatalf("%s: yamlfast accepted what yaml.v3 rejects (%v):\n%s", name, err, data)
	}
	if len(want) != len(got) {
		t.Fatalf("%s: yaml.v3 read %d documents, yamlfast %d:\n%s", name, len(want), len(got), data)
	}
	for i := range want {
		if d := diff(fmt.Sprintf("doc %d", i), want[i], got[i]); d != "" {
			t.Fatalf("%s: %s\ninput:\n%s", name, d, data)
		}
	}
	borrowed, release, ok := Borrow(data)
	if !ok {
		t.Fatalf("%s: Borrow declined what Documents handled", name)
	}
	defer release()
	if len(want) != len(borrowed) {
		t.Fatalf("%s: yaml.v3 read %d documents, Borrow %d:\n%s", name, len(want), len(borrowed), data)
	}
	for i := range want {
		if d := diff(fmt.Sprintf("borrowed doc %d", i), want[i], borrowed[i]); d != "" {
			t.Fatalf("%s: %s\ninput:\n%s", name, d, data)
		}
	}
	return true
}

// yamlFiles returns the YAML files under dir, and the YAML files inside the
// txtar archives there (as name → content).
func yamlFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		switch ext := filepath.Ext(path); ext {
		case ".yml", ".yaml":
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files[path] = data
		case ".txtar", ".txt":
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, f := range txtar.Parse(data).Files {
				if e := filepath.Ext(f.Name); e == ".yml" || e == ".yaml" {
					files[path+"#"+f.Name] = f.Data
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

// differential compares every file and returns how many Documents handled
// and the reasons it declined the others.
func differential(t *testing.T, files map[string][]byte) (handled int, reasons map[string]int) {
	t.Helper()
	reasons = map[string]int{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if compare(t, name, files[name]) {
			handled++
		} else {
			_, p, reason := documents(files[name], false)
			p.release()
			reasons[reason]++
		}
	}
	return handled, reasons
}

func TestDifferentialSigmaHQ(t *testing.T) {
	dir := corpus.Dir(t, "sigmahq-rules")
	files := yamlFiles(t, dir)
	require.Greater(t, len(files), 1000)
	handled, reasons := differential(t, files)
	t.Logf("yamlfast handled %d of %d SigmaHQ files (%.2f%%); declined: %v",
		handled, len(files), 100*float64(handled)/float64(len(files)), reasons)
	require.GreaterOrEqual(t, float64(handled), 0.99*float64(len(files)), "declined: %v", reasons)
}

func TestDifferentialProject(t *testing.T) {
	files := map[string][]byte{}
	for _, dir := range []string{"../../../rules", "../../../compiler", "../../../cmd/sigforge/testdata"} {
		for name, data := range yamlFiles(t, dir) {
			files[name] = data
		}
	}
	require.NotEmpty(t, files)
	handled, reasons := differential(t, files)
	t.Logf("yamlfast handled %d of %d project YAML files; declined: %v", handled, len(files), reasons)
	require.Positive(t, handled)
}

// cases are tricky inputs: each must be declined or read exactly as yaml.v3
// reads it. handled says which outcome is expected, so that a regression
// to declining everything cannot pass.
var cases = []struct {
	name    string
	in      string
	handled bool
}{
	{"empty", "", true},
	{"only newline", "\n", true},
	{"only comments", "# a\n  # b\n", true},
	{"comment without newline", "# a", true},
	{"document start only", "---\n", true},
	{"document start without newline", "---", true},
	{"document start and comment", "--- # c\n# d", true},
	{"empty documents", "---\n---\n...\n---\na: 1\n", true},
	{"document end", "a: 1\n...\n---\nb: 2\n...\n", true},
	{"content after document end", "a: 1\n...\nb: 2\n", false},
	{"content on the start line", "--- a\n", false},
	{"scalar document", "hello world\n", true},
	{"indented root mapping", "  a: 1\n  b: 2\n", true},
	{"root dedent", "  a: 1\nb: 2\n", false},
	{"two documents", "title: a\n---\ntitle: b\n", true},
	{"leading comment", "# head\n\ntitle: x # trailing\n", true},
	{"trailing comment after value", "key: value # comment\n", true},
	{"hash inside value", "url: http://x#y\nb: a #c\n", true},
	{"colon in value", "url: http://x:80/a\nt: 12:30\n", true},
	{"colon space in value", "a: b: c\n", false},
	{"key with spaces", "a key  : v\n", true},
	{"trailing spaces", "a: b   \nc: 'd'   \ne:   \n  - f  \n  -   \ng: |  \n  h  \n", true},
	{"plain key with colons", "a:b: c\nC:\\x: d\n", true},
	{"comment-only lines between documents", "# c\n---\na: 1\n# d\n---\n# e\nb: 2\n", true},
	{"quoted keys", "'a:b': 1\n\"c: d\": 2\n'e''f' : 3\n", true},
	{"single quotes", "a: '*\\foo'\nb: 'it''s'\nc: ''\nd: ' x '\n", true},
	{"double quotes", `a: "a\"b"
b: "tab\tnl\nbs\\ sp\ x\x41\u00e9\U0001F600"
c: "\0\a\b\v\f\r\e\N\_\L\P\'"
d: ""
`, true},
	{"escape beyond unicode", `a: "\Ua001F600"` + "\n", false},
	{"escape of a surrogate", `a: "\uD800"` + "\n", false},
	{"escape at the unicode limit", `a: "\U0010FFFF\U00000000\xff"` + "\n", true},
	{"unknown escape", `a: "\/"` + "\n", false},
	{"escaped line break", "a: \"x\\\n  y\"\n", false},
	{"quoted multi-line", "a: 'one\n  two\n\n  three  \n   four'\nb: \"x\n\n\n  y \"\n", true},
	{"quoted continuation not indented", "a: 'one\ntwo'\n", false},
	{"quoted document marker", "a: 'x\n--- y'\n", false},
	{"unterminated quote", "a: 'x\n", false},
	{"quoted then text", "a: 'x' y\n", false},
	{"plain multi-line", "a: one\n  two\n\n  three   \n\n\n    four\nb: x\n", true},
	{"plain multi-line in sequence", "- one\n  two\n- three\n", true},
	{"plain multi-line root", "one\ntwo\n\nthree\n", true},
	{"plain continuation stops at comment", "a: one\n  # c\nb: two\n", true},
	{"plain continuation after comment", "a: one\n  # c\n  two\n", false},
	{"plain continuation with dash", "a: one\n  - two\n", true},
	{"plain continuation with colon", "a: one\n  two: x\n", false},
	{"block sequence indentless", "a:\n- x\n- y\nb: z\n", true},
	{"block sequence indented", "a:\n  - x\n  -   y\nb:\n    - z\n", true},
	{"compact mappings", "- a: 1\n  b: 2\n-   c: 3\n    d:\n      - e\n", true},
	{"nested sequences", "- - a\n  - b\n-\n  - c\n- - - d\n", true},
	{"empty items", "-\n- \n- # c\n-\n", true},
	{"empty values", "a:\nb: \nc: # c\nd:", true},
	{"empty indentless item", "a:\n-\nb: 1\n", true},
	{"deeper dash continues a plain item", "a:\n  - x\n   - y\n", true},
	{"sequence then key at same column", "a:\n  - x\n  b: y\n", false},
	{"mapping bad indentation", "a:\n  b: 1\n   c: 2\n", false},
	{"mapping dedent between levels", "a:\n    b: 1\n  c: 2\n", false},
	{"sequence after key on same line", "a: - b\n", false},
	{"flow sequences", "a: [x, 'y', \"z\", 1, -2, .5, true, ~]\nb: []\nc: [ a b ,c ]\n- x\n", false},
	{"flow sequence values", "a: [x, 'y', \"z\", 1, -2, .5, true, ~]\nb: []\nc: [ a b ,c ]\n", true},
	{"flow sequence in sequence", "- [a, b]\n- []\n", true},
	{"flow sequence trailing comma", "a: [x, ]\n", false},
	{"flow sequence multi-line", "a: [x,\n  y]\n", false},
	{"nested flow sequence", "a: [[x]]\n", false},
	{"flow mapping", "a: {b: c}\n", false},
	{"flow sequence as key", "[a]: b\n", false},
	{"literal", "a: |\n  line 1\n\n    indented\n  line 3\nb: x\n", true},
	{"literal strip keep", "a: |-\n  x\n\n\nb: |+\n  y\n\n\nc: >-\n  z\n", true},
	{"literal at end without newline", "a: |\n  x", true},
	{"literal empty", "a: |\nb: |+\n\nc: >\n", true},
	{"folded", "a: >\n  one\n  two\n\n  three\n    more\n  four\n\n\n  five\nb: x\n", true},
	{"folded more-indented", "a: >\n  one\n\n   two\n  three\n", true},
	{"block scalar comment header", "a: | # c\n  x\n", true},
	{"block scalar comment inside", "a: |\n  x\n  # not a comment\n# a comment\nb: 1\n", true},
	{"block scalar trailing spaces line", "a: |\n  x\n     \n  y\n", true},
	{"block scalar leading empty lines", "a: |\n\n\n  x\n", true},
	{"block scalar long leading blank line", "a: |\n      \n  x\n", false},
	{"block scalar in sequence", "- |\n  x\n- >-\n   y\n   z\n", true},
	{"block scalar root", "|\n x\n", true},
	{"indentation indicator", "a: |2\n   x\n", false},
	{"block scalar and dedent", "a:\n  b: |\n      x\n    c: 1\n", false},
	{"numbers", "a: 0o17\nb: 1_000\nc: +1\nd: -.5\ne: 1e3\nf: .inf\ng: -.Inf\nh: .NaN\ni: 0x1F\nj: 0b101\nk: -0b11\nl: 017\nm: 1e400\nn: 99999999999999999999\no: +.nan\np: 1.\nq: 0b\nr: -0o7\ns: 0b-1\nt: 1_0.5\nu: ._5\nv: .5e3\nw: 0x_1\n", true},
	{"dates", "a: 2023-01-01\nb: 2023/01/01\nc: 2023-1-2\nd: 2001-12-14t21:59:43.10-05:00\ne: 2001-12-14 21:59:43.10\nf: 2023-13-01\ng: 12023-01-01\nh: 2001-12-14T21:59:43Z\n", true},
	{"dates checked for existence", "a: 2023-02-29\nb: 2024-02-29\nc: 1900-02-29\nd: 2000-02-29\ne: 2023-04-31\nf: 2023-00-10\ng: 2023-1-0\nh: 2023-01-001\ni: 2023-12-31\nj: 0000-01-01\nk: 2023-1-\nl: 2023--1\nm: 2023-01-01x\n", true},
	{"booleans and nulls", "a: yes\nb: no\nc: on\nd: off\ne: true\nf: False\ng: TRUE\nh: tRUE\ni: ~\nj: null\nk: Null\nl: NULL\nm: nULL\nn: y\no: n\n", true},
	{"keys are resolved", "1: a\ntrue: b\n~: c\n2023-01-01: d\n", true},
	{"merge key", "<<: {a: 1}\n", false},
	{"merge key plain", "a:\n  <<: x\n", false},
	{"anchor and alias", "a: &x 1\nb: *x\n", false},
	{"tag", "a: !!str 1\n", false},
	{"directive", "%YAML 1.2\n---\na: 1\n", false},
	{"complex key", "? a\n: b\n", false},
	{"tab in indentation", "a:\n\tb: 1\n", false},
	{"tab in value", "a: x\ty\n", false},
	{"tab in comment", "a: 1 # x\ty\n#\tz\n", true},
	{"crlf", "a: 1\r\nb: 2\r\n", false},
	{"bom", "\xEF\xBB\xBFa: 1\n", false},
	{"non-ASCII", "título: «ação» # ü\n- ü\n", false},
	{"non-ASCII columns", "título: «ação»\nb: 'ü': x\nc:\n", false},
	{"non-ASCII values", "é: «ação»\nb: 'ü'\nc:\nd: [ü, 'é']\n", true},
	{"control character", "a: \x01\n", false},
	{"dash plain", "a: -x\nb: --x\n-c: d\n", true},
	{"plain with quotes inside", "a: it's \"fine\"\n", true},
	{"plain starting with an indicator", "a: :x\nb: ?y\n- :\\ProgramData'\n", false},
	{"plain values starting with indicators", "a: :x\nb: ?y\nc:\n- :\\ProgramData'\n- ?z\n", true},
	{"plain keys starting with indicators", ":x: 1\n?y: 2\n-z: 3\n", true},
	{"complex key indicator", "? a\n", false},
	{"empty key", ": a\n", false},
	{"document marker lookalikes", "---a: 1\n...b: 2\n", true},
	{"mapping then document marker", "a: 1\n---\n- b\n...\n", true},
	{"block scalar then document marker", "a: |\n  x\n---\nb: |\n  y\n...\n", true},
	{"implicit document after end", "a\n...\n", true},
	{"long key", "k" + strings.Repeat("x", 1100) + ": v\n", false},
	{"sigma-like rule", `title: Suspicious Thing
id: 5b7e4b2a-1d2f-4c3e-9a8b-0c1d2e3f4a5b
status: test
description: |
    Detects something that looks like
    an attack.
references:
    - https://example.com/a#b
author: Someone (@someone)
date: 2023/01/01
modified: 2024-02-03
tags:
    - attack.execution
    - attack.t1059.001
logsource:
    category: process_creation
    product: windows
detection:
    selection_img:
        - Image|endswith: '\powershell.exe'
        - OriginalFileName: 'PowerShell.EXE'
    selection_cli:
        CommandLine|contains|all:
            - ' -enc '
            - "\\\\server"
    filter_main_empty:
        CommandLine: ''
    filter_null:
        CommandLine: null
    condition: all of selection_* and not 1 of filter_*
falsepositives:
    - Unknown
level: high
`, true},
}

func TestCases(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			handled := compare(t, tc.name, []byte(tc.in))
			_, p, reason := documents([]byte(tc.in), false)
			p.release()
			require.Equal(t, tc.handled, handled, "declined: %q", reason)
		})
	}
}

func TestContentIsolated(t *testing.T) {
	docs, ok := Documents([]byte("a:\n- x\nb:\n- y\n"))
	require.True(t, ok)
	m := docs[0].Content[0]
	first := m.Content[1]
	first.Content = append(first.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "added"})
	require.Equal(t, "y", m.Content[3].Content[0].Value, "appending to one Content slice changed another")
}

func FuzzDocuments(f *testing.F) {
	for _, tc := range cases {
		f.Add([]byte(tc.in))
	}
	g := &generator{r: rand.New(rand.NewPCG(7, 7))}
	for range 50 {
		f.Add([]byte(g.stream()))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compare(t, "fuzz input", data)
	})
}

func sigmaHQ(b *testing.B) [][]byte {
	dir, ok := corpus.Path("sigmahq-rules")
	if !ok {
		b.Skip("corpus sigmahq-rules not found")
	}
	var files [][]byte
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".yml" {
			return err
		}
		data, err := os.ReadFile(path)
		files = append(files, data)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return files
}

func benchmark(b *testing.B, read func([]byte)) {
	files := sigmaHQ(b)
	size := 0
	for _, f := range files {
		size += len(f)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			read(f)
		}
	}
}

func BenchmarkDocumentsSigmaHQ(b *testing.B) {
	benchmark(b, func(data []byte) {
		if _, ok := Documents(data); !ok {
			_, _ = reference(data) // what the caller does
		}
	})
}

func BenchmarkBorrowSigmaHQ(b *testing.B) {
	benchmark(b, func(data []byte) {
		if _, release, ok := Borrow(data); ok {
			release()
		} else {
			_, _ = reference(data)
		}
	})
}

func BenchmarkYAMLv3SigmaHQ(b *testing.B) {
	benchmark(b, func(data []byte) {
		if _, err := reference(data); err != nil {
			b.Fatal(err)
		}
	})
}

// TestCheckChars compares the word-at-a-time character check with a plain
// loop, for every kind of byte at every offset of a word.
func TestCheckChars(t *testing.T) {
	slow := func(b []byte) (int, bool, bool) {
		lines, ascii := 0, true
		for _, r := range string(b) {
			switch {
			case r == '\n':
				lines++
			case r == '\t' || r >= 0x20 && r < 0x7F:
			case r == utf8.RuneError, r < 0xA0, r == 0x2028, r == 0x2029, r == 0xFEFF, r == 0xFFFE, r == 0xFFFF:
				return 0, false, false
			default:
				ascii = false
			}
		}
		return lines, ascii, true
	}
	base := []byte("key: value\n  - item # c\nmore text here..")
	specials := []string{"\n", "\t", "\r", "\x00", "\x01", "\x1F", "\x7F", "\x80", "\xC2\x85", "é", "\u2028", "\uFEFF", "\uFFFE", "\xFF", " ", "~", "\n\n", "\t\n"}
	for _, sp := range specials {
		for off := 0; off <= 16; off++ {
			in := append(append(append([]byte{}, base[:off]...), sp...), base[off:]...)
			wantLines, wantASCII, wantOK := slow(in)
			lines, ascii, reason := checkChars(in)
			require.Equal(t, wantOK, reason == "", "%q at %d: %s", sp, off, reason)
			if wantOK {
				require.Equal(t, wantLines, lines, "%q at %d", sp, off)
				require.Equal(t, wantASCII, ascii, "%q at %d", sp, off)
			}
		}
	}
}

// TestNextPlainStop compares the word-at-a-time search with a plain loop
// for every stop byte at every offset.
func TestNextPlainStop(t *testing.T) {
	slow := func(s string, i int) int {
		for i < len(s) && !plainStops[s[i]] {
			i++
		}
		return i
	}
	base := "abcdefghijklmnopqrstuvwxyz0123456789"
	for _, stop := range []string{"", " ", "\n", "\t", ":", "é", "\x00", "\x1f", "!", "\x7f", "\xa0", "\xff", "#", ";"} {
		for off := 0; off <= len(base); off++ {
			s := base[:off] + stop + base[off:]
			for from := 0; from <= len(s); from++ {
				require.Equal(t, slow(s, from), nextPlainStop(s, from), "%q from %d", s, from)
			}
		}
	}
}

// TestSpacesEnd compares the word-at-a-time skip with a plain loop for
// runs of every length ending in every kind of byte.
func TestSpacesEnd(t *testing.T) {
	for n := 0; n <= 20; n++ {
		for _, end := range []string{"", "a", "\n", "\t", "\x00", "\xa0", "!"} {
			s := "x" + strings.Repeat(" ", n) + end + "  y"
			for from := 0; from <= len(s); from++ {
				want := from
				for want < len(s) && s[want] == ' ' {
					want++
				}
				require.Equal(t, want, spacesEnd(s, from), "%q from %d", s, from)
			}
		}
	}
}

// TestBorrowReleaseTwice checks that a second release does not hand the
// same memory to two later readers.
func TestBorrowReleaseTwice(t *testing.T) {
	docs, release, ok := Borrow([]byte("a: [x, y]\nb: z\n"))
	require.True(t, ok)
	require.Len(t, docs, 1)
	release()
	release()
	first, releaseFirst, ok := Borrow([]byte("c: 1\n"))
	require.True(t, ok)
	second, releaseSecond, ok := Borrow([]byte("d: 2\n"))
	require.True(t, ok)
	require.Equal(t, "c", first[0].Content[0].Content[0].Value)
	require.Equal(t, "d", second[0].Content[0].Content[0].Value)
	releaseFirst()
	releaseSecond()
}
